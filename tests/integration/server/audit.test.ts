/**
 * The audit log (rule 19): every security event — code sent, wrong code, activation, revocation, decision,
 * lock — is written with its time, user, device and IP, and never with a secret.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../harness/server';
import { approveWaitingSession } from '../../harness/http-client';
import { DATABASES, SAMPLE_TRANSFER, auditRows, expectCode, pathOf, pendingValidation, raw, signedHeaders, startEnrolment } from './helpers';

describe.each(DATABASES)('audit log (%s)', (database) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ database });
  });
  afterAll(async () => {
    await server.close();
  });

  it('rule 19: code sent, wrong code, activation, decision, revocation, replay and lock are logged with time, user, device and IP', async () => {
    const secrets: string[] = [];
    /** Moves the clock one second so each event has a time of its own, and returns that time. */
    const tick = () => {
      server.clock.advance(1000);
      return server.clock.now();
    };
    const one = async (event: string, userId: string) => {
      const rows = await auditRows(server, event, userId);
      expect(rows, event).toHaveLength(1);
      return rows[0]!;
    };

    const { admin } = await server.createCompany();
    secrets.push(admin.temporarySecretCode);
    const userId = (await server.server.ctx.db.selectFrom('users').select('id').where('identifier', '=', admin.identifier).executeTakeFirstOrThrow()).id;
    const portal = server.portal();
    await portal.call('login', { body: { identifier: admin.identifier, secretCode: admin.temporarySecretCode } });

    const securityCodeSentAt = tick();
    await portal.call('sendSecurityCode', { body: { channel: 'voice' } });
    const securityCode = await server.latestCode('security_code', admin.securityPhone);
    secrets.push(securityCode);
    const securityCodeFailedAt = tick();
    await expectCode(portal.call('verifySecurityCode', { body: { code: securityCode === '00000000' ? '11111111' : '00000000' } }), 'security_code_invalid');
    await portal.call('verifySecurityCode', { body: { code: securityCode } });
    await portal.call('changeSecret', { body: { currentSecretCode: admin.temporarySecretCode, newSecretCode: 'Tresorerie2026' } });
    secrets.push('Tresorerie2026');
    const user = { identifier: admin.identifier, secretCode: 'Tresorerie2026' };

    expect(await one('security_code_sent', userId)).toMatchObject({ at: securityCodeSentAt, ip: '127.0.0.1', device_id: null });
    expect(JSON.parse((await one('security_code_sent', userId)).details_json)).toEqual({ channel: 'voice' });
    expect(await one('security_code_failed', userId)).toMatchObject({ at: securityCodeFailedAt, ip: '127.0.0.1' });

    // Activation by SMS: code sent, one wrong code, then the activation.
    const { device, enrolment } = await startEnrolment(server, user, 'PC de Claire');
    const codeSentAt = tick();
    await device.call('requestActivationCode', { params: { id: enrolment.id }, body: { channel: 'sms' } }, enrolment.id);
    const activationCode = await server.latestCode('activation_code', admin.securityPhone);
    secrets.push(activationCode);
    const codeFailedAt = tick();
    await expectCode(device.call('activate', { params: { id: enrolment.id }, body: { code: activationCode === '00000000' ? '11111111' : '00000000' } }, enrolment.id), 'activation_code_invalid');
    const activatedAt = tick();
    const { device: active } = await device.call('activate', { params: { id: enrolment.id }, body: { code: activationCode } }, enrolment.id);
    device.keyId = active.id;
    // The approval code chosen, the portal session that waited at the installation step passes Secure Access (one
    // decision, the login's).
    await device.registerApprovalKey();
    await approveWaitingSession(portal, device);

    const sent = await one('code_sent', userId);
    expect(sent).toMatchObject({ at: codeSentAt, ip: '127.0.0.1' });
    expect(JSON.parse(sent.details_json)).toEqual({ enrolmentId: enrolment.id, channel: 'sms' });
    const failed = await one('activation_code_failed', userId);
    expect(failed).toMatchObject({ at: codeFailedAt, ip: '127.0.0.1' });
    expect(JSON.parse(failed.details_json)).toMatchObject({ enrolmentId: enrolment.id, attemptsLeft: 4 });
    const activated = await one('device_activated', userId);
    expect(activated).toMatchObject({ at: activatedAt, device_id: active.id, ip: '127.0.0.1' });

    // A decision.
    const { operation } = await portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER } });
    const validation = await pendingValidation(device, operation.id);
    const decidedAt = tick();
    await device.call('decide', { params: { id: operation.id }, body: device.decisionBody(validation, 'reject', null) });
    const decisions = await auditRows(server, 'validation_decided', userId);
    const decided = decisions.find((row) => (JSON.parse(row.details_json) as { validationId: string }).validationId === operation.id)!;
    expect(decisions).toHaveLength(2);
    expect(decided).toMatchObject({ at: decidedAt, device_id: active.id, ip: '127.0.0.1' });
    expect(JSON.parse(decided.details_json)).toMatchObject({ validationId: operation.id, status: 'rejected' });

    // A replayed request.
    const selfPath = pathOf('getSelf');
    const headers = await signedHeaders(device, active.id, 'GET', selfPath, '', { timestamp: server.clock.now() });
    await raw(server.baseUrl, 'GET', selfPath, { headers });
    const replayedAt = tick();
    await raw(server.baseUrl, 'GET', selfPath, { headers });
    expect(await one('request_replayed', userId)).toMatchObject({ at: replayedAt, device_id: active.id, ip: '127.0.0.1' });

    // A revocation by the user.
    const revokedAt = tick();
    await portal.call('revokeMyDevice', { params: { id: active.id } });
    const revoked = await one('device_revoked', userId);
    expect(revoked).toMatchObject({ at: revokedAt, device_id: active.id, ip: '127.0.0.1' });
    expect(JSON.parse(revoked.details_json)).toEqual({ by: userId, reason: 'user' });

    // Five wrong secret codes: five failures, the fifth locking the account.
    for (let i = 0; i < 4; i++) await expectCode(server.portal().call('login', { body: { identifier: admin.identifier, secretCode: 'Mauvais2026' } }), 'invalid_credentials');
    const lockedAt = tick();
    await expectCode(server.portal().call('login', { body: { identifier: admin.identifier, secretCode: 'Mauvais2026' } }), 'account_locked');
    expect(await auditRows(server, 'login_failed', userId)).toHaveLength(5);
    const locked = await one('account_locked', userId);
    expect(locked).toMatchObject({ at: lockedAt, ip: '127.0.0.1' });
    expect(JSON.parse(locked.details_json)).toMatchObject({ reason: 'failed_logins', until: lockedAt + server.server.ctx.limits.lockMinutes * 60_000 });

    // Nothing secret in the log: no secret code, no one-time code, no signature.
    const everything = await server.server.ctx.db.selectFrom('audit_log').selectAll().where('user_id', '=', userId).execute();
    const text = JSON.stringify(everything);
    for (const secret of [...secrets, 'Mauvais2026', headers['x-sa-signature']!]) expect(text).not.toContain(secret);
    expect(everything.every((row) => typeof row.at === 'number' && row.id.startsWith('aud_'))).toBe(true);
  });

  it('rule 19: an administrator revoking a device is logged with who did it', async () => {
    const admin = await server.readyPrimaryAdmin();
    const device = await server.activateDevice(admin);
    const marc = await server.readySecondaryUser(admin.portal);
    const marcDevice = await server.activateDevice(marc, { adminPortal: admin.portal });
    const adminId = admin.portal.session!.holder.userId;
    const marcId = marc.portal.session!.holder.userId;

    const generated = await auditRows(server, 'code_generated', marcId);
    expect(generated).toHaveLength(1);
    expect(JSON.parse(generated[0]!.details_json)).toMatchObject({ by: adminId });

    await admin.portal.call('revokeDevice', { params: { id: marcDevice.keyId! } });
    const revoked = await auditRows(server, 'device_revoked', marcId);
    expect(revoked).toHaveLength(1);
    expect(revoked[0]).toMatchObject({ device_id: marcDevice.keyId, ip: '127.0.0.1', at: server.clock.now() });
    expect(JSON.parse(revoked[0]!.details_json)).toEqual({ by: adminId, reason: 'administrator' });
    // Only Marc's device: the administrator's own is untouched, and nothing is logged against it.
    expect((await device.call('getSelf')).device).toMatchObject({ id: device.keyId, status: 'active' });
    expect(await auditRows(server, 'device_revoked', adminId)).toEqual([]);
  });
});
