/**
 * SecretStore over @napi-rs/keyring (keyring-rs): the login keychain on macOS (generic passwords of service
 * "Secure Access Keys", account = the name), the Secret Service on Linux (GNOME Keyring, KWallet; attributes
 * `service` and `username`). Neither roams to another computer.
 *
 * On Linux the store is pinned to the Secret Service: without the pin, @napi-rs/keyring silently falls back to
 * the kernel keyring, which lives in memory and loses every key at the next reboot. Pinned, a computer without a
 * Secret Service throws at once, and that becomes SecretStoreMissing. Not used on Windows, where keyring-rs writes
 * credentials with CRED_PERSIST_ENTERPRISE, which roam (wrapped-file-store.ts instead).
 *
 * The native module is loaded on first use, so this file loads in plain Node and a missing binary is an error
 * the app can report, not a crash at start-up.
 */
import type * as Keyring from '@napi-rs/keyring';
import { SecretStoreMissing, type SecretStore } from './secret-store';

export type KeyringModule = Pick<typeof Keyring, 'AsyncEntry' | 'findCredentialsAsync'>;

export interface KeyringStoreOptions {
  service: string;
  platform: NodeJS.Platform;
  /** The module, when a test or the host loads it itself. */
  keyring?: KeyringModule;
}

async function importKeyring(): Promise<KeyringModule> {
  const loaded = (await import('@napi-rs/keyring')) as KeyringModule & { default?: KeyringModule };
  return loaded.default ?? loaded;
}

export function createKeyringStore({ service, platform, keyring }: KeyringStoreOptions): SecretStore {
  if (platform === 'win32') throw new Error('the Windows Credential Manager entries of keyring-rs roam: use the wrapped-file store on Windows');
  const entryOptions: Keyring.EntryOptions = platform === 'linux' ? { linux: { store: 'secret-service' } } : {};
  let module: Promise<KeyringModule> | null = keyring ? Promise.resolve(keyring) : null;

  async function load(): Promise<KeyringModule> {
    try {
      module ??= importKeyring();
      return await module;
    } catch (error) {
      module = null;
      throw error;
    }
  }

  async function entry(name: string): Promise<Keyring.AsyncEntry> {
    const { AsyncEntry } = await load();
    try {
      return new AsyncEntry(service, name, entryOptions);
    } catch (error) {
      // Only the Linux pin can fail here: there is no Secret Service on this session bus.
      if (platform === 'linux') throw new SecretStoreMissing(`no Secret Service (GNOME Keyring, KWallet) answers on this session (${messageOf(error)})`);
      throw error;
    }
  }

  return {
    description: platform === 'darwin' ? `macOS login keychain, service "${service}"` : `Secret Service, service "${service}"`,
    get: async (name) => (await entry(name)).getPassword(),
    set: async (name, value) => (await entry(name)).setPassword(value),
    delete: async (name) => (await entry(name)).deleteCredential(),
    async list() {
      // Building an entry is what finds out, on Linux, whether there is a Secret Service at all.
      await entry('list');
      const { findCredentialsAsync } = await load();
      // It reads every value with its name; only the names are kept.
      return (await findCredentialsAsync(service)).map((credential) => credential.account);
    },
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
