/**
 * A throwaway PostgreSQL cluster (Debian's real server) for the tests: initdb + pg_ctl in a temp folder,
 * on a free loopback port. The global setup starts one cluster; each test file makes its own database.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
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
  stop(): void;
}

/** PostgreSQL refuses to run as root; as root we run it as the `postgres` system user. */
function asPostgresUser(bin: string, args: string[]): void {
  const isRoot = process.getuid?.() === 0;
  const [command, fullArgs] = isRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  execFileSync(command, fullArgs, { stdio: 'pipe' });
}

export async function startPostgresCluster(): Promise<PostgresCluster> {
  const bin = postgresBinDir();
  const dir = mkdtempSync(join(tmpdir(), 'sa-pg-'));
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
  return {
    adminUrl,
    stop() {
      spawnSync(process.getuid?.() === 0 ? 'runuser' : join(bin, 'pg_ctl'),
        process.getuid?.() === 0 ? ['-u', 'postgres', '--', join(bin, 'pg_ctl'), '-D', dataDir, '-m', 'immediate', 'stop'] : ['-D', dataDir, '-m', 'immediate', 'stop'],
        { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
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
