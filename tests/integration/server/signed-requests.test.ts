/**
 * Signed authenticator requests (rule 17): every request is authenticated by the device key over method, path,
 * body hash, timestamp and nonce, within a time window, and never accepted twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH_HEADERS, REQUEST_TIME_WINDOW_MS, generateSecretKey } from '../../../protocol/index';
import type { TestDevice } from '../../harness/http-client';
import { startTestServer, type TestServer } from '../../harness/server';
import { pruneExpired } from '../../../server/services/rate-limit';
import { DATABASES, MINUTE, adminWithDevice, auditRows, pathOf, raw, secondaryWithDevice, signedHeaders, startEnrolment, type RawAnswer } from './helpers';

/** What each refusal says: the integrator's log shows the message, the app turns the code into words. */
const REFUSED = {
  missing: { code: 'auth_missing', message: 'This request must be signed by a Secure Access device.' },
  malformed: { code: 'auth_signature_invalid', message: 'The request signature headers are malformed.' },
  badSignature: { code: 'auth_signature_invalid', message: 'The request signature is not valid.' },
  outOfWindow: { code: 'auth_timestamp_out_of_window', message: "The request's time is too far from the server's: check this computer's date and time." },
  unknownDevice: { code: 'auth_unknown_key', message: 'This device is not known to the server.' },
  replayed: { code: 'auth_replayed', message: 'This request was already received: it cannot be replayed.' },
} as const;

describe.each(DATABASES)('signed authenticator requests (%s)', (database) => {
  let server: TestServer;
  let device: TestDevice;
  let userId: string;
  beforeAll(async () => {
    server = await startTestServer({ database });
    const ready = await adminWithDevice(server);
    device = ready.device;
    userId = ready.user.portal.session!.holder.userId;
  });
  afterAll(async () => {
    await server.close();
  });

  const selfPath = pathOf('getSelf');

  async function send(method: string, path: string, headers: Record<string, string>, body?: string): Promise<RawAnswer> {
    return raw(server.baseUrl, method, path, { headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers }, body });
  }

  async function headersFor(method: string, path: string, body = '', overrides: Parameters<typeof signedHeaders>[5] = {}) {
    return signedHeaders(device, device.keyId!, method, path, body, { timestamp: server.clock.now(), ...overrides });
  }

  it('rule 17: a correctly signed request is accepted', async () => {
    const answer = await send('GET', selfPath, await headersFor('GET', selfPath));
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ device: { id: device.keyId } });
  });

  it('rule 17: a request without its signature headers is refused (auth_missing)', async () => {
    const unsigned = await send('GET', selfPath, {});
    expect(unsigned.status).toBe(401);
    expect(unsigned.json).toEqual(REFUSED.missing);
    const complete = await headersFor('GET', selfPath);
    for (const name of Object.values(AUTH_HEADERS)) {
      const { [name]: _left, ...partial } = complete;
      const answer = await send('GET', selfPath, partial);
      expect(answer.json, name).toEqual(REFUSED.missing);
    }
  });

  it('rule 17: a request signed by another key is refused (auth_signature_invalid)', async () => {
    const answer = await send('GET', selfPath, await headersFor('GET', selfPath, '', { secretKey: generateSecretKey() }));
    expect(answer.status).toBe(401);
    expect(answer.json).toEqual(REFUSED.badSignature);
    const garbled = { ...(await headersFor('GET', selfPath)), [AUTH_HEADERS.signature]: 'A'.repeat(86) };
    expect((await send('GET', selfPath, garbled)).json).toEqual(REFUSED.badSignature);
  });

  it('rule 17: an unknown key id is refused (auth_unknown_key)', async () => {
    const answer = await send('GET', selfPath, await signedHeaders(device, 'dev_unknownDevice00000', 'GET', selfPath, '', { timestamp: server.clock.now() }));
    expect(answer.json).toEqual(REFUSED.unknownDevice);
  });

  it('rule 17: a device key cannot act on an enrolment, an enrolment key only on its own, and an unknown enrolment is said so', async () => {
    const admin = await server.readyPrimaryAdmin();
    const { device: enrolling, enrolment } = await startEnrolment(server, admin, 'PC de Claire');
    const { enrolment: other } = await startEnrolment(server, admin, 'Portable de Claire');
    const ownPath = pathOf('getEnrolment', { id: enrolment.id });
    const byDevice = await send('GET', ownPath, await headersFor('GET', ownPath));
    expect(byDevice.json).toEqual({ code: 'auth_unknown_key', message: 'Activation requests are signed with the enrolment key.' });
    const otherPath = pathOf('getEnrolment', { id: other.id });
    const elsewhere = await send('GET', otherPath, await signedHeaders(enrolling, enrolment.id, 'GET', otherPath, '', { timestamp: server.clock.now() }));
    expect(elsewhere.json).toEqual({ code: 'auth_unknown_key', message: 'This key is not allowed here.' });
    const unknownId = 'enr_doesNotExist000000';
    const unknownPath = pathOf('getEnrolment', { id: unknownId });
    const unknown = await send('GET', unknownPath, await signedHeaders(enrolling, unknownId, 'GET', unknownPath, '', { timestamp: server.clock.now() }));
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual({ code: 'enrolment_not_found', message: 'This activation request does not exist.' });
  });

  it('rule 17: a suspended user’s device is refused with a signed request too (account_locked, with no end date)', async () => {
    const { user: admin } = await adminWithDevice(server);
    const { user: marc, device: marcDevice } = await secondaryWithDevice(server, admin.portal);
    await admin.portal.call('lockUser', { params: { id: marc.portal.session!.holder.userId } });
    const path = pathOf('getSelf');
    const answer = await send('GET', path, await signedHeaders(marcDevice, marcDevice.keyId!, 'GET', path, '', { timestamp: server.clock.now() }));
    expect(answer.status).toBe(423);
    expect(answer.json).toEqual({ code: 'account_locked', message: 'This account has been suspended by your administrator.', lockedUntil: null });
  });

  it('rule 17: malformed signature headers are refused, never a server error', async () => {
    const good = await headersFor('GET', selfPath);
    const variants: Record<string, string>[] = [
      { ...good, [AUTH_HEADERS.timestamp]: 'demain' },
      { ...good, [AUTH_HEADERS.timestamp]: '1e12' },
      { ...good, [AUTH_HEADERS.timestamp]: '9'.repeat(40) },
      { ...good, [AUTH_HEADERS.nonce]: 'court' },
      { ...good, [AUTH_HEADERS.nonce]: 'a b c d e f g h i j k l' },
      { ...good, [AUTH_HEADERS.keyId]: "dev_'; DROP TABLE devices;--" },
      { ...good, [AUTH_HEADERS.signature]: '!!!' },
    ];
    for (const headers of variants) {
      const answer = await send('GET', selfPath, headers);
      expect(answer.status, JSON.stringify(headers)).toBe(401);
      expect(answer.json).toEqual(headers[AUTH_HEADERS.signature] === '!!!' ? REFUSED.badSignature : REFUSED.malformed);
    }
  });

  it('rule 17: a timestamp more than 60 seconds off, early or late, is refused (auth_timestamp_out_of_window); 60 seconds exactly is not', async () => {
    for (const offset of [-2 * MINUTE, -REQUEST_TIME_WINDOW_MS - 1, REQUEST_TIME_WINDOW_MS + 1, 2 * MINUTE]) {
      const answer = await send('GET', selfPath, await headersFor('GET', selfPath, '', { timestamp: server.clock.now() + offset }));
      expect(answer.status, String(offset)).toBe(401);
      expect(answer.json).toEqual(REFUSED.outOfWindow);
    }
    // Inside the window, a clock difference up to the minute is tolerated.
    for (const offset of [-REQUEST_TIME_WINDOW_MS, REQUEST_TIME_WINDOW_MS]) {
      const skewed = await send('GET', selfPath, await headersFor('GET', selfPath, '', { timestamp: server.clock.now() + offset }));
      expect(skewed.status, String(offset)).toBe(200);
    }
  });

  it('rule 17: the exact same request replayed is refused (auth_replayed), and the replay is logged', async () => {
    const headers = await headersFor('GET', selfPath);
    expect((await send('GET', selfPath, headers)).status).toBe(200);
    const replay = await send('GET', selfPath, headers);
    expect(replay.status).toBe(401);
    expect(replay.json).toEqual(REFUSED.replayed);
    // Later, the window has closed on it as well.
    server.clock.advance(2 * MINUTE);
    expect((await send('GET', selfPath, headers)).json).toEqual(REFUSED.outOfWindow);
    const logged = await auditRows(server, 'request_replayed', userId);
    expect(logged.at(-1)).toMatchObject({ device_id: device.keyId, ip: '127.0.0.1' });
  });

  it('rule 17: the server forgets a nonce only once its request can no longer be accepted, whatever the device’s clock', async () => {
    // A device whose clock is a minute ahead: its request stays acceptable for two minutes of the server's time.
    const ahead = await headersFor('GET', selfPath, '', { timestamp: server.clock.now() + REQUEST_TIME_WINDOW_MS });
    expect((await send('GET', selfPath, ahead)).status).toBe(200);
    server.clock.advance(2 * REQUEST_TIME_WINDOW_MS - 1);
    await pruneExpired(server.server.ctx);
    expect((await send('GET', selfPath, ahead)).json).toEqual(REFUSED.replayed);
    // A request on time, pruned just before its window closes.
    const onTime = await headersFor('GET', selfPath);
    expect((await send('GET', selfPath, onTime)).status).toBe(200);
    server.clock.advance(REQUEST_TIME_WINDOW_MS);
    await pruneExpired(server.server.ctx);
    expect((await send('GET', selfPath, onTime)).json).toEqual(REFUSED.replayed);
  });

  it('rule 14: a device’s “last used” time is recorded when it is used, at most every five minutes', async () => {
    const { device: used } = await adminWithDevice(server, 'PC de Claire');
    const lastSeen = async () => (await used.call('getSelf')).device.lastSeenAt;
    const activatedAt = server.clock.now();
    expect(await lastSeen()).toBe(new Date(activatedAt).toISOString());
    server.clock.advance(5 * MINUTE);
    expect(await lastSeen()).toBe(new Date(activatedAt).toISOString());
    server.clock.advance(1);
    expect(await lastSeen()).toBe(new Date(activatedAt + 5 * MINUTE + 1).toISOString());
    server.clock.advance(4 * MINUTE);
    expect(await lastSeen()).toBe(new Date(activatedAt + 5 * MINUTE + 1).toISOString());
  });

  it('rule 17: a replayed state-changing request changes nothing the second time', async () => {
    const { user: admin } = await adminWithDevice(server);
    const extra = await server.activateDevice(admin, { deviceName: 'Portable' });
    const removePath = pathOf('removeSelf');
    const headers = await signedHeaders(extra, extra.keyId!, 'DELETE', removePath, '', { timestamp: server.clock.now() });
    expect((await send('DELETE', removePath, headers)).json).toEqual({ ok: true });
    expect((await send('DELETE', removePath, headers)).json).toEqual(REFUSED.replayed);
  });

  it('rule 17: a body changed after signing is refused (auth_signature_invalid)', async () => {
    const { device: enrolling, enrolment } = await startEnrolment(server, { identifier: (await server.readyPrimaryAdmin()).identifier, secretCode: 'Tresorerie2026' }, 'PC de Claire');
    const path = pathOf('renameEnrolment', { id: enrolment.id });
    const signedBody = JSON.stringify({ deviceName: 'PC de Claire' });
    const headers = await signedHeaders(enrolling, enrolment.id, 'PATCH', path, signedBody, { timestamp: server.clock.now() });
    const tampered = await send('PATCH', path, headers, JSON.stringify({ deviceName: 'PC du voleur' }));
    expect(tampered.status).toBe(401);
    expect(tampered.json).toEqual(REFUSED.badSignature);
    // Even a change invisible to JSON (spacing) is a different body.
    expect((await send('PATCH', path, headers, JSON.stringify({ deviceName: 'PC de Claire' }, null, 1))).json).toMatchObject({ code: 'auth_signature_invalid' });
    expect((await enrolling.call('getEnrolment', { params: { id: enrolment.id } }, enrolment.id)).enrolment.deviceName).toBe('PC de Claire');
  });

  it('rule 17: the signature covers the method and the path with its query string', async () => {
    // Signed to read this device, sent to deactivate it.
    const readHeaders = await headersFor('GET', selfPath);
    expect((await send('DELETE', pathOf('removeSelf'), readHeaders)).json).toMatchObject({ code: 'auth_signature_invalid' });
    // Signed for one query, sent with another.
    const pending = pathOf('pendingValidations', {}, 'waitSeconds=0');
    const pendingHeaders = await headersFor('GET', pending);
    expect((await send('GET', pathOf('pendingValidations', {}, 'waitSeconds=1'), pendingHeaders)).json).toMatchObject({ code: 'auth_signature_invalid' });
    expect((await send('GET', pending, pendingHeaders)).status).toBe(200);
    expect((await device.call('getSelf')).device.status).toBe('active');
  });
});
