/**
 * The one-time move of the device keys an earlier version kept with keytar into today's store (os-vault.ts).
 * keytar wrote Windows credentials with CRED_PERSIST_ENTERPRISE, which roam with the profile; it is archived and
 * is kept (as an optional dependency, loaded only here) to read and delete what it wrote. Each key is written to
 * the new store, read back, and only then deleted from keytar; a key that cannot be moved stays where it was and
 * the next start tries again. keytar and the new store never share a service name (KEY_STORE_SERVICE), so on
 * macOS, where both write generic passwords, deleting the old entry can never delete the new one.
 */
import { existsSync, writeFileSync } from 'node:fs';
import type { Logger } from '../core/ports';
import type { SecretStore } from './secret-store';

export interface LegacyKeytar {
  findCredentials(service: string): Promise<Array<{ account: string; password: string }>>;
  deletePassword(service: string, account: string): Promise<boolean>;
}

/** The service name keytar's entries were written under. */
export const LEGACY_KEYTAR_SERVICE = 'Secure Access';

export function legacyKeytarServiceName(suffix?: string): string {
  return suffix ? `${LEGACY_KEYTAR_SERVICE} (${suffix})` : LEGACY_KEYTAR_SERVICE;
}

export async function importKeytar(): Promise<LegacyKeytar> {
  const loaded = (await import('keytar')) as LegacyKeytar & { default?: LegacyKeytar };
  return loaded.default ?? loaded;
}

export interface KeytarMigrationOptions {
  loadKeytar: () => Promise<LegacyKeytar>;
  /** keytar's service name (legacyKeytarServiceName). */
  service: string;
  target: SecretStore;
  logger: Logger;
}

export interface KeytarMigrationResult {
  moved: number;
  /** Entries still in keytar (to try again at the next start); null when keytar could not be read at all. */
  left: number | null;
}

export async function migrateKeytarKeys({ loadKeytar, service, target, logger }: KeytarMigrationOptions): Promise<KeytarMigrationResult> {
  let keytar: LegacyKeytar;
  let entries: Array<{ account: string; password: string }>;
  try {
    keytar = await loadKeytar();
    entries = await keytar.findCredentials(service);
  } catch (error) {
    logger.info('no earlier key store (keytar) to move keys from', { reason: error instanceof Error ? error.message : String(error) });
    return { moved: 0, left: null };
  }
  let moved = 0;
  for (const { account, password } of entries) {
    try {
      const already = await target.get(account);
      // A key already in the new store was written by this version (a newer activation): it wins.
      if (already === null) {
        await target.set(account, password);
        if ((await target.get(account)) !== password) throw new Error('the key read back differs from the key written');
      }
      await keytar.deletePassword(service, account);
      moved += 1;
    } catch (error) {
      logger.error('could not move a device key from the earlier key store; it stays there until the next start', {
        accountId: account, message: error instanceof Error ? error.message : String(error),
      });
    }
  }
  if (entries.length > 0) logger.info('moved device keys from the earlier key store (keytar)', { moved, left: entries.length - moved, to: target.description });
  return { moved, left: entries.length - moved };
}

/**
 * At start, before the core looks for orphan keys: moves what keytar still holds, and once nothing is left writes
 * `markerFile` so later starts do not load keytar at all.
 */
export async function migrateKeytarKeysAtStart(options: KeytarMigrationOptions & { markerFile: string }): Promise<KeytarMigrationResult | null> {
  if (existsSync(options.markerFile)) return null;
  const result = await migrateKeytarKeys(options);
  if (result.left === 0) writeFileSync(options.markerFile, `${new Date().toISOString()} ${result.moved} key(s) moved from keytar\n`);
  return result;
}
