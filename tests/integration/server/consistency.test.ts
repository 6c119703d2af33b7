/**
 * What an instance commits, it knows at once, and every instance knows (issue 17). Each instance keeps its users'
 * authenticator state in memory between announced changes:
 * - the instance that made a change must not serve the state from before it — not even while the announcement is
 *   still on its way back from PostgreSQL (delayed here on purpose, far longer than the test);
 * - the other instances hear of it from the commit itself: the instance that committed is frozen right after its
 *   commit (a test fault), and the other must still know within the bound.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ServerFaults } from '../../../server/config';
import { STATE_CONFIRMATION } from '../../../server/user-state-cache';
import { terminateConnections } from '../../harness/postgres';
import { startTestServer, type TestServer } from '../../harness/server';
import {
  DATABASES, HOLD_SECONDS, SAMPLE_TRANSFER, adminWithDevice, auditRows, expectCode, freezeAfterCommit, loginWithSecureAccess, nextWaiter,
  pendingValidation, rejection, secondaryWithDevice, useTwoPostgresInstances, wokenBy,
} from './helpers';

/** Longer than any test here: a notification that this instance needs in order to be current never arrives in time. */
const NOTIFICATION_DELAY_MS = 60_000;

describe.each(DATABASES)('an instance reads its own writes at once, its notifications delayed (%s)', (database) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ database, faults: { notificationDelayMs: NOTIFICATION_DELAY_MS } });
  });
  afterAll(async () => {
    await server.close();
  });

  it('a validation created, then decided, is in the next answer, then out of it', async () => {
    const { user: admin, device } = await adminWithDevice(server);
    const other = await server.activateDevice(admin, { deviceName: 'Portable' });
    const before = await device.callWithToken('pendingValidations', { query: {} });
    expect(before.validations).toEqual([]);
    // Asked twice: the state is now kept in memory.
    expect(await device.callWithToken('pendingValidations', { query: {} })).toEqual(before);

    const { operation } = await admin.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER } });
    const created = await device.callWithToken('pendingValidations', { query: {} });
    expect(created.validations.map((v) => v.id)).toEqual([operation.id]);
    expect(Number(created.cursor)).toBe(Number(before.cursor) + 1);

    const [validation] = created.validations;
    await other.callWithToken('decide', { params: { id: operation.id }, body: other.decisionBody(validation!, 'approve', null) });
    const decided = await device.callWithToken('pendingValidations', { query: {} });
    expect(decided.validations).toEqual([]);
    expect(Number(decided.cursor)).toBe(Number(before.cursor) + 2);
  });

  it('a waiting long-poll on the writing instance is answered at once, not when the notification comes back', async () => {
    const { user: admin, device } = await adminWithDevice(server);
    const { cursor } = await device.callWithToken('pendingValidations', { query: {} });
    const parked = nextWaiter(server, admin.portal.session!.holder.userId);
    const longPoll = device.callWithToken('pendingValidations', { query: { cursor, waitSeconds: HOLD_SECONDS } });
    await parked;
    const since = Date.now();
    const { operation } = await admin.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER } });
    // Woken by the change itself: neither by the delayed notification nor by the end of the hold.
    const woken = await wokenBy(longPoll, since);
    expect(woken.validations.map((v) => v.id)).toEqual([operation.id]);
  });

  it('a revocation, a suspension and a reinstatement apply to the next token call at once', async () => {
    const { user: admin } = await adminWithDevice(server);
    const { user: secondary, device } = await secondaryWithDevice(server, admin.portal, 'Léa Roux');
    const secondaryId = secondary.portal.session!.holder.userId;
    expect((await device.callWithToken('getSelf')).device.status).toBe('active');
    expect((await device.callWithToken('getSelf')).device.status).toBe('active');

    await admin.portal.call('lockUser', { params: { id: secondaryId } });
    await expectCode(device.callWithToken('getSelf'), 'account_locked');
    await expectCode(device.callWithToken('pendingValidations', { query: {} }), 'account_locked');
    await admin.portal.call('unlockUser', { params: { id: secondaryId } });
    expect((await device.callWithToken('getSelf')).device.status).toBe('active');

    await admin.portal.call('revokeDevice', { params: { id: device.keyId! } });
    await expectCode(device.callWithToken('getSelf'), 'device_revoked');
    await expectCode(device.callWithToken('pendingValidations', { query: {} }), 'device_revoked');
  });

  it('an activation and a renaming show in the next answer of the user’s other device', async () => {
    const { user: admin, device } = await adminWithDevice(server);
    expect((await device.callWithToken('pendingValidations', { query: {} })).activeDevices).toBe(1);
    expect((await device.callWithToken('getSelf')).device.name).toBe('PC de Claire');

    await server.activateDevice(admin, { deviceName: 'Portable' });
    expect((await device.callWithToken('pendingValidations', { query: {} })).activeDevices).toBe(2);

    await admin.portal.call('renameDevice', { params: { id: device.keyId! }, body: { name: 'PC du bureau' } });
    expect((await device.callWithToken('getSelf')).device.name).toBe('PC du bureau');
  });
});

/** How long, at most, an instance may act on a change it has not heard of (docs/protocol.md, "Several server instances"). */
const BOUND_MS = STATE_CONFIRMATION.maxUnconfirmedMs;

describe('what instance A commits, instance B knows, though A freezes right after its commit (postgres)', () => {
  const faultsOfA: ServerFaults = {};
  // B's safety net is off: only the announcement made by A's commit can tell B.
  const servers = useTwoPostgresInstances({ first: faultsOfA, second: { withoutStateConfirmation: true } });

  it('a revocation: B refuses the device’s token, and its waiting long-poll, within the bound', async () => {
    const { first: a, second: b } = servers;
    const { user: admin } = await adminWithDevice(a);
    const { user: secondary, device } = await secondaryWithDevice(a, admin.portal, 'Léa Roux');
    const onB = device.at(b.baseUrl);
    // B keeps this user's state in memory from here on.
    expect((await onB.callWithToken('getSelf')).device.status).toBe('active');
    const { cursor } = await onB.callWithToken('pendingValidations', { query: {} });
    const parked = nextWaiter(b, secondary.portal.session!.holder.userId);
    const waiting = rejection(onB.callWithToken('pendingValidations', { query: { cursor, waitSeconds: HOLD_SECONDS } }));
    await parked;

    const freeze = freezeAfterCommit(faultsOfA, secondary.portal.session!.holder.userId);
    const since = Date.now();
    const revoked = admin.portal.call('revokeDevice', { params: { id: device.keyId! } });
    try {
      await freeze.frozen;
      expect((await wokenBy(waiting, since)).code).toBe('device_revoked');
      await vi.waitFor(() => expectCode(onB.callWithToken('getSelf'), 'device_revoked'), { timeout: BOUND_MS, interval: 20 });
    } finally {
      freeze.thaw();
    }
    expect((await revoked).device.status).toBe('revoked');
  });

  it('a suspension: B refuses the user’s devices within the bound', async () => {
    const { first: a, second: b } = servers;
    const { user: admin } = await adminWithDevice(a);
    const { user: secondary, device } = await secondaryWithDevice(a, admin.portal, 'Marc Petit');
    const secondaryId = secondary.portal.session!.holder.userId;
    const onB = device.at(b.baseUrl);
    expect((await onB.callWithToken('getSelf')).device.status).toBe('active');
    expect((await onB.callWithToken('getSelf')).device.status).toBe('active');

    const freeze = freezeAfterCommit(faultsOfA, secondaryId);
    const suspended = admin.portal.call('lockUser', { params: { id: secondaryId } });
    try {
      await freeze.frozen;
      await vi.waitFor(() => expectCode(onB.callWithToken('getSelf'), 'account_locked'), { timeout: BOUND_MS, interval: 20 });
      await expectCode(onB.callWithToken('pendingValidations', { query: {} }), 'account_locked');
    } finally {
      freeze.thaw();
    }
    expect((await suspended).user.status).toBe('suspended');
  });

  it('a validation created: the device waiting on B receives it', async () => {
    const { first: a, second: b } = servers;
    const { user: admin, device } = await adminWithDevice(a);
    const userId = admin.portal.session!.holder.userId;
    const onB = device.at(b.baseUrl);
    const { cursor } = await onB.callWithToken('pendingValidations', { query: {} });
    const parked = nextWaiter(b, userId);
    const waiting = onB.callWithToken('pendingValidations', { query: { cursor, waitSeconds: HOLD_SECONDS } });
    await parked;

    const freeze = freezeAfterCommit(faultsOfA, userId);
    const since = Date.now();
    const created = admin.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER } });
    try {
      await freeze.frozen;
      const woken = await wokenBy(waiting, since);
      expect(woken.validations).toHaveLength(1);
      expect(woken.validations[0]).toMatchObject({ kind: 'transfer', details: { payeeName: SAMPLE_TRANSFER.payeeName } });
    } finally {
      freeze.thaw();
    }
    expect((await created).operation.id).toBe((await onB.callWithToken('pendingValidations', { query: {} })).validations[0]?.id);
  });

  it('a decision: B stops offering the validation, and the portal waiting on B sees it approved', async () => {
    const { first: a, second: b } = servers;
    const { user: admin, device } = await adminWithDevice(a);
    const other = await a.activateDevice(admin, { deviceName: 'Portable' });
    const userId = admin.portal.session!.holder.userId;
    const portalOnB = await loginWithSecureAccess(b, admin, device);
    const { operation } = await admin.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER } });
    const onB = device.at(b.baseUrl);
    expect((await onB.callWithToken('pendingValidations', { query: {} })).validations.map((v) => v.id)).toEqual([operation.id]);
    const parked = nextWaiter(b, userId);
    const portalView = portalOnB.call('getOperation', { params: { id: operation.id }, query: { knownStatus: 'pending', waitSeconds: HOLD_SECONDS } });
    await parked;

    const validation = await pendingValidation(other, operation.id);
    const freeze = freezeAfterCommit(faultsOfA, userId);
    const since = Date.now();
    const decided = other.callWithToken('decide', { params: { id: operation.id }, body: other.decisionBody(validation, 'approve', null) });
    try {
      await freeze.frozen;
      expect((await wokenBy(portalView, since)).operation.status).toBe('approved');
      await vi.waitFor(async () => expect((await onB.callWithToken('pendingValidations', { query: {} })).validations).toEqual([]), { timeout: BOUND_MS, interval: 20 });
    } finally {
      freeze.thaw();
    }
    expect((await decided).status).toBe('approved');
  });
});

describe('a decision re-checks its device where it is recorded, whatever an instance keeps (postgres, B deaf to notifications)', () => {
  // B hears nothing, and its safety net is off: it goes on acting on what it keeps, for as long as the test lasts.
  const faultsOfB: ServerFaults = { ignoreNotifications: true, withoutStateConfirmation: true };
  const servers = useTwoPostgresInstances({ second: faultsOfB });

  it('a device revoked on A never records a decision through B, which still admits its token from memory', async () => {
    const { first: a, second: b } = servers;
    const { user: admin } = await adminWithDevice(a);
    const { user: secondary, device } = await secondaryWithDevice(a, admin.portal, 'Léa Roux');
    const onB = device.at(b.baseUrl);
    const { operation } = await secondary.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER } });
    const validation = await pendingValidation(device, operation.id);
    expect((await onB.callWithToken('getSelf')).device.status).toBe('active');

    await admin.portal.call('revokeDevice', { params: { id: device.keyId! } });
    // B has not heard (the fault works): its memory still holds the device as active.
    expect((await onB.callWithToken('getSelf')).device.status).toBe('active');
    await expectCode(onB.callWithToken('decide', { params: { id: operation.id }, body: onB.decisionBody(validation, 'approve', null) }), 'device_revoked');
    expect((await admin.portal.call('getOperation', { params: { id: operation.id } })).operation).toMatchObject({ status: 'pending', decidedByDevice: null });
    // The user's own login was approved when they signed in: no decision of this transfer's is recorded.
    const decisions = await auditRows(a, 'validation_decided', secondary.portal.session!.holder.userId);
    expect(decisions.filter((row) => (JSON.parse(row.details_json) as { validationId: string }).validationId === operation.id)).toEqual([]);
  });

  it('a suspended user’s device never records a decision through B', async () => {
    const { first: a, second: b } = servers;
    const { user: admin } = await adminWithDevice(a);
    const { user: secondary, device } = await secondaryWithDevice(a, admin.portal, 'Marc Petit');
    const secondaryId = secondary.portal.session!.holder.userId;
    const onB = device.at(b.baseUrl);
    const { operation } = await secondary.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER } });
    const validation = await pendingValidation(device, operation.id);
    expect((await onB.callWithToken('getSelf')).device.status).toBe('active');

    await admin.portal.call('lockUser', { params: { id: secondaryId } });
    expect((await onB.callWithToken('getSelf')).device.status).toBe('active');
    await expectCode(onB.callWithToken('decide', { params: { id: operation.id }, body: onB.decisionBody(validation, 'approve', null) }), 'account_locked');
    const stored = await a.server.ctx.db.selectFrom('validations').select(['status', 'decided_by_device']).where('id', '=', operation.id).executeTakeFirstOrThrow();
    expect(stored).toEqual({ status: 'pending', decided_by_device: null });
  });
});

describe('an operator’s retry heals an instance that missed the announcement (postgres, B deaf to notifications)', () => {
  // B hears nothing, and its safety net is off: it goes on acting on what it keeps, for as long as the test lasts.
  const faultsOfB: ServerFaults = { ignoreNotifications: true, withoutStateConfirmation: true };
  const servers = useTwoPostgresInstances({ second: faultsOfB });

  it('revoking again through B, then through A, is announced again although the device is already revoked', async () => {
    const { first: a, second: b } = servers;
    const { user: admin, device: adminDevice } = await adminWithDevice(a);
    const adminOnB = await loginWithSecureAccess(b, admin, adminDevice);
    const lea = await secondaryWithDevice(a, admin.portal, 'Léa Roux');
    const marc = await secondaryWithDevice(a, admin.portal, 'Marc Petit');
    const leaOnB = lea.device.at(b.baseUrl);
    const marcOnB = marc.device.at(b.baseUrl);
    for (const onB of [leaOnB, marcOnB]) expect((await onB.callWithToken('getSelf')).device.status).toBe('active');

    for (const { device } of [lea, marc]) await admin.portal.call('revokeDevice', { params: { id: device.keyId! } });
    // B missed both announcements.
    for (const onB of [leaOnB, marcOnB]) expect((await onB.callWithToken('getSelf')).device.status).toBe('active');

    // Through B: B announces it to itself as it commits.
    expect((await adminOnB.call('revokeDevice', { params: { id: lea.device.keyId! } })).device).toMatchObject({ status: 'revoked' });
    await expectCode(leaOnB.callWithToken('getSelf'), 'device_revoked');

    // Through A, B hearing again: B hears it from the commit.
    faultsOfB.ignoreNotifications = false;
    try {
      expect((await admin.portal.call('revokeDevice', { params: { id: marc.device.keyId! } })).device).toMatchObject({ status: 'revoked' });
      await vi.waitFor(() => expectCode(marcOnB.callWithToken('getSelf'), 'device_revoked'), { timeout: BOUND_MS, interval: 20 });
    } finally {
      faultsOfB.ignoreNotifications = true;
    }
    // Retries are not new revocations: one audit entry each.
    for (const { user } of [lea, marc]) expect(await auditRows(a, 'device_revoked', user.portal.session!.holder.userId)).toHaveLength(1);
  });

  it('suspending again through B is announced again although the user is already suspended', async () => {
    const { first: a, second: b } = servers;
    const { user: admin, device: adminDevice } = await adminWithDevice(a);
    const adminOnB = await loginWithSecureAccess(b, admin, adminDevice);
    const { user: secondary, device } = await secondaryWithDevice(a, admin.portal, 'Léa Roux');
    const secondaryId = secondary.portal.session!.holder.userId;
    const onB = device.at(b.baseUrl);
    expect((await onB.callWithToken('getSelf')).device.status).toBe('active');

    await admin.portal.call('lockUser', { params: { id: secondaryId } });
    expect((await onB.callWithToken('getSelf')).device.status).toBe('active');
    expect((await adminOnB.call('lockUser', { params: { id: secondaryId } })).user.status).toBe('suspended');
    await expectCode(onB.callWithToken('getSelf'), 'account_locked');
    // Announced twice, but suspended once: the retry is not a second suspension in the audit.
    expect(await auditRows(a, 'account_suspended', secondaryId)).toHaveLength(1);
  });

  it('the same suspension clicked at once on both instances is written and audited once; so is the lifting', async () => {
    const { first: a, second: b } = servers;
    const { user: admin, device: adminDevice } = await adminWithDevice(a);
    const adminOnB = await loginWithSecureAccess(b, admin, adminDevice);
    const { user: secondary } = await secondaryWithDevice(a, admin.portal, 'Marc Petit');
    const secondaryId = secondary.portal.session!.holder.userId;
    for (const [route, kind] of [['lockUser', 'account_suspended'], ['unlockUser', 'account_unlocked']] as const) {
      const answers = await Promise.all(Array.from({ length: 10 }, (_, index) => (index % 2 === 0 ? admin.portal : adminOnB).call(route, { params: { id: secondaryId } })));
      expect(new Set(answers.map((answer) => answer.user.status))).toEqual(new Set([route === 'lockUser' ? 'suspended' : 'active']));
      expect(await auditRows(a, kind, secondaryId)).toHaveLength(1);
    }
  });
});

/** The bound, and the time of the request that shows it has been kept. */
const WITHIN_BOUND = { timeout: BOUND_MS + 1_000, interval: 50 };

describe('what B never hears, it learns from the database within the bound (postgres, B deaf to notifications)', () => {
  const servers = useTwoPostgresInstances({ second: { ignoreNotifications: true } });

  it('a revocation: B refuses the token, and answers the waiting long-poll, within the bound', async () => {
    const { first: a, second: b } = servers;
    const { user: admin } = await adminWithDevice(a);
    const { user: secondary, device } = await secondaryWithDevice(a, admin.portal, 'Léa Roux');
    const onB = device.at(b.baseUrl);
    const { cursor } = await onB.callWithToken('pendingValidations', { query: {} });
    const parked = nextWaiter(b, secondary.portal.session!.holder.userId);
    const waiting = rejection(onB.callWithToken('pendingValidations', { query: { cursor, waitSeconds: HOLD_SECONDS } }));
    await parked;

    await admin.portal.call('revokeDevice', { params: { id: device.keyId! } });
    const revokedAt = Date.now();
    expect((await waiting).code).toBe('device_revoked');
    expect(Date.now() - revokedAt).toBeLessThan(WITHIN_BOUND.timeout);
    await expectCode(onB.callWithToken('getSelf'), 'device_revoked');
  });

  it('a suspension: B refuses the user’s device within the bound', async () => {
    const { first: a, second: b } = servers;
    const { user: admin } = await adminWithDevice(a);
    const { user: secondary, device } = await secondaryWithDevice(a, admin.portal, 'Marc Petit');
    const onB = device.at(b.baseUrl);
    expect((await onB.callWithToken('getSelf')).device.status).toBe('active');
    await admin.portal.call('lockUser', { params: { id: secondary.portal.session!.holder.userId } });
    await vi.waitFor(() => expectCode(onB.callWithToken('getSelf'), 'account_locked'), WITHIN_BOUND);
  });

  it('a validation created: the device waiting on B receives it within the bound', async () => {
    const { first: a, second: b } = servers;
    const { user: admin, device } = await adminWithDevice(a);
    const onB = device.at(b.baseUrl);
    const { cursor } = await onB.callWithToken('pendingValidations', { query: {} });
    const parked = nextWaiter(b, admin.portal.session!.holder.userId);
    const waiting = onB.callWithToken('pendingValidations', { query: { cursor, waitSeconds: HOLD_SECONDS } });
    await parked;
    const { operation } = await admin.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER } });
    const createdAt = Date.now();
    expect((await waiting).validations.map((v) => v.id)).toEqual([operation.id]);
    // Neither at once (B hears nothing) nor at the end of the 25-second hold: when B's confirmation found it.
    expect(Date.now() - createdAt).toBeLessThan(WITHIN_BOUND.timeout);
  });

  it('a decision: the portal waiting on B sees it, and B stops offering the validation, within the bound', async () => {
    const { first: a, second: b } = servers;
    const { user: admin, device } = await adminWithDevice(a);
    const other = await a.activateDevice(admin, { deviceName: 'Portable' });
    const portalOnB = await loginWithSecureAccess(b, admin, device);
    const { operation } = await admin.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER } });
    const onB = device.at(b.baseUrl);
    await vi.waitFor(async () => expect((await onB.callWithToken('pendingValidations', { query: {} })).validations.map((v) => v.id)).toEqual([operation.id]), WITHIN_BOUND);
    const parked = nextWaiter(b, admin.portal.session!.holder.userId);
    const portalView = portalOnB.call('getOperation', { params: { id: operation.id }, query: { knownStatus: 'pending', waitSeconds: HOLD_SECONDS } });
    await parked;

    const validation = await pendingValidation(other, operation.id);
    await other.callWithToken('decide', { params: { id: operation.id }, body: other.decisionBody(validation, 'approve', null) });
    const decidedAt = Date.now();
    expect((await portalView).operation.status).toBe('approved');
    expect(Date.now() - decidedAt).toBeLessThan(WITHIN_BOUND.timeout);
    await vi.waitFor(async () => expect((await onB.callWithToken('pendingValidations', { query: {} })).validations).toEqual([]), WITHIN_BOUND);
  });
});

describe('the LISTEN connection lost: what B kept is dropped, and B listens again (postgres)', () => {
  // B's safety net is off: what is tested is the loss of the connection alone.
  const servers = useTwoPostgresInstances({ second: { withoutStateConfirmation: true } });

  it('a revocation whose announcement was lost is applied by B once its connection is lost, and after it reconnects', async () => {
    const { first: a, second: b } = servers;
    const { user: admin } = await adminWithDevice(a);
    const lea = await secondaryWithDevice(a, admin.portal, 'Léa Roux');
    const marc = await secondaryWithDevice(a, admin.portal, 'Marc Petit');
    const leaOnB = lea.device.at(b.baseUrl);
    const marcOnB = marc.device.at(b.baseUrl);
    for (const onB of [leaOnB, marcOnB]) expect((await onB.callWithToken('getSelf')).device.status).toBe('active');

    // Committed without a word, as if its announcement had been lost: B goes on admitting the device.
    await a.server.ctx.db.transaction().execute(async (trx) => {
      await trx.updateTable('devices').set({ status: 'revoked', revoked_at: a.clock.now(), revoked_by: lea.device.keyId! }).where('id', '=', lea.device.keyId!).execute();
      await trx.updateTable('users').set({ validation_version: sql`validation_version + 1` }).where('id', '=', lea.user.portal.session!.holder.userId).execute();
    });
    expect((await leaOnB.callWithToken('getSelf')).device.status).toBe('active');

    // PostgreSQL drops every connection to the database (a restart, a failover).
    expect(await terminateConnections(b.databaseUrl)).toBeGreaterThanOrEqual(2);
    await vi.waitFor(() => expectCode(leaOnB.callWithToken('getSelf'), 'device_revoked'), WITHIN_BOUND);
    await vi.waitFor(() => expect(b.server.ctx.notifier.hearsEverything()).toBe(true), WITHIN_BOUND);
    await expectCode(leaOnB.callWithToken('getSelf'), 'device_revoked');

    // Listening again: a change committed on A reaches B.
    expect((await marcOnB.callWithToken('getSelf')).device.status).toBe('active');
    await admin.portal.call('revokeDevice', { params: { id: marc.device.keyId! } });
    await vi.waitFor(() => expectCode(marcOnB.callWithToken('getSelf'), 'device_revoked'), WITHIN_BOUND);
  });
});
