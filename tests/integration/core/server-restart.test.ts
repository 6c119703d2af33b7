/**
 * "The server restarting mid long-poll does not lose a validation": the core is waiting when the server goes away;
 * a new server process comes up on the same database and port; a transfer created there reaches the core by
 * itself, through the reconnection backoff, with the cursor it held. On SQLite and on PostgreSQL.
 */
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startTestServer } from '../../harness/server';
import { activateThroughBridge, TEST_APPROVAL_CODE } from '../../unit/core/support';
import { closeAllInstallations, installApp } from './support';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  await closeAllInstallations();
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe.each(['sqlite', 'postgres'] as const)('the server restarting while the app waits (%s)', (database) => {
  it('loses no validation: the app reconnects by itself and receives what was created meanwhile', async () => {
    const first = await startTestServer({ database });
    const { clock, port, databaseUrl } = first;
    const admin = await first.readyPrimaryAdmin();
    const app = await installApp(first);
    const account = await activateThroughBridge(app.bridge, first, admin);
    const before = (await admin.portal.call('createTransfer', { body: { amount: '100.00', currency: 'EUR', payeeName: 'Avant redémarrage', iban: 'FR7630006000011234567890189', reference: 'A' } })).operation;
    await vi.waitFor(() => expect(app.core.pendingNow().map((validation) => validation.id)).toEqual([before.id]), { timeout: 10_000 });

    // The server stops while the app's long-poll is open.
    await first.close({ keepData: true });
    await vi.waitFor(async () => expect((await app.bridge.getSnapshot()).connectivity.overall).toBe('offline'), { timeout: 10_000 });
    // What it had stays listed while offline.
    expect(app.core.pendingNow().map((validation) => validation.id)).toEqual([before.id]);

    const second = await startTestServer({ database, databaseUrl, port, clock });
    cleanups.push(() => second.close());
    // The first server kept its SQLite file for the second one: removed here.
    if (database === 'sqlite') cleanups.push(() => rmSync(dirname(databaseUrl.slice('sqlite:'.length)), { recursive: true, force: true }));
    const during = (await admin.portal.call('createTransfer', { body: { amount: '250000.00', currency: 'EUR', payeeName: 'Après redémarrage', iban: 'FR7630006000011234567890189', reference: 'B' } })).operation;

    await vi.waitFor(() => expect(app.core.pendingNow().map((validation) => validation.id).sort()).toEqual([before.id, during.id].sort()), { timeout: 20_000 });
    expect((await app.bridge.getSnapshot()).connectivity.overall).toBe('online');
    expect((await app.bridge.decide({ accountId: account.id, validationId: during.id, decision: 'approve', numberChoice: null, approvalCode: TEST_APPROVAL_CODE })).status).toBe('approved');
  });
});
