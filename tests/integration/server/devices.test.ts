/**
 * Devices (rule 14): listed, renamed by the administrator, revoked by their user or by the administrator of
 * their company; a revoked device's requests fail with device_revoked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../harness/server';
import {
  DATABASES, HOLD_SECONDS, SAMPLE_TRANSFER, adminWithDevice, expectCode, loginWithSecureAccess, nextWaiter, secondaryWithDevice, startEnrolment,
  wokenBy,
} from './helpers';

describe.each(DATABASES)('devices (%s)', (database) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ database, limits: { codeRequestsPerIp: 1000 } });
  });
  afterAll(async () => {
    await server.close();
  });

  it("rule 14: a user lists their devices; the administrator lists every device of the company's users", async () => {
    const { user: admin, device: first } = await adminWithDevice(server, 'PC de Claire');
    const second = await server.activateDevice(admin, { deviceName: 'Portable de Claire' });
    const { user: marc, device: marcDevice } = await secondaryWithDevice(server, admin.portal, 'Marc Petit');

    const mine = await admin.portal.call('myDevices');
    expect(mine.maxDevices).toBe(5);
    expect(mine.devices.map((d) => [d.id, d.name, d.status])).toEqual([[first.keyId, 'PC de Claire', 'active'], [second.keyId, 'Portable de Claire', 'active']]);
    expect((await marc.portal.call('myDevices')).devices.map((d) => d.id)).toEqual([marcDevice.keyId]);

    const company = await admin.portal.call('listCompanyDevices');
    const byUser = Object.fromEntries(company.users.map((entry) => [entry.user.identifier, entry.devices.map((d) => d.id)]));
    expect(byUser).toEqual({ [admin.identifier]: [first.keyId, second.keyId], [marc.identifier]: [marcDevice.keyId] });
    expect(company.users.find((entry) => entry.user.identifier === admin.identifier)?.user.activeDevices).toBe(2);

    const self = await second.call('getSelf');
    expect(self).toMatchObject({ device: { id: second.keyId, name: 'Portable de Claire' }, activeDevices: 2, maxDevices: 5, holder: { identifier: admin.identifier } });
    expect(self.device.lastSeenAt).not.toBeNull();
  });

  it('rule 14: the administrator renames a device of a company user; others cannot', async () => {
    const { user: admin } = await adminWithDevice(server);
    const { user: marc, device: marcDevice } = await secondaryWithDevice(server, admin.portal, 'Marc Petit');
    const renamed = await admin.portal.call('renameDevice', { params: { id: marcDevice.keyId! }, body: { name: '  Poste compta 2  ' } });
    expect(renamed.device).toMatchObject({ id: marcDevice.keyId, name: 'Poste compta 2', status: 'active' });
    expect((await marcDevice.call('getSelf')).device.name).toBe('Poste compta 2');
    expect((await marc.portal.call('myDevices')).devices[0]?.name).toBe('Poste compta 2');

    await expectCode(admin.portal.call('renameDevice', { params: { id: marcDevice.keyId! }, body: { name: '   ' } }), 'bad_request');
    await expectCode(admin.portal.call('renameDevice', { params: { id: marcDevice.keyId! }, body: { name: 'x'.repeat(65) } }), 'bad_request');
    await expectCode(marc.portal.call('renameDevice', { params: { id: marcDevice.keyId! }, body: { name: 'Le mien' } }), 'forbidden');

    const { user: stranger } = await adminWithDevice(server);
    await expectCode(stranger.portal.call('renameDevice', { params: { id: marcDevice.keyId! }, body: { name: 'Volé' } }), 'device_not_found');
    expect((await marcDevice.call('getSelf')).device.name).toBe('Poste compta 2');
  });

  it("rule 14: a user revokes their own device; its requests then fail with device_revoked", async () => {
    const { user: admin } = await adminWithDevice(server);
    const { user: marc, device: marcDevice } = await secondaryWithDevice(server, admin.portal, 'Marc Petit');
    const { operation } = await marc.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER } });
    const validation = (await marcDevice.call('pendingValidations', { query: {} })).validations[0]!;

    const revoked = await marc.portal.call('revokeMyDevice', { params: { id: marcDevice.keyId! } });
    expect(revoked.device).toMatchObject({ status: 'revoked' });
    expect(revoked.device.revokedAt).toBe(new Date(server.clock.now()).toISOString());

    const revokedError = await expectCode(marcDevice.call('getSelf'), 'device_revoked');
    expect(revokedError.status).toBe(403);
    await expectCode(marcDevice.call('pendingValidations', { query: {} }), 'device_revoked');
    await expectCode(marcDevice.call('decide', { params: { id: operation.id }, body: marcDevice.decisionBody(validation, 'approve', null) }), 'device_revoked');
    await expectCode(marcDevice.call('removeSelf'), 'device_revoked');
    expect((await admin.portal.call('getOperation', { params: { id: operation.id } })).operation.status).toBe('pending');

    // Without an active device Marc's portal is back at the installation step (rule 3).
    expect((await marc.portal.call('getSession')).step).toBe('install');
    await expectCode(marc.portal.call('myDevices'), 'step_required');

    // Revoking again changes nothing; the device stays listed as revoked.
    expect((await admin.portal.call('revokeDevice', { params: { id: marcDevice.keyId! } })).device.revokedAt).toBe(revoked.device.revokedAt);
    const company = await admin.portal.call('listCompanyDevices');
    expect(company.users.find((entry) => entry.user.identifier === marc.identifier)?.devices.map((d) => d.status)).toEqual(['revoked']);

    // And the next login goes to the installation step too.
    const again = await server.portal().call('login', { body: { identifier: marc.identifier, secretCode: marc.secretCode } });
    expect(again.step).toBe('install');
  });

  it("rule 14: a user cannot revoke someone else's device through their own devices (device_not_found)", async () => {
    const { user: admin, device: adminDevice } = await adminWithDevice(server);
    const { user: marc } = await secondaryWithDevice(server, admin.portal, 'Marc Petit');
    await expectCode(marc.portal.call('revokeMyDevice', { params: { id: adminDevice.keyId! } }), 'device_not_found');
    expect((await adminDevice.call('getSelf')).device.status).toBe('active');
  });

  it('rule 14: the administrator revokes a device of a company user, never one of another company (device_not_found)', async () => {
    const { user: admin } = await adminWithDevice(server);
    const { user: marc, device: marcDevice } = await secondaryWithDevice(server, admin.portal, 'Marc Petit');
    const { user: stranger, device: strangerDevice } = await adminWithDevice(server);

    await expectCode(admin.portal.call('revokeDevice', { params: { id: strangerDevice.keyId! } }), 'device_not_found');
    await expectCode(admin.portal.call('revokeDevice', { params: { id: 'dev_doesNotExist0000' } }), 'device_not_found');
    expect((await strangerDevice.call('getSelf')).device.status).toBe('active');
    await expectCode(marc.portal.call('revokeDevice', { params: { id: marcDevice.keyId! } }), 'forbidden');

    const revoked = await admin.portal.call('revokeDevice', { params: { id: marcDevice.keyId! } });
    expect(revoked.device.status).toBe('revoked');
    await expectCode(marcDevice.call('getSelf'), 'device_revoked');
    const stored = await server.server.ctx.db.selectFrom('devices').select(['status', 'revoked_by']).where('id', '=', marcDevice.keyId!).executeTakeFirstOrThrow();
    expect(stored).toEqual({ status: 'revoked', revoked_by: admin.portal.session!.holder.userId });
    expect((await stranger.portal.call('myDevices')).devices[0]?.status).toBe('active');
  });

  it('rule 14: the app removing an account deactivates its device on the server (removeSelf)', async () => {
    const { user: admin, device: first } = await adminWithDevice(server);
    const second = await server.activateDevice(admin, { deviceName: 'Portable' });
    expect(await second.call('removeSelf')).toEqual({ ok: true });
    await expectCode(second.call('getSelf'), 'device_revoked');
    expect((await first.call('getSelf')).activeDevices).toBe(1);
    // A new activation from that computer starts from a new enrolment and key.
    const restart = await startEnrolment(server, admin, 'Portable');
    expect(restart.enrolment.activeDevices).toBe(1);
  });

  it('rule 14: a device revoked while its long-poll waits gets device_revoked, not the pending validations', async () => {
    const { user: admin, device: first } = await adminWithDevice(server);
    const second = await server.activateDevice(admin, { deviceName: 'Portable' });
    const userId = admin.portal.session!.holder.userId;
    const { cursor } = await second.call('pendingValidations', { query: {} });

    const waiting = nextWaiter(server, userId);
    const longPoll = expectCode(second.call('pendingValidations', { query: { cursor, waitSeconds: HOLD_SECONDS } }), 'device_revoked');
    await waiting;
    const since = Date.now();
    await admin.portal.call('revokeMyDevice', { params: { id: second.keyId! } });
    await admin.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER } });
    await wokenBy(longPoll, since);

    // The device still active receives it.
    expect((await first.call('pendingValidations', { query: {} })).validations).toHaveLength(1);
    // And the administrator's session is unaffected.
    const portal = await loginWithSecureAccess(server, admin, first);
    expect((await portal.call('myDevices')).devices.map((d) => d.status)).toEqual(['active', 'revoked']);
  });
});
