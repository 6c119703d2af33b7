/**
 * The preload: puts `window.secureAccess` (the bridge built from the contract) in the page, and nothing else. No
 * ipcRenderer, no Node: listeners receive the payload only, and only the contract's channels can be used.
 * Bundled by scripts/build-main.mjs to dist/preload/index.cjs (a sandboxed preload must be one CommonJS file).
 *
 * Why not simply `contextBridge.exposeInMainWorld('secureAccess', createBridge(ipcTransport))`: an Error crossing
 * from the preload's isolated world to the page arrives rebuilt from its message alone, so a BridgeError would
 * lose its stable code and facts, and the page could only say "something went wrong". So the isolated world hands
 * over failures as plain error bodies (which cross intact), and a small function run in the page's world turns
 * them back into errors carrying their code, then defines `window.secureAccess`, frozen and not writable.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { BridgeError, createBridge } from './bridge';
import {
  BRIDGE_EVENTS, BRIDGE_METHODS, eventChannel, invokeChannel,
  type BridgeErrorBody, type BridgeTransport, type InvokeResult, type SecureAccessBridge,
} from './contract';

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

type CrossingFunction = (...args: unknown[]) => unknown;

/** A failure as plain data: its code, message and facts survive the crossing between worlds. */
export function errorBodyOf(error: unknown): BridgeErrorBody & { name: 'BridgeError' } {
  if (error instanceof BridgeError) {
    const { code, message, attemptsLeft, lockedUntil, retryAfterSeconds, maxDevices, activeDevices, field } = error;
    const facts = { attemptsLeft, lockedUntil, retryAfterSeconds, maxDevices, activeDevices, field };
    const defined = Object.fromEntries(Object.entries(facts).filter(([, value]) => value !== undefined));
    return { name: 'BridgeError', code, message, ...defined };
  }
  return { name: 'BridgeError', code: 'internal_error', message: error instanceof Error ? error.message : 'Secure Access could not answer.' };
}

/** The bridge as the isolated world hands it over: each method rejects with a plain error body. */
export function crossingBridge(bridge: SecureAccessBridge): Record<string, CrossingFunction> {
  const crossing: Record<string, CrossingFunction> = {};
  for (const method of BRIDGE_METHODS) {
    const call = bridge[method] as (input?: unknown) => Promise<unknown>;
    crossing[method] = (input?: unknown) => call(input).catch((error: unknown) => Promise.reject(errorBodyOf(error)));
  }
  for (const event of BRIDGE_EVENTS) {
    const subscribe = bridge[event] as (listener: unknown) => unknown;
    crossing[event] = (listener: unknown) => subscribe(listener);
  }
  return crossing;
}

/**
 * Runs in the page's world (Electron serializes it: it may use only its arguments and the language's built-ins).
 * Defines window.secureAccess over the crossing functions; failures become Errors named BridgeError with their code.
 */
export function installInMainWorld(crossing: Record<string, CrossingFunction>, methods: readonly string[], events: readonly string[]): void {
  const api: Record<string, unknown> = {};
  for (const method of methods) {
    const call = crossing[method] as (input?: unknown) => Promise<unknown>;
    api[method] = (input?: unknown) => call(input).catch((body: unknown) => {
      const facts = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
      const error = new Error(typeof facts.message === 'string' ? facts.message : 'Secure Access could not answer.');
      Object.assign(error, facts);
      error.name = 'BridgeError';
      throw error;
    });
  }
  for (const event of events) {
    const subscribe = crossing[event] as (listener: unknown) => unknown;
    api[event] = (listener: unknown) => {
      if (typeof listener !== 'function') throw new TypeError(`${event} needs a listener function`);
      return subscribe(listener);
    };
  }
  Object.defineProperty(globalThis, 'secureAccess', { value: Object.freeze(api), enumerable: true, writable: false, configurable: false });
}

const crossing = crossingBridge(createBridge(ipcTransport));
if (typeof contextBridge.executeInMainWorld === 'function') {
  contextBridge.executeInMainWorld({ func: installInMainWorld, args: [crossing, [...BRIDGE_METHODS], [...BRIDGE_EVENTS]] });
} else {
  // An Electron without executeInMainWorld: the same object, whose failures arrive as plain bodies with their code.
  contextBridge.exposeInMainWorld('secureAccess', crossing);
}
