/**
 * The preload: exposes `window.secureAccess` (the bridge built from the contract) and nothing else. No
 * ipcRenderer, no Node: listeners receive the payload only, and only the contract's channels can be used.
 * Bundled by scripts/build-main.mjs to dist/preload/index.cjs (a sandboxed preload must be one CommonJS file).
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { createBridge } from './bridge';
import { BRIDGE_EVENTS, BRIDGE_METHODS, eventChannel, invokeChannel, type BridgeTransport, type InvokeResult } from './contract';

const INVOKE_CHANNELS: ReadonlySet<string> = new Set(BRIDGE_METHODS.map(invokeChannel));
const EVENT_CHANNELS: ReadonlySet<string> = new Set(BRIDGE_EVENTS.map(eventChannel));

export const ipcTransport: BridgeTransport = {
  invoke(channel, input) {
    if (!INVOKE_CHANNELS.has(channel)) return Promise.reject(new Error(`unknown bridge channel ${channel}`));
    return ipcRenderer.invoke(channel, input) as Promise<InvokeResult<unknown>>;
  },
  subscribe(channel, listener) {
    if (!EVENT_CHANNELS.has(channel)) throw new Error(`unknown bridge event ${channel}`);
    const forward = (_event: IpcRendererEvent, payload: unknown) => listener(payload);
    ipcRenderer.on(channel, forward);
    return () => {
      ipcRenderer.removeListener(channel, forward);
    };
  },
};

contextBridge.exposeInMainWorld('secureAccess', createBridge(ipcTransport));
