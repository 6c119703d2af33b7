/**
 * One Secure Access installation as it runs on a desktop, minus Electron: the core with the OS key store
 * (@napi-rs/keyring over the Secret Service of the throwaway gnome-keyring of scripts/with-keyring.sh), settings
 * in a real conf file, Node's HTTP, and the test server's clock. Each installation gets its own key-store service
 * and settings folder, removed afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { AsyncEntry } from '@napi-rs/keyring';
import { fromBase64Url, publicKeyOf, toBase64Url } from '../../../protocol/index';
import { defaultPersistedState, describeStateProblem, isPersistedState, type PersistedStateT } from '../../../main/core/state';
import { createKeyVault, type StoreKeyVault } from '../../../main/platform/key-vault';
import { createOsSecretStore } from '../../../main/platform/os-vault';
import { keyStoreServiceName } from '../../../main/platform/secret-store';
import { createConfSettingsStore } from '../../../main/platform/settings-store';
import type { ApprovalKdf } from '../../../main/core/approval-key';
import type { HttpTransport } from '../../../main/core/ports';
import { clockOf, createCoreUnderTest, recordingLogger, type CoreUnderTest } from '../../unit/core/support';
import type { TestServer } from '../../harness/server';

/** The OS key store's entry for a name, read by the library itself (not through our store): null when there is none. */
export function osKeychainEntry(service: string, name: string): Promise<string | null> {
  return new AsyncEntry(service, name, { linux: { store: 'secret-service' } }).getPassword();
}

/** A vault over the Secret Service under a service of its own, like an installation's. */
export function testKeyVault(suffix: string): StoreKeyVault & { service: string } {
  const store = createOsSecretStore({ platform: 'linux', suffix, env: {}, home: '/nonexistent' });
  return Object.assign(createKeyVault({ store }), { service: keyStoreServiceName(suffix) });
}

export interface Installation extends CoreUnderTest {
  vault: StoreKeyVault & { service: string };
  settingsFolder: string;
  /** The keychain entry of an account, as the OS holds it (null when there is none). */
  keychainEntry(accountId: string): Promise<string | null>;
  /** The public key of the private key the OS holds for an account (null when there is none). */
  keychainPublicKey(accountId: string): Promise<string | null>;
  /** Stops the core and, unless `keep`, removes its keychain entries and settings. */
  close(options?: { keep?: boolean }): Promise<void>;
}

const open = new Set<Installation>();

export async function installApp(
  server: Pick<TestServer, 'clock'>,
  options: { reuse?: Installation; name?: string; approvalKdf?: ApprovalKdf; transport?: HttpTransport } = {},
): Promise<Installation> {
  const suffix = options.reuse ? undefined : `it ${options.name ?? 'desktop'} ${randomUUID()}`;
  const vault = options.reuse?.vault ?? testKeyVault(suffix ?? 'desktop');
  const settingsFolder = options.reuse?.settingsFolder ?? mkdtempSync(join(tmpdir(), 'sa-install-'));
  const logger = recordingLogger();
  const store = createConfSettingsStore<PersistedStateT>({
    directory: settingsFolder, validate: isPersistedState, describeProblem: describeStateProblem, defaults: defaultPersistedState, logger,
  });
  const tested = await createCoreUnderTest({ clock: clockOf(server), vault, store, logger, approvalKdf: options.approvalKdf, transport: options.transport });
  let closed = false;
  const installation: Installation = {
    ...tested,
    vault,
    settingsFolder,
    keychainEntry: (accountId) => osKeychainEntry(vault.service, accountId),
    async keychainPublicKey(accountId) {
      const entry = await osKeychainEntry(vault.service, accountId);
      return entry === null ? null : toBase64Url(publicKeyOf(fromBase64Url(entry)));
    },
    async close({ keep = false } = {}) {
      if (!closed) {
        closed = true;
        await tested.stop();
      }
      open.delete(installation);
      if (keep) return;
      for (const id of await vault.list()) await vault.remove(id);
      rmSync(settingsFolder, { recursive: true, force: true });
    },
  };
  open.add(installation);
  return installation;
}

/** The public key the server registered for a device, as it verifies that device's signatures. */
export async function registeredPublicKey(server: TestServer, deviceId: string): Promise<string> {
  const row = await server.server.ctx.db.selectFrom('devices').select('public_key').where('id', '=', deviceId).executeTakeFirstOrThrow();
  return row.public_key;
}

/** For afterEach: closes and cleans every installation a test left open. */
export async function closeAllInstallations(): Promise<void> {
  for (const installation of [...open]) await installation.close();
}
