import type { SecureAccessBridge } from '../preload/contract';

declare global {
  interface Window {
    /** The only way out of the renderer: built by preload/bridge.ts, typed by preload/contract.ts. */
    readonly secureAccess: SecureAccessBridge;
  }
}

export {};
