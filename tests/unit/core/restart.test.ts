/**
 * What the app learns when it starts again, for each account it kept: what the administration changed while it was
 * closed (the device renamed, the device count), a device revoked meanwhile (its key deleted at once), a server that
 * cannot be reached (logged; the account stays as it was), and the removal of an account whose server is gone (the
 * key goes anyway; the device stays listed until an administrator revokes it), and start and stop called again.
 */
import { describe, expect, it, vi } from 'vitest';
import { defaultPersistedState, type PersistedStateT } from '../../../main/core/state';
import { createMemoryVault } from '../../../main/platform/memory-vault';
import type { TestServer } from '../../harness/server';
import {
  activateThroughBridge, clockOf, createCoreUnderTest, memoryStore, pendingArrival, recordingLogger, recordingTransport, referenceServerForFile, settle, stopAll, type CoreUnderTest,
} from './support';

let server: TestServer;
const running: CoreUnderTest[] = [];
referenceServerForFile((started) => (server = started), () => stopAll(running));

/** An administrator's device activated by one run of the app, which is then closed; its store and vault stay. */
async function closedInstallation() {
  const admin = await server.readyPrimaryAdmin();
  const store = memoryStore<PersistedStateT>(defaultPersistedState());
  const vault = createMemoryVault();
  const first = await createCoreUnderTest({ clock: clockOf(server), store, vault });
  const account = await activateThroughBridge(first.bridge, server, admin, { deviceName: 'PC compta' });
  await first.stop();
  return { admin, store, vault, account };
}

async function reopen(store: ReturnType<typeof memoryStore<PersistedStateT>>, vault: ReturnType<typeof createMemoryVault>) {
  const logger = recordingLogger();
  const tested = await createCoreUnderTest({ clock: clockOf(server), store, vault, logger });
  running.push(tested);
  return tested;
}

describe('starting again', () => {
  it('takes the name and device count the administration set while the app was closed', async () => {
    const { admin, store, vault, account } = await closedInstallation();
    await admin.portal.call('renameDevice', { params: { id: account.deviceId! }, body: { name: 'Poste trésorerie' } });
    await server.activateDevice(admin, { deviceName: 'Portable' });

    const reopened = await reopen(store, vault);
    await vi.waitFor(async () => expect((await reopened.bridge.getSnapshot()).accounts[0]).toMatchObject({ deviceName: 'Poste trésorerie', activeDevices: 2, maxDevices: 5 }), { timeout: 10_000 });
    expect(store.saved?.accounts[0]).toMatchObject({ deviceName: 'Poste trésorerie', activeDevices: 2, status: 'active' });
    expect(reopened.events.filter((entry) => entry.event === 'onAccountsChanged').at(-1)?.payload).toEqual([expect.objectContaining({ deviceName: 'Poste trésorerie', activeDevices: 2 })]);
  });

  it('a device revoked while the app was closed is shown revoked, with its key deleted', async () => {
    const { admin, store, vault, account } = await closedInstallation();
    await admin.portal.call('revokeDevice', { params: { id: account.deviceId! } });
    const reopenedAt = server.clock.now();
    const reopened = await reopen(store, vault);
    await vi.waitFor(async () => {
      expect((await reopened.bridge.getSnapshot()).accounts[0]).toMatchObject({ status: 'revoked' });
      expect(await vault.list()).toEqual([]);
    }, { timeout: 10_000 });
    expect(Date.parse(store.saved!.accounts[0]!.revokedAt!)).toBeGreaterThanOrEqual(reopenedAt);
    expect(reopened.logger.lines).toContainEqual({
      level: 'warn', message: 'device revoked by the server: its key is deleted from this computer', fields: { accountId: account.id, deviceId: account.deviceId },
    });
    // Removing the revoked account asks nothing of the server (the device is gone there already).
    const sent = reopened.logger.lines.length;
    await reopened.bridge.removeAccount({ accountId: account.id });
    expect(reopened.logger.lines.slice(sent)).toEqual([
      { level: 'info', message: 'account removed from this computer', fields: { accountId: account.id, reason: 'removed by the user' } },
    ]);
  });

  it('a server that cannot be reached is logged; the account stays as it was and its key stays', async () => {
    const { store, vault, account } = await closedInstallation();
    store.saved!.accounts[0]!.serverUrl = 'http://127.0.0.1:1';
    const reopened = await reopen(store, vault);
    await vi.waitFor(() => expect(reopened.logger.lines).toContainEqual({
      level: 'info', message: 'could not refresh an account at start', fields: { accountId: account.id, error: 'server_unreachable' },
    }), { timeout: 10_000 });
    expect((await reopened.bridge.getSnapshot()).accounts[0]).toMatchObject({ status: 'active', deviceName: 'PC compta' });
    expect(await vault.list()).toEqual([account.id]);
  });

  it('removing an account whose server is gone deletes its key anyway, and says the device stays listed', async () => {
    const { store, vault, account } = await closedInstallation();
    store.saved!.accounts[0]!.serverUrl = 'http://127.0.0.1:1';
    const reopened = await reopen(store, vault);
    await reopened.bridge.removeAccount({ accountId: account.id });
    expect((await reopened.bridge.getSnapshot()).accounts).toEqual([]);
    expect(await vault.list()).toEqual([]);
    expect(reopened.logger.lines).toContainEqual({
      level: 'warn', message: 'could not deactivate the device on the server; removing it from this computer anyway', fields: { accountId: account.id, error: 'server_unreachable' },
    });
  });

  it('start twice is one start; stop, then start, listens again; an app not started does not listen after an activation', async () => {
    const { admin, store, vault } = await closedInstallation();
    const transport = recordingTransport();
    const tested = await createCoreUnderTest({ clock: clockOf(server), store, vault, transport, start: false });
    running.push(tested);
    const requestsTo = (path: string) => transport.exchanges.filter((exchange) => new URL(exchange.request.url).pathname.endsWith(path)).length;
    await settle();
    expect(transport.exchanges).toEqual([]);

    const openLongPolls = () => transport.exchanges.filter((exchange) => exchange.request.url.includes('/validations/pending') && !exchange.response).length;
    await tested.core.start();
    await vi.waitFor(() => expect([requestsTo('/devices/self'), openLongPolls()]).toEqual([1, 1]), { timeout: 10_000 });
    await tested.core.start();
    await settle();
    expect([requestsTo('/devices/self'), openLongPolls()]).toEqual([1, 1]);

    await tested.core.stop();
    const { operation: whileStopped } = await admin.portal.call('createTransfer', { body: { amount: '12.00', currency: 'EUR', payeeName: 'Papeterie Roux', iban: 'FR76 3000 6000 0112 3456 7890 189', reference: 'F-1' } });
    await settle();
    expect(tested.core.pendingNow()).toEqual([]);
    await tested.core.start();
    expect((await pendingArrival(tested, whileStopped.id)).id).toBe(whileStopped.id);
    expect(requestsTo('/devices/self')).toBe(2);

    // An app not started yet (its window opened before the loops) activates without listening; start() listens.
    const other = await server.readyPrimaryAdmin();
    const notStartedTransport = recordingTransport();
    const notStarted = await createCoreUnderTest({ clock: clockOf(server), transport: notStartedTransport, start: false });
    running.push(notStarted);
    const longPollsOf = () => notStartedTransport.exchanges.filter((exchange) => exchange.request.url.includes('/validations/pending')).length;
    expect((await activateThroughBridge(notStarted.bridge, server, other, { approvalCode: null })).status).toBe('active');
    await settle();
    expect(longPollsOf()).toBe(0);
    await notStarted.core.start();
    await vi.waitFor(() => expect(longPollsOf()).toBeGreaterThan(0), { timeout: 10_000 });
  });
});
