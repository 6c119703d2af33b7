#!/usr/bin/env node
/**
 * The reference server's command line: `npm run server` in development (TypeScript through tsx), `node dist/cli.js`
 * (or `secure-access-server`) once built. Commands: serve (the default), migrate, --help, --version. Every setting is
 * an environment variable, checked before anything starts (ops/environment.ts); `--help` lists them.
 */
import { fileURLToPath } from 'node:url';
import { createServer, SERVER_VERSION, type SecureAccessServer } from './app';
import { isLoopbackHost } from './config';
import { isPostgresUrl, openDatabase } from './db/database';
import { migrateToLatest, migrationStatus, newerSchemaMessage, SchemaError } from './db/migrate';
import { ConfigurationError, ignoredVariables, readEnvironment, variablesHelp, type ServerEnvironment } from './ops/environment';
import { createLogger, type Logger } from './ops/logging';
import { maskPhone } from './otp';
import { seedDemoIfEmpty } from './seed';
import { isWorkersPrimary, reportMetricsToPrimary, runWorkersPrimary, workerSlot } from './ops/workers';

const USAGE = `Secure Access reference server ${SERVER_VERSION}

Usage: secure-access-server [command]      (from the repository: npm run server -- [command])

Commands:
  serve      start the server (the default)
  migrate    apply the database migrations this version needs, then exit (run it before starting a new version)
  --help     this text
  --version  the version

Environment variables (each is checked at start; a wrong one stops the server with a one-line message):
${variablesHelp()}

Signals: SIGTERM (or Ctrl-C) shuts down gracefully: not ready at once, waiting long-polls told to reconnect,
requests in flight finished within SA_SHUTDOWN_TIMEOUT_SECONDS. A second signal exits at once. With SA_WORKERS > 1,
signal the primary (the process you started): it stops every server process that way.
`;

/** Where the database is, without its password. */
function describeDatabase(url: string): string {
  if (!isPostgresUrl(url)) return `sqlite ${url.replace(/^sqlite:(\/\/)?/, '')}`;
  const parsed = new URL(url);
  return `postgres ${parsed.hostname}${parsed.port ? `:${parsed.port}` : ''}${parsed.pathname}`;
}

function loggerFor(env: ServerEnvironment): Logger {
  return createLogger({ level: env.logLevel, format: env.logFormat, colour: env.logFormat === 'pretty' && process.stdout.isTTY === true });
}

async function migrate(env: ServerEnvironment, logger: Logger): Promise<void> {
  const database = await openDatabase(env.databaseUrl);
  try {
    const before = await migrationStatus(database.db);
    if (before.unknown.length > 0) throw new SchemaError(newerSchemaMessage(before));
    const applied = await migrateToLatest(database.db);
    logger.info({ database: describeDatabase(env.databaseUrl), applied, current: [...before.applied, ...applied] },
      applied.length > 0 ? `applied ${applied.length} migration${applied.length > 1 ? 's' : ''}: ${applied.join(', ')}` : 'the database schema is already current');
  } finally {
    await database.close();
  }
}

async function serve(env: ServerEnvironment, logger: Logger): Promise<void> {
  const slot = workerSlot();
  const server: SecureAccessServer = await createServer({
    databaseUrl: env.databaseUrl,
    demo: env.demo,
    demoAllowRemote: env.demoAllowRemote,
    opsToken: env.opsToken,
    cookieSecure: env.cookieSecure,
    trustProxy: env.trustProxy,
    logger,
    otpGateway: env.otpGateway,
    vopGateway: env.vopGateway,
    timeZone: env.timeZone,
    downloadsDir: env.downloadsDir,
    mobileStoreLinks: env.mobileStoreLinks,
    limits: { longPollMaxSeconds: env.longPollMaxSeconds },
    // Several processes: the primary applied the migrations before forking them.
    migrations: env.autoMigrate && slot === null ? 'apply' : 'require-current',
    // server/portal/dist beside server/cli.ts in development, beside server/dist/cli.js once built.
    portalDir: fileURLToPath(new URL(import.meta.url.endsWith('/dist/cli.js') ? '../portal/dist' : './portal/dist', import.meta.url)),
  });
  // Of several processes, the first alone creates the demo company: two would race to create it in an empty database.
  const seed = env.demo && (slot === null || slot === 1) ? await seedDemoIfEmpty(server.ctx) : null;
  const url = await server.listen({ port: env.port, host: env.host });
  if (slot !== null) reportMetricsToPrimary(server.ctx.metrics.registry);
  const metricsUrl = env.metricsPort === undefined || slot !== null ? null : await server.listenMetrics({ port: env.metricsPort, host: env.metricsHost });
  logger.info({ url, version: SERVER_VERSION, database: describeDatabase(env.databaseUrl), demo: env.demo, metrics: metricsUrl ? `${metricsUrl}/metrics` : `${url}/metrics (operations token)` },
    `Secure Access reference server on ${url}`);
  logger.info({ portal: `${url}/`, openapi: `${url}/openapi.json`, health: `${url}/healthz`, readiness: `${url}/readyz` }, 'Espace Client portal and operations endpoints');
  if (env.demo && isLoopbackHost(env.host)) {
    logger.info({ outbox: `${url}/dev/outbox` }, 'demo mode: SMS and voice codes are not sent; read them on the development outbox page; listening on loopback only (this computer)');
  } else if (env.demo) {
    logger.warn({ outbox: `${url}/dev/outbox` }, 'demo mode open to the network (SA_DEMO_ALLOW_REMOTE=1): anyone who reaches this server can read every SMS/voice code on the development outbox page');
  }
  const installers = await server.ctx.installers.list();
  logger.info({ installers: installers.length }, env.downloadsDir
    ? `download page: ${installers.length} installer(s) published from ${env.downloadsDir}`
    : 'download page: no installer published (set SA_DOWNLOADS_DIR to the folder of the signed installers)');
  if (seed) {
    // A person trying the demo needs this once. It is not a log line (the log never carries a secret): it goes to
    // the terminal's standard error, in demo mode only, the first time the demo company is created.
    process.stderr.write([
      '',
      `Demo company "${seed.companyName}" created. Log in to the Espace Client (${url}/) with:`,
      `  identifier: ${seed.identifier}`,
      `  temporary secret code: ${seed.temporarySecretCode}   (you will be asked to change it)`,
      `  Téléphone Sécurité: ${maskPhone(seed.securityPhone)} (codes appear in the development outbox: ${url}/dev/outbox)`,
      '',
    ].join('\n'));
  }

  let signals = 0;
  const stop = (signal: NodeJS.Signals) => {
    signals += 1;
    // One of several processes: its primary forwards the signal and escalates itself; a service manager signalling
    // the whole group, or Ctrl-C reaching every process of the terminal, must not turn into "exit at once" here.
    if (slot !== null && signals > 1) return;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: exiting at once');
      process.exit(1);
    }
    const boundMs = (env.shutdownDelaySeconds + env.shutdownTimeoutSeconds + 5) * 1000;
    setTimeout(() => {
      logger.error({ boundSeconds: boundMs / 1000 }, 'the shutdown did not finish in time: exiting');
      process.exit(1);
    }, boundMs).unref();
    server.shutdown({ delayMs: env.shutdownDelaySeconds * 1000, timeoutMs: env.shutdownTimeoutSeconds * 1000 }).then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ error: error instanceof Error ? error.message : String(error) }, 'the shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', slot === null ? stop : () => undefined);
  process.on('SIGTERM', stop);
}

async function main(argv: string[]): Promise<void> {
  const [command = 'serve', ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help' || rest.includes('--help')) {
    process.stdout.write(USAGE);
    return;
  }
  if (command === '--version' || command === '-v') {
    process.stdout.write(`${SERVER_VERSION}\n`);
    return;
  }
  if (command !== 'serve' && command !== 'migrate') throw new ConfigurationError(`Unknown command "${command}": the commands are serve and migrate (--help lists everything).`);
  if (rest.length > 0) throw new ConfigurationError(`"${command}" takes no arguments (not ${rest.join(' ')}); settings are environment variables (--help).`);
  const env = readEnvironment(process.env, process.stdout.isTTY === true);
  const logger = loggerFor(env);
  const slot = workerSlot();
  // The primary said it already; each forked process would repeat it.
  if (slot === null) for (const warning of ignoredVariables(process.env)) logger.warn(warning);
  if (command === 'migrate') await migrate(env, logger);
  else if (isWorkersPrimary(env)) await runWorkersPrimary({ env, logger, migrate: () => migrate(env, logger) });
  else await serve(env, slot === null ? logger : logger.child({ worker: slot }));
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof ConfigurationError) {
    process.stderr.write(`Configuration error: ${message}\n`);
    process.exit(2);
  }
  if (error instanceof SchemaError) {
    // Already a plain sentence saying what to do.
    process.stderr.write(`${message}\n`);
    process.exit(1);
  }
  process.stderr.write(`The server could not start: ${message}\n`);
  process.exit(1);
});
