/**
 * Activation — "one code, one device, one account" (rules 6–13): enrolment, the three ways a code is delivered,
 * its binding to one enrolment key, attempts and rate limits, the five-device ceiling under concurrency, and
 * several users on one installation.
 */
import { createPublicKey, verify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUPED_CODE_ALPHABET, formatCode, fromBase64Url, isWellFormedCode, routePath, utf8 } from '../../../protocol/index';
import vectors from '../../../protocol/vectors.json';
import { approveWaitingSession, type TestDevice } from '../../harness/http-client';
import { startTestServer, type ReadyUser, type TestServer } from '../../harness/server';
import {
  DATABASES, HOUR, MINUTE, PAYEE_IBAN, SAMPLE_TRANSFER, adminWithDevice, expectCode, loginWithSecureAccess, nextAnnouncement, raw, signedHeaders, startEnrolment,
  userIdOf,
} from './helpers';

/** A wrong code of the right shape. */
const wrongDigits = (code: string) => (code === '00000000' ? '11111111' : '00000000');
const wrongGrouped = (code: string) => (code.startsWith('AAAA') ? 'BBBBBBBBBBBB' : 'AAAAAAAAAAAA');

describe.each(DATABASES)('activation: one code, one device, one account (%s)', (database) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ database, limits: { codeRequestsPerIp: 1000, codeRequestsPerAccount: 1000 } });
  });
  afterAll(async () => {
    await server.close();
  });

  /** Asks for an SMS/voice code and reads it from the outbox; the clock moves a second so "newest" is unambiguous. */
  async function smsCode(device: TestDevice, enrolmentId: string, phone: string, channel: 'sms' | 'voice' = 'sms'): Promise<string> {
    server.clock.advance(1000);
    await device.call('requestActivationCode', { params: { id: enrolmentId }, body: { channel } }, enrolmentId);
    return server.latestCode('activation_code', phone);
  }

  /** A secondary user's request, sent to the administrator, and the code the administrator generates for it. */
  async function administratorCode(user: ReadyUser, adminPortal: ReadyUser['portal'], deviceName = 'PC comptabilité') {
    const { device, enrolment } = await startEnrolment(server, user, deviceName);
    await device.call('requestActivationCode', { params: { id: enrolment.id }, body: {} }, enrolment.id);
    const { activation } = await adminPortal.call('generateActivationCode', { params: { id: enrolment.id } });
    return { device, enrolment, code: activation.code! };
  }

  it('rule 6: enrolment needs the identifier, the secret code, the device name and the public key generated on the device', async () => {
    const admin = await server.readyPrimaryAdmin();
    const device = server.device();
    const complete = { identifier: admin.identifier, secretCode: admin.secretCode, deviceName: 'PC de Claire', publicKey: device.publicKey, platform: 'linux', appVersion: '1.0.0' };
    for (const missing of ['identifier', 'secretCode', 'deviceName', 'publicKey'] as const) {
      const { [missing]: _left, ...body } = complete;
      const error = await expectCode(device.call('createEnrolment', { body }), 'bad_request');
      expect(error.message).toContain(missing);
    }
    await expectCode(device.call('createEnrolment', { body: { ...complete, deviceName: '   ' } }), 'bad_request');
    await expectCode(device.call('createEnrolment', { body: { ...complete, secretCode: 'Mauvais2026' } }), 'invalid_credentials');

    const { enrolment } = await device.call('createEnrolment', { body: complete });
    expect(enrolment).toMatchObject({
      state: 'awaiting_code_request', deviceName: 'PC de Claire', codeDelivery: 'security_phone', codeFormat: 'digits8', deviceId: null, attemptsLeft: 5, activeDevices: 0, maxDevices: 5,
      holder: { identifier: admin.identifier, role: 'primary_admin' },
    });
    const stored = await server.server.ctx.db.selectFrom('enrolments').select(['public_key', 'device_name']).where('id', '=', enrolment.id).executeTakeFirstOrThrow();
    expect(stored).toEqual({ public_key: device.publicKey, device_name: 'PC de Claire' });

    // The device may still be renamed before its code is requested, with its own key.
    const renamed = await device.call('renameEnrolment', { params: { id: enrolment.id }, body: { deviceName: 'Portable de Claire' } }, enrolment.id);
    expect(renamed.enrolment.deviceName).toBe('Portable de Claire');
  });

  it('rule 6: a temporary secret code must be changed in the Espace Client before enrolling (secret_code_change_required)', async () => {
    const { user: admin } = await adminWithDevice(server);
    const created = await admin.portal.call('createUser', { body: { displayName: 'Paul Neuf' } });
    const device = server.device();
    await expectCode(device.call('createEnrolment', { body: {
      identifier: created.user.identifier, secretCode: created.temporarySecretCode, deviceName: 'PC de Paul', publicKey: device.publicKey, platform: 'windows', appVersion: '1.0.0',
    } }), 'secret_code_change_required');
    expect(await server.server.ctx.db.selectFrom('enrolments').select('id').where('user_id', '=', created.user.id).execute()).toEqual([]);
  });

  it('rule 6: a malformed, non-canonical or small-order public key is refused', async () => {
    const admin = await server.readyPrimaryAdmin();
    const device = server.device();
    const body = { identifier: admin.identifier, secretCode: admin.secretCode, deviceName: 'PC', platform: 'mac', appVersion: '1.0.0' };
    const keys = {
      'too short': 'abc',
      'not base64url': `${'A'.repeat(42)}+`,
      'not a point': `Ag${'A'.repeat(41)}`,
      identity: `AQ${'A'.repeat(41)}`,
      'identity as y = p + 1': '7v________________________________________w',
    };
    for (const [name, publicKey] of Object.entries(keys)) {
      const error = await expectCode(device.call('createEnrolment', { body: { ...body, publicKey } }), 'bad_request').catch((cause: unknown) => {
        throw new Error(`${name}: ${String(cause)}`);
      });
      if (publicKey.length === 43) expect(error.facts.field).toBe('publicKey');
    }
    // One key, one enrolment: the same key cannot be registered again.
    await device.call('createEnrolment', { body: { ...body, publicKey: device.publicKey } });
    const again = await expectCode(device.call('createEnrolment', { body: { ...body, publicKey: device.publicKey } }), 'bad_request');
    expect(again.facts.field).toBe('publicKey');
  });

  it('rule 6: the identity key of vectors.json — under which OpenSSL accepts R = identity, S = 0 for any message — is stopped by the enrolment check', async () => {
    const forgery = vectors.mustReject.find((vector) => 'acceptedByOpenSsl' in vector)!;
    const admin = await server.readyPrimaryAdmin();
    const body = { identifier: admin.identifier, secretCode: admin.secretCode, deviceName: 'PC pirate', publicKey: forgery.publicKey, platform: 'linux', appVersion: '1.0.0' };
    const answer = await raw(server.baseUrl, 'POST', routePath('createEnrolment'), { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect({ status: answer.status, code: (answer.json as { code: string }).code, field: (answer.json as { field?: string }).field }).toEqual({ status: 400, code: 'bad_request', field: 'publicKey' });
    // Nothing was registered with that key, so no request signed with the forgery can ever name it.
    expect(await server.server.ctx.db.selectFrom('enrolments').select('id').where('public_key', '=', forgery.publicKey).execute()).toEqual([]);
    expect(await server.server.ctx.db.selectFrom('devices').select('id').where('public_key', '=', forgery.publicKey).execute()).toEqual([]);
    // Were the key let in, the forgery would pass for any request: node:crypto verifies it over these very bytes.
    const rawKey = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), fromBase64Url(forgery.publicKey)]), format: 'der', type: 'spki' });
    expect(verify(null, utf8(`secure-access/v1/request\nenr_x\nPOST\n${routePath('activate', { id: 'enr_x' })}\n0\nn\nh`), rawKey, fromBase64Url(forgery.signature))).toBe(true);
  });

  it('rule 7: a primary administrator without an active device gets an 8-digit code by SMS on the Security Phone, valid 5 minutes', async () => {
    const admin = await server.readyPrimaryAdmin();
    const { device, enrolment } = await startEnrolment(server, admin);
    expect(enrolment.codeDelivery).toBe('security_phone');
    expect(enrolment.securityPhoneMasked).toMatch(/•/);
    expect(JSON.stringify(enrolment)).not.toContain(admin.securityPhone!.slice(1));

    // The user chooses SMS or voice: no choice, no code.
    await expectCode(device.call('requestActivationCode', { params: { id: enrolment.id }, body: {} }, enrolment.id), 'bad_request');

    server.clock.advance(1000);
    const requested = await device.call('requestActivationCode', { params: { id: enrolment.id }, body: { channel: 'sms' } }, enrolment.id);
    expect(requested.enrolment).toMatchObject({ state: 'code_sent', channel: 'sms', codeFormat: 'digits8', codeValiditySeconds: 300 });
    expect(Date.parse(requested.enrolment.codeExpiresAt!) - Date.parse(requested.enrolment.codeGeneratedAt!)).toBe(5 * MINUTE);

    const sms = await server.server.ctx.db.selectFrom('outbox').selectAll().where('to_phone', '=', admin.securityPhone!).where('purpose', '=', 'activation_code').executeTakeFirstOrThrow();
    expect(sms.channel).toBe('sms');
    expect(sms.text).toMatch(/^Code d'activation Secure Access : [0-9]{8}\. Valable 5 minutes\./);
    const code = await server.latestCode('activation_code', admin.securityPhone!);
    expect(code).toMatch(/^[0-9]{8}$/);
    // An SMS code is never shown in Administration.
    const stored = await server.server.ctx.db.selectFrom('enrolments').select(['code_display', 'code_hash']).where('id', '=', enrolment.id).executeTakeFirstOrThrow();
    expect(stored.code_display).toBeNull();
    expect(stored.code_hash).not.toContain(code);

    server.clock.advance(5 * MINUTE - 1000);
    const activated = await device.call('activate', { params: { id: enrolment.id }, body: { code } }, enrolment.id);
    expect(activated.enrolment.state).toBe('active');
    expect(activated.device).toMatchObject({ status: 'active', name: 'PC bureau', platform: 'linux' });
    device.keyId = activated.device.id;
    expect((await device.call('getSelf')).holder.identifier).toBe(admin.identifier);
  });

  it('rule 7: the code can be sent by voice call instead, spelled digit by digit', async () => {
    const admin = await server.readyPrimaryAdmin();
    const { device, enrolment } = await startEnrolment(server, admin);
    const code = await smsCode(device, enrolment.id, admin.securityPhone!, 'voice');
    const call = await server.server.ctx.db.selectFrom('outbox').selectAll().where('to_phone', '=', admin.securityPhone!).where('purpose', '=', 'activation_code').executeTakeFirstOrThrow();
    expect(call.channel).toBe('voice');
    expect(call.text).toContain(code.split('').join(' '));
    const activated = await device.call('activate', { params: { id: enrolment.id }, body: { code } }, enrolment.id);
    expect(activated.enrolment.channel).toBe('voice');
  });

  it('rule 7: the SMS code expires after 5 minutes (activation_code_expired); a new one works', async () => {
    const admin = await server.readyPrimaryAdmin();
    const { device, enrolment } = await startEnrolment(server, admin);
    const expired = await smsCode(device, enrolment.id, admin.securityPhone!);
    server.clock.advance(5 * MINUTE);
    await expectCode(device.call('activate', { params: { id: enrolment.id }, body: { code: expired } }, enrolment.id), 'activation_code_expired');
    const fresh = await smsCode(device, enrolment.id, admin.securityPhone!);
    // The old code is gone with the new one.
    if (fresh !== expired) await expectCode(device.call('activate', { params: { id: enrolment.id }, body: { code: expired } }, enrolment.id), 'activation_code_invalid');
    const activated = await device.call('activate', { params: { id: enrolment.id }, body: { code: fresh } }, enrolment.id);
    expect(activated.device.status).toBe('active');
  });

  it("rule 8: a primary administrator's further device gets its code at once in Administration (24 hours, single use, grouped format)", async () => {
    const { user: admin } = await adminWithDevice(server);
    const { device, enrolment } = await startEnrolment(server, admin, 'Portable de Claire');
    expect(enrolment).toMatchObject({ codeDelivery: 'administration', codeFormat: 'grouped', activeDevices: 1 });
    await expectCode(device.call('requestActivationCode', { params: { id: enrolment.id }, body: { channel: 'sms' } }, enrolment.id), 'channel_not_available');

    const requested = await device.call('requestActivationCode', { params: { id: enrolment.id }, body: {} }, enrolment.id);
    expect(requested.enrolment).toMatchObject({ state: 'code_available', codeValiditySeconds: 86_400 });
    const { activations } = await admin.portal.call('listActivations');
    const entry = activations.find((a) => a.enrolmentId === enrolment.id)!;
    expect(entry).toMatchObject({ codeDelivery: 'administration', codeState: 'unused', deviceName: 'Portable de Claire', attemptsLeft: 5 });
    expect(isWellFormedCode(entry.code!, 'grouped')).toBe(true);
    expect([...entry.code!.replace(/-/g, '')].every((char) => GROUPED_CODE_ALPHABET.includes(char))).toBe(true);
    expect(Date.parse(entry.codeExpiresAt!) - Date.parse(entry.codeGeneratedAt!)).toBe(24 * HOUR);

    // Typed as shown (XXXX-XXXX-XXXX), or in lower case: the same code.
    const typed = formatCode(entry.code!, 'grouped').toLowerCase();
    const activated = await device.call('activate', { params: { id: enrolment.id }, body: { code: typed } }, enrolment.id);
    expect(activated.device.name).toBe('Portable de Claire');

    await expectCode(device.call('activate', { params: { id: enrolment.id }, body: { code: entry.code! } }, enrolment.id), 'activation_code_used');
    const after = (await admin.portal.call('listActivations')).activations.find((a) => a.enrolmentId === enrolment.id)!;
    expect(after).toMatchObject({ codeState: 'used', code: null });
  });

  it('rule 8: the code from Administration expires 24 hours after it was generated', async () => {
    const { user: admin, device: first } = await adminWithDevice(server);
    const { device, enrolment } = await startEnrolment(server, admin, 'Portable');
    await device.call('requestActivationCode', { params: { id: enrolment.id }, body: {} }, enrolment.id);
    const code = (await admin.portal.call('listActivations')).activations.find((a) => a.enrolmentId === enrolment.id)!.code!;
    server.clock.advance(24 * HOUR);
    await expectCode(device.call('activate', { params: { id: enrolment.id }, body: { code } }, enrolment.id), 'activation_code_expired');
    const portal = await loginWithSecureAccess(server, admin, first);
    const entry = (await portal.call('listActivations')).activations.find((a) => a.enrolmentId === enrolment.id)!;
    expect(entry).toMatchObject({ codeState: 'expired', code: null });
  });

  it('rule 8: when all his devices are revoked, the primary administrator is back on the SMS/voice path', async () => {
    const { user: admin, device: first } = await adminWithDevice(server);
    const pending = await startEnrolment(server, admin, 'Portable');
    expect(pending.enrolment.codeDelivery).toBe('administration');

    await admin.portal.call('revokeMyDevice', { params: { id: first.keyId! } });

    const { enrolment } = await startEnrolment(server, admin, 'Nouveau PC');
    expect(enrolment.codeDelivery).toBe('security_phone');
    // The request started while a device was active follows the new situation too: its view says so before any
    // code is asked for, so the app offers SMS and voice.
    const view = await pending.device.call('getEnrolment', { params: { id: pending.enrolment.id } }, pending.enrolment.id);
    expect(view.enrolment).toMatchObject({ state: 'awaiting_code_request', codeDelivery: 'security_phone', codeFormat: 'digits8', codeValiditySeconds: 300 });
    await expectCode(pending.device.call('requestActivationCode', { params: { id: pending.enrolment.id }, body: {} }, pending.enrolment.id), 'bad_request');
    const code = await smsCode(pending.device, pending.enrolment.id, admin.securityPhone!);
    const activated = await pending.device.call('activate', { params: { id: pending.enrolment.id }, body: { code } }, pending.enrolment.id);
    expect(activated.enrolment.codeDelivery).toBe('security_phone');
    pending.device.keyId = activated.device.id;
    await pending.device.registerApprovalKey();
    await approveWaitingSession(admin.portal, pending.device);

    // And a login without a device asks for the Security Code again.
    await admin.portal.call('revokeMyDevice', { params: { id: activated.device.id } });
    const session = await server.portal().call('login', { body: { identifier: admin.identifier, secretCode: admin.secretCode } });
    expect(session.step).toBe('security_code');
  });

  it("rule 9: a secondary user's request goes to the administrator, who sees it with the device name and generates the code", async () => {
    const { user: admin } = await adminWithDevice(server);
    const secondary = await server.readySecondaryUser(admin.portal, 'Marc Petit');
    const { device, enrolment } = await startEnrolment(server, secondary, 'PC de Marc');
    expect(enrolment).toMatchObject({ codeDelivery: 'administrator', codeFormat: 'grouped', securityPhoneMasked: null });
    // Not yet asked from the device: nothing to show the administrator.
    expect((await admin.portal.call('listActivations')).activations.some((a) => a.enrolmentId === enrolment.id)).toBe(false);
    await expectCode(admin.portal.call('generateActivationCode', { params: { id: enrolment.id } }), 'activation_code_not_issued');

    await expectCode(device.call('requestActivationCode', { params: { id: enrolment.id }, body: { channel: 'sms' } }, enrolment.id), 'channel_not_available');
    const requested = await device.call('requestActivationCode', { params: { id: enrolment.id }, body: {} }, enrolment.id);
    expect(requested.enrolment.state).toBe('awaiting_administrator');
    await expectCode(device.call('activate', { params: { id: enrolment.id }, body: { code: 'ABCD-EFGH-JKLM' } }, enrolment.id), 'activation_code_not_issued');

    const waiting = (await admin.portal.call('listActivations')).activations.find((a) => a.enrolmentId === enrolment.id)!;
    expect(waiting).toMatchObject({
      codeDelivery: 'administrator', codeState: 'not_generated', code: null, deviceName: 'PC de Marc', user: { identifier: secondary.identifier, displayName: 'Marc Petit' },
    });

    const { activation } = await admin.portal.call('generateActivationCode', { params: { id: enrolment.id } });
    expect(activation).toMatchObject({ codeState: 'unused', deviceName: 'PC de Marc' });
    expect(isWellFormedCode(activation.code!, 'grouped')).toBe(true);
    expect(Date.parse(activation.codeExpiresAt!) - Date.parse(activation.codeGeneratedAt!)).toBe(24 * HOUR);
    expect((await device.call('getEnrolment', { params: { id: enrolment.id } }, enrolment.id)).enrolment.state).toBe('code_available');

    const activated = await device.call('activate', { params: { id: enrolment.id }, body: { code: activation.code! } }, enrolment.id);
    expect(activated.device).toMatchObject({ name: 'PC de Marc', userId: await userIdOf(server, secondary.identifier) });
    // Single use.
    await expectCode(device.call('activate', { params: { id: enrolment.id }, body: { code: activation.code! } }, enrolment.id), 'activation_code_used');
    await expectCode(admin.portal.call('generateActivationCode', { params: { id: enrolment.id } }), 'activation_code_used');
  });

  it("rule 9: the secondary user's code is valid 24 hours from its generation, not from the request", async () => {
    const { user: admin, device: adminDevice } = await adminWithDevice(server);
    const secondary = await server.readySecondaryUser(admin.portal);
    const { device, enrolment } = await startEnrolment(server, secondary);
    await device.call('requestActivationCode', { params: { id: enrolment.id }, body: {} }, enrolment.id);

    server.clock.advance(10 * HOUR);
    const portal = await loginWithSecureAccess(server, admin, adminDevice);
    const { activation } = await portal.call('generateActivationCode', { params: { id: enrolment.id } });
    server.clock.advance(24 * HOUR - 1000);
    const activated = await device.call('activate', { params: { id: enrolment.id }, body: { code: activation.code! } }, enrolment.id);
    expect(activated.device.status).toBe('active');
  });

  it("rule 9: the secondary user's code is refused 24 hours after its generation (activation_code_expired)", async () => {
    const { user: admin, device: adminDevice } = await adminWithDevice(server);
    const secondary = await server.readySecondaryUser(admin.portal);
    const { device, enrolment, code } = await administratorCode(secondary, admin.portal);
    server.clock.advance(24 * HOUR);
    await expectCode(device.call('activate', { params: { id: enrolment.id }, body: { code } }, enrolment.id), 'activation_code_expired');
    const portal = await loginWithSecureAccess(server, admin, adminDevice);
    expect((await portal.call('listActivations')).activations.find((a) => a.enrolmentId === enrolment.id)).toMatchObject({ codeState: 'expired', code: null });
    // The administrator can generate a new one.
    const { activation } = await portal.call('generateActivationCode', { params: { id: enrolment.id } });
    expect((await device.call('activate', { params: { id: enrolment.id }, body: { code: activation.code! } }, enrolment.id)).device.status).toBe('active');
  });

  it("rule 9: an administrator of another company neither sees nor serves the request (enrolment_not_found)", async () => {
    const { user: admin } = await adminWithDevice(server);
    const { user: stranger } = await adminWithDevice(server);
    const secondary = await server.readySecondaryUser(admin.portal);
    const { device, enrolment } = await startEnrolment(server, secondary);
    await device.call('requestActivationCode', { params: { id: enrolment.id }, body: {} }, enrolment.id);
    expect((await stranger.portal.call('listActivations')).activations.some((a) => a.enrolmentId === enrolment.id)).toBe(false);
    await expectCode(stranger.portal.call('generateActivationCode', { params: { id: enrolment.id } }), 'enrolment_not_found');
  });

  it('rule 10: a code activates only its own enrolment: not another device of the account, not another account', async () => {
    const { user: admin } = await adminWithDevice(server);
    const marc = await server.readySecondaryUser(admin.portal, 'Marc Petit');
    const lea = await server.readySecondaryUser(admin.portal, 'Léa Roux');
    const first = await administratorCode(marc, admin.portal, 'PC de Marc');
    const second = await administratorCode(marc, admin.portal, 'Portable de Marc');
    const other = await administratorCode(lea, admin.portal, 'PC de Léa');

    const onSecond = await expectCode(second.device.call('activate', { params: { id: second.enrolment.id }, body: { code: first.code } }, second.enrolment.id), 'activation_code_invalid');
    expect(onSecond.facts.attemptsLeft).toBe(4);
    await expectCode(other.device.call('activate', { params: { id: other.enrolment.id }, body: { code: first.code } }, other.enrolment.id), 'activation_code_invalid');

    const activated = await first.device.call('activate', { params: { id: first.enrolment.id }, body: { code: first.code } }, first.enrolment.id);
    expect(activated.device.name).toBe('PC de Marc');
    const stored = await server.server.ctx.db.selectFrom('devices').select(['public_key', 'enrolment_id']).where('id', '=', activated.device.id).executeTakeFirstOrThrow();
    expect(stored).toEqual({ public_key: first.device.publicKey, enrolment_id: first.enrolment.id });
  });

  it('rule 10: activating proves possession of the enrolment key: another key is refused', async () => {
    const { user: admin, device: adminDevice } = await adminWithDevice(server);
    const marc = await server.readySecondaryUser(admin.portal);
    const target = await administratorCode(marc, admin.portal, 'PC de Marc');
    const thief = await startEnrolment(server, marc, 'PC du voleur');
    const path = routePath('activate', { id: target.enrolment.id });
    const body = JSON.stringify({ code: target.code });

    // The thief knows the code and the enrolment id, and signs with his own key under that id.
    const forged = await raw(server.baseUrl, 'POST', path, {
      headers: { 'content-type': 'application/json', ...(await signedHeaders(thief.device, target.enrolment.id, 'POST', path, body, { timestamp: server.clock.now() })) },
      body,
    });
    expect(forged.json).toMatchObject({ code: 'auth_signature_invalid' });
    // Or under his own enrolment id, on the target's path.
    const crossed = await raw(server.baseUrl, 'POST', path, {
      headers: { 'content-type': 'application/json', ...(await signedHeaders(thief.device, thief.enrolment.id, 'POST', path, body, { timestamp: server.clock.now() })) },
      body,
    });
    expect(crossed.json).toMatchObject({ code: 'auth_unknown_key' });
    // An active device's key is not an enrolment key either.
    const byDevice = await raw(server.baseUrl, 'POST', path, {
      headers: { 'content-type': 'application/json', ...(await signedHeaders(adminDevice, adminDevice.keyId!, 'POST', path, body, { timestamp: server.clock.now() })) },
      body,
    });
    expect(byDevice.json).toMatchObject({ code: 'auth_unknown_key' });

    // None of that cost the real enrolment an attempt; its own key activates it.
    expect((await target.device.call('getEnrolment', { params: { id: target.enrolment.id } }, target.enrolment.id)).enrolment.attemptsLeft).toBe(5);
    const activated = await target.device.call('activate', { params: { id: target.enrolment.id }, body: { code: target.code } }, target.enrolment.id);
    expect(activated.device.status).toBe('active');
    expect(await server.server.ctx.db.selectFrom('devices').select('id').where('public_key', '=', thief.device.publicKey).execute()).toEqual([]);
  });

  it('rule 11: after 5 wrong attempts the code is dead, even the right code (activation_attempts_exhausted)', async () => {
    const admin = await server.readyPrimaryAdmin();
    const { device, enrolment } = await startEnrolment(server, admin);
    const code = await smsCode(device, enrolment.id, admin.securityPhone!);
    for (const attemptsLeft of [4, 3, 2, 1]) {
      const error = await expectCode(device.call('activate', { params: { id: enrolment.id }, body: { code: wrongDigits(code) } }, enrolment.id), 'activation_code_invalid');
      expect(error.facts.attemptsLeft).toBe(attemptsLeft);
    }
    const dead = await expectCode(device.call('activate', { params: { id: enrolment.id }, body: { code: wrongDigits(code) } }, enrolment.id), 'activation_attempts_exhausted');
    expect(dead.facts.attemptsLeft).toBe(0);
    await expectCode(device.call('activate', { params: { id: enrolment.id }, body: { code } }, enrolment.id), 'activation_attempts_exhausted');
    expect((await device.call('getEnrolment', { params: { id: enrolment.id } }, enrolment.id)).enrolment).toMatchObject({ state: 'failed', attemptsLeft: 0 });
    // No new code for a dead enrolment: the activation starts again with a new key.
    await expectCode(device.call('requestActivationCode', { params: { id: enrolment.id }, body: { channel: 'sms' } }, enrolment.id), 'activation_attempts_exhausted');
    const restart = await startEnrolment(server, admin);
    expect(restart.enrolment.attemptsLeft).toBe(5);
  });

  it('rule 11: a new SMS code for the same enrolment does not reset the failure count', async () => {
    const admin = await server.readyPrimaryAdmin();
    const { device, enrolment } = await startEnrolment(server, admin);
    const first = await smsCode(device, enrolment.id, admin.securityPhone!);
    for (let i = 0; i < 3; i++) await expectCode(device.call('activate', { params: { id: enrolment.id }, body: { code: wrongDigits(first) } }, enrolment.id), 'activation_code_invalid');
    const second = await smsCode(device, enrolment.id, admin.securityPhone!);
    expect((await device.call('getEnrolment', { params: { id: enrolment.id } }, enrolment.id)).enrolment.attemptsLeft).toBe(2);
    const last = await expectCode(device.call('activate', { params: { id: enrolment.id }, body: { code: wrongDigits(second) } }, enrolment.id), 'activation_code_invalid');
    expect(last.facts.attemptsLeft).toBe(1);
    await expectCode(device.call('activate', { params: { id: enrolment.id }, body: { code: wrongDigits(second) } }, enrolment.id), 'activation_attempts_exhausted');
    await expectCode(device.call('activate', { params: { id: enrolment.id }, body: { code: second } }, enrolment.id), 'activation_attempts_exhausted');
  });

  it('rule 11: a new code generated by the administrator does not reset the failure count either', async () => {
    const { user: admin } = await adminWithDevice(server);
    const secondary = await server.readySecondaryUser(admin.portal);
    const { device, enrolment, code } = await administratorCode(secondary, admin.portal);
    for (let i = 0; i < 4; i++) await expectCode(device.call('activate', { params: { id: enrolment.id }, body: { code: wrongGrouped(code) } }, enrolment.id), 'activation_code_invalid');
    const { activation } = await admin.portal.call('generateActivationCode', { params: { id: enrolment.id } });
    expect(activation.attemptsLeft).toBe(1);
    await expectCode(device.call('activate', { params: { id: enrolment.id }, body: { code: wrongGrouped(activation.code!) } }, enrolment.id), 'activation_attempts_exhausted');
    await expectCode(device.call('activate', { params: { id: enrolment.id }, body: { code: activation.code! } }, enrolment.id), 'activation_attempts_exhausted');
    const entry = (await admin.portal.call('listActivations')).activations.find((a) => a.enrolmentId === enrolment.id)!;
    expect(entry).toMatchObject({ codeState: 'dead', code: null, attemptsLeft: 0 });
  });

  it('rule 13: one installation carries several users, each with their own key, each seeing only their own validations', async () => {
    const { user: admin, device: adminDevice } = await adminWithDevice(server, 'PC partagé');
    const secondary = await server.readySecondaryUser(admin.portal, 'Marc Petit');
    // Same computer, same app: a second account, with a key of its own (reusing the admin's key is refused).
    await expectCode(adminDevice.call('createEnrolment', { body: {
      identifier: secondary.identifier, secretCode: secondary.secretCode, deviceName: 'PC partagé', publicKey: adminDevice.publicKey, platform: 'linux', appVersion: '1.0.0',
    } }), 'bad_request');
    const secondaryDevice = await server.activateDevice(secondary, { deviceName: 'PC partagé', adminPortal: admin.portal });
    expect(secondaryDevice.publicKey).not.toBe(adminDevice.publicKey);
    expect(secondaryDevice.keyId).not.toBe(adminDevice.keyId);

    const { operation: adminTransfer } = await admin.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER } });
    const { operation: marcBeneficiary } = await secondary.portal.call('createBeneficiary', { body: { name: 'Imprimerie Roux', iban: PAYEE_IBAN } });

    const forAdmin = (await adminDevice.call('pendingValidations', { query: {} })).validations.map((v) => v.id);
    const forMarc = (await secondaryDevice.call('pendingValidations', { query: {} })).validations.map((v) => v.id);
    expect(forAdmin).toEqual([adminTransfer.id]);
    expect(forMarc).toEqual([marcBeneficiary.id]);

    // Marc's key cannot decide the administrator's transfer.
    const adminValidation = (await adminDevice.call('pendingValidations', { query: {} })).validations[0]!;
    await expectCode(secondaryDevice.call('decide', { params: { id: adminTransfer.id }, body: secondaryDevice.decisionBody(adminValidation, 'approve', null) }), 'validation_not_found');
    expect((await admin.portal.call('getOperation', { params: { id: adminTransfer.id } })).operation.status).toBe('pending');
    expect((await secondaryDevice.call('getSelf')).holder.identifier).toBe(secondary.identifier);
    expect((await adminDevice.call('getSelf')).holder.identifier).toBe(admin.identifier);
  });

  describe('who gets which path, and what Administration shows', () => {
    it("rules 7–9 by role: a secondary user's further device still goes to the administrator, a secondary administrator's to Administration, a primary administrator without a Security Phone to another administrator", async () => {
      const { user: admin } = await adminWithDevice(server);
      const secondary = await server.readySecondaryUser(admin.portal, 'Marc Petit');
      await server.activateDevice(secondary, { adminPortal: admin.portal });
      expect((await startEnrolment(server, secondary, 'Second PC')).enrolment.codeDelivery).toBe('administrator');

      const deputy = await server.readySecondaryUser(admin.portal, 'Paul Adjoint', 'admin');
      expect((await startEnrolment(server, deputy, 'PC de Paul')).enrolment.codeDelivery).toBe('administrator');
      await server.activateDevice(deputy, { adminPortal: admin.portal });
      expect((await startEnrolment(server, deputy, 'Portable de Paul')).enrolment.codeDelivery).toBe('administration');

      const withoutPhone = await server.readyPrimaryAdmin();
      await server.server.ctx.db.updateTable('users').set({ security_phone: null }).where('id', '=', await userIdOf(server, withoutPhone.identifier)).execute();
      expect((await startEnrolment(server, withoutPhone, 'PC sans téléphone')).enrolment).toMatchObject({ codeDelivery: 'administrator', codeFormat: 'grouped' });
    });

    it('rule 7: no administrator can issue a code for a request that goes to the Security Phone', async () => {
      const { user: admin, device: lost } = await adminWithDevice(server);
      const deputy = await server.readySecondaryUser(admin.portal, 'Paul Adjoint', 'admin');
      await server.activateDevice(deputy, { adminPortal: admin.portal });
      // The primary administrator lost his device; someone with his Code Secret starts an activation. Its code goes to
      // the Security Phone only: the other administrator cannot hand one out instead.
      await admin.portal.call('revokeMyDevice', { params: { id: lost.keyId! } });
      const { device, enrolment } = await startEnrolment(server, admin, 'PC inconnu');
      expect(enrolment.codeDelivery).toBe('security_phone');
      await device.call('requestActivationCode', { params: { id: enrolment.id }, body: { channel: 'sms' } }, enrolment.id);
      await expectCode(deputy.portal.call('generateActivationCode', { params: { id: enrolment.id } }), 'channel_not_available');
      expect((await deputy.portal.call('listActivations')).activations.map((a) => a.enrolmentId)).not.toContain(enrolment.id);
    });

    it("rule 8: an administrator's further-device code is shown to that administrator only", async () => {
      const { user: admin } = await adminWithDevice(server);
      const deputy = await server.readySecondaryUser(admin.portal, 'Paul Adjoint', 'admin');
      await server.activateDevice(deputy, { adminPortal: admin.portal });
      const primaryFurther = await startEnrolment(server, admin, 'Portable de Claire');
      await primaryFurther.device.call('requestActivationCode', { params: { id: primaryFurther.enrolment.id }, body: {} }, primaryFurther.enrolment.id);
      const deputyFurther = await startEnrolment(server, deputy, 'Portable de Paul');
      await deputyFurther.device.call('requestActivationCode', { params: { id: deputyFurther.enrolment.id }, body: {} }, deputyFurther.enrolment.id);

      const seenBy = async (portal: typeof admin.portal) => (await portal.call('listActivations')).activations.map((a) => a.enrolmentId);
      expect(await seenBy(admin.portal)).toContain(primaryFurther.enrolment.id);
      expect(await seenBy(admin.portal)).not.toContain(deputyFurther.enrolment.id);
      expect(await seenBy(deputy.portal)).toContain(deputyFurther.enrolment.id);
      expect(await seenBy(deputy.portal)).not.toContain(primaryFurther.enrolment.id);
    });

    it("rule 9: a request sent to the administrator is announced to every administrator of the company at once, not to another company's", async () => {
      const { user: admin } = await adminWithDevice(server);
      const deputy = await server.readySecondaryUser(admin.portal, 'Paul Adjoint', 'admin');
      const { user: stranger } = await adminWithDevice(server);
      const secondary = await server.readySecondaryUser(admin.portal, 'Léa Moreau');
      const { device, enrolment } = await startEnrolment(server, secondary, 'PC Léa');
      const heard: string[] = [];
      const listen = async (name: string, identifier: string) => {
        await nextAnnouncement(server, await userIdOf(server, identifier));
        heard.push(name);
      };
      const everyAdministrator = Promise.all([listen('primary', admin.identifier), listen('deputy', deputy.identifier)]);
      void listen('stranger', stranger.identifier);
      await device.call('requestActivationCode', { params: { id: enrolment.id }, body: {} }, enrolment.id);
      await everyAdministrator;
      expect(heard.sort()).toEqual(['deputy', 'primary']);
    });

    it('rule 9: a code that expired without ever being typed is no longer shown in Administration', async () => {
      const { user: admin, device: adminDevice } = await adminWithDevice(server);
      const secondary = await server.readySecondaryUser(admin.portal, 'Léa Moreau');
      const { device, enrolment } = await startEnrolment(server, secondary, 'PC Léa');
      await device.call('requestActivationCode', { params: { id: enrolment.id }, body: {} }, enrolment.id);
      const { activation } = await admin.portal.call('generateActivationCode', { params: { id: enrolment.id } });
      expect(activation).toMatchObject({ codeState: 'unused', code: expect.stringMatching(/^[A-Z0-9]{12}$/) });
      server.clock.advance(24 * HOUR);
      const portal = await loginWithSecureAccess(server, admin, adminDevice);
      const entry = (await portal.call('listActivations')).activations.find((a) => a.enrolmentId === enrolment.id);
      expect(entry).toMatchObject({ codeState: 'expired', code: null });
    });

    it('rule 11: the attempt limit in force decides: a dead request stays dead when the limit is raised, a lowered one applies at once', async () => {
      const limits = server.server.ctx.limits;
      const original = limits.maxCodeAttempts;
      try {
        const { user: admin } = await adminWithDevice(server);
        const secondary = await server.readySecondaryUser(admin.portal, 'Léa Moreau');
        const attempt = async (device: TestDevice, enrolmentId: string, code: string) => device.call('activate', { params: { id: enrolmentId }, body: { code } }, enrolmentId);
        const issued = async (name: string) => {
          const { device, enrolment } = await startEnrolment(server, secondary, name);
          await device.call('requestActivationCode', { params: { id: enrolment.id }, body: {} }, enrolment.id);
          const code = (await admin.portal.call('generateActivationCode', { params: { id: enrolment.id } })).activation.code!;
          return { device, id: enrolment.id, code };
        };

        const dead = await issued('PC un');
        for (let i = 0; i < original; i++) await attempt(dead.device, dead.id, wrongGrouped(dead.code)).catch(() => undefined);
        limits.maxCodeAttempts = original + 5;
        await expectCode(attempt(dead.device, dead.id, dead.code), 'activation_attempts_exhausted');

        limits.maxCodeAttempts = original;
        const partWay = await issued('PC deux');
        for (let i = 0; i < 3; i++) await expectCode(attempt(partWay.device, partWay.id, wrongGrouped(partWay.code)), 'activation_code_invalid');
        limits.maxCodeAttempts = 3;
        await expectCode(attempt(partWay.device, partWay.id, partWay.code), 'activation_attempts_exhausted');
      } finally {
        limits.maxCodeAttempts = original;
      }
    });

    it('rule 6: a device name sent with spaces around it is kept without them; renaming ends once a code exists', async () => {
      const admin = await server.readyPrimaryAdmin();
      const { device, enrolment } = await startEnrolment(server, admin, '  PC bureau  ');
      expect(enrolment.deviceName).toBe('PC bureau');
      const renamed = await device.call('renameEnrolment', { params: { id: enrolment.id }, body: { deviceName: '  Poste trésorerie ' } }, enrolment.id);
      expect(renamed.enrolment.deviceName).toBe('Poste trésorerie');
      const row = await server.server.ctx.db.selectFrom('enrolments').select('device_name').where('id', '=', enrolment.id).executeTakeFirstOrThrow();
      expect(row.device_name).toBe('Poste trésorerie');

      // Once a code exists the name is settled; once active, the request is closed.
      const rename = () => device.call('renameEnrolment', { params: { id: enrolment.id }, body: { deviceName: 'Autre' } }, enrolment.id);
      await device.call('requestActivationCode', { params: { id: enrolment.id }, body: { channel: 'sms' } }, enrolment.id);
      await expectCode(rename(), 'enrolment_closed');
      const code = await server.latestCode('activation_code', admin.securityPhone!);
      await device.call('activate', { params: { id: enrolment.id }, body: { code } }, enrolment.id);
      await expectCode(rename(), 'activation_code_used');
    });
  });

  describe('a code write racing the activation', () => {
    it('rules 9–10: codes generated and asked for while the request is activated never reopen it (20 of each at once, the activation among them)', async () => {
      const { user: admin } = await adminWithDevice(server);
      const secondary = await server.readySecondaryUser(admin.portal, 'Léa Moreau');
      for (let round = 0; round < 3; round++) {
        const { device, enrolment } = await startEnrolment(server, secondary, `Poste ${round + 1}`);
        await device.call('requestActivationCode', { params: { id: enrolment.id }, body: {} }, enrolment.id);
        const code = (await admin.portal.call('generateActivationCode', { params: { id: enrolment.id } })).activation.code!;
        const generations = Array.from({ length: 20 }, () => admin.portal.call('generateActivationCode', { params: { id: enrolment.id } }));
        const requests = Array.from({ length: 20 }, () => device.call('requestActivationCode', { params: { id: enrolment.id }, body: {} }, enrolment.id));
        const activation = device.call('activate', { params: { id: enrolment.id }, body: { code } }, enrolment.id);
        const [activated, ...writes] = await Promise.allSettled([activation, ...generations.slice(0, 10), ...requests, ...generations.slice(10)]);
        for (const write of writes) {
          if (write.status === 'rejected') expect(write.reason).toMatchObject({ code: 'activation_code_used' });
        }

        const row = await server.server.ctx.db.selectFrom('enrolments').select(['state', 'device_id', 'code_display']).where('id', '=', enrolment.id).executeTakeFirstOrThrow();
        const devices = await server.server.ctx.db.selectFrom('devices').select('id').where('enrolment_id', '=', enrolment.id).execute();
        const entry = (await admin.portal.call('listActivations')).activations.find((a) => a.enrolmentId === enrolment.id);
        if (activated.status === 'fulfilled') {
          // Activated: it stays so, with no code on show, whatever was written after.
          expect(row).toEqual({ state: 'active', device_id: activated.value.device.id, code_display: null });
          expect(devices.map((device) => device.id)).toEqual([activated.value.device.id]);
          expect(entry).toMatchObject({ codeState: 'used', code: null });
        } else {
          // A new code replaced the typed one first: refused as incorrect, and the request is still open.
          expect(activated.reason).toMatchObject({ code: 'activation_code_invalid' });
          expect(row.state).toBe('code_available');
          expect(devices).toEqual([]);
        }
      }
    }, 60_000);

    it('rule 9: renames racing the administrator’s code: the name shown with the code is the name it is bound to, and none lands after it', async () => {
      const { user: admin } = await adminWithDevice(server);
      const secondary = await server.readySecondaryUser(admin.portal, 'Hugo Bernard');
      for (let round = 0; round < 3; round++) {
        const { device, enrolment } = await startEnrolment(server, secondary, 'PC Hugo');
        await device.call('requestActivationCode', { params: { id: enrolment.id }, body: {} }, enrolment.id);
        const rename = (index: number) => device.call('renameEnrolment', { params: { id: enrolment.id }, body: { deviceName: `Autre nom ${index}` } }, enrolment.id);
        const renames = Array.from({ length: 20 }, (_, index) => rename(index));
        const generation = admin.portal.call('generateActivationCode', { params: { id: enrolment.id } });
        const [generated, ...renamed] = await Promise.allSettled([generation, ...renames]);
        expect(generated.status).toBe('fulfilled');
        for (const outcome of renamed) if (outcome.status === 'rejected') expect(outcome.reason).toMatchObject({ code: 'enrolment_closed' });

        const stored = await server.server.ctx.db.selectFrom('enrolments').select('device_name').where('id', '=', enrolment.id).executeTakeFirstOrThrow();
        const shown = (generated as PromiseFulfilledResult<{ activation: { deviceName: string } }>).value.activation.deviceName;
        expect(shown).toBe(stored.device_name);
        const listed = (await admin.portal.call('listActivations')).activations.find((a) => a.enrolmentId === enrolment.id)!;
        expect(listed.deviceName).toBe(shown);
        await expectCode(rename(99), 'enrolment_closed');
      }
    }, 60_000);
  });
});

describe.each(DATABASES)('activation limits (%s)', (database) => {
  it('rule 11: requests for new codes are rate-limited per account, with the time to wait', async () => {
    // 09:10: ten minutes into the current 15-minute window, five left.
    const server = await startTestServer({ database, startAt: Date.UTC(2026, 10, 27, 9, 10, 0), limits: { codeRequestsPerAccount: 2, codeRequestsPerIp: 100 } });
    try {
      const admin = await server.readyPrimaryAdmin();
      const { device, enrolment } = await startEnrolment(server, admin);
      const ask = () => device.call('requestActivationCode', { params: { id: enrolment.id }, body: { channel: 'sms' } }, enrolment.id);
      await ask();
      await ask();
      const limited = await expectCode(ask(), 'rate_limited');
      expect(limited.status).toBe(429);
      expect(limited.facts.retryAfterSeconds).toBe(5 * 60);
      // Another enrolment of the same account shares the limit.
      const other = await startEnrolment(server, admin, 'Second PC');
      await expectCode(other.device.call('requestActivationCode', { params: { id: other.enrolment.id }, body: { channel: 'voice' } }, other.enrolment.id), 'rate_limited');
      // Only two codes went out.
      const sent = await server.server.ctx.db.selectFrom('outbox').select('id').where('to_phone', '=', admin.securityPhone!).where('purpose', '=', 'activation_code').execute();
      expect(sent).toHaveLength(2);

      server.clock.advance(limited.facts.retryAfterSeconds! * 1000);
      expect((await ask()).enrolment.state).toBe('code_sent');

      // The portal's Security Code is rate-limited per account as well.
      const { admin: fresh } = await server.createCompany();
      const portal = server.portal();
      await portal.call('login', { body: { identifier: fresh.identifier, secretCode: fresh.temporarySecretCode } });
      await portal.call('sendSecurityCode', { body: { channel: 'sms' } });
      await portal.call('sendSecurityCode', { body: { channel: 'sms' } });
      await expectCode(portal.call('sendSecurityCode', { body: { channel: 'voice' } }), 'rate_limited');
    } finally {
      await server.close();
    }
  });

  it('rule 11: requests for new codes are rate-limited per IP address, and a forged X-Forwarded-For does not escape it', async () => {
    const server = await startTestServer({ database, startAt: Date.UTC(2026, 10, 27, 9, 10, 0), limits: { codeRequestsPerAccount: 100, codeRequestsPerIp: 3 } });
    try {
      const first = await server.readyPrimaryAdmin();
      const second = await server.readyPrimaryAdmin();
      const a = await startEnrolment(server, first);
      const b = await startEnrolment(server, second);
      await a.device.call('requestActivationCode', { params: { id: a.enrolment.id }, body: { channel: 'sms' } }, a.enrolment.id);
      await a.device.call('requestActivationCode', { params: { id: a.enrolment.id }, body: { channel: 'sms' } }, a.enrolment.id);
      await b.device.call('requestActivationCode', { params: { id: b.enrolment.id }, body: { channel: 'sms' } }, b.enrolment.id);
      const limited = await expectCode(b.device.call('requestActivationCode', { params: { id: b.enrolment.id }, body: { channel: 'sms' } }, b.enrolment.id), 'rate_limited');
      expect(limited.facts.retryAfterSeconds).toBe(5 * 60);

      const path = routePath('requestActivationCode', { id: b.enrolment.id });
      const body = JSON.stringify({ channel: 'sms' });
      const spoofed = await raw(server.baseUrl, 'POST', path, {
        headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.7', ...(await signedHeaders(b.device, b.enrolment.id, 'POST', path, body, { timestamp: server.clock.now() })) },
        body,
      });
      expect(spoofed.status).toBe(429);
      expect(spoofed.json).toMatchObject({ code: 'rate_limited' });
    } finally {
      await server.close();
    }
  });

  it('rule 12: at most 5 active devices: 20 concurrent activations for one user leave exactly 5 active', async () => {
    const server = await startTestServer({ database, limits: { codeRequestsPerAccount: 1000, codeRequestsPerIp: 1000 } });
    try {
      const { user: admin } = await adminWithDevice(server);
      const secondary = await server.readySecondaryUser(admin.portal, 'Marc Petit');
      const userId = await userIdOf(server, secondary.identifier);
      const ready: { device: TestDevice; enrolmentId: string; code: string }[] = [];
      for (let i = 0; i < 20; i++) {
        const { device, enrolment } = await startEnrolment(server, secondary, `Appareil ${i + 1}`);
        await device.call('requestActivationCode', { params: { id: enrolment.id }, body: {} }, enrolment.id);
        const { activation } = await admin.portal.call('generateActivationCode', { params: { id: enrolment.id } });
        ready.push({ device, enrolmentId: enrolment.id, code: activation.code! });
      }

      const outcomes = await Promise.allSettled(ready.map(({ device, enrolmentId, code }) => device.call('activate', { params: { id: enrolmentId }, body: { code } }, enrolmentId)));
      const activated = outcomes.filter((outcome) => outcome.status === 'fulfilled');
      const refused = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as { code: string; facts: { maxDevices?: number } }] : []));
      expect(activated).toHaveLength(5);
      expect(refused).toHaveLength(15);
      for (const error of refused) expect(error).toMatchObject({ code: 'device_limit_reached', facts: { maxDevices: 5 } });

      const rows = await server.server.ctx.db.selectFrom('devices').select(['id', 'status']).where('user_id', '=', userId).execute();
      expect(rows).toHaveLength(5);
      expect(rows.every((row) => row.status === 'active')).toBe(true);

      // A sixth enrolment is refused from the start; revoking one makes room for a waiting one.
      await expectCode(startEnrolment(server, secondary, 'Appareil 21'), 'device_limit_reached');
      await admin.portal.call('revokeDevice', { params: { id: rows[0]!.id } });
      const waiting = ready.find((entry, index) => outcomes[index]!.status === 'rejected')!;
      const late = await waiting.device.call('activate', { params: { id: waiting.enrolmentId }, body: { code: waiting.code } }, waiting.enrolmentId);
      expect(late.enrolment.activeDevices).toBe(5);
      const active = await server.server.ctx.db.selectFrom('devices').select('id').where('user_id', '=', userId).where('status', '=', 'active').execute();
      expect(active).toHaveLength(5);
    } finally {
      await server.close();
    }
    // Its set-up hashes 21 Codes Secrets with scrypt one after the other: on a shared 2-core machine that alone
    // passed the default 30 s. A time limit, not a speed target (that is the bench's).
  }, 120_000);
});
