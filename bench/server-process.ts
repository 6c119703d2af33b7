/**
 * One reference server in its own process, for the bench: `createServer` on the given database, the bench's
 * devices provisioned before it listens, then it answers the load process over IPC (memory, CPU, requests, what
 * the database recorded) until SIGTERM. Started with --expose-gc, so memory is read after a full collection.
 */
import { readFileSync } from 'node:fs';
import { createServer, type SecureAccessServer } from '../server/app';
import type { ServerContext } from '../server/context';
import { provision, type ProvisionRequest, type ProvisionResult } from './provisioning';
import type { DecisionCheck, ServerMessage, ServerProcessConfig, ServerRequest, ServerStats } from './server-ipc';
import { LoopDelayMonitor } from './stats';

const gc = (globalThis as { gc?: () => void }).gc;

function send(message: ServerMessage): void {
  process.send?.(message);
}

let requestsTotal = 0;
let requestsInFlight = 0;
let loopDelay: LoopDelayMonitor | null = null;

let pgPool: SecureAccessServer['database']['pgPool'] = null;

function stats(collect: boolean, watchLoop: 'start' | 'stop' | null): ServerStats {
  if (collect && gc) {
    // Twice: the first pass may only schedule finalizers that free more.
    gc();
    gc();
  }
  let loopDelayMs: ServerStats['loopDelayMs'] = null;
  if (watchLoop === 'stop' && loopDelay) {
    loopDelayMs = loopDelay.stop();
    loopDelay = null;
  } else if (watchLoop === 'start') {
    loopDelay?.stop();
    loopDelay = new LoopDelayMonitor();
  }
  const memory = process.memoryUsage();
  const cpu = process.cpuUsage();
  return {
    rssBytes: memory.rss, heapUsedBytes: memory.heapUsed, externalBytes: memory.external, cpuUserMicros: cpu.user, cpuSystemMicros: cpu.system,
    requestsTotal, requestsInFlight, loopDelayMs, at: Date.now(),
    pool: pgPool ? { total: pgPool.totalCount, idle: pgPool.idleCount, waiting: pgPool.waitingCount } : null,
  };
}

async function checkDecisions(ctx: ServerContext, companyId: string, createdIds: string[]): Promise<DecisionCheck> {
  const created = new Set(createdIds);
  // Transfers only: each provisioned portal session carries its approved login validation (bench/provisioning.ts).
  const rows = await ctx.db.selectFrom('validations').select(['id', 'status', 'decided_by_device']).where('company_id', '=', companyId).where('kind', '!=', 'login').execute();
  const statuses: Record<string, number> = {};
  let createdKnown = 0;
  let createdApproved = 0;
  let unexpected = 0;
  for (const row of rows) {
    statuses[row.status] = (statuses[row.status] ?? 0) + 1;
    if (!created.has(row.id)) {
      unexpected += 1;
      continue;
    }
    createdKnown += 1;
    if (row.status === 'approved' && row.decided_by_device !== null) createdApproved += 1;
  }
  const poolUsers = ctx.db.selectFrom('users').select('id').where('company_id', '=', companyId);
  const audits = await ctx.db.selectFrom('audit_log').select('details_json').where('event', '=', 'validation_decided').where('user_id', 'in', poolUsers).execute();
  const decided = new Set<string>();
  for (const audit of audits) decided.add(String((JSON.parse(audit.details_json) as { validationId?: unknown }).validationId));
  return { createdKnown, createdApproved, unexpected, statuses, decisionAudits: audits.length, decisionAuditsDistinct: decided.size };
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env.SA_BENCH_SERVER_CONFIG ?? '{}') as ServerProcessConfig;
  if (!config.databaseUrl) throw new Error('SA_BENCH_SERVER_CONFIG has no databaseUrl');
  const server: SecureAccessServer = await createServer({
    databaseUrl: config.databaseUrl,
    demo: false,
    logger: false,
    cookieSecure: false,
    // The bench's portal sessions create validations minutes apart: they must not time out in between.
    limits: { sessionIdleSeconds: 4 * 3600, ...(config.longPollMaxSeconds === undefined ? {} : { longPollMaxSeconds: config.longPollMaxSeconds }) },
  });
  pgPool = server.database.pgPool;
  server.app.server.on('request', (_request, response) => {
    requestsTotal += 1;
    requestsInFlight += 1;
    response.once('close', () => {
      requestsInFlight -= 1;
    });
  });

  let provisioned: ProvisionResult | null = null;
  if (config.provisionRequestFile) {
    const request = JSON.parse(readFileSync(config.provisionRequestFile, 'utf8')) as ProvisionRequest;
    provisioned = await provision(server.ctx, request);
  }
  const url = await server.listen({ port: 0, host: '127.0.0.1' });

  let stopping = false;
  // SIGTERM: the graceful shutdown a production instance does (its report goes to the load process); otherwise at once.
  const stop = (graceful: boolean) => {
    if (stopping) return;
    stopping = true;
    const forced = setTimeout(() => process.exit(1), 20_000);
    forced.unref();
    const done = graceful
      ? server.shutdown({ timeoutMs: 10_000 }).then((report) => new Promise<void>((resolve) => {
        if (!process.connected) return resolve();
        process.send?.({ type: 'shutdown', ...report } satisfies ServerMessage, () => resolve());
      }))
      : server.close();
    done.then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGTERM', () => stop(true));
  process.on('SIGINT', () => stop(false));
  // The load process went away without a word: nobody is left to stop this one.
  process.on('disconnect', () => stop(false));

  process.on('message', (raw) => {
    const request = raw as ServerRequest;
    const answer = async (): Promise<unknown> => {
      switch (request.type) {
        case 'stats':
          return stats(request.gc, request.loopDelay);
        case 'checkDecisions':
          return checkDecisions(server.ctx, request.companyId, request.createdIds);
      }
    };
    answer().then(
      (value) => send({ id: request.id, type: 'answer', ok: true, value }),
      (error: unknown) => send({ id: request.id, type: 'answer', ok: false, message: error instanceof Error ? error.message : String(error) }),
    );
  });
  send({ type: 'ready', url, pid: process.pid, kind: server.database.kind, provisioned });
}

main().catch((error: unknown) => {
  send({ type: 'failed', message: error instanceof Error ? error.stack ?? error.message : String(error) });
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 100);
});
