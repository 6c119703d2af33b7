/**
 * `npm run bench [-- --quick] [--db sqlite|postgres|both] [--only idle,interval,throughput,throughput2,two,large,client,restart,proxy]
 *   [--out DIR] [--pg-admin-url URL] [--cpu-prof DIR] [--restart-devices N]`
 *
 * Measures, on loopback, the real reference server (in its own process) under load from the app's real core
 * (signed requests, long-poll inbox, decisions): wake-up latency against interval polling, full-cycle throughput,
 * memory, idle cost, Ed25519 speed, and (PostgreSQL) the full cycle on two server processes, wake-ups across two
 * instances, a large idle fleet on two instances and a graceful restart of one of two instances behind load
 * balancers; once per run, devices behind a proxy that cuts idle connections. SQLite first, then PostgreSQL on a throwaway cluster. Prints a table and writes
 * bench/results/<date>-<db>.json (`-quick` for a quick run; for `--only`, the phases run, e.g. `-large`).
 *
 * This process is the load generator: when its open-file limit is too low for the idle fleet, it re-runs itself once
 * with the limit raised as far as the system allows (and a larger heap).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startPostgresCluster, type PostgresCluster } from '../tests/harness/postgres';
import type { ClientMemoryReport } from './client-process';
import type { DatabaseKind } from './context';
import { checkKeyDerivation } from './keys';
import { measureApprovalKeyDerivation, runCrypto } from './phases/crypto';
import { BENCH_DIR, killAllChildren, RAISE_FILE_LIMIT, SERVER_CPU_PROFILE_ENV } from './processes';
import { PROFILES } from './profile';
import { buildMetrics, describeMachine, renderTable, type Metric } from './report';
import { PHASES, runSuite, type PhaseName, type SuiteResult } from './suite';

const REEXEC_FLAG = 'SA_BENCH_LOAD_PROCESS';
/** Descriptors kept free for everything but the idle fleet (interval and cycle devices, portal requests, files). */
const DESCRIPTOR_MARGIN = 2_500;

function reexecWithRaisedLimits(): void {
  const child = spawn('sh', ['-c', RAISE_FILE_LIMIT, 'sh', process.execPath, ...process.execArgv, '--max-old-space-size=8192', ...process.argv.slice(1)], {
    cwd: process.cwd(),
    env: { ...process.env, [REEXEC_FLAG]: '1' },
    stdio: 'inherit',
  });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

function openFileLimit(): number {
  try {
    const limits = readFileSync('/proc/self/limits', 'utf8');
    const match = /Max open files\s+(\d+|unlimited)/.exec(limits);
    if (match?.[1]) return match[1] === 'unlimited' ? 1_048_576 : Number(match[1]);
  } catch {
    // Not Linux: assume the usual raised limit of a macOS shell.
  }
  return 10_240;
}

function parseCommandLine() {
  return parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      db: { type: 'string', default: 'both' },
      out: { type: 'string' },
      'pg-admin-url': { type: 'string' },
      only: { type: 'string' },
      'cpu-prof': { type: 'string' },
      'restart-devices': { type: 'string' },
    },
  }).values;
}

async function main(): Promise<void> {
  const values = parseCommandLine();
  const base = PROFILES[values.quick ? 'quick' : 'full'];
  // A smaller restart fleet, for a machine too busy to start ten thousand devices in time (the results say so).
  const restartDevices = values['restart-devices'] === undefined ? null : Number(values['restart-devices']);
  if (restartDevices !== null && !(Number.isInteger(restartDevices) && restartDevices > 0)) throw new Error(`--restart-devices takes a positive whole number (not ${values['restart-devices']})`);
  const profile = restartDevices === null ? base : { ...base, restart: { ...base.restart, devices: restartDevices } };
  const databases: DatabaseKind[] = values.db === 'both' ? ['sqlite', 'postgres'] : values.db === 'sqlite' || values.db === 'postgres' ? [values.db] : [];
  if (databases.length === 0) throw new Error(`--db must be sqlite, postgres or both (not ${values.db})`);
  const outDir = resolve(values.out ?? join(BENCH_DIR, 'results'));
  const only = values.only?.split(',').map((phase) => phase.trim()).filter(Boolean) ?? [...PHASES];
  const unknown = only.filter((phase) => !(PHASES as readonly string[]).includes(phase));
  if (unknown.length > 0) throw new Error(`--only takes phases among ${PHASES.join(', ')} (not ${unknown.join(', ')})`);
  const phases = new Set(only as PhaseName[]);
  if (values['cpu-prof']) {
    process.env[SERVER_CPU_PROFILE_ENV] = resolve(values['cpu-prof']);
    mkdirSync(resolve(values['cpu-prof']), { recursive: true });
  }
  const partial = phases.size < PHASES.length;

  // Every loop is bounded; this bounds the whole run too, whatever hangs.
  const watchdogMinutes = profile.name === 'quick' ? 4 : 60;
  const watchdog = setTimeout(() => {
    console.error(`The bench did not finish within ${watchdogMinutes} minutes: stopping.`);
    killAllChildren();
    process.exit(2);
  }, watchdogMinutes * 60_000);
  watchdog.unref();

  const machine = describeMachine();
  const started = performance.now();
  console.error(`Secure Access bench (${profile.name}) on ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}; load average ${machine.loadAverageAtStart}`);
  checkKeyDerivation();
  console.error('Ed25519 speed');
  const crypto = { ...runCrypto(profile.crypto.secondsPerOperation), approvalKeyDerivationMs: await measureApprovalKeyDerivation(profile.name === 'quick' ? 2 : 10) };

  const maxIdleDevices = Math.max(100, openFileLimit() - DESCRIPTOR_MARGIN);
  let cluster: PostgresCluster | null = null;
  const stopCluster = () => {
    cluster?.stop();
    cluster = null;
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      killAllChildren();
      stopCluster();
      process.exit(130);
    });
  }
  const date = new Date().toISOString().slice(0, 10);
  mkdirSync(outDir, { recursive: true });
  const tables: { database: DatabaseKind; metrics: Metric[] }[] = [];
  let client: ClientMemoryReport | null = null;
  let clientDatabase: DatabaseKind | null = null;
  let proxyMeasured = false;
  const failures: string[] = [];
  const notes: string[] = [];
  // Each database's file is written as soon as its measurements end: a failure on PostgreSQL keeps SQLite's.
  const writeResults = (suite: SuiteResult) => {
    const metrics = buildMetrics(suite, crypto, client);
    tables.push({ database: suite.database, metrics });
    notes.push(...suite.notes.map((note) => `(${suite.database}): ${note}`));
    // Only a complete full run writes the plain name (the sizing model reads it); a run of some phases names them.
    const suffix = `${profile.name === 'quick' ? '-quick' : ''}${partial ? `-${[...phases].join('+')}` : ''}`;
    const file = join(outDir, `${date}-${suite.database}${suffix}.json`);
    writeFileSync(file, `${JSON.stringify({
      benchmark: 'secure-access',
      schemaVersion: 1,
      mode: profile.name,
      phases: [...phases],
      database: suite.database,
      date,
      command: `npm run bench${profile.name === 'quick' ? ' -- --quick' : ''}`,
      machine: { ...machine, loadAverageAtEnd: Math.round((loadavg()[0] ?? 0) * 100) / 100 },
      profile,
      metrics,
      crypto,
      client: client ? { ...client, measuredAgainst: clientDatabase } : null,
      results: suite,
    }, null, 2)}\n`);
    console.error(`wrote ${file}`);
  };
  try {
    for (const database of databases) {
      try {
        let pgAdminUrl = values['pg-admin-url'];
        if (database === 'postgres' && !pgAdminUrl) {
          console.error('starting a throwaway PostgreSQL cluster');
          cluster = await startPostgresCluster();
          pgAdminUrl = cluster.adminUrl;
        }
        const suite = await runSuite({ profile, phases, database, pgAdminUrl, measureClient: client === null, measureProxy: !proxyMeasured, maxIdleDevices });
        if (suite.proxy) proxyMeasured = true;
        if (suite.client && !client) {
          client = suite.client;
          clientDatabase = database;
        }
        writeResults(suite);
      } catch (error) {
        failures.push(`${database}: ${error instanceof Error ? error.message : String(error)}`);
        console.error(`The ${database} measurements failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
      } finally {
        stopCluster();
      }
    }
  } finally {
    killAllChildren();
    stopCluster();
  }
  machine.loadAverageAtEnd = Math.round((loadavg()[0] ?? 0) * 100) / 100;

  console.log('');
  console.log(renderTable(tables));
  console.log('');
  console.log(`${profile.name} run, ${machine.cpuModel} (${machine.cores} cores), Node ${machine.node}; load average ${machine.loadAverageAtStart} → ${machine.loadAverageAtEnd}; ${Math.round((performance.now() - started) / 1000)} s`);
  for (const note of notes) console.log(`Note ${note}`);
  for (const failure of failures) console.log(`FAILED ${failure}`);
  clearTimeout(watchdog);
  if (failures.length > 0) process.exitCode = 1;
}

const needsMoreFiles = openFileLimit() < PROFILES[parseCommandLine().quick ? 'quick' : 'full'].wakeup.largeFleet + DESCRIPTOR_MARGIN;
if (needsMoreFiles && !process.env[REEXEC_FLAG]) {
  reexecWithRaisedLimits();
} else {
  main().then(
    () => process.exit(process.exitCode ?? 0),
    (error: unknown) => {
      console.error(error instanceof Error ? error.stack ?? error.message : String(error));
      killAllChildren();
      process.exit(1);
    },
  );
}
