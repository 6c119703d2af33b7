/**
 * One Secure Access installation as it runs on a desktop, minus Electron: the core with the OS keychain (keytar over
 * the throwaway gnome-keyring of scripts/with-keyring.sh), settings in a real conf file, Node's HTTP, and the test
 * server's clock. Each installation gets its own keychain service and settings folder, removed afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import keytar from 'keytar';
import { defaultPersistedState, describeStateProblem, isPersistedState, type PersistedStateT } from '../../../main/core/state';
import { createKeytarVault, type KeytarVault } from '../../../main/platform/keytar-vault';
import { createConfSettingsStore } from '../../../main/platform/settings-store';
import type { ApprovalKdf } from '../../../main/core/approval-key';
import type { HttpTransport } from '../../../main/core/ports';
import { clockOf, createCoreUnderTest, recordingLogger, type CoreUnderTest } from '../../unit/core/support';
import type { TestServer } from '../../harness/server';

export interface Installation extends CoreUnderTest {
  vault: KeytarVault;
  settingsFolder: string;
  /** The keychain entry of an account, as the OS holds it (null when there is none). */
  keychainEntry(accountId: string): Promise<string | null>;
  /** Stops the core and, unless `keep`, removes its keychain entries and settings. */
  close(options?: { keep?: boolean }): Promise<void>;
}

const open = new Set<Installation>();

export async function installApp(
  server: Pick<TestServer, 'clock'>,
  options: { reuse?: Installation; name?: string; approvalKdf?: ApprovalKdf; transport?: HttpTransport } = {},
): Promise<Installation> {
  const suffix = options.reuse ? undefined : `it ${options.name ?? 'desktop'} ${randomUUID()}`;
  const vault = options.reuse?.vault ?? createKeytarVault({ serviceSuffix: suffix });
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
    keychainEntry: (accountId) => keytar.getPassword(vault.service, accountId),
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

/** For afterEach: closes and cleans every installation a test left open. */
export async function closeAllInstallations(): Promise<void> {
  for (const installation of [...open]) await installation.close();
}
