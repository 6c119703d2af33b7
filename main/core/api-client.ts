/**
 * The one way the core talks to a Secure Access server: routes by name from protocol/routes.ts, signed requests
 * (the key stays in the vault: the client only gets a signing function), and every answer checked against the
 * route's schema before anything uses it (parse, don't trust).
 *
 * The frequent device calls (the long-poll, decisions, the device's own state) go with a short-lived device token
 * instead of a fresh signature each: one signed request buys a token, kept in memory only (never stored, never
 * logged), renewed a minute before it expires by the server's clock, or at once when the server refuses it.
 *
 * An answer `server_restarting` (503) means the instance that got the request is shutting down and did not process
 * it: the request is sent again at once, freshly signed, on a new connection (that answer closed the old one), which a
 * load balancer sends to another instance — a restart costs the app one round trip, not a failure and its backoff.
 * Only RESTART_RETRIES times in a row, so that a broken proxy repeating it cannot make the app spin.
 *
 * Errors come out as CoreError with a stable code: the server's own code for an error answer, `server_unreachable`
 * when no HTTP answer came back (or none in time), `unexpected_response` for an answer that is not what the route
 * promises. A request aborted by its caller rejects with RequestAborted instead.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import {
  ErrorResponse, ROUTES, routePath, signedRequestHeaders, type RouteName,
} from '../../protocol/index';
import { CoreError } from './errors';
import './formats';
import type { Clock, HttpResponse, HttpTransport, Logger } from './ports';

type Routes = typeof ROUTES;
export type RouteResponse<R extends RouteName> = Static<Routes[R]['response']>;
export type RouteBody<R extends RouteName> = Routes[R] extends { body: infer B extends TSchema } ? Static<B> : never;

/** Signs with one account's key, wherever that key is kept. */
export interface RequestSigner {
  /** `enr_…` while activating, `dev_…` once active. */
  keyId: string;
  sign(message: Uint8Array): Promise<Uint8Array>;
}

export interface CallOptions<R extends RouteName> {
  params?: Record<string, string>;
  query?: Record<string, string | number | undefined>;
  body?: RouteBody<R>;
  signer?: RequestSigner;
  signal?: AbortSignal;
  /** Extra request headers (never signed: nothing that changes what the request does). */
  headers?: Record<string, string>;
  /** No answer by then → server_unreachable. */
  timeoutMs?: number;
  /**
   * How a request that got no answer is logged: 'info' when the caller tells what it was and warns itself (the inbox:
   * a long-poll cut by a proxy on the way is expected there, a failure is warned about).
   */
  unreachableLogLevel?: 'warn' | 'info';
}

export class RequestAborted extends Error {
  constructor() {
    super('request aborted');
    this.name = 'RequestAborted';
  }
}

export const DEFAULT_TIMEOUT_MS = 30_000;
/** A token this close to its expiry (server time) is renewed before use, so a long-poll never starts on a dying one. */
const TOKEN_RENEWAL_MARGIN_MS = 60_000;
const TOKEN_REFUSED = new Set(['auth_token_expired', 'auth_token_invalid']);
/** Immediate retries of a request the server did not process because its instance was restarting. */
export const RESTART_RETRIES = 2;

interface DeviceToken {
  token: string;
  /** Server time. */
  expiresAt: number;
}
/** Offsets smaller than this are measurement noise (latency, the Date header's one-second resolution). */
const NEGLIGIBLE_OFFSET_MS = 2_000;

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();
function checkerFor<T extends TSchema>(schema: T): TypeCheck<T> {
  let checker = compiled.get(schema);
  if (!checker) {
    checker = TypeCompiler.Compile(schema);
    compiled.set(schema, checker);
  }
  return checker as TypeCheck<T>;
}

/** Base URL of a server as stored for an account: origin plus an optional path prefix, no trailing slash. */
export function buildUrl(serverUrl: string, path: string, query?: Record<string, string | number | undefined>): URL {
  const base = new URL(serverUrl);
  const url = new URL(base.origin);
  url.pathname = `${base.pathname.replace(/\/+$/, '')}${path}`;
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined) url.searchParams.append(key, String(value));
  }
  return url;
}

function originOf(serverUrl: string): string {
  return new URL(serverUrl).origin;
}

/** The caller may stop waiting for a shared request (a token fetch) without cancelling it for the others. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(new RequestAborted());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new RequestAborted());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export class ApiClient {
  readonly #transport: HttpTransport;
  readonly #clock: Clock;
  readonly #logger: Logger;
  /** Server clock minus this computer's clock, per server origin. */
  readonly #offsets = new Map<string, number>();
  /** Per server origin and device: the token in use, or the request fetching one (shared by concurrent calls). */
  readonly #tokens = new Map<string, DeviceToken | Promise<DeviceToken>>();

  constructor(deps: { transport: HttpTransport; clock: Clock; logger: Logger }) {
    this.#transport = deps.transport;
    this.#clock = deps.clock;
    this.#logger = deps.logger;
  }

  /** Server clock minus ours (0 when the difference is too small to matter). */
  offsetFor(serverUrl: string): number {
    return this.#offsets.get(originOf(serverUrl)) ?? 0;
  }

  /** The time as the server counts it: what signed timestamps and expiry checks use. */
  serverNow(serverUrl: string): number {
    return this.#clock.now() + this.offsetFor(serverUrl);
  }

  /** Learns the server's clock from a time it sent in a body (millisecond precision). */
  noteServerTime(serverUrl: string, serverTimeIso: string, receivedAt: number): void {
    const serverTime = Date.parse(serverTimeIso);
    if (Number.isNaN(serverTime)) return;
    this.#setOffset(serverUrl, serverTime - receivedAt);
  }

  #setOffset(serverUrl: string, measured: number): void {
    const offset = Math.abs(measured) < NEGLIGIBLE_OFFSET_MS ? 0 : measured;
    const origin = originOf(serverUrl);
    const previous = this.#offsets.get(origin) ?? 0;
    if (Math.abs(previous - offset) >= NEGLIGIBLE_OFFSET_MS || (offset === 0 && previous !== 0)) {
      this.#logger.info('server clock offset updated', { server: origin, offsetMs: offset });
    }
    this.#offsets.set(origin, offset);
  }

  /**
   * After a refused timestamp: learns the server's time from the answer's Date header, if it says our estimate is
   * off by more than the noise. Returns whether a retry has a chance.
   */
  #learnFromDateHeader(serverUrl: string, response: HttpResponse, sentAt: number, receivedAt: number): boolean {
    const header = response.headers['date'];
    const serverTime = header ? Date.parse(header) : Number.NaN;
    if (Number.isNaN(serverTime)) return false;
    // The header is truncated to the second: its middle is the best guess.
    const measured = serverTime + 500 - (sentAt + receivedAt) / 2;
    if (Math.abs(measured - this.offsetFor(serverUrl)) < NEGLIGIBLE_OFFSET_MS) return false;
    this.#setOffset(serverUrl, measured);
    return true;
  }

  async call<R extends RouteName>(serverUrl: string, route: R, options: CallOptions<R> = {}): Promise<RouteResponse<R>> {
    const spec: Routes[RouteName] = ROUTES[route];
    if ((spec.auth === 'signed' || spec.auth === 'device') && !options.signer) throw new TypeError(`${route} must be signed`);
    const url = buildUrl(serverUrl, routePath(route, options.params), options.query);
    const bodyText = 'body' in spec ? JSON.stringify(options.body ?? {}) : '';
    const withToken = spec.auth === 'device' && options.signer?.keyId.startsWith('dev_') === true;
    let tokenRefused = false;
    let restarts = 0;

    for (let attempt = 1; ; attempt++) {
      const headers: Record<string, string> = { ...options.headers, accept: 'application/json' };
      if (bodyText) headers['content-type'] = 'application/json';
      let token: DeviceToken | null = null;
      if (withToken) {
        token = await untilAborted(this.#deviceToken(serverUrl, options.signer!), options.signal);
        headers.authorization = `Bearer ${token.token}`;
      } else if (options.signer) {
        const signed = await signedRequestHeaders(
          { keyId: options.signer.keyId, method: spec.method, path: url.pathname + url.search, body: bodyText, timestamp: this.serverNow(serverUrl) },
          (message) => options.signer!.sign(message),
        );
        Object.assign(headers, signed);
      }
      const sentAt = this.#clock.now();
      const response = await this.#send(
        { method: spec.method, url: url.toString(), headers, ...(bodyText ? { body: bodyText } : {}) },
        route,
        options,
      );
      const receivedAt = this.#clock.now();

      if (response.status >= 200 && response.status < 300) {
        return this.#parseSuccess(route, spec.response, response);
      }
      const error = this.#parseError(route, response);
      if (error.code === 'server_restarting' && restarts < RESTART_RETRIES) {
        restarts += 1;
        this.#logger.info('the server instance is restarting; sending the request again', { route, retry: restarts });
        continue;
      }
      if (token && TOKEN_REFUSED.has(error.code) && !tokenRefused) {
        // Expired early by the server's clock, or minted under a key the server no longer has: one new token, one retry.
        tokenRefused = true;
        this.#forgetToken(serverUrl, options.signer!.keyId, token);
        continue;
      }
      if (
        error.code === 'auth_timestamp_out_of_window' && attempt === 1 && options.signer &&
        this.#learnFromDateHeader(serverUrl, response, sentAt, receivedAt)
      ) {
        this.#logger.warn('the server refused our clock; retrying with its time', { route });
        continue;
      }
      throw error;
    }
  }

  /** The device's token for this server: the one in memory if it has more than a minute left, else a new one. */
  async #deviceToken(serverUrl: string, signer: RequestSigner): Promise<DeviceToken> {
    const key = `${originOf(serverUrl)} ${signer.keyId}`;
    const held = this.#tokens.get(key);
    if (held instanceof Promise) return held;
    if (held && held.expiresAt - TOKEN_RENEWAL_MARGIN_MS > this.serverNow(serverUrl)) return held;
    // Not tied to any one caller's signal: concurrent calls share this request.
    const fetching = this.call(serverUrl, 'issueDeviceToken', { signer }).then(
      (answer) => {
        const token = { token: answer.token, expiresAt: Date.parse(answer.expiresAt) };
        if (this.#tokens.get(key) === fetching) this.#tokens.set(key, token);
        return token;
      },
      (error: unknown) => {
        if (this.#tokens.get(key) === fetching) this.#tokens.delete(key);
        throw error;
      },
    );
    this.#tokens.set(key, fetching);
    return fetching;
  }

  #forgetToken(serverUrl: string, keyId: string, token: DeviceToken): void {
    const key = `${originOf(serverUrl)} ${keyId}`;
    if (this.#tokens.get(key) === token) this.#tokens.delete(key);
  }

  async #send(request: Parameters<HttpTransport['send']>[0], route: RouteName, options: CallOptions<RouteName>): Promise<HttpResponse> {
    if (options.signal?.aborted) throw new RequestAborted();
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const controller = new AbortController();
    let timedOut = false;
    const timer = this.#clock.setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const onAbort = () => controller.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await this.#transport.send({ ...request, signal: controller.signal });
    } catch (error) {
      if (options.signal?.aborted) throw new RequestAborted();
      const log = options.unreachableLogLevel === 'info' ? this.#logger.info.bind(this.#logger) : this.#logger.warn.bind(this.#logger);
      if (timedOut) {
        log('no answer from the server in time', { route, timeoutMs });
        throw new CoreError('server_unreachable', `The server did not answer within ${Math.round(timeoutMs / 1000)} seconds.`);
      }
      log('the server could not be reached', { route, message: error instanceof Error ? error.message : String(error) });
      throw new CoreError('server_unreachable', 'The server could not be reached.');
    } finally {
      timer.cancel();
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  #parseSuccess<R extends RouteName>(route: R, schema: TSchema, response: HttpResponse): RouteResponse<R> {
    let value: unknown;
    try {
      value = JSON.parse(response.text);
    } catch {
      this.#logger.warn('the server answered with something that is not JSON', { route, status: response.status });
      throw new CoreError('unexpected_response', 'The server gave an answer Secure Access does not understand.');
    }
    const checker = checkerFor(schema);
    if (!checker.Check(value)) {
      const first = checker.Errors(value).First();
      this.#logger.warn('the server answered outside the protocol', { route, status: response.status, path: first?.path, problem: first?.message });
      throw new CoreError('unexpected_response', 'The server gave an answer Secure Access does not understand.');
    }
    return value as RouteResponse<R>;
  }

  #parseError(route: RouteName, response: HttpResponse): CoreError {
    let value: unknown;
    try {
      value = JSON.parse(response.text);
    } catch {
      value = undefined;
    }
    const checker = checkerFor(ErrorResponse);
    if (!checker.Check(value)) {
      this.#logger.warn('the server answered an error outside the protocol', { route, status: response.status });
      if (response.status === 502 || response.status === 503 || response.status === 504) {
        return new CoreError('service_unavailable', 'The server is not available at the moment.');
      }
      return new CoreError('unexpected_response', 'The server gave an answer Secure Access does not understand.');
    }
    const { code, message, ...facts } = value;
    return new CoreError(code, message, facts);
  }
}
