/**
 * The IPC side of the bridge. One handler per BRIDGE_METHODS entry, all registered through one wrapper that
 * refuses any sender but our own page's main frame and checks the argument against the method's schema (the
 * core's INPUT_SCHEMAS, one place for them) before the core sees it. Answers are InvokeResult values, never thrown
 * errors: Electron would flatten an error's code into its message.
 */
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { BRIDGE_EVENTS, BRIDGE_METHODS, eventChannel, invokeChannel, type BridgeEventName, type InvokeResult } from '../../preload/contract';
import type { AuthenticatorCore, CoreHandlers } from '../core/api';
import { CoreError, toBridgeErrorBody } from '../core/errors';
import { parseInput } from '../core/inputs';
import type { Logger } from './electron-api';
import { describeUrlForLog, isTrustedRendererUrl } from './security';

/** Our page's main frame, and nothing else: not a subframe, not a page that navigated elsewhere, not file://. */
export function isTrustedSender(event: Pick<IpcMainInvokeEvent, 'senderFrame'>): boolean {
  const frame = event.senderFrame;
  if (frame === null || frame.parent !== null) return false;
  return isTrustedRendererUrl(frame.url);
}

export const FORBIDDEN_SENDER = { code: 'forbidden', message: 'This page may not use Secure Access.' } as const;

export interface RegisterIpcOptions {
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>;
  handlers: CoreHandlers;
  logger: Logger;
}

/** Registers every bridge method; returns the function that removes them (on quit, in tests). */
export function registerBridgeIpc({ ipcMain, handlers, logger }: RegisterIpcOptions): () => void {
  for (const method of BRIDGE_METHODS) {
    const handler = handlers[method] as (input: unknown) => Promise<unknown>;
    ipcMain.handle(invokeChannel(method), async (event, ...args: unknown[]): Promise<InvokeResult<unknown>> => {
      if (!isTrustedSender(event)) {
        logger.warn('refused a bridge call from a frame that is not the app', {
          method,
          sender: event.senderFrame ? describeUrlForLog(event.senderFrame.url) : 'a closed frame',
          subframe: event.senderFrame ? event.senderFrame.parent !== null : false,
        });
        return { ok: false, error: { ...FORBIDDEN_SENDER } };
      }
      let input: unknown;
      try {
        if (args.length > 1) throw new CoreError('invalid_input', 'A bridge method takes one argument.');
        input = parseInput(method, args[0]);
      } catch (error) {
        const body = toBridgeErrorBody(error, logger);
        logger.warn('refused a bridge call with a malformed argument', { method, field: body.field ?? null });
        return { ok: false, error: body };
      }
      try {
        return { ok: true, value: await handler(input) };
      } catch (error) {
        return { ok: false, error: toBridgeErrorBody(error, logger) };
      }
    });
  }
  return () => {
    for (const method of BRIDGE_METHODS) ipcMain.removeHandler(invokeChannel(method));
  };
}

/** Forwards every core event to the renderer on its contract channel; returns the function that stops it. */
export function forwardCoreEvents(
  core: Pick<AuthenticatorCore, 'on'>,
  send: (channel: string, payload: unknown) => void,
): () => void {
  const stops = BRIDGE_EVENTS.map((event: BridgeEventName) => core.on(event, (payload: unknown) => send(eventChannel(event), payload)));
  return () => stops.forEach((stop) => stop());
}
