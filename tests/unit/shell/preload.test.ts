import { beforeAll, describe, expect, it, vi } from 'vitest';
import { BRIDGE_EVENTS, BRIDGE_METHODS, eventChannel, invokeChannel, type SecureAccessBridge } from '../../../preload/contract';
import { BridgeError, createBridge } from '../../../preload/bridge';
import type { createFakePreloadElectron } from '../../harness/fake-electron';
import type * as Preload from '../../../preload/index';

// The preload imports 'electron' for real: here it gets the fake ipcRenderer and contextBridge instead, whose
// contextBridge copies values between worlds by Electron's rules (an Error keeps only its message).
const electron = vi.hoisted(() => ({ current: null as ReturnType<typeof createFakePreloadElectron> | null }));
vi.mock('electron', async () => {
  const { createFakePreloadElectron: create } = await import('../../harness/fake-electron');
  electron.current = create();
  return electron.current;
});

let bridge: SecureAccessBridge;
let fake: ReturnType<typeof createFakePreloadElectron>;
let preload: typeof Preload;

beforeAll(async () => {
  preload = await import('../../../preload/index');
  if (!electron.current) throw new Error('the electron mock was not used');
  fake = electron.current;
  bridge = fake.contextBridge.windowProperty('secureAccess') as SecureAccessBridge;
});

describe('the preload', () => {
  it('defines window.secureAccess in the page’s world, and nothing else', () => {
    expect(fake.contextBridge.executions).toBe(1);
    expect(fake.contextBridge.exposed.size).toBe(0);
    expect(Object.keys(fake.contextBridge.mainWorld)).toEqual(['secureAccess']);
    expect(Object.keys(bridge).sort()).toEqual([...BRIDGE_METHODS, ...BRIDGE_EVENTS].sort());
    expect(Object.isFrozen(bridge)).toBe(true);
    // The page cannot replace it.
    expect(Object.getOwnPropertyDescriptor(fake.contextBridge.mainWorld, 'secureAccess')).toMatchObject({ writable: false, configurable: false });
  });

  it('calls each method on its contract channel with its one argument', async () => {
    fake.ipcRenderer.answer = (channel) => ({ ok: true, value: { answeredOn: channel } });
    const input = { accountId: 'acc_abcdefghij', validationId: 'val_abcdefghij12', decision: 'reject' as const, numberChoice: null, approvalCode: null };
    expect(await bridge.decide(input)).toEqual({ answeredOn: invokeChannel('decide') });
    await bridge.listPending();
    expect(fake.ipcRenderer.invocations.slice(-2)).toEqual([
      { channel: invokeChannel('decide'), args: [input] },
      { channel: invokeChannel('listPending'), args: [undefined] },
    ]);
  });

  it('hands the page an error with its stable code and facts, across the worlds', async () => {
    fake.ipcRenderer.answer = () => ({ ok: false, error: { code: 'activation_code_invalid', message: 'Wrong code', attemptsLeft: 2 } });
    const failure = await bridge.submitActivationCode({ accountId: 'acc_abcdefghij', code: '00000000' }).catch((error: unknown) => error);
    expect(failure).toMatchObject({ name: 'BridgeError', code: 'activation_code_invalid', attemptsLeft: 2, message: 'Wrong code' });
    expect(Object.prototype.toString.call(failure)).toBe('[object Error]');
  });

  it('would lose the code if it let a BridgeError cross as it is (why the preload does not)', async () => {
    const failing = createBridge({ invoke: async () => ({ ok: false, error: { code: 'device_limit_reached', message: 'Five devices', maxDevices: 5 } }), subscribe: () => () => {} });
    const { crossWorlds } = await import('../../harness/fake-electron');
    const naive = crossWorlds(failing) as SecureAccessBridge;
    const lost = await naive.listPending().catch((error: unknown) => error);
    expect(lost).toBeInstanceOf(Error);
    expect((lost as { code?: string }).code).toBeUndefined();
    // Through the preload's crossing, the same failure keeps everything.
    const kept = await (crossWorlds(preload.crossingBridge(failing)) as Record<string, () => Promise<unknown>>).listPending?.().catch((error: unknown) => error);
    expect(kept).toEqual({ name: 'BridgeError', code: 'device_limit_reached', message: 'Five devices', maxDevices: 5 });
  });

  it('turns a failure of the IPC itself into internal_error, and keeps a BridgeError’s facts', () => {
    expect(preload.errorBodyOf(new Error('IPC channel closed'))).toEqual({ name: 'BridgeError', code: 'internal_error', message: 'IPC channel closed' });
    expect(preload.errorBodyOf(new BridgeError({ code: 'account_locked', message: 'Locked', lockedUntil: '2030-03-04T10:00:00Z' })))
      .toEqual({ name: 'BridgeError', code: 'account_locked', message: 'Locked', lockedUntil: '2030-03-04T10:00:00Z' });
  });

  it('gives event listeners the payload only, never the IPC event, and lets them unsubscribe', () => {
    const received: unknown[][] = [];
    const unsubscribe = bridge.onPendingChanged((...args: unknown[]) => void received.push(args));
    fake.ipcRenderer.deliver(eventChannel('onPendingChanged'), []);
    unsubscribe();
    fake.ipcRenderer.deliver(eventChannel('onPendingChanged'), ['after unsubscribe']);
    expect(received).toEqual([[[]]]);
    expect(fake.ipcRenderer.listenerCount(eventChannel('onPendingChanged'))).toBe(0);
    expect(() => bridge.onAccountsChanged('not a function' as never)).toThrow(/needs a listener function/);
  });

  it('refuses any channel outside the contract', async () => {
    await expect(preload.ipcTransport.invoke('secure-access:invoke:exportPrivateKey', undefined)).rejects.toThrow(/unknown bridge channel/);
    expect(() => preload.ipcTransport.subscribe('ipc-message', () => {})).toThrow(/unknown bridge event/);
    expect(fake.ipcRenderer.invocations.some((call) => call.channel.includes('exportPrivateKey'))).toBe(false);
  });
});
