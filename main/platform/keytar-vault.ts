/**
 * KeyVault over the OS keychain with keytar: macOS Keychain, Windows Credential Manager, the Secret Service
 * (gnome-keyring, KWallet) on Linux. One entry per account id under the product's service name; the value is the
 * 32-byte Ed25519 secret key in base64url.
 *
 * `sign` loads the key, signs and zeroes the bytes at once. (keytar hands the key over as a JavaScript string,
 * which cannot be wiped; it lives no longer than the call.) keytar is loaded lazily, so this module loads in plain
 * Node and a keychain that cannot be reached becomes `keychain_unavailable`, not a crash at start-up.
 */
import { fromBase64Url, signMessage, toBase64Url } from '../../protocol/index';
import { CoreError } from '../core/errors';
import type { KeyVault, Logger } from '../core/ports';

export type KeytarApi = {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
  findCredentials(service: string): Promise<Array<{ account: string; password: string }>>;
};

export const KEYCHAIN_SERVICE = 'Secure Access';

/** The service name of the product's entries; a suffix keeps tests and side-by-side builds apart. */
export function keychainServiceName(suffix?: string): string {
  return suffix ? `${KEYCHAIN_SERVICE} (${suffix})` : KEYCHAIN_SERVICE;
}

export interface KeytarVaultOptions {
  /** Appended to the service name, e.g. a test run id or "Development". */
  serviceSuffix?: string;
  /** The keytar module, when the host loads it itself (e.g. from an unpacked asar path). */
  keytar?: KeytarApi;
  logger?: Logger;
}

async function importKeytar(): Promise<KeytarApi> {
  const loaded = (await import('keytar')) as KeytarApi & { default?: KeytarApi };
  return loaded.default ?? loaded;
}

export interface KeytarVault extends KeyVault {
  readonly service: string;
}

export function createKeytarVault(options: KeytarVaultOptions = {}): KeytarVault {
  const service = keychainServiceName(options.serviceSuffix);
  let keytar: Promise<KeytarApi> | null = options.keytar ? Promise.resolve(options.keytar) : null;

  async function withKeychain<T>(action: string, run: (api: KeytarApi) => Promise<T>): Promise<T> {
    let api: KeytarApi;
    try {
      keytar ??= importKeytar();
      api = await keytar;
    } catch (error) {
      keytar = null;
      options.logger?.error('the keychain module could not be loaded', { message: error instanceof Error ? error.message : String(error) });
      throw new CoreError('keychain_unavailable', 'The system keychain is not available.');
    }
    try {
      return await run(api);
    } catch (error) {
      if (error instanceof CoreError) throw error;
      options.logger?.error(`the keychain refused to ${action}`, { service, message: error instanceof Error ? error.message : String(error) });
      throw new CoreError('keychain_unavailable', 'The system keychain is not available.');
    }
  }

  return {
    service,
    async store(accountId, secretKey) {
      if (secretKey.length !== 32) throw new TypeError('an Ed25519 secret key has 32 bytes');
      await withKeychain('store a key', (api) => api.setPassword(service, accountId, toBase64Url(secretKey)));
    },
    sign: (accountId, message) =>
      withKeychain('sign', async (api) => {
        const stored = await api.getPassword(service, accountId);
        if (stored === null) throw new CoreError('keychain_unavailable', 'This account has no key in the keychain.');
        let key: Uint8Array;
        try {
          key = fromBase64Url(stored);
        } catch {
          throw new CoreError('keychain_unavailable', 'The key in the keychain is damaged.');
        }
        try {
          if (key.length !== 32) throw new CoreError('keychain_unavailable', 'The key in the keychain is damaged.');
          return signMessage(message, key);
        } finally {
          key.fill(0);
        }
      }),
    has: (accountId) => withKeychain('read a key', async (api) => (await api.getPassword(service, accountId)) !== null),
    remove: (accountId) => withKeychain('delete a key', (api) => api.deletePassword(service, accountId)),
    list: () =>
      withKeychain('list keys', async (api) => {
        // keytar lists accounts with their secrets; only the names are kept.
        const credentials = await api.findCredentials(service);
        return credentials.map((credential) => credential.account);
      }),
  };
}
