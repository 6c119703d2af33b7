/**
 * Signed authenticator requests (rule 17): every request is authenticated by the device key over method, path,
 * body hash, timestamp and nonce, within a time window, and never accepted twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH_HEADERS, REQUEST_TIME_WINDOW_MS, generateSecretKey } from '../../../protocol/index';
import type { TestDevice } from '../../harness/http-client';
import { startTestServer, type TestServer } from '../../harness/server';
import { DATABASES, MINUTE, adminWithDevice, auditRows, pathOf, raw, signedHeaders, startEnrolment, type RawAnswer } from './helpers';

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
    expect(unsigned.json).toMatchObject({ code: 'auth_missing' });
    const complete = await headersFor('GET', selfPath);
    for (const name of Object.values(AUTH_HEADERS)) {
      const { [name]: _left, ...partial } = complete;
      const answer = await send('GET', selfPath, partial);
      expect(answer.json, name).toMatchObject({ code: 'auth_missing' });
    }
  });

  it('rule 17: a request signed by another key is refused (auth_signature_invalid)', async () => {
    const answer = await send('GET', selfPath, await headersFor('GET', selfPath, '', { secretKey: generateSecretKey() }));
    expect(answer.status).toBe(401);
    expect(answer.json).toMatchObject({ code: 'auth_signature_invalid' });
    const garbled = { ...(await headersFor('GET', selfPath)), [AUTH_HEADERS.signature]: 'A'.repeat(86) };
    expect((await send('GET', selfPath, garbled)).json).toMatchObject({ code: 'auth_signature_invalid' });
  });

  it('rule 17: an unknown key id is refused (auth_unknown_key)', async () => {
    const answer = await send('GET', selfPath, await signedHeaders(device, 'dev_unknownDevice00000', 'GET', selfPath, '', { timestamp: server.clock.now() }));
    expect(answer.json).toMatchObject({ code: 'auth_unknown_key' });
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
      expect(answer.json).toMatchObject({ code: 'auth_signature_invalid' });
    }
  });

  it('rule 17: a timestamp 2 minutes off, early or late, is refused (auth_timestamp_out_of_window)', async () => {
    for (const offset of [-2 * MINUTE, 2 * MINUTE]) {
      const answer = await send('GET', selfPath, await headersFor('GET', selfPath, '', { timestamp: server.clock.now() + offset }));
      expect(answer.status).toBe(401);
      expect(answer.json).toMatchObject({ code: 'auth_timestamp_out_of_window' });
    }
    // Inside the window, a modest clock difference is tolerated.
    const skewed = await send('GET', selfPath, await headersFor('GET', selfPath, '', { timestamp: server.clock.now() - REQUEST_TIME_WINDOW_MS + 1000 }));
    expect(skewed.status).toBe(200);
  });

  it('rule 17: the exact same request replayed is refused (auth_replayed), and the replay is logged', async () => {
    const headers = await headersFor('GET', selfPath);
    expect((await send('GET', selfPath, headers)).status).toBe(200);
    const replay = await send('GET', selfPath, headers);
    expect(replay.status).toBe(401);
    expect(replay.json).toMatchObject({ code: 'auth_replayed' });
    // Later, the window has closed on it as well.
    server.clock.advance(2 * MINUTE);
    expect((await send('GET', selfPath, headers)).json).toMatchObject({ code: 'auth_timestamp_out_of_window' });
    const logged = await auditRows(server, 'request_replayed', userId);
    expect(logged.at(-1)).toMatchObject({ device_id: device.keyId, ip: '127.0.0.1' });
  });

  it('rule 17: a replayed state-changing request changes nothing the second time', async () => {
    const { user: admin } = await adminWithDevice(server);
    const extra = await server.activateDevice(admin, { deviceName: 'Portable' });
    const removePath = pathOf('removeSelf');
    const headers = await signedHeaders(extra, extra.keyId!, 'DELETE', removePath, '', { timestamp: server.clock.now() });
    expect((await send('DELETE', removePath, headers)).json).toEqual({ ok: true });
    expect((await send('DELETE', removePath, headers)).json).toMatchObject({ code: 'auth_replayed' });
  });

  it('rule 17: a body changed after signing is refused (auth_signature_invalid)', async () => {
    const { device: enrolling, enrolment } = await startEnrolment(server, { identifier: (await server.readyPrimaryAdmin()).identifier, secretCode: 'Tresorerie2026' }, 'PC de Claire');
    const path = pathOf('renameEnrolment', { id: enrolment.id });
    const signedBody = JSON.stringify({ deviceName: 'PC de Claire' });
    const headers = await signedHeaders(enrolling, enrolment.id, 'PATCH', path, signedBody, { timestamp: server.clock.now() });
    const tampered = await send('PATCH', path, headers, JSON.stringify({ deviceName: 'PC du voleur' }));
    expect(tampered.status).toBe(401);
    expect(tampered.json).toMatchObject({ code: 'auth_signature_invalid' });
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
