/**
 * What the HTTP app does for operations, around every route: request ids, one log line and one metric per answered
 * request, the shutdown's refusals and `Connection: close`, and the routes /healthz, /readyz and /metrics.
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WaitCancellation } from '../holds';
import type { ServerContext } from '../context';
import { bearerMatches } from '../crypto';
import { readiness } from './health';
import { restartingError, type Lifecycle } from './lifecycle';
import type { Logger } from './logging';

/** Who a request turned out to be, once authenticated: logged with its line. */
export interface RequestActor {
  userId?: string;
  deviceId?: string;
  /** The stable code of an error answer. */
  errorCode?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    actor: RequestActor;
  }
}

/** A load balancer's request id is kept when it looks like one; otherwise the server makes its own. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,100}$/;

export function requestId(request: { headers: Record<string, string | string[] | undefined> }): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : flat(randomUUID());
}

/**
 * randomUUID() builds its text by concatenation: V8 keeps it as a tree of about fifteen pieces (some 450 bytes, kept
 * by a waiting long-poll for its whole wait) until something reads its characters. Reading one makes it one string.
 */
function flat(text: string): string {
  text.charCodeAt(0);
  return text;
}

/** Probes and scrapes come every few seconds: logged at debug, not info. */
const QUIET_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * What the server keeps of a request until its response closes: one small object, found by the one 'close' listener
 * every response shares (no closure, no `once` wrapper per request — a waiting long-poll keeps them all its wait).
 */
class RequestEnd {
  ended = false;
  /** A long-poll's wait: cancelled if the client leaves before its answer. */
  cancellation: WaitCancellation | null = null;

  constructor(readonly reply: FastifyReply) {}
}

const REQUEST_END = Symbol('requestEnd');
type TrackedResponse = ServerResponse & { [REQUEST_END]?: RequestEnd };

/**
 * A long-poll's wait is cancelled when its client goes away before the answer — at once if it already has (while
 * the request was being authenticated).
 */
export function cancelWhenClientLeaves(reply: FastifyReply, cancellation: WaitCancellation): void {
  const end = (reply.raw as TrackedResponse)[REQUEST_END];
  if (!end) return;
  if (end.ended) cancellation.cancel();
  else end.cancellation = cancellation;
}

export function registerOperationsHooks(app: FastifyInstance, ctx: ServerContext, lifecycle: Lifecycle): void {
  app.decorateRequest('actor', null as unknown as RequestActor);

  // 'close' comes whether the answer was sent or the client left first: the one place a request surely ends.
  function onResponseClose(this: TrackedResponse): void {
    const end = this[REQUEST_END];
    if (!end || end.ended) return;
    end.ended = true;
    const answered = this.writableFinished;
    // Only a client gone before its answer is news (a waiting long-poll stops waiting).
    if (!answered) end.cancellation?.cancel();
    end.cancellation = null;
    lifecycle.requestEnded();
    logAnswered(ctx, end.reply.request, end.reply.statusCode, end.reply.elapsedTime, !answered);
  }

  // Callback hooks, not async ones: an async hook costs a promise and its ticks on every request.
  app.addHook('onRequest', (request, reply, done) => {
    request.actor = {};
    lifecycle.requestStarted();
    (reply.raw as TrackedResponse)[REQUEST_END] = new RequestEnd(reply);
    reply.raw.on('close', onResponseClose);
    if (lifecycle.refusing && !QUIET_ROUTES.has(request.url.split('?')[0] ?? '')) {
      const error = restartingError();
      request.actor.errorCode = error.code;
      reply.header('connection', 'close').header('retry-after', '0');
      reply.status(error.status).send(error.toBody());
      return;
    }
    done();
  });

  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id);
    // Shutting down: each client reconnects after this answer, through the balancer, to another instance.
    if (lifecycle.draining) reply.header('connection', 'close');
    done(null, payload);
  });

  app.get('/healthz', { schema: { hide: true } }, async () => ({ ok: true, database: ctx.kind }));

  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    const state = await readiness(ctx, lifecycle);
    reply.status(state.ready ? 200 : 503);
    return { status: state.ready ? 'ready' : 'not_ready', database: ctx.kind, checks: state.checks, reasons: state.reasons };
  });
}

/** /metrics on the main port, behind the operations token. */
export function registerMetricsRoute(app: FastifyInstance, ctx: ServerContext, opsToken: string | undefined): void {
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (!opsToken || !bearerMatches(request.headers.authorization, opsToken)) {
      reply.header('www-authenticate', 'Bearer');
      return reply.status(opsToken ? 401 : 403).send({
        code: 'forbidden',
        message: opsToken ? 'Metrics need the operations token (Authorization: Bearer …).' : 'Metrics are closed: set SA_OPS_TOKEN (or serve them on SA_METRICS_PORT).',
      });
    }
    reply.type(ctx.metrics.contentType);
    return ctx.metrics.text();
  });
}

function logAnswered(ctx: ServerContext, request: FastifyRequest, status: number, durationMs: number, aborted: boolean): void {
  const route = request.routeOptions.url ?? 'unmatched';
  const seconds = durationMs / 1000;
  ctx.metrics.request(request.method, route, status, seconds);
  if (request.actor?.errorCode) ctx.metrics.error(request.actor.errorCode);
  const level = QUIET_ROUTES.has(route) ? 'debug' : 'info';
  if (!(request.log as Logger).isLevelEnabled(level)) return;
  const { userId, deviceId, errorCode } = request.actor ?? {};
  request.log[level]({
    method: request.method,
    route,
    // The path only: a query string is the client's to fill, and never needed to read the log.
    path: request.url.split('?')[0],
    status,
    durationMs: Math.round(durationMs * 10) / 10,
    ...(userId ? { userId } : {}),
    ...(deviceId ? { deviceId } : {}),
    ...(errorCode ? { errorCode } : {}),
    ...(aborted ? { aborted: true } : {}),
    ip: request.ip,
  }, 'request');
}
