/**
 * A throwaway PostgreSQL cluster (Debian's real server) for the tests: initdb + pg_ctl in a temp folder,
 * on a free loopback port. The global setup starts one cluster; each test file makes its own database.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export const TEST_PG_ENV = 'SA_TEST_PG_ADMIN_URL';

function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) throw new Error('PostgreSQL is not installed: run `npm test` as root (it installs it) or `apt-get install postgresql`.');
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  return join(root, versions[0] ?? '', 'bin');
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface PostgresCluster {
  adminUrl: string;
  /** Its folder (data, socket, log, owner.pid). */
  dir: string;
  stop(): void;
}

/** PostgreSQL refuses to run as root; as root we run it as the `postgres` system user. */
function asPostgresUser(bin: string, args: string[]): void {
  const isRoot = process.getuid?.() === 0;
  const [command, fullArgs] = isRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  execFileSync(command, fullArgs, { stdio: 'pipe' });
}

/** Written in each cluster's folder: the pid of the test run that owns it. */
const OWNER_FILE = 'owner.pid';
const CLUSTER_PREFIX = 'sa-pg-';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, another user's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function stopCluster(bin: string, dir: string): void {
  const dataDir = join(dir, 'data');
  if (existsSync(join(dataDir, 'postmaster.pid'))) {
    const args = ['-D', dataDir, '-m', 'immediate', 'stop'];
    const isRoot = process.getuid?.() === 0;
    spawnSync(isRoot ? 'runuser' : join(bin, 'pg_ctl'), isRoot ? ['-u', 'postgres', '--', join(bin, 'pg_ctl'), ...args] : args, { stdio: 'ignore' });
  }
  rmSync(dir, { recursive: true, force: true });
}

/**
 * The clusters of test runs that were killed (SIGKILL, a closed terminal) and had no time to stop them: their owner's
 * pid is gone. Stopped and removed; the clusters of runs still going are left alone. Returns the folders removed.
 */
export function removeLeftoverClusters(root = tmpdir()): string[] {
  const bin = postgresBinDir();
  const removed: string[] = [];
  for (const name of readdirSync(root)) {
    if (!name.startsWith(CLUSTER_PREFIX)) continue;
    const dir = join(root, name);
    let owner: number;
    try {
      owner = Number(readFileSync(join(dir, OWNER_FILE), 'utf8'));
    } catch {
      continue; // not one of ours, or still being made
    }
    if (!Number.isInteger(owner) || owner <= 0 || isAlive(owner)) continue;
    stopCluster(bin, dir);
    removed.push(dir);
  }
  return removed;
}

/**
 * A small process that outlives nothing: it waits for `ownerPid` to end, however it ends (a SIGKILL included, which
 * runs no teardown), then stops the cluster and removes its folder. Detached, so the owner's death does not take it
 * first; it ends by itself once done.
 */
function watchOwner(bin: string, dir: string, ownerPid: number): void {
  const watcher = spawn(process.execPath, ['-e', WATCHER_SOURCE, String(ownerPid), bin, dir, String(process.getuid?.() === 0)], {
    detached: true, stdio: 'ignore',
  });
  watcher.unref();
}

const WATCHER_SOURCE = `
const { spawnSync } = require('node:child_process');
const { existsSync, rmSync } = require('node:fs');
const { join } = require('node:path');
const [owner, bin, dir, root] = process.argv.slice(1);
const alive = () => { try { process.kill(Number(owner), 0); return true; } catch (error) { return error.code === 'EPERM'; } };
const timer = setInterval(() => {
  if (alive()) return;
  clearInterval(timer);
  const dataDir = join(dir, 'data');
  if (existsSync(join(dataDir, 'postmaster.pid'))) {
    const args = ['-D', dataDir, '-m', 'immediate', 'stop'];
    spawnSync(root === 'true' ? 'runuser' : join(bin, 'pg_ctl'), root === 'true' ? ['-u', 'postgres', '--', join(bin, 'pg_ctl'), ...args] : args, { stdio: 'ignore' });
  }
  rmSync(dir, { recursive: true, force: true });
}, 500);
`;

/**
 * `ownerPid`: the process whose end stops the cluster (the test run); by default this one. `watch: false` leaves it
 * to `removeLeftoverClusters` (for the test of that).
 */
export async function startPostgresCluster(ownerPid = process.pid, { watch = true } = {}): Promise<PostgresCluster> {
  const bin = postgresBinDir();
  const dir = mkdtempSync(join(tmpdir(), CLUSTER_PREFIX));
  chmodSync(dir, 0o777);
  const dataDir = join(dir, 'data');
  const port = await freePort();
  if (process.getuid?.() === 0) execFileSync('chown', ['postgres', dir]);
  asPostgresUser(join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  asPostgresUser(join(bin, 'pg_ctl'), [
    '-D', dataDir, '-l', join(dir, 'server.log'), '-w', '-t', '60',
    '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300`,
    'start',
  ]);
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  writeFileSync(join(dir, OWNER_FILE), String(ownerPid));
  if (watch) watchOwner(bin, dir, ownerPid);
  return {
    adminUrl,
    dir,
    stop() {
      stopCluster(bin, dir);
    },
  };
}

let counter = 0;

/** A fresh, empty database on the test cluster; returns its URL. */
export async function createTestDatabase(prefix = 'sa'): Promise<string> {
  const adminUrl = process.env[TEST_PG_ENV];
  if (!adminUrl) throw new Error(`${TEST_PG_ENV} is not set: run the tests through vitest (tests/harness/global-setup.ts starts PostgreSQL).`);
  const name = `${prefix}_${process.pid}_${Date.now()}_${counter++}`.toLowerCase();
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Closes every connection to this database but the caller's, as a PostgreSQL restart would; returns how many. */
export async function terminateConnections(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: process.env[TEST_PG_ENV] });
  await client.connect();
  try {
    const { rows } = await client.query<{ terminated: boolean }>(
      "SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
      [new URL(databaseUrl).pathname.slice(1)],
    );
    return rows.filter((row) => row.terminated).length;
  } finally {
    await client.end();
  }
}
