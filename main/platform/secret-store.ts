/**
 * Where the OS keeps a secret for us, one value per name, on this computer only: the macOS login keychain or the
 * Secret Service through @napi-rs/keyring (keyring-store.ts), DPAPI-wrapped files in non-roaming local app data
 * on Windows (wrapped-file-store.ts). KeyVault (key-vault.ts) is built on it; names and values are opaque here,
 * so any per-account secret can live in it, not only the device key.
 *
 * There is never a fallback: a computer without a protected store (no Secret Service on Linux, safeStorage that
 * would only obfuscate) throws SecretStoreMissing, and the app refuses to activate an account there.
 */

export interface SecretStore {
  /** What keeps the secrets, for the log and support ("Secret Service", "Windows DPAPI, C:\\…\\keys"). */
  readonly description: string;
  get(name: string): Promise<string | null>;
  set(name: string, value: string): Promise<void>;
  /** Whether there was a value to delete. */
  delete(name: string): Promise<boolean>;
  /** The names that have a value. */
  list(): Promise<string[]>;
}

/** This computer has no store that protects secrets (as opposed to one that is locked or failing right now). */
export class SecretStoreMissing extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretStoreMissing';
  }
}

/** The product's service name in the OS store; a suffix keeps development builds and tests apart. */
export const KEY_STORE_SERVICE = 'Secure Access Keys';

export function keyStoreServiceName(suffix?: string): string {
  return suffix ? `${KEY_STORE_SERVICE} (${suffix})` : KEY_STORE_SERVICE;
}
