/**
 * The ports through which the host-agnostic core talks to the world. main/platform implements them
 * (the OS key store, electron-store/conf, Electron net.fetch/Node fetch); tests use in-memory versions for unit tests only.
 */

/** Holds each account's Ed25519 secret key. The OS keychain in the app. */
export interface KeyVault {
  /** Stores the 32-byte secret key of an account (one entry per account). */
  store(accountId: string, secretKey: Uint8Array): Promise<void>;
  /** Signs with the account's key without the key leaving the vault's module. Throws if there is no key. */
  sign(accountId: string, message: Uint8Array): Promise<Uint8Array>;
  has(accountId: string): Promise<boolean>;
  /** Returns whether an entry was deleted. */
  remove(accountId: string): Promise<boolean>;
  /** Account ids that have a key (to find orphans after a crash). */
  list(): Promise<string[]>;
}

/** Persistent, non-secret state: accounts (without keys), settings. electron-store in the app, `conf` in tests. */
export interface SettingsStore<T extends object> {
  read(): T;
  write(value: T): void;
  /** Where the data lives, for the about screen and support. */
  readonly location: string;
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
}

/** Electron's net.fetch in the app (system proxy, PAC, corporate CAs); Node's fetch in tests. */
export interface HttpTransport {
  /** Rejects only when no HTTP answer came back (network, DNS, TLS, abort). */
  send(request: HttpRequest): Promise<HttpResponse>;
}

export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): { cancel(): void };
}

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(callback, ms) {
    const timer = setTimeout(callback, ms);
    return { cancel: () => clearTimeout(timer) };
  },
};
