/**
 * What an instance commits, it knows at once: each instance keeps its users' authenticator state in memory between
 * announced changes, and the instance that made a change must not serve the state from before it — not even while
 * the announcement is still on its way back from PostgreSQL (delayed here on purpose, far longer than the test).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../harness/server';
import { DATABASES, SAMPLE_TRANSFER, adminWithDevice, expectCode, nextWaiter, secondaryWithDevice } from './helpers';

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
    const startedAt = Date.now();
    const longPoll = device.callWithToken('pendingValidations', { query: { cursor, waitSeconds: 25 } });
    await parked;
    const { operation } = await admin.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER } });
    const woken = await longPoll;
    expect(woken.validations.map((v) => v.id)).toEqual([operation.id]);
    // Woken by the change itself: neither the delayed notification nor the end of the 25-second hold.
    expect(Date.now() - startedAt).toBeLessThan(10_000);
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
