/**
 * Builds the `window.secureAccess` object from the contract, over any transport: Electron IPC in the app
 * (preload/index.ts), a Playwright binding in the renderer tests. Only this object reaches the renderer.
 */
import {
  BRIDGE_EVENTS, BRIDGE_METHODS, eventChannel, invokeChannel,
  type BridgeErrorBody, type BridgeTransport, type SecureAccessBridge,
} from './contract';

/** The error the renderer catches: the code is what it turns into a message in the user's language. */
export class BridgeError extends Error implements BridgeErrorBody {
  readonly code: BridgeErrorBody['code'];
  readonly attemptsLeft?: number;
  readonly lockedUntil?: string | null;
  readonly retryAfterSeconds?: number;
  readonly maxDevices?: number;
  readonly activeDevices?: number;
  readonly field?: string;

  constructor(body: BridgeErrorBody) {
    super(body.message);
    this.name = 'BridgeError';
    this.code = body.code;
    Object.assign(this, { ...body, message: body.message });
  }
}

export function createBridge(transport: BridgeTransport): SecureAccessBridge {
  const bridge: Record<string, unknown> = {};
  for (const method of BRIDGE_METHODS) {
    bridge[method] = async (input?: unknown) => {
      const result = await transport.invoke(invokeChannel(method), input);
      if (!result.ok) throw new BridgeError(result.error);
      return result.value;
    };
  }
  for (const event of BRIDGE_EVENTS) {
    bridge[event] = (listener: (payload: unknown) => void) => {
      if (typeof listener !== 'function') throw new TypeError(`${event} needs a listener function`);
      // Listeners get the payload only, never the IPC event (which would leak the sender and ipcRenderer).
      return transport.subscribe(eventChannel(event), (payload) => listener(payload));
    };
  }
  return Object.freeze(bridge) as unknown as SecureAccessBridge;
}
