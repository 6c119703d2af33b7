/**
 * Every measurement on one database: provision the devices, start the server process, run the phases in an order
 * where none disturbs the next (each on its own pool of users), stop everything.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { ClientMemoryReport } from './client-process';
import type { DatabaseKind, SuiteContext } from './context';
import { CountingLogger, identitiesOf } from './fleet';
import { RequestCounter } from './http-transport';
import { generateDeviceKey } from './keys';
import { runClientMemory } from './phases/client-memory';
import { runInterval, type IntervalResult } from './phases/interval';
import { runLargeFleet, type LargeFleetResult } from './phases/large-fleet';
import { runThroughput, throughputPool, type ThroughputResult } from './phases/throughput';
import { runTwoInstances } from './phases/two-instances';
import { runProxy, type ProxyResult } from './phases/proxy';
import { runRestart, type RestartResult } from './phases/restart';
import { runIdleFleet, type IdleFleetResult, type WakeupResult } from './phases/wakeup';
import { ServerHandle } from './processes';
import type { BenchProfile } from './profile';
import type { ProvisionRequest } from './provisioning';
import { round } from './stats';

export interface SuiteResult {
  database: DatabaseKind;
  startedAt: string;
  seconds: number;
  provisioning: { method: string; devices: number; seconds: number };
  idleFleet: IdleFleetResult | null;
  interval: IntervalResult[];
  throughput: ThroughputResult | null;
  /** PostgreSQL: the same full cycle with two server processes on one database (every core). */
  throughputTwoProcesses: ThroughputResult | null;
  twoInstances: WakeupResult | null;
  /** PostgreSQL: the large idle fleet, half on each of two instances. */
  largeFleet: LargeFleetResult | null;
  /** PostgreSQL: one of two instances restarted under the idle fleet (last: it stops the suite's first instance). */
  restart: RestartResult | null;
  client: ClientMemoryReport | null;
  /** Devices behind a proxy that cuts idle connections (once per run: it measures the app, whatever the database). */
  proxy: ProxyResult | null;
  core: { warnings: number; errors: number; firstLines: string[]; transportFailures: number };
  notes: string[];
}

export const PHASES = ['idle', 'interval', 'throughput', 'throughput2', 'two', 'large', 'client', 'restart', 'proxy'] as const;
export type PhaseName = (typeof PHASES)[number];

export interface SuiteOptions {
  profile: BenchProfile;
  /** Every phase unless told otherwise (`--only`, to iterate on one measurement). */
  phases: ReadonlySet<PhaseName>;
  database: DatabaseKind;
  /** PostgreSQL: a superuser URL of a running cluster, where the bench creates its own database. */
  pgAdminUrl?: string;
  /** Measure the client core's memory in this suite (once per run is enough: it does not depend on the database). */
  measureClient: boolean;
  /** Measure the devices behind a cutting proxy in this suite (once per run, like the client). */
  measureProxy: boolean;
  /** The most devices the load process can hold open (its open-file limit, minus a margin). */
  maxIdleDevices: number;
}

async function createPostgresDatabase(adminUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `sa_bench_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

export async function runSuite(options: SuiteOptions): Promise<SuiteResult> {
  const { profile, database } = options;
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const workDir = mkdtempSync(join(tmpdir(), `sa-bench-${database}-`));
  const notes: string[] = [];
  const progress = (message: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${database}: ${message}`);

  let databaseUrl: string;
  let dropDatabase = async () => {};
  if (database === 'postgres') {
    if (!options.pgAdminUrl) throw new Error('PostgreSQL needs a cluster');
    const created = await createPostgresDatabase(options.pgAdminUrl);
    databaseUrl = created.url;
    dropDatabase = created.drop;
  } else {
    databaseUrl = `sqlite:${join(workDir, 'secure-access.db')}`;
  }

  let largeFleet = profile.wakeup.largeFleet;
  if (largeFleet > options.maxIdleDevices) {
    notes.push(`The large idle fleet was capped at ${options.maxIdleDevices} devices (instead of ${largeFleet}) by the open-file limit.`);
    largeFleet = options.maxIdleDevices;
  }
  const runs = (phase: PhaseName) => options.phases.has(phase);
  const poolSizes: [string, number][] = [];
  if (runs('idle')) poolSizes.push(['idle', largeFleet]);
  if (runs('interval')) for (const seconds of profile.interval.intervalsSeconds) poolSizes.push([`interval${seconds}`, profile.interval.devices]);
  if (runs('throughput')) poolSizes.push([throughputPool(1), profile.throughput.devices]);
  // Several server processes on one database: PostgreSQL only (SQLite is one process, docs/operations.md).
  if (runs('throughput2') && database === 'postgres') poolSizes.push([throughputPool(2), profile.throughput.devices]);
  if (runs('two') && database === 'postgres') poolSizes.push(['two', profile.twoInstances.devices]);
  // Like the restart's, the large fleet's connections live in fleet workers and server processes, not here.
  if (runs('large') && database === 'postgres') poolSizes.push(['large', profile.largeFleet.devices]);
  if (runs('client') && options.measureClient) poolSizes.push(['client', profile.client.accounts]);
  if (runs('proxy') && options.measureProxy) poolSizes.push(['proxy', profile.proxy.devices]);
  // The restart's devices live in fleet workers and reach the instances through balancer processes: this process
  // holds none of their connections, so its open-file limit does not cap them.
  if (runs('restart') && database === 'postgres') poolSizes.push(['restart', profile.restart.devices]);

  const secretKeys = new Map<string, Uint8Array>();
  const request: ProvisionRequest = {
    pools: poolSizes.map(([name, size]) => ({
      name,
      publicKeys: Array.from({ length: size }, () => {
        const key = generateDeviceKey();
        secretKeys.set(key.publicKey, key.secretKey);
        return key.publicKey;
      }),
    })),
  };
  const devices = poolSizes.reduce((total, [, size]) => total + size, 0);
  progress(`provisioning ${devices} users with one active device each, then starting the server`);

  let server: ServerHandle | null = null;
  try {
    server = await ServerHandle.start({ databaseUrl, provision: request, workDir, name: 'instance-a', longPollMaxSeconds: profile.longPollMaxSeconds });
    const provisioned = server.provisioned;
    if (!provisioned) throw new Error('the server did not provision the devices');
    const fleetTotals = { warnings: 0, errors: 0, failures: 0, firstLines: [] as string[] };
    const ctx: SuiteContext = {
      profile, database, databaseUrl, workDir, server,
      postgresDatabase: database === 'postgres' ? new URL(databaseUrl).pathname.slice(1) : null,
      pools: new Map(provisioned.pools.map((pool) => [pool.name, identitiesOf(pool, secretKeys)])),
      companyIds: new Map(provisioned.pools.map((pool) => [pool.name, pool.companyId])),
      requests: new RequestCounter(),
      logger: new CountingLogger(),
      notes,
      progress,
      recordFleet(stats) {
        if (!stats) return;
        fleetTotals.warnings += stats.warnings;
        fleetTotals.errors += stats.errors;
        fleetTotals.failures += stats.failures;
        fleetTotals.firstLines.push(...stats.firstLines.slice(0, 10 - fleetTotals.firstLines.length));
      },
    };
    progress(`server ${server.url} (pid ${server.pid}); ${devices} devices provisioned in ${round(provisioned.seconds, 1)} s`);

    const idleFleet = runs('idle') ? await runIdleFleet(ctx) : null;
    const interval = runs('interval') ? await runInterval(ctx) : [];
    const throughput = runs('throughput') ? await runThroughput(ctx) : null;
    const throughputTwoProcesses = runs('throughput2') && database === 'postgres' ? await runThroughput(ctx, 2) : null;
    const twoInstances = runs('two') && database === 'postgres' ? await runTwoInstances(ctx) : null;
    const largeFleetResult = runs('large') && database === 'postgres' ? await runLargeFleet(ctx) : null;
    const client = runs('client') && options.measureClient ? await runClientMemory(ctx) : null;
    const proxy = runs('proxy') && options.measureProxy ? await runProxy(ctx) : null;
    const restart = runs('restart') && database === 'postgres' ? await runRestart(ctx) : null;
    return {
      database,
      startedAt,
      seconds: round((performance.now() - started) / 1000, 1),
      provisioning: { method: 'rows written by the bench server process before listening (see bench/provisioning.ts)', devices, seconds: round(provisioned.seconds, 2) },
      idleFleet,
      interval,
      throughput,
      throughputTwoProcesses,
      twoInstances,
      largeFleet: largeFleetResult,
      restart,
      client,
      proxy,
      core: {
        warnings: ctx.logger.warnings + fleetTotals.warnings,
        errors: ctx.logger.errors + fleetTotals.errors,
        firstLines: [...ctx.logger.firstLines, ...fleetTotals.firstLines].slice(0, 10),
        transportFailures: ctx.requests.failures + fleetTotals.failures,
      },
      notes,
    };
  } finally {
    await server?.stop();
    await dropDatabase().catch(() => undefined);
    rmSync(workDir, { recursive: true, force: true });
  }
}
