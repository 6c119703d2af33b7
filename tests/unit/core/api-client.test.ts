import { describe, expect, it } from 'vitest';
import {
  AUTH_HEADERS, fromBase64Url, generateSecretKey, publicKeyOf, requestSigningBytes, sha256Base64Url, signMessage, utf8, verifyMessage,
} from '../../../protocol/index';
import { ApiClient, buildUrl, RequestAborted } from '../../../main/core/api-client';
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
    const transport = new RecordingTransport(() => json(200, { cursor: '1', validations: [], serverTime: new Date(clock.now()).toISOString(), activeDevices: 1 }));
    const api = new ApiClient({ transport, clock, logger: recordingLogger() });
    await api.call(SERVER, 'pendingValidations', { signer: signerFor(secretKey), query: { cursor: '0', waitSeconds: 25 } });
    const [request] = transport.requests;
    const url = new URL(request!.url);
    expect(url.pathname + url.search).toBe('/secure-access/api/authenticator/v1/validations/pending?cursor=0&waitSeconds=25');
    expect(request!.headers[AUTH_HEADERS.timestamp]).toBe(String(clock.now()));
    const bytes = requestSigningBytes({
      keyId: 'dev_apiclienttest01', method: 'GET', path: url.pathname + url.search, timestamp: clock.now(),
      nonce: request!.headers[AUTH_HEADERS.nonce]!, bodySha256: sha256Base64Url(utf8('')),
    });
    expect(verifyMessage(fromBase64Url(request!.headers[AUTH_HEADERS.signature]!), bytes, publicKeyOf(secretKey))).toBe(true);
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
    expect(await rejection(down.call(SERVER, 'getSelf', { signer }))).toMatchObject({ code: 'server_unreachable' });

    const proxy = new ApiClient({ transport: new RecordingTransport(() => ({ status: 502, headers: {}, text: 'Bad gateway' })), clock, logger });
    expect(await rejection(proxy.call(SERVER, 'getSelf', { signer }))).toMatchObject({ code: 'service_unavailable' });

    const hanging = new RecordingTransport((request) => new Promise((_, reject) => request.signal?.addEventListener('abort', () => reject(new Error('aborted')))));
    const slow = new ApiClient({ transport: hanging, clock, logger });
    const timedOut = rejection(slow.call(SERVER, 'getSelf', { signer, timeoutMs: 5_000 }));
    await settle();
    await clock.advance(5_000);
    expect(await timedOut).toMatchObject({ code: 'server_unreachable' });

    const controller = new AbortController();
    const aborted = rejection(slow.call(SERVER, 'getSelf', { signer, signal: controller.signal }));
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
    expect(await rejection(api.call(SERVER, 'getSelf', { signer: signerFor(generateSecretKey()) }))).toMatchObject({ code: 'auth_timestamp_out_of_window' });
    expect(transport.requests).toHaveLength(2);
  });
});
