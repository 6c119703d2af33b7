import { beforeAll, describe, expect, it, vi } from 'vitest';
import { BridgeError } from '../../../preload/bridge';
import { BRIDGE_EVENTS, BRIDGE_METHODS, eventChannel, invokeChannel, type SecureAccessBridge } from '../../../preload/contract';
import type { createFakePreloadElectron } from '../../harness/fake-electron';
import type * as Preload from '../../../preload/index';

// The preload imports 'electron' for real: here it gets the fake ipcRenderer and contextBridge instead.
const electron = vi.hoisted(() => ({ current: null as ReturnType<typeof createFakePreloadElectron> | null }));
vi.mock('electron', async () => {
  const { createFakePreloadElectron: create } = await import('../../harness/fake-electron');
  electron.current = create();
  return electron.current;
});

let exposed: Map<string, unknown>;
let bridge: SecureAccessBridge;
let ipcRenderer: ReturnType<typeof createFakePreloadElectron>['ipcRenderer'];
let transport: typeof Preload.ipcTransport;

beforeAll(async () => {
  ({ ipcTransport: transport } = await import('../../../preload/index'));
  if (!electron.current) throw new Error('the electron mock was not used');
  exposed = electron.current.contextBridge.exposed;
  ipcRenderer = electron.current.ipcRenderer;
  bridge = exposed.get('secureAccess') as SecureAccessBridge;
});

describe('the preload', () => {
  it('exposes window.secureAccess and nothing else', () => {
    expect([...exposed.keys()]).toEqual(['secureAccess']);
    expect(Object.keys(bridge).sort()).toEqual([...BRIDGE_METHODS, ...BRIDGE_EVENTS].sort());
    expect(Object.isFrozen(bridge)).toBe(true);
    expect(JSON.stringify(Object.keys(bridge))).not.toMatch(/ipcRenderer|invoke|send|require/);
  });

  it('calls each method on its contract channel with its one argument', async () => {
    ipcRenderer.answer = (channel) => ({ ok: true, value: { answeredOn: channel } });
    const input = { accountId: 'acc_abcdefghij', validationId: 'val_abcdefghij12', decision: 'reject' as const, numberChoice: null };
    expect(await bridge.decide(input)).toEqual({ answeredOn: invokeChannel('decide') });
    await bridge.listPending();
    expect(ipcRenderer.invocations.slice(-2)).toEqual([
      { channel: invokeChannel('decide'), args: [input] },
      { channel: invokeChannel('listPending'), args: [undefined] },
    ]);
  });

  it('turns an error answer into a BridgeError with its stable code and facts', async () => {
    ipcRenderer.answer = () => ({ ok: false, error: { code: 'activation_code_invalid', message: 'Wrong code', attemptsLeft: 2 } });
    const failure = await bridge.submitActivationCode({ accountId: 'acc_abcdefghij', code: '00000000' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(BridgeError);
    expect(failure).toMatchObject({ code: 'activation_code_invalid', attemptsLeft: 2, message: 'Wrong code' });
  });

  it('gives event listeners the payload only, never the IPC event, and lets them unsubscribe', () => {
    const received: unknown[][] = [];
    const unsubscribe = bridge.onPendingChanged((...args: unknown[]) => void received.push(args));
    ipcRenderer.deliver(eventChannel('onPendingChanged'), []);
    unsubscribe();
    ipcRenderer.deliver(eventChannel('onPendingChanged'), ['after unsubscribe']);
    expect(received).toEqual([[[]]]);
    expect(ipcRenderer.listenerCount(eventChannel('onPendingChanged'))).toBe(0);
  });

  it('refuses any channel outside the contract', async () => {
    await expect(transport.invoke('secure-access:invoke:exportPrivateKey', undefined)).rejects.toThrow(/unknown bridge channel/);
    expect(() => transport.subscribe('ipc-message', () => {})).toThrow(/unknown bridge event/);
    expect(ipcRenderer.invocations.some((call) => call.channel.includes('exportPrivateKey'))).toBe(false);
  });
});
