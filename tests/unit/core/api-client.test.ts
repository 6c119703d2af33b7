import { describe, expect, it } from 'vitest';
import {
  AUTH_HEADERS, fromBase64Url, generateSecretKey, publicKeyOf, requestSigningBytes, sha256Base64Url, signMessage, utf8, verifyMessage,
} from '../../../protocol/index';
import { ApiClient, buildUrl, RequestAborted, RESTART_RETRIES } from '../../../main/core/api-client';
import { CoreError } from '../../../main/core/errors';
import type { HttpRequest, HttpResponse, HttpTransport } from '../../../main/core/ports';
import { ManualClock, recordingLogger, settle } from './support';

const SERVER = 'https://bank.example/secure-access';

class RecordingTransport implements HttpTransport {
  readonly requests: HttpRequest[] = [];
  constructor(readonly reply: (request: HttpRequest, index: number) => Promise<HttpResponse> | HttpResponse) {}
  async send(request: HttpRequest): Promise<HttpResponse> {
    this.requests.push(request);
    return this.reply(request, this.requests.length - 1);
  }
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse => ({ status, headers, text: JSON.stringify(body) });

const ENROLMENT = { id: 'enr_apiclienttest01' };

function signerFor(secretKey: Uint8Array) {
  return { keyId: 'dev_apiclienttest01', sign: async (message: Uint8Array) => signMessage(message, secretKey) };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('the API client', () => {
  it('builds URLs under the server address, keeping a path prefix', () => {
    expect(buildUrl('https://bank.example/secure-access', '/api/authenticator/v1/validations/pending', { cursor: '3', waitSeconds: 25, other: undefined }).toString())
      .toBe('https://bank.example/secure-access/api/authenticator/v1/validations/pending?cursor=3&waitSeconds=25');
  });

  it('signs a request over method, path with query, timestamp, nonce and body, exactly as sent', async () => {
    const clock = new ManualClock();
    const secretKey = generateSecretKey();
    // Only the request matters here: the answer is refused as outside the protocol.
    const transport = new RecordingTransport(() => json(200, {}));
    const api = new ApiClient({ transport, clock, logger: recordingLogger() });
    const enrolmentSigner = { keyId: ENROLMENT.id, sign: async (message: Uint8Array) => signMessage(message, secretKey) };
    expect(await rejection(api.call(SERVER, 'renameEnrolment', { params: { id: ENROLMENT.id }, body: { deviceName: 'Poste trésorerie' }, signer: enrolmentSigner })))
      .toMatchObject({ code: 'unexpected_response' });
    const [request] = transport.requests;
    const url = new URL(request!.url);
    expect(url.pathname + url.search).toBe(`/secure-access/api/authenticator/v1/enrolments/${ENROLMENT.id}`);
    expect(request!.headers[AUTH_HEADERS.timestamp]).toBe(String(clock.now()));
    const bytes = requestSigningBytes({
      keyId: ENROLMENT.id, method: 'PATCH', path: url.pathname + url.search, timestamp: clock.now(),
      nonce: request!.headers[AUTH_HEADERS.nonce]!, bodySha256: sha256Base64Url(utf8(request!.body!)),
    });
    expect(request!.body).toBe(JSON.stringify({ deviceName: 'Poste trésorerie' }));
    expect(verifyMessage(fromBase64Url(request!.headers[AUTH_HEADERS.signature]!), bytes, publicKeyOf(secretKey))).toBe(true);
    // The query string is part of what is signed.
    const pending = new RecordingTransport(() => json(200, { cursor: '1', validations: [], serverTime: new Date(clock.now()).toISOString(), activeDevices: 1 }));
    await new ApiClient({ transport: pending, clock, logger: recordingLogger() })
      .call(SERVER, 'pendingValidations', { signer: enrolmentSigner, query: { cursor: '0', waitSeconds: 25 } });
    const pendingUrl = new URL(pending.requests[0]!.url);
    const pendingBytes = requestSigningBytes({
      keyId: ENROLMENT.id, method: 'GET', path: '/secure-access/api/authenticator/v1/validations/pending?cursor=0&waitSeconds=25', timestamp: clock.now(),
      nonce: pending.requests[0]!.headers[AUTH_HEADERS.nonce]!, bodySha256: sha256Base64Url(utf8('')),
    });
    expect(pendingUrl.search).toBe('?cursor=0&waitSeconds=25');
    expect(verifyMessage(fromBase64Url(pending.requests[0]!.headers[AUTH_HEADERS.signature]!), pendingBytes, publicKeyOf(secretKey))).toBe(true);
  });

  describe('device tokens', () => {
    const TOKEN_PATH = '/secure-access/api/authenticator/v1/devices/self/token';
    const isTokenRequest = (request: HttpRequest) => new URL(request.url).pathname === TOKEN_PATH;

    function tokenServer(clock: ManualClock, pendingAnswer: (request: HttpRequest, tokenNumber: number) => HttpResponse | Promise<HttpResponse> = () => emptyPending(clock)) {
      let issued = 0;
      const transport = new RecordingTransport((request) => {
        if (isTokenRequest(request)) {
          issued += 1;
          return json(200, { token: `sat1.token-number-${issued}-for-tests`, expiresAt: new Date(clock.now() + 30 * 60_000).toISOString() });
        }
        return pendingAnswer(request, issued);
      });
      return { transport, issued: () => issued };
    }
    const emptyPending = (clock: ManualClock) => json(200, { cursor: '1', validations: [], serverTime: new Date(clock.now()).toISOString(), activeDevices: 1 });

    it('buys one token with a signed request, then sends it instead of a signature; renews it a minute before it expires', async () => {
      const clock = new ManualClock();
      const secretKey = generateSecretKey();
      const { transport, issued } = tokenServer(clock);
      const api = new ApiClient({ transport, clock, logger: recordingLogger() });
      const signer = signerFor(secretKey);
      await api.call(SERVER, 'pendingValidations', { signer, query: { cursor: '0', waitSeconds: 25 } });
      await api.call(SERVER, 'pendingValidations', { signer, query: { cursor: '1', waitSeconds: 25 } });
      expect(issued()).toBe(1);
      const [tokenRequest, ...polls] = transport.requests;
      expect(isTokenRequest(tokenRequest!)).toBe(true);
      expect(tokenRequest!.method).toBe('POST');
      const tokenBytes = requestSigningBytes({
        keyId: 'dev_apiclienttest01', method: 'POST', path: TOKEN_PATH, timestamp: clock.now(), nonce: tokenRequest!.headers[AUTH_HEADERS.nonce]!, bodySha256: sha256Base64Url(utf8('')),
      });
      expect(verifyMessage(fromBase64Url(tokenRequest!.headers[AUTH_HEADERS.signature]!), tokenBytes, publicKeyOf(secretKey))).toBe(true);
      for (const poll of polls) {
        expect(poll.headers.authorization).toBe('Bearer sat1.token-number-1-for-tests');
        expect(poll.headers[AUTH_HEADERS.signature]).toBeUndefined();
      }

      await clock.advance(28 * 60_000);
      await api.call(SERVER, 'getSelf', { signer }).catch(() => undefined);
      expect(issued()).toBe(1);
      await clock.advance(61_000);
      await api.call(SERVER, 'pendingValidations', { signer });
      expect(issued()).toBe(2);
      expect(transport.requests.at(-1)!.headers.authorization).toBe('Bearer sat1.token-number-2-for-tests');
    });

    it('concurrent calls share one token request; each device has its own token', async () => {
      const clock = new ManualClock();
      const { transport, issued } = tokenServer(clock);
      const api = new ApiClient({ transport, clock, logger: recordingLogger() });
      const signer = signerFor(generateSecretKey());
      await Promise.all([1, 2, 3].map(() => api.call(SERVER, 'pendingValidations', { signer })));
      expect(issued()).toBe(1);
      const other = { keyId: 'dev_apiclienttest02', sign: signer.sign };
      await api.call(SERVER, 'pendingValidations', { signer: other });
      expect(issued()).toBe(2);
      expect(transport.requests.at(-1)!.headers.authorization).toBe('Bearer sat1.token-number-2-for-tests');
    });

    it('a token the server refuses is replaced once and the call retried; refused again, the caller gets the code', async () => {
      const clock = new ManualClock();
      const refuseFirst = tokenServer(clock, (_, tokenNumber) => (tokenNumber === 1 ? json(401, { code: 'auth_token_expired', message: 'expired' }) : emptyPending(clock)));
      const api = new ApiClient({ transport: refuseFirst.transport, clock, logger: recordingLogger() });
      const signer = signerFor(generateSecretKey());
      await expect(api.call(SERVER, 'pendingValidations', { signer })).resolves.toMatchObject({ cursor: '1' });
      expect(refuseFirst.issued()).toBe(2);

      const refuseAll = tokenServer(clock, () => json(401, { code: 'auth_token_invalid', message: 'invalid' }));
      const stubborn = new ApiClient({ transport: refuseAll.transport, clock, logger: recordingLogger() });
      expect(await rejection(stubborn.call(SERVER, 'pendingValidations', { signer }))).toMatchObject({ code: 'auth_token_invalid' });
      expect(refuseAll.issued()).toBe(2);
    });

    it('the token request failing fails the call with its code (a revoked device learns it there); the next call asks again', async () => {
      const clock = new ManualClock();
      let revoked = true;
      const transport = new RecordingTransport((request) => {
        if (isTokenRequest(request)) {
          return revoked
            ? json(403, { code: 'device_revoked', message: 'revoked' })
            : json(200, { token: 'sat1.token-after-reinstatement', expiresAt: new Date(clock.now() + 30 * 60_000).toISOString() });
        }
        return emptyPending(clock);
      });
      const api = new ApiClient({ transport, clock, logger: recordingLogger() });
      const signer = signerFor(generateSecretKey());
      expect(await rejection(api.call(SERVER, 'pendingValidations', { signer }))).toMatchObject({ code: 'device_revoked' });
      revoked = false;
      await expect(api.call(SERVER, 'pendingValidations', { signer })).resolves.toMatchObject({ cursor: '1' });
    });

    it('a caller may stop waiting for the token without cancelling it for the others', async () => {
      const clock = new ManualClock();
      let releaseToken: () => void = () => {};
      const transport = new RecordingTransport((request) => {
        if (isTokenRequest(request)) {
          return new Promise<HttpResponse>((resolve) => {
            releaseToken = () => resolve(json(200, { token: 'sat1.slow-token-for-tests', expiresAt: new Date(clock.now() + 30 * 60_000).toISOString() }));
          });
        }
        return emptyPending(clock);
      });
      const api = new ApiClient({ transport, clock, logger: recordingLogger() });
      const signer = signerFor(generateSecretKey());
      const controller = new AbortController();
      const leaving = rejection(api.call(SERVER, 'pendingValidations', { signer, signal: controller.signal }));
      const staying = api.call(SERVER, 'pendingValidations', { signer });
      await settle();
      controller.abort();
      expect(await leaving).toBeInstanceOf(RequestAborted);
      releaseToken();
      await expect(staying).resolves.toMatchObject({ cursor: '1' });
      expect(transport.requests.filter(isTokenRequest)).toHaveLength(1);
    });
  });

  it('refuses an answer that is not what the route promises (parse, do not trust)', async () => {
    const clock = new ManualClock();
    const logger = recordingLogger();
    const answers = [json(200, { cursor: 1, validations: [] }), { status: 200, headers: {}, text: '<html>proxy login</html>' }];
    const api = new ApiClient({ transport: new RecordingTransport((_, index) => answers[index]!), clock, logger });
    const signer = signerFor(generateSecretKey());
    for (let i = 0; i < answers.length; i++) {
      const error = await rejection(api.call(SERVER, 'pendingValidations', { signer }));
      expect(error).toBeInstanceOf(CoreError);
      expect((error as CoreError).code).toBe('unexpected_response');
    }
  });

  it('turns an error answer into its stable code with its facts', async () => {
    const api = new ApiClient({
      transport: new RecordingTransport(() => json(400, { code: 'activation_code_invalid', message: 'This activation code is incorrect.', attemptsLeft: 3 })),
      clock: new ManualClock(),
      logger: recordingLogger(),
    });
    const error = await rejection(api.call(SERVER, 'activate', { params: { id: 'enr_0123456789ab' }, body: { code: '12345678' }, signer: signerFor(generateSecretKey()) }));
    expect(error).toMatchObject({ code: 'activation_code_invalid', facts: { attemptsLeft: 3 } });
  });

  it('maps no answer to server_unreachable, a proxy error page to service_unavailable, and a caller abort to RequestAborted', async () => {
    const clock = new ManualClock();
    const logger = recordingLogger();
    const signer = signerFor(generateSecretKey());
    const down = new ApiClient({ transport: new RecordingTransport(() => Promise.reject(new TypeError('fetch failed'))), clock, logger });
    expect(await rejection(down.call(SERVER, 'removeSelf', { signer }))).toMatchObject({ code: 'server_unreachable' });

    const proxy = new ApiClient({ transport: new RecordingTransport(() => ({ status: 502, headers: {}, text: 'Bad gateway' })), clock, logger });
    expect(await rejection(proxy.call(SERVER, 'removeSelf', { signer }))).toMatchObject({ code: 'service_unavailable' });

    const hanging = new RecordingTransport((request) => new Promise((_, reject) => request.signal?.addEventListener('abort', () => reject(new Error('aborted')))));
    const slow = new ApiClient({ transport: hanging, clock, logger });
    const timedOut = rejection(slow.call(SERVER, 'removeSelf', { signer, timeoutMs: 5_000 }));
    await settle();
    await clock.advance(5_000);
    expect(await timedOut).toMatchObject({ code: 'server_unreachable' });

    const controller = new AbortController();
    const aborted = rejection(slow.call(SERVER, 'removeSelf', { signer, signal: controller.signal }));
    await settle();
    controller.abort();
    expect(await aborted).toBeInstanceOf(RequestAborted);
  });

  it('when the server refuses our clock, learns its time from the Date header and retries once', async () => {
    const clock = new ManualClock();
    const serverAheadBy = 7 * 60_000;
    const serverDate = new Date(clock.now() + serverAheadBy).toUTCString();
    const transport = new RecordingTransport((request) => {
      const timestamp = Number(request.headers[AUTH_HEADERS.timestamp]);
      if (Math.abs(timestamp - (clock.now() + serverAheadBy)) > 60_000) {
        return json(401, { code: 'auth_timestamp_out_of_window', message: 'Check this computer’s clock.' }, { date: serverDate });
      }
      return json(200, { ok: true });
    });
    const api = new ApiClient({ transport, clock, logger: recordingLogger() });
    await expect(api.call(SERVER, 'removeSelf', { signer: signerFor(generateSecretKey()) })).resolves.toEqual({ ok: true });
    expect(transport.requests).toHaveLength(2);
    expect(Math.abs(api.offsetFor(SERVER) - serverAheadBy)).toBeLessThan(2_000);
    expect(transport.requests[0]!.headers[AUTH_HEADERS.nonce]).not.toBe(transport.requests[1]!.headers[AUTH_HEADERS.nonce]);
  });

  it('gives up after one retry when the clock is still refused', async () => {
    const transport = new RecordingTransport(() =>
      json(401, { code: 'auth_timestamp_out_of_window', message: 'no' }, { date: new Date(Date.parse('2031-01-01T00:00:00Z')).toUTCString() }));
    const api = new ApiClient({ transport, clock: new ManualClock(), logger: recordingLogger() });
    expect(await rejection(api.call(SERVER, 'removeSelf', { signer: signerFor(generateSecretKey()) }))).toMatchObject({ code: 'auth_timestamp_out_of_window' });
    expect(transport.requests).toHaveLength(2);
  });
});

describe('a server instance restarting', () => {
  const restarting = () => json(503, { code: 'server_restarting', message: 'This server instance is restarting: send the request again (it was not processed).' }, { connection: 'close' });

  it('sends the request again at once, freshly signed, and returns the answer of the instance that takes it', async () => {
    const clock = new ManualClock();
    const logger = recordingLogger();
    const transport = new RecordingTransport((_request, index) => (index < 2 ? restarting() : json(200, { cursor: '4', validations: [], serverTime: new Date(clock.now()).toISOString(), activeDevices: 1 })));
    const api = new ApiClient({ transport, clock, logger });
    const signer = { keyId: 'enr_apiclienttest01', sign: async (message: Uint8Array) => signMessage(message, generateSecretKey()) };
    expect(await api.call(SERVER, 'pendingValidations', { signer, query: { cursor: '3', waitSeconds: 25 } })).toMatchObject({ cursor: '4' });
    expect(transport.requests).toHaveLength(1 + RESTART_RETRIES);
    expect(new Set(transport.requests.map((request) => request.headers[AUTH_HEADERS.nonce])).size).toBe(1 + RESTART_RETRIES);
    expect(logger.lines.filter((line) => line.level !== 'info')).toEqual([]);
  });

  it('gives up after RESTART_RETRIES in a row: a proxy repeating it cannot make the app spin', async () => {
    const clock = new ManualClock();
    const transport = new RecordingTransport(restarting);
    const api = new ApiClient({ transport, clock, logger: recordingLogger() });
    expect(await rejection(api.call(SERVER, 'pendingValidations', { query: { waitSeconds: 0 }, signer: { keyId: 'enr_apiclienttest01', sign: async () => new Uint8Array(64) } })))
      .toMatchObject({ code: 'server_restarting' });
    expect(transport.requests).toHaveLength(1 + RESTART_RETRIES);
  });
});
