/**
 * The portal's typed HTTP client, built from the route table of the wire contract: a page calls a route
 * by name and gets the response type of that route. Same origin, session cookie, and the CSRF token of
 * the current session on every state-changing request. Error answers become a SecureAccessError with the
 * server's stable code and facts, which the pages turn into words (i18n/errors).
 */
import type { Static, TSchema } from '@sinclair/typebox';
import { ROUTES, routePath, type AUTHENTICATOR_PREFIX, type RouteName } from '../../../../protocol/routes';
import { SecureAccessError, isErrorCode, type ErrorFacts } from '../../../../protocol/errors';
import { serverClock } from './serverClock';

type Spec<N extends RouteName> = (typeof ROUTES)[N];

/** The routes a browser may call: the portal, administration and development APIs (never the authenticator's). */
export type PortalRouteName = {
  [N in RouteName]: Spec<N>['auth'] extends 'none' | 'session' | 'admin' | 'dev'
    ? Spec<N>['path'] extends `${typeof AUTHENTICATOR_PREFIX}${string}`
      ? never
      : N
    : never;
}[RouteName];

type Part<N extends RouteName, K extends 'params' | 'query' | 'body'> = Spec<N> extends Record<K, infer S extends TSchema> ? Static<S> : never;
type Needed<N extends RouteName, K extends 'params' | 'body'> = [Part<N, K>] extends [never] ? { [P in K]?: never } : { [P in K]: Part<N, K> };

export type RouteResponse<N extends RouteName> = Static<Spec<N>['response']>;

export type CallInput<N extends RouteName> = Needed<N, 'params'> &
  Needed<N, 'body'> & {
    query?: [Part<N, 'query'>] extends [never] ? never : Part<N, 'query'>;
    signal?: AbortSignal;
  };

type CallArgs<N extends RouteName> = object extends CallInput<N> ? [input?: CallInput<N>] : [input: CallInput<N>];

/** Immediate retries of a request the server did not process because its instance was restarting. */
const RESTART_RETRIES = 2;

/** Codes meaning "there is no session any more": the app goes back to the login page. */
export const SESSION_LOST_CODES: ReadonlySet<string> = new Set(['session_required', 'session_expired']);
/** Answers about the session itself rather than the request: the session provider reacts to them. */
const SESSION_STATE_CODES: ReadonlySet<string> = new Set([...SESSION_LOST_CODES, 'step_required']);

export interface PortalClient {
  call<N extends PortalRouteName>(name: N, ...args: CallArgs<N>): Promise<RouteResponse<N>>;
  setCsrfToken(token: string | null): void;
  /**
   * Called when a session route answers that the session is gone (expired on the server, logged out elsewhere)
   * or stands at another step (e.g. its last device was revoked meanwhile).
   */
  onSessionStateError(listener: (error: SecureAccessError) => void): () => void;
}

function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

function errorFacts(body: Record<string, unknown>): ErrorFacts {
  const facts: ErrorFacts = {};
  if (typeof body.attemptsLeft === 'number') facts.attemptsLeft = body.attemptsLeft;
  if (typeof body.lockedUntil === 'string' || body.lockedUntil === null) facts.lockedUntil = body.lockedUntil;
  if (typeof body.retryAfterSeconds === 'number') facts.retryAfterSeconds = body.retryAfterSeconds;
  if (typeof body.maxDevices === 'number') facts.maxDevices = body.maxDevices;
  if (typeof body.activeDevices === 'number') facts.activeDevices = body.activeDevices;
  if (typeof body.field === 'string') facts.field = body.field;
  return facts;
}

async function errorFromResponse(response: Response): Promise<SecureAccessError> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // Not JSON (a proxy's error page, a crash): fall through to a generic code.
  }
  if (body !== null && typeof body === 'object') {
    const record = body as Record<string, unknown>;
    if (isErrorCode(record.code)) {
      return new SecureAccessError(record.code, typeof record.message === 'string' ? record.message : record.code, errorFacts(record));
    }
  }
  if (response.status === 404) return new SecureAccessError('not_found', `HTTP ${response.status}`);
  if (response.status === 429) return new SecureAccessError('rate_limited', `HTTP ${response.status}`);
  if (response.status >= 500) return new SecureAccessError('service_unavailable', `HTTP ${response.status}`);
  return new SecureAccessError('bad_request', `HTTP ${response.status}`);
}

function queryString(query: object | undefined): string {
  if (!query) return '';
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null) search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

export function createPortalClient(fetchImpl: typeof fetch = (...args) => fetch(...args)): PortalClient {
  let csrfToken: string | null = null;
  const sessionStateListeners = new Set<(error: SecureAccessError) => void>();

  async function call<N extends PortalRouteName>(name: N, ...args: CallArgs<N>): Promise<RouteResponse<N>> {
    const spec: Spec<N> = ROUTES[name];
    const input = (args[0] ?? {}) as { params?: Record<string, string>; query?: object; body?: unknown; signal?: AbortSignal };
    const url = routePath(name, input.params ?? {}) + queryString(input.query);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (input.body !== undefined) headers['content-type'] = 'application/json';
    if (spec.method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;

    let response: Response;
    for (let restarts = 0; ; restarts++) {
      try {
        response = await fetchImpl(url, {
          method: spec.method,
          headers,
          body: input.body === undefined ? undefined : JSON.stringify(input.body),
          credentials: 'same-origin',
          cache: 'no-store',
          signal: input.signal,
        });
      } catch (error) {
        if (isAbort(error)) throw error;
        throw new SecureAccessError('service_unavailable', error instanceof Error ? error.message : 'network error');
      }
      // The instance that got it is shutting down and did not process it: sent again at once, on a new connection
      // (that answer closed this one), which the load balancer gives to another instance. Twice at most in a row.
      if (response.status !== 503 || restarts >= RESTART_RETRIES) break;
      const error = await errorFromResponse(response.clone());
      if (error.code !== 'server_restarting') break;
    }
    serverClock.observe(response.headers.get('date'));

    if (!response.ok) {
      const error = await errorFromResponse(response);
      if (spec.auth !== 'none' && spec.auth !== 'dev' && SESSION_STATE_CODES.has(error.code)) {
        for (const listener of sessionStateListeners) listener(error);
      }
      throw error;
    }
    return (await response.json()) as RouteResponse<N>;
  }

  return {
    call,
    setCsrfToken(token) {
      csrfToken = token;
    },
    onSessionStateError(listener) {
      sessionStateListeners.add(listener);
      return () => sessionStateListeners.delete(listener);
    },
  };
}

/** The one client of the running page. */
export const api = createPortalClient();

export { isAbort };
