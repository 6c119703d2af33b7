import { describe, expect, it } from 'vitest';
import { CoreError } from '../../../main/core/errors';
import type { CoreHandlers } from '../../../main/core/api';
import { forwardCoreEvents, registerBridgeIpc } from '../../../main/shell/ipc';
import { BRIDGE_EVENTS, BRIDGE_METHODS, eventChannel, invokeChannel, type BridgeEventName } from '../../../preload/contract';
import { SecureAccessError } from '../../../protocol/errors';
import { FakeIpcMain, type FakeFrame } from '../../harness/fake-electron';

function recordingLogger() {
  const lines: Array<{ level: string; message: string; fields?: Record<string, unknown> }> = [];
  const log = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push({ level, message, fields });
  return { lines, info: log('info'), warn: log('warn'), error: log('error') };
}

const ourPage: FakeFrame = { url: 'app://secure-access/index.html', parent: null };
const validDecision = { accountId: 'acc_abcdefghij', validationId: 'val_abcdefghij12', decision: 'approve', numberChoice: 42, approvalCode: '482915' };

function setUp(behaviour: (method: string, input: unknown) => Promise<unknown> = async (method, input) => ({ method, input })) {
  const ipcMain = new FakeIpcMain();
  const calls: Array<{ method: string; input: unknown }> = [];
  const handlers = Object.fromEntries(BRIDGE_METHODS.map((method) => [method, async (input: unknown) => {
    calls.push({ method, input });
    return behaviour(method, input);
  }])) as unknown as CoreHandlers;
  const logger = recordingLogger();
  const unregister = registerBridgeIpc({ ipcMain: ipcMain as unknown as Parameters<typeof registerBridgeIpc>[0]['ipcMain'], handlers, logger });
  return { ipcMain, calls, logger, unregister };
}

describe('the IPC side of the bridge', () => {
  it('registers exactly one handler per method of the contract', () => {
    const { ipcMain, unregister } = setUp();
    expect([...ipcMain.handlers.keys()].sort()).toEqual(BRIDGE_METHODS.map(invokeChannel).sort());
    unregister();
    expect(ipcMain.handlers.size).toBe(0);
  });

  it('passes a well-formed call from our page to the core and answers { ok, value }', async () => {
    const { ipcMain, calls } = setUp();
    expect(await ipcMain.invoke(invokeChannel('decide'), ourPage, validDecision)).toEqual({ ok: true, value: { method: 'decide', input: validDecision } });
    expect(await ipcMain.invoke(invokeChannel('listPending'), ourPage)).toEqual({ ok: true, value: { method: 'listPending', input: undefined } });
    expect(calls.map((call) => call.method)).toEqual(['decide', 'listPending']);
  });

  it('refuses and logs a call from any frame that is not our page’s main frame, without reaching the core', async () => {
    const { ipcMain, calls, logger } = setUp();
    const strangers: Array<FakeFrame | null> = [
      { url: 'https://phishing.example/', parent: null },
      { url: 'file:///opt/Secure Access/resources/app.asar/dist/renderer/index.html', parent: null },
      { url: 'app://evil/index.html', parent: null },
      { url: 'app://secure-access/index.html', parent: ourPage },
      null,
    ];
    for (const frame of strangers) {
      const answer = await ipcMain.invoke(invokeChannel('decide'), frame, validDecision);
      expect(answer, frame?.url ?? 'closed frame').toEqual({ ok: false, error: { code: 'forbidden', message: expect.any(String) } });
    }
    expect(calls).toEqual([]);
    const refusals = logger.lines.filter((line) => line.message === 'refused a bridge call from a frame that is not the app');
    expect(refusals).toHaveLength(strangers.length);
    expect(refusals.map((line) => line.fields)).toEqual([
      { method: 'decide', sender: 'https://phishing.example', subframe: false },
      { method: 'decide', sender: 'file:', subframe: false },
      { method: 'decide', sender: 'app://evil', subframe: false },
      { method: 'decide', sender: 'app://secure-access', subframe: true },
      { method: 'decide', sender: 'a closed frame', subframe: false },
    ]);
  });

  it('checks the argument’s shape at run time and names the field at fault', async () => {
    const { ipcMain, calls, logger } = setUp();
    const malformed: unknown[] = [
      { ...validDecision, decision: 'approve-all' },
      { ...validDecision, numberChoice: '42' },
      { ...validDecision, extra: true },
      { accountId: 'acc_abcdefghij' },
      'decide',
      null,
    ];
    for (const input of malformed) {
      const answer = await ipcMain.invoke(invokeChannel('decide'), ourPage, input) as { ok: boolean; error?: { code: string } };
      expect(answer.ok, JSON.stringify(input)).toBe(false);
      expect(answer.error?.code).toBe('invalid_input');
    }
    expect(await ipcMain.invoke(invokeChannel('decide'), ourPage, { ...validDecision, decision: 'maybe' })).toMatchObject({ error: { field: 'decision' } });
    expect(await ipcMain.invoke(invokeChannel('checkNow'), ourPage, { now: true })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await ipcMain.invoke(invokeChannel('decide'), ourPage, validDecision, 'second argument'))
      .toEqual({ ok: false, error: { code: 'invalid_input', message: 'A bridge method takes one argument.' } });
    expect(calls).toEqual([]);
    // Logged with the method and the field, never the value (it may be a secret code).
    const refusals = logger.lines.filter((line) => line.message === 'refused a bridge call with a malformed argument').map((line) => line.fields);
    expect(refusals.at(-3)).toEqual({ method: 'decide', field: 'decision' });
    expect(refusals.at(-1)).toEqual({ method: 'decide', field: null });
  });

  it('turns the core’s errors into their stable code and facts, and anything else into internal_error', async () => {
    const { ipcMain, logger } = setUp(async (method) => {
      if (method === 'decide') throw new CoreError('validation_not_pending', 'This validation is no longer pending.');
      if (method === 'submitActivationCode') throw new SecureAccessError('activation_code_invalid', 'Wrong code', { attemptsLeft: 2 });
      throw new Error('ECONNRESET at /home/amartin/.config/secret-path');
    });
    expect(await ipcMain.invoke(invokeChannel('decide'), ourPage, validDecision))
      .toEqual({ ok: false, error: { code: 'validation_not_pending', message: 'This validation is no longer pending.' } });
    expect(await ipcMain.invoke(invokeChannel('submitActivationCode'), ourPage, { accountId: 'acc_abcdefghij', code: '12345678' }))
      .toEqual({ ok: false, error: { code: 'activation_code_invalid', message: 'Wrong code', attemptsLeft: 2 } });
    const unexpected = await ipcMain.invoke(invokeChannel('listPending'), ourPage) as { ok: false; error: { code: string; message: string } };
    expect(unexpected.error.code).toBe('internal_error');
    expect(unexpected.error.message).not.toContain('secret-path');
    expect(logger.lines.some((line) => line.level === 'error')).toBe(true);
  });
});

describe('core events towards the renderer', () => {
  it('are forwarded on their contract channels, and stop when asked', () => {
    const listeners = new Map<string, (payload: unknown) => void>();
    const core = {
      on: (event: BridgeEventName, listener: (payload: never) => void) => {
        listeners.set(event, listener as (payload: unknown) => void);
        return () => listeners.delete(event);
      },
    };
    const sent: Array<[string, unknown]> = [];
    const stop = forwardCoreEvents(core, (channel, payload) => sent.push([channel, payload]));
    expect([...listeners.keys()].sort()).toEqual([...BRIDGE_EVENTS].sort());
    listeners.get('onPendingChanged')?.([]);
    listeners.get('onNavigate')?.({ screen: 'inbox' });
    expect(sent).toEqual([[eventChannel('onPendingChanged'), []], [eventChannel('onNavigate'), { screen: 'inbox' }]]);
    stop();
    expect(listeners.size).toBe(0);
  });
});
