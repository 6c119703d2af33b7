/**
 * KeyVault over a SecretStore (secret-store.ts): one entry per account id, the value the 32-byte Ed25519 secret
 * key in base64url. `sign` loads the key, signs and zeroes the bytes at once (the store hands the key over as a
 * JavaScript string, which cannot be wiped; it lives no longer than the call).
 *
 * Failures become the two codes the app explains: `keychain_missing` when this computer has no protected store
 * at all (activation is refused, in plain words), `keychain_unavailable` when the store is there but refuses now
 * (locked, busy) or holds no usable key. Neither message carries the store's own words, which could name a path.
 */
import { fromBase64Url, signMessage, toBase64Url } from '../../protocol/index';
import { CoreError } from '../core/errors';
import type { KeyVault, Logger } from '../core/ports';
import { SecretStoreMissing, type SecretStore } from './secret-store';

export interface StoreKeyVault extends KeyVault {
  /** The store underneath (the port's `store` is the method that stores a key). */
  readonly secrets: SecretStore;
}

export function createKeyVault({ store, logger }: { store: SecretStore; logger?: Logger }): StoreKeyVault {
  async function withStore<T>(action: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof CoreError) throw error;
      if (error instanceof SecretStoreMissing) {
        logger?.error(`no protected key store on this computer, cannot ${action}`, { store: store.description, reason: error.message });
        throw new CoreError('keychain_missing', 'This computer has no protected key store (such as GNOME Keyring or KWallet) to keep the device key in.');
      }
      logger?.error(`the key store refused to ${action}`, { store: store.description, message: error instanceof Error ? error.message : String(error) });
      throw new CoreError('keychain_unavailable', 'The system keychain is not available.');
    }
  }

  return {
    secrets: store,
    async store(accountId, secretKey) {
      if (secretKey.length !== 32) throw new TypeError('an Ed25519 secret key has 32 bytes');
      await withStore('store a key', () => store.set(accountId, toBase64Url(secretKey)));
    },
    sign: (accountId, message) =>
      withStore('sign', async () => {
        const stored = await store.get(accountId);
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
    has: (accountId) => withStore('read a key', async () => (await store.get(accountId)) !== null),
    remove: (accountId) => withStore('delete a key', () => store.delete(accountId)),
    list: () => withStore('list keys', () => store.list()),
  };
}
