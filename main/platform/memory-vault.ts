/**
 * An in-memory KeyVault, for unit tests only: the app and the integration tests use the OS key store (key-vault.ts over os-vault.ts).
 * Like the real one, it keeps its own copy of each key and only ever hands out signatures.
 */
import { signMessage } from '../../protocol/index';
import type { KeyVault } from '../core/ports';

export function createMemoryVault(): KeyVault {
  const keys = new Map<string, Uint8Array>();
  return {
    async store(accountId, secretKey) {
      if (secretKey.length !== 32) throw new TypeError('an Ed25519 secret key has 32 bytes');
      keys.set(accountId, Uint8Array.from(secretKey));
    },
    async sign(accountId, message) {
      const key = keys.get(accountId);
      if (!key) throw new Error(`no key for account ${accountId}`);
      return signMessage(message, key);
    },
    async has(accountId) {
      return keys.has(accountId);
    },
    async remove(accountId) {
      const key = keys.get(accountId);
      key?.fill(0);
      return keys.delete(accountId);
    },
    async list() {
      return [...keys.keys()];
    },
  };
}
