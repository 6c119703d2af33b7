/**
 * Device tokens (rule 17, the frequent calls): one request signed by the device key buys a token valid 30 minutes;
 * the long-poll, decisions and the device's own state accept it instead of a signature. The token proves nothing
 * the server does not check again: the device and its user are checked on every call.
 *
 * And the long-poll of the device that decided is not woken by its own decision (it knows): the other devices are.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEVICE_TOKEN_TTL_MS, type DeviceTokenResponseT } from '../../../protocol/index';
import type { TestDevice } from '../../harness/http-client';
import { startTestServer, type TestServer } from '../../harness/server';
import {
  DATABASES, HOLD_SECONDS, MINUTE, SAMPLE_TRANSFER, adminWithDevice, nextWaiter, pathOf, pendingValidation, raw, secondaryWithDevice, signedHeaders,
  nextAnnouncement, type RawAnswer, useTwoPostgresInstances, watchNextWaiter, wokenBy,
} from './helpers';

describe.each(DATABASES)('device tokens (%s)', (database) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ database });
  });
  afterAll(async () => {
    await server.close();
  });

  async function tokenOf(device: TestDevice): Promise<DeviceTokenResponseT> {
    return device.call('issueDeviceToken');
  }

  function withToken(token: string, method: string, path: string, body?: string): Promise<RawAnswer> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    return raw(server.baseUrl, method, path, { headers, body });
  }

  it('rule 17: a signed request buys a token valid 30 minutes, which the long-poll, a decision and getSelf accept', async () => {
    const { user: admin, device } = await adminWithDevice(server);
    const { token, expiresAt } = await tokenOf(device);
    expect(Date.parse(expiresAt)).toBe(server.clock.now() + DEVICE_TOKEN_TTL_MS);

    const self = await withToken(token, 'GET', pathOf('getSelf'));
    expect(self.status).toBe(200);
    expect(self.json).toMatchObject({ device: { id: device.keyId, status: 'active' } });

    const { operation } = await admin.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER } });
    const pending = await withToken(token, 'GET', pathOf('pendingValidations', {}, 'waitSeconds=0'));
    expect(pending.status).toBe(200);
    const validation = (pending.json as { validations: { id: string }[] }).validations.find((v) => v.id === operation.id);
    expect(validation).toBeDefined();

    const body = JSON.stringify(device.decisionBody(await pendingValidation(device, operation.id), 'approve', null));
    const decided = await withToken(token, 'POST', pathOf('decide', { id: operation.id }), body);
    expect(decided.status).toBe(200);
    expect(decided.json).toMatchObject({ id: operation.id, status: 'approved' });
    expect((await admin.portal.call('getOperation', { params: { id: operation.id } })).operation.status).toBe('approved');
  });

  it('rule 17: the token is no substitute for the key where it matters: buying a token and removing the device stay signed', async () => {
    const { device } = await adminWithDevice(server);
    const { token } = await tokenOf(device);
    expect((await withToken(token, 'POST', pathOf('issueDeviceToken'))).json).toMatchObject({ code: 'auth_missing' });
    expect((await withToken(token, 'DELETE', pathOf('removeSelf'))).json).toMatchObject({ code: 'auth_missing' });
    expect((await device.call('getSelf')).device.status).toBe('active');
  });

  it('rule 17: a decision sent with a token still needs the device’s signature over it', async () => {
    const { user: admin, device } = await adminWithDevice(server);
    const { token } = await tokenOf(device);
    const { operation } = await admin.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER } });
    const validation = await pendingValidation(device, operation.id);
    const forged = { ...device.decisionBody(validation, 'approve', null), signature: 'A'.repeat(86) };
    const refused = await withToken(token, 'POST', pathOf('decide', { id: operation.id }), JSON.stringify(forged));
    expect(refused.status).toBe(401);
    expect(refused.json).toMatchObject({ code: 'decision_signature_invalid' });
    expect((await admin.portal.call('getOperation', { params: { id: operation.id } })).operation.status).toBe('pending');
  });

  it('rule 17: a token expires after 30 minutes (auth_token_expired); a new signed request buys another', async () => {
    const { device } = await adminWithDevice(server);
    const { token } = await tokenOf(device);
    server.clock.advance(DEVICE_TOKEN_TTL_MS - MINUTE);
    expect((await withToken(token, 'GET', pathOf('getSelf'))).status).toBe(200);
    server.clock.advance(MINUTE);
    const expired = await withToken(token, 'GET', pathOf('getSelf'));
    expect(expired.status).toBe(401);
    expect(expired.json).toMatchObject({ code: 'auth_token_expired' });
    const renewed = await tokenOf(device);
    expect((await withToken(renewed.token, 'GET', pathOf('getSelf'))).status).toBe(200);
  });

  it('rule 17: a token altered in any part, or of another scheme, is refused (auth_token_invalid), never a server error', async () => {
    const { device } = await adminWithDevice(server);
    const { device: other } = await adminWithDevice(server, 'PC de Paul');
    const { token } = await tokenOf(device);
    const { token: otherToken } = await tokenOf(other);
    const [version, deviceId, userId, expiresAt, mac] = token.split('.') as [string, string, string, string, string];
    const otherUserId = otherToken.split('.')[2] as string;
    expect(deviceId).toBe(device.keyId);
    expect(otherUserId).not.toBe(userId);
    const altered = [
      [version, other.keyId, userId, expiresAt, mac].join('.'), // another device's identity
      [version, deviceId, otherUserId, expiresAt, mac].join('.'), // another user's
      [version, deviceId, userId, String(Number(expiresAt) + 24 * 60 * MINUTE), mac].join('.'), // a longer life
      [version, deviceId, userId, `0${expiresAt}`, mac].join('.'), // the same expiry, not written as the server wrote it
      [version, deviceId, userId, `000${expiresAt}`, mac].join('.'),
      [version, deviceId, userId, expiresAt, `${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`].join('.'),
      ['sat2', deviceId, userId, expiresAt, mac].join('.'),
      [version, deviceId, expiresAt, mac].join('.'),
      'sat1.dev_x.usr_y.1.z',
      'n importe quoi',
      `${token}.`,
    ];
    for (const candidate of altered) {
      const answer = await withToken(candidate, 'GET', pathOf('getSelf'));
      expect(answer.status, candidate).toBe(401);
      expect(answer.json, candidate).toMatchObject({ code: 'auth_token_invalid' });
    }
    const basic = await raw(server.baseUrl, 'GET', pathOf('getSelf'), { headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` } });
    expect(basic.json).toMatchObject({ code: 'auth_token_invalid' });
  });

  it('rule 17: a revoked device is refused with its token at once (device_revoked); a suspended user’s too (account_locked)', async () => {
    const { user: admin } = await adminWithDevice(server);
    const { user: secondary, device } = await secondaryWithDevice(server, admin.portal, 'Marc Petit');
    const { token } = await tokenOf(device);
    const secondaryId = secondary.portal.session!.holder.userId;

    await admin.portal.call('lockUser', { params: { id: secondaryId } });
    expect((await withToken(token, 'GET', pathOf('getSelf'))).json).toMatchObject({ code: 'account_locked' });
    await admin.portal.call('unlockUser', { params: { id: secondaryId } });
    expect((await withToken(token, 'GET', pathOf('getSelf'))).status).toBe(200);

    await admin.portal.call('revokeDevice', { params: { id: device.keyId! } });
    const revoked = await withToken(token, 'GET', pathOf('pendingValidations', {}, 'waitSeconds=0'));
    expect(revoked.status).toBe(403);
    expect(revoked.json).toMatchObject({ code: 'device_revoked' });
  });

  it('rule 17: an enrolment key cannot buy a device token', async () => {
    const { device } = await adminWithDevice(server);
    const path = pathOf('issueDeviceToken');
    const headers = await signedHeaders(device, 'enr_notADeviceKey000000', 'POST', path, '', { timestamp: server.clock.now() });
    expect((await raw(server.baseUrl, 'POST', path, { headers })).json).toMatchObject({ code: 'auth_unknown_key' });
  });

  it('rule 16: the deciding device’s long-poll is not woken by its own decision; its other devices are, and its next wake-up carries the moved cursor', async () => {
    const { user: admin, device } = await adminWithDevice(server);
    const other = await server.activateDevice(admin, { deviceName: 'Portable' });
    const userId = admin.portal.session!.holder.userId;
    const { operation } = await admin.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER } });
    const validation = await pendingValidation(device, operation.id);
    const { cursor } = await device.call('pendingValidations', { query: {} });

    const decider = watchNextWaiter(server, userId);
    let deciderAnswered = false;
    const deciderWait = device.call('pendingValidations', { query: { cursor, waitSeconds: HOLD_SECONDS } }).finally(() => {
      deciderAnswered = true;
    });
    await decider.parked;
    const otherDevice = watchNextWaiter(server, userId);
    const otherWait = other.call('pendingValidations', { query: { cursor, waitSeconds: HOLD_SECONDS } });
    await otherDevice.parked;

    const decidedAt = Date.now();
    await device.call('decide', { params: { id: operation.id }, body: device.decisionBody(validation, 'approve', null) });
    // The instance heard its own decision as it committed, before answering it: both waits were told in that step;
    // the other device's stopped waiting, the decider's did not.
    expect(otherDevice.stoppedWaiting()).toBe(true);
    expect(decider.stoppedWaiting()).toBe(false);
    const otherWoken = await wokenBy(otherWait, decidedAt);
    expect(otherWoken.validations).toEqual([]);
    expect(otherWoken.cursor).not.toBe(cursor);
    expect(decider.stoppedWaiting()).toBe(false);
    expect(deciderAnswered).toBe(false);

    const createdAt = Date.now();
    const next = await admin.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER, reference: 'Facture suivante' } });
    const deciderWoken = await wokenBy(deciderWait, createdAt);
    expect(deciderWoken.validations.map((v) => v.id)).toEqual([next.operation.id]);
    expect(Number(deciderWoken.cursor)).toBe(Number(cursor) + 2);
  });

  it('rule 16: a wait that ends with nothing new but the device’s own decision answers the moved cursor', async () => {
    const { user: admin, device } = await adminWithDevice(server);
    const { operation } = await admin.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER } });
    const validation = await pendingValidation(device, operation.id);
    const { cursor } = await device.call('pendingValidations', { query: {} });
    const parked = nextWaiter(server, admin.portal.session!.holder.userId);
    const wait = device.call('pendingValidations', { query: { cursor, waitSeconds: 1 } });
    await parked;
    await device.call('decide', { params: { id: operation.id }, body: device.decisionBody(validation, 'reject', null) });
    const answer = await wait;
    expect(answer.validations).toEqual([]);
    expect(Number(answer.cursor)).toBe(Number(cursor) + 1);
  });
});

describe('device tokens across instances (postgres)', () => {
  const servers = useTwoPostgresInstances();

  it('rule 17: a token bought from one instance is accepted by another (the key is shared through the database)', async () => {
    const { device } = await adminWithDevice(servers.first);
    const { token } = await device.call('issueDeviceToken');
    const answer = await raw(servers.second.baseUrl, 'GET', pathOf('getSelf'), { headers: { authorization: `Bearer ${token}` } });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ device: { id: device.keyId } });
  });

  it('rule 17: a suspension or a revocation made on one instance refuses the token on the other as soon as its NOTIFY arrives', async () => {
    const { user: admin } = await adminWithDevice(servers.first);
    const { user: secondary, device } = await secondaryWithDevice(servers.first, admin.portal, 'Léa Roux');
    const secondaryId = secondary.portal.session!.holder.userId;
    const { token } = await device.call('issueDeviceToken');
    const onSecond = () => raw(servers.second.baseUrl, 'GET', pathOf('getSelf'), { headers: { authorization: `Bearer ${token}` } });
    // The second instance now holds this user's state in memory.
    expect((await onSecond()).status).toBe(200);
    expect((await onSecond()).status).toBe(200);

    let heard = nextAnnouncement(servers.second, secondaryId);
    await admin.portal.call('lockUser', { params: { id: secondaryId } });
    await heard;
    expect((await onSecond()).json).toMatchObject({ code: 'account_locked' });
    heard = nextAnnouncement(servers.second, secondaryId);
    await admin.portal.call('unlockUser', { params: { id: secondaryId } });
    await heard;
    expect((await onSecond()).status).toBe(200);

    heard = nextAnnouncement(servers.second, secondaryId);
    await admin.portal.call('revokeDevice', { params: { id: device.keyId! } });
    await heard;
    expect((await onSecond()).json).toMatchObject({ code: 'device_revoked' });
  });
});
