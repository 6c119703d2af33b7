/**
 * The HTTP app: every route of protocol/routes.ts, registered through one function that applies the route's
 * authentication (signed request, portal session + CSRF, administrator, back-office token, demo only),
 * validates input against the route's schema, and serialises the response with it.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import cookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import type { TSchema } from '@sinclair/typebox';
import Ajv from 'ajv';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import { ErrorResponse, ROUTES, SecureAccessError, type RouteName, type RouteSpec } from '../../protocol/index';
import type { RequestOrigin, ServerContext } from '../context';
import type { ServerOptions } from '../config';
import { bearerMatches } from '../crypto';
import { WaitCancellation } from '../holds';
import { cancelWhenClientLeaves, registerMetricsRoute, registerOperationsHooks, requestId } from '../ops/http';
import { restartingError, type Lifecycle } from '../ops/lifecycle';
import { RequestLogger, type Logger } from '../ops/logging';
import { isAdministrator } from '../services/users';
import { checkCsrf, loadSession, requireStep, sessionStep, type Session } from '../services/sessions';
import { errorHandler } from './errors';
import { registerInstallerDownloads } from './routes/self-install';
import { authenticateDevice, verifySignedRequest } from './signed-auth';
import type { Handlers, HandlerArgs, SignedCaller } from './types';

export const SESSION_COOKIE = 'sa_session';
export const BODY_LIMIT_BYTES = 16 * 1024;

const CONTENT_SECURITY_POLICY = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "font-src 'self'", "connect-src 'self'",
  "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ');

type RawRequest = FastifyRequest & { rawBody?: string };

export function originOf(request: FastifyRequest): RequestOrigin {
  const agent = request.headers['user-agent'];
  return { ip: request.ip, userAgent: typeof agent === 'string' ? agent : '' };
}

function buildAjv(coerce: boolean) {
  // Closed objects fail on unknown fields instead of dropping them; bodies are never coerced ("12" is not 12).
  return new Ajv({ allErrors: false, removeAdditional: false, useDefaults: false, coerceTypes: coerce ? 'array' : false, strict: false, formats: { 'date-time': true } });
}

export async function buildHttpApp(ctx: ServerContext, handlers: Handlers, options: ServerOptions, ops: { logger: Logger; lifecycle: Lifecycle }): Promise<FastifyInstance> {
  const app = Fastify({
    // One line per answered request, written by ops/http.ts with the fields chosen there (never headers or bodies).
    loggerInstance: ops.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: (logger, bindings, childOptions) => new RequestLogger(logger as Logger, bindings, childOptions),
    genReqId: requestId,
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: trustProxyOption(options.trustProxy),
    forceCloseConnections: true,
    return503OnClosing: true,
    ajv: { customOptions: {} },
    // A URL Fastify cannot even route (bad percent-encoding) gets the same `{ code, message }` as any other error.
    frameworkErrors: (error, request, reply) => errorHandler(error, request, reply),
  });

  const bodyAjv = buildAjv(false);
  const otherAjv = buildAjv(true);
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? bodyAjv : otherAjv).compile(schema));

  app.setErrorHandler((error, request, reply) => {
    const code = errorHandler(error, request, reply);
    const route = (request.routeOptions.config as { routeName?: RouteName }).routeName;
    if (route) options.onRouteError?.(route, code);
  });
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    (request as RawRequest).rawBody = body as string;
    if ((body as string).length === 0) {
      done(null, undefined);
      return;
    }
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(new SecureAccessError('bad_request', 'The body is not valid JSON.'), undefined);
    }
  });

  const dateHeader = httpDateCache();
  // A callback hook, not an async one: an async hook costs a promise and its ticks on every answer.
  app.addHook('onSend', (_request, reply, payload, done) => {
    // The server's own clock (injected in tests): pages and the app compute countdowns from it.
    reply.header('date', dateHeader(ctx.clock.now()));
    reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    reply.header('cross-origin-opener-policy', 'same-origin');
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    done(null, payload);
  });
  app.addHook('preClose', async () => ctx.notifier.wakeAll());
  registerOperationsHooks(app, ctx, ops.lifecycle);

  await app.register(cookie);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Secure Access reference server', version: '1.0.0', description: 'Authenticator, portal and administration APIs. See docs/protocol.md.' },
      components: { securitySchemes: {
        signedRequest: { type: 'apiKey', in: 'header', name: 'x-sa-signature', description: 'Ed25519 signature of the canonical request bytes (with x-sa-key-id, x-sa-timestamp, x-sa-nonce)' },
        session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
        ops: { type: 'http', scheme: 'bearer' },
        deviceToken: { type: 'http', scheme: 'bearer', description: 'Device token from POST /api/authenticator/v1/devices/self/token' },
      } },
    },
  });

  for (const name of Object.keys(ROUTES) as RouteName[]) registerRoute(app, ctx, name, handlers, options, ops.lifecycle);

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  registerMetricsRoute(app, ctx, options.opsToken);
  registerInstallerDownloads(app, ctx);

  const portalDir = resolve(options.portalDir ?? 'server/portal/dist');
  const portalBuilt = existsSync(resolve(portalDir, 'index.html'));
  if (portalBuilt) {
    await app.register(fastifyStatic, { root: portalDir, wildcard: false, index: 'index.html', cacheControl: false });
  }
  app.setNotFoundHandler(async (request, reply) => {
    if (request.url.startsWith('/api/') || request.method !== 'GET') {
      return reply.status(404).send({ code: 'not_found', message: `No route ${request.method} ${request.url.split('?')[0]}.` });
    }
    if (!portalBuilt) {
      return reply.status(503).type('text/plain; charset=utf-8').send('The Espace Client portal is not built yet: run `npm run build`.');
    }
    return reply.type('text/html; charset=utf-8').sendFile('index.html');
  });
  return app;
}

/** The HTTP date of an instant, formatted once per second rather than once per answer. */
function httpDateCache(): (ms: number) => string {
  let second = Number.NaN;
  let text = '';
  return (ms) => {
    const current = Math.floor(ms / 1000);
    if (current !== second) {
      second = current;
      text = new Date(ms).toUTCString();
    }
    return text;
  };
}

/** A hop count becomes the function Fastify's types ask for (its run time would take the number as it is). */
function trustProxyOption(setting: ServerOptions['trustProxy']): boolean | string | ((address: string, hop: number) => boolean) {
  if (typeof setting === 'number') return (_address, hop) => hop < setting;
  return setting ?? false;
}

function schemaFor(spec: RouteSpec) {
  const success = spec.status ?? 200;
  const schema: Record<string, unknown> = {
    summary: spec.summary,
    tags: [spec.path.split('/')[2] ?? 'api'],
    response: { [success]: spec.response, '4xx': ErrorResponse, '5xx': ErrorResponse },
  };
  if (spec.params) schema.params = spec.params;
  if (spec.query) schema.querystring = spec.query;
  if (spec.body) schema.body = spec.body;
  const security = { signed: [{ signedRequest: [] }], device: [{ deviceToken: [] }, { signedRequest: [] }], session: [{ session: [] }], admin: [{ session: [] }], ops: [{ ops: [] }], none: [], dev: [] }[spec.auth];
  if (security.length) schema.security = security;
  return schema;
}

function registerRoute<N extends RouteName>(app: FastifyInstance, ctx: ServerContext, name: N, handlers: Handlers, options: ServerOptions, lifecycle: Lifecycle): void {
  const spec: RouteSpec = ROUTES[name];
  const handler = handlers[name];
  app.route({
    method: spec.method,
    url: spec.path,
    config: { routeName: name },
    schema: schemaFor(spec) as Record<string, TSchema>,
    handler: async (request, reply) => {
      const origin = originOf(request);
      const params = request.params as Record<string, string> | undefined;

      if (spec.method !== 'GET' && spec.method !== 'DELETE' && spec.body && (request as RawRequest).rawBody === undefined) {
        throw new SecureAccessError('bad_request', 'This request needs a JSON body.');
      }
      let caller: unknown = null;
      switch (spec.auth) {
        case 'signed':
          caller = await verifySignedRequest(ctx, request as RawRequest, origin, spec.path.includes('/enrolments/:id') ? (params?.id ?? null) : null);
          break;
        case 'device':
          caller = await authenticateDevice(ctx, request as RawRequest, origin);
          break;
        case 'session':
        case 'admin':
          caller = await authenticateSession(ctx, request, spec);
          break;
        case 'ops':
          if (!options.opsToken || !bearerMatches(request.headers.authorization, options.opsToken)) {
            throw new SecureAccessError('forbidden', 'This back-office API needs its bearer token.');
          }
          break;
        case 'dev':
          if (!ctx.demo) throw new SecureAccessError('not_found', `No route ${spec.method} ${spec.path}.`);
          break;
        case 'none':
          break;
      }
      setActor(request.actor, caller);
      const waits = spec.method === 'GET' && Number((request.query as { waitSeconds?: number } | undefined)?.waitSeconds ?? 0) > 0;
      if (!waits) {
        const result = await handler({
          ctx, params: request.params, query: request.query, body: request.body, caller, origin, request, reply, cancellation: null,
        } as unknown as HandlerArgs<N>);
        if (!reply.sent) reply.status(spec.status ?? 200);
        return result;
      }
      // A long-poll: counted while it waits, ended early when its client leaves, and ended at once when the instance
      // shuts down — its answer is then server_restarting (it changed nothing), so the client asks again at once, on
      // another instance.
      const cancellation = new WaitCancellation();
      cancelWhenClientLeaves(reply, cancellation);
      lifecycle.longPollWaiting(cancellation);
      const api = spec.auth === 'device' ? 'authenticator' : 'portal';
      ctx.metrics.longPollStarted(api);
      try {
        const result = await handler({
          ctx, params: request.params, query: request.query, body: request.body, caller, origin, request, reply, cancellation,
        } as unknown as HandlerArgs<N>);
        if (lifecycle.refusing && cancellation.cancelled) {
          reply.header('retry-after', '0');
          throw restartingError();
        }
        if (!reply.sent) reply.status(spec.status ?? 200);
        return result;
      } finally {
        lifecycle.longPollEnded(cancellation);
        ctx.metrics.longPollEnded(api);
      }
    },
  });
}

/** The user and device a caller stands for, for the request's log line. */
function setActor(actor: { userId?: string; deviceId?: string }, caller: unknown): void {
  if (!caller || typeof caller !== 'object') return;
  if ('kind' in caller) {
    const signed = caller as SignedCaller;
    if (signed.kind === 'device') {
      actor.userId = signed.device.user_id;
      actor.deviceId = signed.device.id;
    } else {
      actor.userId = signed.enrolment.user_id;
    }
  } else if ('user' in caller) {
    actor.userId = (caller as Session).user.id;
  }
}

async function authenticateSession(ctx: ServerContext, request: FastifyRequest, spec: RouteSpec): Promise<Session> {
  const waiting = spec.method === 'GET' && Number((request.query as { waitSeconds?: number } | undefined)?.waitSeconds ?? 0) > 0;
  const session = await loadSession(ctx, request.cookies[SESSION_COOKIE], !waiting);
  if (spec.method !== 'GET') checkCsrf(session, typeof request.headers['x-csrf-token'] === 'string' ? request.headers['x-csrf-token'] : undefined);
  requireStep(await sessionStep(ctx, session), spec.steps ?? ['authenticated']);
  if (spec.auth === 'admin' && !isAdministrator(session.user)) throw new SecureAccessError('forbidden', 'The Administration module is for administrators.');
  return session;
}
