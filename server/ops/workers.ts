/**
 * Every core of one machine: with SA_WORKERS=N (PostgreSQL only) the process started by the service manager becomes
 * a primary that forks N server processes (node:cluster). They share the listening port — the primary hands each new
 * connection to one of them in turn — and each is a full instance of the server: a device's long-poll is woken by a
 * change made in any other process through PostgreSQL's LISTEN/NOTIFY, exactly as across machines.
 *
 * The primary serves no request and opens no pool: it applies the migrations once before forking (when
 * SA_AUTO_MIGRATE allows), restarts a process that dies unexpectedly, serves SA_METRICS_PORT with every process's
 * metrics summed (prom-client's AggregatorRegistry), and on SIGTERM shuts the processes down gracefully, each as a
 * single server would, then exits. SQLite is served by one process (its file is locked by the instance that opened
 * it): readEnvironment refuses SA_WORKERS > 1 there.
 */
import cluster, { type Worker } from 'node:cluster';
import Fastify from 'fastify';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { ServerEnvironment } from './environment';
import type { Logger } from './logging';

/** A process that dies this many times within RESTART_WINDOW_MS is not restarted again: the primary exits. */
const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 60_000;
/** A process that dies is restarted after this pause (a crash loop must not spin a core). */
const RESTART_PAUSE_MS = 1_000;
/** Set in each forked process: which of the N it is (1…N), kept across restarts for its log lines. */
const WORKER_SLOT_VARIABLE = 'SA_WORKER_SLOT';

/** In a forked process: its slot (1…N); null in a single-process server or in the primary. */
export function workerSlot(): number | null {
  if (!cluster.isWorker) return null;
  const slot = Number(process.env[WORKER_SLOT_VARIABLE]);
  return Number.isInteger(slot) && slot > 0 ? slot : null;
}

/** Whether this process is the primary of several server processes (it forks them and serves nothing itself). */
export function isWorkersPrimary(env: ServerEnvironment): boolean {
  return env.workers > 1 && cluster.isPrimary;
}

/** In a forked process: the primary's SA_METRICS_PORT reports this registry, summed with the other processes'. */
export function reportMetricsToPrimary(registry: Registry): void {
  AggregatorRegistry.setRegistries(registry);
  // prom-client answers the primary's requests from the listener its constructor installs in a worker.
  new AggregatorRegistry();
}

interface PrimaryOptions {
  env: ServerEnvironment;
  logger: Logger;
  /** Applies the pending migrations once, before any process starts (only called when SA_AUTO_MIGRATE allows). */
  migrate: () => Promise<void>;
}

export async function runWorkersPrimary({ env, logger, migrate }: PrimaryOptions): Promise<void> {
  if (env.autoMigrate) await migrate();
  const aggregator = new AggregatorRegistry();
  const slots = new Map<Worker, number>();
  const deaths: number[] = [];
  let stopping = false;
  let exitCode = 0;

  const fork = (slot: number): void => {
    const worker = cluster.fork({ [WORKER_SLOT_VARIABLE]: String(slot) });
    slots.set(worker, slot);
  };

  cluster.on('exit', (worker, code, signal) => {
    const slot = slots.get(worker) ?? 0;
    slots.delete(worker);
    if (stopping) {
      if (code !== 0) exitCode = 1;
      logger.info({ worker: slot, pid: worker.process.pid, code, signal }, `server process ${slot} stopped`);
      if (slots.size === 0) {
        logger.info({ exitCode }, 'every server process stopped');
        process.exit(exitCode);
      }
      return;
    }
    const now = Date.now();
    deaths.push(now);
    while (deaths.length > 0 && (deaths[0] ?? now) < now - RESTART_WINDOW_MS) deaths.shift();
    if (deaths.length >= MAX_RESTARTS) {
      logger.fatal({ worker: slot, code, signal, deaths: deaths.length, windowSeconds: RESTART_WINDOW_MS / 1000 },
        `server processes died ${deaths.length} times in ${RESTART_WINDOW_MS / 1000} s: stopping (read the lines above for why)`);
      stopping = true;
      for (const other of slots.keys()) other.process.kill('SIGTERM');
      exitCode = 1;
      if (slots.size === 0) process.exit(1);
      return;
    }
    logger.error({ worker: slot, pid: worker.process.pid, code, signal }, `server process ${slot} died unexpectedly: starting another in ${RESTART_PAUSE_MS / 1000} s`);
    setTimeout(() => {
      if (!stopping) fork(slot);
    }, RESTART_PAUSE_MS).unref();
  });

  for (let slot = 1; slot <= env.workers; slot += 1) fork(slot);
  logger.info({ workers: env.workers, primaryPid: process.pid }, `${env.workers} server processes sharing port ${env.port} (SA_WORKERS)`);

  if (env.metricsPort !== undefined) {
    const metricsApp = Fastify({ logger: false });
    metricsApp.get('/metrics', async (_request, reply) => reply.type(aggregator.contentType).send(await aggregator.clusterMetrics()));
    await metricsApp.listen({ port: env.metricsPort, host: env.metricsHost });
    logger.info({ metrics: `http://${env.metricsHost}:${env.metricsPort}/metrics` }, 'metrics of every server process, summed');
  }

  let signals = 0;
  const stop = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: stopping every server process at once');
      for (const worker of slots.keys()) worker.process.kill('SIGKILL');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal, workers: slots.size }, 'shutting down every server process gracefully');
    // Each process runs the single server's graceful shutdown (not ready, long-polls told to reconnect, requests
    // finished); a service manager that signals the whole group reaches them too, and a second SIGTERM is harmless.
    for (const worker of slots.keys()) worker.process.kill('SIGTERM');
    const boundMs = (env.shutdownDelaySeconds + env.shutdownTimeoutSeconds + 10) * 1000;
    setTimeout(() => {
      logger.error({ boundSeconds: boundMs / 1000 }, 'the server processes did not stop in time: exiting');
      for (const worker of slots.keys()) worker.process.kill('SIGKILL');
      process.exit(1);
    }, boundMs).unref();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
