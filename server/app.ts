/**
 * The reference Secure Access server: `createServer(options)` opens the database, wires the services and the
 * HTTP app. Several instances may share one PostgreSQL database; wake-ups cross them through LISTEN/NOTIFY.
 */
import type { FastifyInstance } from 'fastify';
import { DEFAULT_DATABASE_URL, DEFAULT_LIMITS, DEFAULT_TIME_ZONE, systemClock, type ServerOptions } from './config';
import type { Log, ServerContext } from './context';
import { openDatabase, type OpenDatabase } from './db/database';
import { buildHttpApp } from './http/app';
import { adminHandlers } from './http/routes/admin';
import { authenticatorHandlers } from './http/routes/authenticator';
import { backOfficeHandlers } from './http/routes/back-office';
import { portalHandlers } from './http/routes/portal';
import type { Handlers } from './http/types';
import { randomToken } from './ids';
import { LocalNotifier, PostgresNotifier, type Notifier } from './notifier';
import { DevelopmentOutbox, HttpOtpGateway } from './otp';
import { selfInstallHandlers } from './http/routes/self-install';
import { InstallerShelf, mobileAppsOf } from './services/installers';
import { BankPayeeVerifier, DemoDirectory, HttpPayeeVerifier, OwnAccountsDirectory } from './services/payee-verification';
import { pruneExpired } from './services/rate-limit';
import { UserStateCache } from './user-state-cache';

/** Users whose authenticator state is kept in memory (about a kilobyte each), the least recently stored dropped first. */
const AUTHENTICATOR_STATES_KEPT = 100_000;

export interface SecureAccessServer {
  app: FastifyInstance;
  ctx: ServerContext;
  database: OpenDatabase;
  /** Starts listening; resolves to the base URL, e.g. http://127.0.0.1:8080 */
  listen(options?: { port?: number; host?: string }): Promise<string>;
  close(): Promise<void>;
}

const consoleLog: Log = {
  info: (message) => console.log(message),
  warn: (message) => console.warn(message),
  error: (message) => console.error(message),
};

/** A server secret (an HMAC key): made once, kept in the database so every instance uses the same. */
async function sharedSecret(database: OpenDatabase, name: 'code_pepper' | 'device_token_key'): Promise<string> {
  const existing = await database.db.selectFrom('server_secrets').select('value').where('name', '=', name).executeTakeFirst();
  if (existing) return existing.value;
  await database.db.insertInto('server_secrets').values({ name, value: randomToken(32) })
    .onConflict((conflict) => conflict.column('name').doNothing()).execute();
  const stored = await database.db.selectFrom('server_secrets').select('value').where('name', '=', name).executeTakeFirstOrThrow();
  return stored.value;
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
  const log = options.log ?? (options.logger === false ? { info() {}, warn: consoleLog.warn, error: consoleLog.error } : consoleLog);
  const database = await openDatabase(options.databaseUrl ?? DEFAULT_DATABASE_URL);
  const clock = options.clock ?? systemClock;
  const notifier: Notifier = database.pgPool ? await PostgresNotifier.start(database.pgPool, (message) => log.warn(message)) : new LocalNotifier();
  const ctx: ServerContext = {
    db: database.db,
    kind: database.kind,
    clock,
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    notifier,
    authenticatorStates: new UserStateCache(notifier, AUTHENTICATOR_STATES_KEPT),
    otp: options.otpGateway ? new HttpOtpGateway(options.otpGateway) : new DevelopmentOutbox(database.db, clock, (message) => log.info(message)),
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
  };
  const handlers = {
    ...authenticatorHandlers,
    ...portalHandlers(options.cookieSecure ?? true),
    ...adminHandlers,
    ...backOfficeHandlers,
    ...selfInstallHandlers,
  } satisfies Handlers;
  const app = await buildHttpApp(ctx, handlers, options);

  const pruneTimer = setInterval(() => {
    pruneExpired(ctx).catch((error: unknown) => log.warn(`pruning expired nonces failed: ${String(error)}`));
  }, 10 * 60_000);
  pruneTimer.unref();

  let closed = false;
  return {
    app,
    ctx,
    database,
    async listen({ port = 0, host = '127.0.0.1' } = {}) {
      await app.listen({ port, host });
      const address = app.server.address();
      const actualPort = typeof address === 'object' && address ? address.port : port;
      return `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(pruneTimer);
      notifier.wakeAll();
      await app.close();
      await notifier.close();
      await database.close();
    },
  };
}
