/**
 * What the HTTP app does for operations, around every route: request ids, one log line and one metric per answered
 * request, the shutdown's refusals and `Connection: close`, and the routes /healthz, /readyz and /metrics.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
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
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** Probes and scrapes come every few seconds: logged at debug, not info. */
const QUIET_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

export function registerOperationsHooks(app: FastifyInstance, ctx: ServerContext, lifecycle: Lifecycle): void {
  app.decorateRequest('actor', null as unknown as RequestActor);

  app.addHook('onRequest', async (request, reply) => {
    request.actor = {};
    const ended = lifecycle.requestStarted();
    // 'close' comes whether the answer was sent or the client left first: the one place a request surely ends.
    reply.raw.once('close', () => {
      ended();
      logAnswered(ctx, request, reply.statusCode, reply.elapsedTime, !reply.raw.writableFinished);
    });
    if (lifecycle.refusing && !QUIET_ROUTES.has(request.url.split('?')[0] ?? '')) {
      const error = restartingError();
      request.actor.errorCode = error.code;
      reply.header('connection', 'close').header('retry-after', '0');
      return reply.status(error.status).send(error.toBody());
    }
    return undefined;
  });

  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-request-id', request.id);
    // Shutting down: each client reconnects after this answer, through the balancer, to another instance.
    if (lifecycle.draining) reply.header('connection', 'close');
    return payload;
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
