/**
 * The installation guide's activations, end to end below the screens: the core with the real OS keychain and a
 * real settings file, against the real reference server on SQLite.
 * Run inside the keyring session: `sh scripts/with-keyring.sh npx vitest run tests/integration/core`.
 */
import { describe, expect, it, vi } from 'vitest';
import type { TestServer } from '../../harness/server';
import { activateThroughBridge, approveWaitingPortal, bridgeError, referenceServerForFile, TEST_APPROVAL_CODE } from '../../unit/core/support';
import { closeAllInstallations, installApp, registeredPublicKey } from './support';

let server: TestServer;
referenceServerForFile((started) => (server = started), closeAllInstallations);

describe('activating Secure Access, as the installation guide tells it', () => {
  it('a primary administrator activates a first device by SMS code, then a second one with the code from Administration', async () => {
    const admin = await server.readyPrimaryAdmin();

    // First computer: the code goes by SMS to the Security Phone, valid 5 minutes.
    const office = await installApp(server, { name: 'office' });
    const first = await office.bridge.startActivation({ serverUrl: server.baseUrl, identifier: admin.identifier, secretCode: admin.secretCode });
    expect(first.activation).toMatchObject({ step: 'name_device', codeDelivery: 'security_phone' });
    await office.bridge.nameDevice({ accountId: first.id, deviceName: 'PC bureau Claire' });
    const sent = await office.bridge.requestActivationCode({ accountId: first.id, channel: 'sms' });
    expect(sent.activation).toMatchObject({ step: 'enter_code', codeValiditySeconds: 300, channel: 'sms' });
    const sms = await server.latestCode('activation_code', admin.securityPhone ?? undefined);
    const activeOnOffice = await office.bridge.submitActivationCode({ accountId: first.id, code: sms });
    expect(activeOnOffice).toMatchObject({ status: 'active', deviceName: 'PC bureau Claire', activeDevices: 1 });
    expect(await office.keychainEntry(first.id)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The portal session that waited at the installation step now asks Secure Access, and the app approves it.
    expect(await admin.portal.call('getSession')).toMatchObject({ step: 'secure_access', loginValidation: null });
    // The person chooses an approval code, then approves it with the number shown and that code.
    await office.bridge.setApprovalCode({ accountId: first.id, code: TEST_APPROVAL_CODE });
    await approveWaitingPortal(office.bridge, first.id, admin.portal);
    expect((await admin.portal.call('getSession')).step).toBe('authenticated');

    // Second computer: "le code d'activation sera cette fois-ci disponible immédiatement depuis votre Espace Client".
    const laptop = await installApp(server, { name: 'laptop' });
    const second = await laptop.bridge.startActivation({ serverUrl: server.baseUrl, identifier: admin.identifier, secretCode: admin.secretCode });
    expect(second.activation?.codeDelivery).toBe('administration');
    await laptop.bridge.nameDevice({ accountId: second.id, deviceName: 'Portable Claire' });
    const available = await laptop.bridge.requestActivationCode({ accountId: second.id, channel: null });
    expect(available.activation).toMatchObject({ enrolmentState: 'code_available', codeFormat: 'grouped', codeValiditySeconds: 86_400 });
    const { activations } = await admin.portal.call('listActivations');
    const fromAdministration = activations.find((activation) => activation.enrolmentId === available.activation?.enrolmentId);
    expect(fromAdministration).toMatchObject({ deviceName: 'Portable Claire', codeState: 'unused' });
    const activeOnLaptop = await laptop.bridge.submitActivationCode({ accountId: second.id, code: fromAdministration!.code! });
    expect(activeOnLaptop).toMatchObject({ status: 'active', activeDevices: 2 });
    // The first computer learns of the second device from its waiting long-poll, without asking: "2 of 5".
    await vi.waitFor(async () => {
      const { accounts } = await office.bridge.getSnapshot();
      expect(accounts.find((account) => account.id === first.id)?.activeDevices).toBe(2);
    }, { timeout: 10_000, interval: 100 });

    const { devices } = await admin.portal.call('myDevices');
    expect(devices.map((device) => [device.id, device.name, device.status]).sort()).toEqual(
      [[activeOnOffice.deviceId, 'PC bureau Claire', 'active'], [activeOnLaptop.deviceId, 'Portable Claire', 'active']].sort(),
    );
  });

  it('a secondary user activates after the administrator issues the code in Gestion de la sécurité › Activation', async () => {
    const admin = await server.readyPrimaryAdmin();
    await server.activateDevice(admin);
    const user = await server.readySecondaryUser(admin.portal, 'Marc Petit');
    const desktop = await installApp(server);

    const account = await desktop.bridge.startActivation({ serverUrl: server.baseUrl, identifier: user.identifier, secretCode: user.secretCode });
    await desktop.bridge.nameDevice({ accountId: account.id, deviceName: 'PC comptabilité Marc' });
    const requested = await desktop.bridge.requestActivationCode({ accountId: account.id, channel: null });
    expect(requested.activation).toMatchObject({ step: 'enter_code', codeDelivery: 'administrator', enrolmentState: 'awaiting_administrator' });

    // The administrator sees the request with the device name, and generates the code (24 hours, single use).
    const { activations } = await admin.portal.call('listActivations');
    const request = activations.find((activation) => activation.enrolmentId === requested.activation?.enrolmentId);
    expect(request).toMatchObject({ deviceName: 'PC comptabilité Marc', codeState: 'not_generated', user: { identifier: user.identifier } });
    const { activation } = await admin.portal.call('generateActivationCode', { params: { id: request!.enrolmentId } });

    server.clock.advance(23 * 60 * 60_000); // the next morning: still valid
    const waiting = await desktop.bridge.refreshActivation({ accountId: account.id });
    expect(waiting.activation).toMatchObject({ enrolmentState: 'code_available', codeExpiresAt: activation.codeExpiresAt });
    const active = await desktop.bridge.submitActivationCode({ accountId: account.id, code: activation.code! });
    expect(active).toMatchObject({ status: 'active', role: 'user', deviceName: 'PC comptabilité Marc' });

  });

  it('two users share one computer: each activates their own account, with their own key, and sees only their own requests', async () => {
    const admin = await server.readyPrimaryAdmin({ companyName: 'Boulangeries Réunies' });
    const shared = await installApp(server, { name: 'shared' });
    const adminAccount = await activateThroughBridge(shared.bridge, server, admin, { deviceName: 'PC accueil' });
    const user = await server.readySecondaryUser(admin.portal, 'Léa Martin');
    const userAccount = await activateThroughBridge(shared.bridge, server, user, { deviceName: 'PC accueil', administrator: admin.portal });

    const { accounts } = await shared.bridge.getSnapshot();
    expect(accounts.map((account) => [account.identifier, account.status])).toEqual([[admin.identifier, 'active'], [user.identifier, 'active']]);
    // Each account's keychain entry holds the private key of the public key the server registered for its device.
    const deviceIds = Object.fromEntries(accounts.map((account) => [account.id, account.deviceId!]));
    const adminKey = await shared.keychainPublicKey(adminAccount.id);
    const userKey = await shared.keychainPublicKey(userAccount.id);
    expect(adminKey).toBe(await registeredPublicKey(server, deviceIds[adminAccount.id]!));
    expect(userKey).toBe(await registeredPublicKey(server, deviceIds[userAccount.id]!));
    expect(adminKey).not.toBe(userKey);

    const byAdmin = (await admin.portal.call('createTransfer', { body: { amount: '1200.00', currency: 'EUR', payeeName: 'Moulins du Nord', iban: 'FR7630006000011234567890189', reference: 'Farine mars' } })).operation;
    const byUser = (await user.portal.call('createTransfer', { body: { amount: '75.50', currency: 'EUR', payeeName: 'Papeterie Centrale', iban: 'FR7630006000011234567890189', reference: 'Carnets' } })).operation;
    await vi.waitFor(() => expect(shared.core.pendingNow()).toHaveLength(2), { timeout: 10_000 });
    const pending = await shared.bridge.listPending();
    expect(pending.find((validation) => validation.id === byAdmin.id)).toMatchObject({ accountId: adminAccount.id, accountLabel: 'Claire Durand · Boulangeries Réunies' });
    expect(pending.find((validation) => validation.id === byUser.id)).toMatchObject({ accountId: userAccount.id });

    // One person cannot decide the other's request with their own key.
    expect(await bridgeError(shared.bridge.decide({ accountId: userAccount.id, validationId: byAdmin.id, decision: 'approve', numberChoice: null, approvalCode: TEST_APPROVAL_CODE }))).toMatchObject({ code: 'validation_not_pending' });
    expect((await shared.bridge.decide({ accountId: userAccount.id, validationId: byUser.id, decision: 'approve', numberChoice: null, approvalCode: TEST_APPROVAL_CODE })).status).toBe('approved');
    expect((await shared.bridge.listPending()).map((validation) => validation.id)).toEqual([byAdmin.id]);
  });

  it('a sixth device is refused: Secure Access is active on 5 devices at most', async () => {
    const admin = await server.readyPrimaryAdmin();
    for (let i = 1; i <= 4; i++) await server.activateDevice(admin, { deviceName: `Appareil ${i}` });
    const fifth = await installApp(server, { name: 'fifth' });
    // Started while four are active...
    const pendingFifth = await fifth.bridge.startActivation({ serverUrl: server.baseUrl, identifier: admin.identifier, secretCode: admin.secretCode });
    await fifth.bridge.requestActivationCode({ accountId: pendingFifth.id, channel: null });
    const codeForFifth = (await admin.portal.call('listActivations')).activations.find((activation) => activation.enrolmentId === pendingFifth.activation?.enrolmentId)!.code!;
    // ...one more becomes active elsewhere first: five now.
    await server.activateDevice(admin, { deviceName: 'Appareil 5' });
    expect(await bridgeError(fifth.bridge.submitActivationCode({ accountId: pendingFifth.id, code: codeForFifth }))).toMatchObject({ code: 'device_limit_reached', maxDevices: 5, activeDevices: 5 });

    // A sixth computer cannot even start.
    const sixth = await installApp(server, { name: 'sixth' });
    const refused = await bridgeError(sixth.bridge.startActivation({ serverUrl: server.baseUrl, identifier: admin.identifier, secretCode: admin.secretCode }));
    expect(refused).toMatchObject({ code: 'device_limit_reached', maxDevices: 5, activeDevices: 5 });
    expect(await sixth.vault.list()).toEqual([]);
    expect((await sixth.bridge.getSnapshot()).accounts).toEqual([]);
  });

  it('an activation in progress survives closing the app: state in the settings file, key in the keychain', async () => {
    const admin = await server.readyPrimaryAdmin();
    const before = await installApp(server);
    const account = await before.bridge.startActivation({ serverUrl: server.baseUrl, identifier: admin.identifier, secretCode: admin.secretCode });
    await before.bridge.requestActivationCode({ accountId: account.id, channel: 'voice' });
    await before.close({ keep: true });

    const after = await installApp(server, { reuse: before });
    const [resumed] = (await after.bridge.getSnapshot()).accounts;
    expect(resumed).toMatchObject({ id: account.id, activation: { step: 'enter_code', channel: 'voice' } });
    const code = await server.latestCode('activation_code', admin.securityPhone ?? undefined);
    expect((await after.bridge.submitActivationCode({ accountId: account.id, code })).status).toBe('active');
  });
});
