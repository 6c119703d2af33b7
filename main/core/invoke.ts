/**
 * What a host (the Electron shell over IPC, the renderer test harness over a Playwright binding) calls for each
 * message from the renderer: the method name is checked against the contract, the handler runs, and the outcome
 * comes back as an InvokeResult that never rejects and never carries a stack trace.
 */
import { BRIDGE_METHODS, type BridgeMethodName, type InvokeResult } from '../../preload/contract';
import type { AuthenticatorCore } from './api';
import { toInvokeResult } from './errors';
import type { Logger } from './ports';

export function isBridgeMethod(value: unknown): value is BridgeMethodName {
  return typeof value === 'string' && (BRIDGE_METHODS as readonly string[]).includes(value);
}

export async function invokeCore(core: AuthenticatorCore, method: string, input: unknown, logger?: Logger): Promise<InvokeResult<unknown>> {
  if (!isBridgeMethod(method)) {
    return { ok: false, error: { code: 'invalid_input', message: 'Unknown method.' } };
  }
  const handler = core.handlers[method] as (input: unknown) => Promise<unknown>;
  return toInvokeResult(() => handler(input), logger);
}
