/**
 * The reference Secure Access server: `createServer(options)` opens the database, wires the services and the
 * HTTP app. Several instances may share one PostgreSQL database; wake-ups cross them through LISTEN/NOTIFY.
 */
import net from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { DEFAULT_DATABASE_URL, DEFAULT_LIMITS, DEFAULT_TIME_ZONE, DEMO_ALLOW_REMOTE_VARIABLE, isLoopbackHost, systemClock, type ServerOptions } from './config';
import type { ServerContext } from './context';
import { openDatabase, type OpenDatabase } from './db/database';
import { migrateToLatest, migrationStatus, newerSchemaMessage, pendingMessage, SchemaError } from './db/migrate';
import { buildHttpApp } from './http/app';
import { adminHandlers } from './http/routes/admin';
import { authenticatorHandlers } from './http/routes/authenticator';
import { backOfficeHandlers } from './http/routes/back-office';
import { portalHandlers } from './http/routes/portal';
import type { Handlers } from './http/types';
import { randomToken } from './ids';
import { LocalNotifier, PostgresNotifier, type Notifier } from './notifier';
import { readiness, type Readiness } from './ops/health';
import { Lifecycle } from './ops/lifecycle';
import { createLogger, serverLog, type Logger } from './ops/logging';
import { ServerMetrics } from './ops/metrics';
import { DevelopmentOutbox, HttpOtpGateway } from './otp';
import serverPackage from './package.json' with { type: 'json' };
import { sweepExpiredValidations } from './services/expiry';
import { selfInstallHandlers } from './http/routes/self-install';
import { InstallerShelf, mobileAppsOf } from './services/installers';
import { BankPayeeVerifier, DemoDirectory, HttpPayeeVerifier, OwnAccountsDirectory } from './services/payee-verification';
import { pruneExpired } from './services/rate-limit';
import { postgresStateConfirmation } from './services/validations';
import { UserStateCache } from './user-state-cache';

/** Users whose authenticator state is kept in memory (about a kilobyte each), the least recently stored dropped first. */
const AUTHENTICATOR_STATES_KEPT = 100_000;

export const SERVER_VERSION: string = serverPackage.version;

/**
 * Once an instance stops accepting, how long its idle kept-alive connections stay open: long enough for a client that
 * just got an answer to send its next request and be told server_restarting, rather than find the connection reset.
 */
const IDLE_CONNECTION_GRACE_MS = 1_000;

/** How often undecided validations past their time are marked expired (and counted). */
const EXPIRY_SWEEP_MS = 60_000;

export interface ShutdownOptions {
  /** Keep serving (not ready, connections closed after each answer) this long first: the load balancer's time to notice. */
  delayMs?: number;
  /** Then at most this long for the requests in flight. */
  timeoutMs?: number;
  /** How long kept-alive connections stay open once the instance stops accepting (within the timeout). */
  idleGraceMs?: number;
}

export interface ShutdownReport {
  /** Long-polls that were waiting, answered server_restarting. */
  answeredLongPolls: number;
  /** Other requests in flight when the instance stopped accepting. */
  otherRequestsInFlight: number;
  /** Requests still in flight when the timeout cut them (0 in a clean shutdown). */
  cutRequests: number;
  durationMs: number;
}

export interface SecureAccessServer {
  app: FastifyInstance;
  ctx: ServerContext;
  database: OpenDatabase;
  logger: Logger;
  /** Starts listening; resolves to the base URL, e.g. http://127.0.0.1:8080 */
  listen(options?: { port?: number; host?: string }): Promise<string>;
  /** /metrics without a token on a port of its own (SA_METRICS_PORT); resolves to its base URL. */
  listenMetrics(options: { port: number; host?: string }): Promise<string>;
  readiness(): Promise<Readiness>;
  /** Step 1 of the shutdown alone: not ready any more, connections closed after their answer; still serving. */
  beginShutdown(): void;
  /** The graceful shutdown of ops/lifecycle.ts (step 1 if not begun, the delay, steps 2 and 3), then close(). */
  shutdown(options?: ShutdownOptions): Promise<ShutdownReport>;
  /** Closes at once: waiting long-polls answered with what they have, connections cut, database closed. */
  close(): Promise<void>;
}

/** A server secret (an HMAC key): made once, kept in the database so every instance uses the same. */
async function sharedSecret(database: OpenDatabase, name: 'code_pepper' | 'device_token_key'): Promise<string> {
  const existing = await database.db.selectFrom('server_secrets').select('value').where('name', '=', name).executeTakeFirst();
  if (existing) return existing.value;
  await database.db.insertInto('server_secrets').values({ name, value: randomToken(32) })
    .onConflict((conflict) => conflict.column('name').doNothing()).execute();
  const stored = await database.db.selectFrom('server_secrets').select('value').where('name', '=', name).executeTakeFirstOrThrow();
  return stored.value;
}

/** The schema as this code needs it, or a plain refusal (SchemaError). */
async function prepareSchema(database: OpenDatabase, mode: 'apply' | 'require-current', logger: Logger): Promise<void> {
  const status = await migrationStatus(database.db);
  if (status.unknown.length > 0) throw new SchemaError(newerSchemaMessage(status));
  if (status.pending.length === 0) return;
  if (mode === 'require-current') throw new SchemaError(pendingMessage(status));
  const applied = await migrateToLatest(database.db);
  if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
}

/** A time zone Intl does not know would make every "today" throw: refused at start, in one sentence. */
function checkedTimeZone(timeZone: string): string {
  try {
    new Intl.DateTimeFormat('en', { timeZone }).format(0);
  } catch {
    throw new Error(`unknown time zone "${timeZone}" (expected an IANA name such as Europe/Paris)`);
  }
  return timeZone;
}

export async function createServer(options: ServerOptions = {}): Promise<SecureAccessServer> {
  const timeZone = checkedTimeZone(options.timeZone ?? DEFAULT_TIME_ZONE);
  const logger = options.logger || createLogger({ level: 'warn', format: 'json', destination: process.stderr });
  const log = serverLog(logger);
  const database = await openDatabase(options.databaseUrl ?? DEFAULT_DATABASE_URL);
  try {
    await prepareSchema(database, options.migrations ?? 'apply', logger);
  } catch (error) {
    await database.close();
    throw error;
  }
  const clock = options.clock ?? systemClock;
  const faults = options.faults ?? {};
  const metrics = new ServerMetrics(SERVER_VERSION);
  const lifecycle = new Lifecycle();
  const postgresNotifier = database.pgPool ? await PostgresNotifier.start(database.pgPool, (message) => log.warn(message), faults) : null;
  const notifier: Notifier = postgresNotifier ?? new LocalNotifier();
  const ctx: ServerContext = {
    db: database.db,
    kind: database.kind,
    clock,
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    notifier,
    authenticatorStates: new UserStateCache(
      notifier, AUTHENTICATOR_STATES_KEPT,
      // One SQLite database serves one instance, which hears each of its changes as it commits: nothing to confirm.
      postgresNotifier && !faults.withoutStateConfirmation ? postgresStateConfirmation(postgresNotifier) : undefined,
      undefined,
      (error) => log.warn(`confirming the kept user states failed: ${error instanceof Error ? error.message : String(error)}`),
    ),
    otp: options.otpGateway ? new HttpOtpGateway(options.otpGateway) : new DevelopmentOutbox(database.db, clock, (message, fields) => log.info(message, fields)),
    payees: options.payeeVerifier ?? new BankPayeeVerifier(
      new OwnAccountsDirectory(database.db),
      options.vopGateway ? new HttpPayeeVerifier(options.vopGateway, (message) => log.warn(message)) : options.demo ? new DemoDirectory() : null,
    ),
    timeZone,
    installers: new InstallerShelf(options.downloadsDir ?? null),
    mobileApps: mobileAppsOf(options.mobileStoreLinks),
    codePepper: await sharedSecret(database, 'code_pepper'),
    deviceTokenKey: await sharedSecret(database, 'device_token_key'),
    demo: options.demo ?? false,
    log,
    metrics,
    faults,
  };
  metrics.watch({
    database: database.kind,
    pool: () => (database.pgPool ? { total: database.pgPool.totalCount, idle: database.pgPool.idleCount, waiting: database.pgPool.waitingCount } : null),
    listening: () => notifier.hearsEverything(),
    draining: () => lifecycle.draining,
  });
  const handlers = {
    ...authenticatorHandlers,
    ...portalHandlers(options.cookieSecure ?? true),
    ...adminHandlers,
    ...backOfficeHandlers,
    ...selfInstallHandlers,
  } satisfies Handlers;
  const app = await buildHttpApp(ctx, handlers, options, { logger, lifecycle });

  const pruneTimer = setInterval(() => {
    pruneExpired(ctx).catch((error: unknown) => log.warn('pruning expired nonces failed', { error: String(error) }));
  }, 10 * 60_000);
  pruneTimer.unref();
  const expiryTimer = setInterval(() => {
    sweepExpiredValidations(ctx).then(
      (byKind) => Object.entries(byKind).forEach(([kind, count]) => metrics.expired(kind, count)),
      (error: unknown) => log.warn('marking expired validations failed', { error: String(error) }),
    );
  }, EXPIRY_SWEEP_MS);
  expiryTimer.unref();

  let metricsApp: FastifyInstance | null = null;
  let closing: Promise<void> | null = null;
  let shuttingDown: Promise<ShutdownReport> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      lifecycle.markClosed();
      clearInterval(pruneTimer);
      clearInterval(expiryTimer);
      notifier.wakeAll();
      ctx.authenticatorStates.close();
      await app.close();
      await metricsApp?.close();
      await notifier.close();
      await database.close();
    })();
    return closing;
  };
  const beginShutdown = () => {
    if (lifecycle.draining) return;
    lifecycle.startDraining();
    log.info('shutting down: not ready any more', { inFlight: lifecycle.inFlight, waitingLongPolls: lifecycle.waiting });
  };
  const baseUrl = (server: FastifyInstance, host: string, port: number) => {
    const address = server.server.address();
    const actualPort = typeof address === 'object' && address ? address.port : port;
    return `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
  };
  return {
    app,
    ctx,
    database,
    logger,
    async listen({ port = 0, host = '127.0.0.1' } = {}) {
      if (ctx.demo && !options.demoAllowRemote && !isLoopbackHost(host)) {
        throw new Error(`demo mode listens on loopback only (HOST=127.0.0.1): its development outbox shows every SMS/voice code to whoever asks. Set ${DEMO_ALLOW_REMOTE_VARIABLE}=1 to listen on ${host} all the same, or SA_DEMO=0 with an SMS/voice provider`);
      }
      await app.listen({ port, host });
      return baseUrl(app, host, port);
    },
    async listenMetrics({ port, host = '127.0.0.1' }) {
      metricsApp = Fastify({ logger: false });
      metricsApp.get('/metrics', async (_request, reply) => reply.type(metrics.contentType).send(await metrics.text()));
      await metricsApp.listen({ port, host });
      return baseUrl(metricsApp, host, port);
    },
    readiness: () => readiness(ctx, lifecycle),
    beginShutdown,
    shutdown({ delayMs = 0, timeoutMs = 10_000, idleGraceMs = IDLE_CONNECTION_GRACE_MS } = {}) {
      shuttingDown ??= (async () => {
        const started = performance.now();
        beginShutdown();
        if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
        const deadline = performance.now() + timeoutMs;
        const inFlight = lifecycle.inFlight;
        const answeredLongPolls = lifecycle.startRefusing();
        const otherRequestsInFlight = inFlight - answeredLongPolls;
        // No new connection. Kept-alive connections stay open a moment (http.Server.close would cut the idle ones at
        // once): a client may be sending its next request on one right now, and would see a reset, counted as a
        // failure. Such a request is answered server_restarting with Connection: close instead; after the grace, idle
        // connections are closed, busy ones after their answer.
        net.Server.prototype.close.call(app.server);
        await new Promise((resolve) => setTimeout(resolve, Math.min(idleGraceMs, timeoutMs)));
        app.server.closeIdleConnections();
        const finished = await lifecycle.whenIdle(Math.max(0, deadline - performance.now()));
        const cutRequests = finished ? 0 : lifecycle.inFlight;
        if (!finished) log.warn('requests still in flight at the shutdown timeout were cut', { cutRequests, timeoutSeconds: timeoutMs / 1000 });
        await close();
        const report = { answeredLongPolls, otherRequestsInFlight, cutRequests, durationMs: Math.round(performance.now() - started) };
        log.info('shut down', report);
        return report;
      })();
      return shuttingDown;
    },
    close,
  };
}
