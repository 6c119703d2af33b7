/**
 * The server's command line as an operator meets it: --help, a wrong variable refused in one line, and the schema's
 * version — `migrate` as an explicit command, a refusal to start on a schema older (without SA_AUTO_MIGRATE) or newer
 * than the code, in plain words — on both databases. It runs the compiled server (scripts/build-server.mjs, built here):
 * what `npm run server` runs, without a TypeScript loader to start each time.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely} from 'kysely';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../server/db/database';
import type { Database } from '../../../server/db/schema';
import { MIGRATIONS } from '../../../server/db/migrations/index';
import { VARIABLES } from '../../../server/ops/environment';
import { createTestDatabase } from '../../harness/postgres';
import { DATABASES, startServerProcess } from './helpers';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

// Under node_modules, so that its packages resolve from the repository's; one folder per run.
const built = join(process.cwd(), 'node_modules', '.cache', 'secure-access-cli-test', String(process.pid));
beforeAll(() => {
  execFileSync(process.execPath, ['scripts/build-server.mjs', '--outdir', built], { stdio: 'pipe' });
});
afterAll(() => rmSync(built, { recursive: true, force: true }));

/** The server's command line with these arguments and exactly this environment (and PATH), to its end. */
function cli(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(built, 'cli.js'), ...args], {
      cwd: process.cwd(), env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const messages = (run: Run) => run.stdout.split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { msg: string }).msg);
const ALL = Object.keys(MIGRATIONS).sort();

/** Several processes in turn, on two cores shared with the rest of the suite. */
const PROCESSES_MS = 120_000;

describe('the command line', () => {
  it('--help lists the commands and every variable, with what it accepts and its default', async () => {
    const run = await cli(['--help'], {});
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Secure Access reference server \d+\.\d+\.\d+\n/);
    expect(run.stdout).toContain('  migrate    apply the database migrations this version needs');
    for (const variable of VARIABLES) {
      expect(run.stdout).toContain(`  ${variable.name}`);
      expect(run.stdout).toContain(`accepts: ${variable.accepts}; default: ${variable.shownDefault}`);
    }
  }, PROCESSES_MS);

  it('refuses a wrong variable, an unknown command or an argument in one line, before touching anything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sa-cli-'));
    try {
      const database = `sqlite:${join(dir, 'never.db')}`;
      expect(await cli([], { PORT: '70000', DATABASE_URL: database })).toEqual({
        code: 2, stdout: '', stderr: 'Configuration error: PORT="70000" is not valid: PORT accepts a port number from 0 to 65535.\n',
      });
      expect(await cli([], { SA_OPS_TOKEN: 'tiny-secret', DATABASE_URL: database })).toEqual({
        code: 2, stdout: '', stderr: 'Configuration error: SA_OPS_TOKEN=(value hidden) is not valid: SA_OPS_TOKEN accepts at least 24 characters.\n',
      });
      expect(await cli([], { SA_WORKERS: '2', DATABASE_URL: database })).toEqual({
        code: 2, stdout: '', stderr: 'Configuration error: SA_WORKERS=2 needs PostgreSQL: a SQLite file is served by one process. Set DATABASE_URL=postgres://… to use every core, or SA_WORKERS=1.\n',
      });
      expect(await cli(['start'], {})).toMatchObject({ code: 2, stderr: 'Configuration error: Unknown command "start": the commands are serve and migrate (--help lists everything).\n' });
      expect(await cli(['migrate', '--force'], {})).toMatchObject({ code: 2, stderr: 'Configuration error: "migrate" takes no arguments (not --force); settings are environment variables (--help).\n' });
      // Nothing was created: the checks come first.
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, PROCESSES_MS);
});

describe.each(DATABASES)('migrations on %s', (kind) => {
  const dir = mkdtempSync(join(tmpdir(), 'sa-migrate-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let databaseUrl = `sqlite:${join(dir, 'bank.db')}`;

  it('a production server refuses an unmigrated database; `migrate` applies what is missing, once; then it starts', async () => {
    if (kind === 'postgres') databaseUrl = await createTestDatabase();
    const production = { DATABASE_URL: databaseUrl, SA_DEMO: '0', SA_OTP_GATEWAY_URL: 'http://127.0.0.1:9/sms', PORT: '0' };
    const refused = await cli([], production);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(`The database schema is older than this server: migrations ${ALL.join(', ')} are not applied. `
      + 'Run `secure-access-server migrate` (npm run server -- migrate), or start with SA_AUTO_MIGRATE=1.\n');

    const first = await cli(['migrate'], production);
    expect(first.code).toBe(0);
    expect(messages(first)).toEqual([`applied ${ALL.length} migrations: ${ALL.join(', ')}`]);
    const again = await cli(['migrate'], production);
    expect(messages(again)).toEqual(['the database schema is already current']);

    const server = await startServerProcess(production);
    try {
      expect((await fetch(`${server.baseUrl}/readyz`)).status).toBe(200);
    } finally {
      await server.stop();
    }
  }, PROCESSES_MS);

  it('a schema written by a newer version: serve and migrate both refuse, saying what to do', async () => {
    const database = await openDatabase(databaseUrl);
    try {
      await sql`INSERT INTO kysely_migration (name, timestamp) VALUES ('2099-01-01T00-00-future', '2099-01-01T00:00:00.000Z')`.execute(database.db as Kysely<Database>);
    } finally {
      await database.close();
    }
    const expected = 'The database schema is newer than this server: it has migration 2099-01-01T00-00-future, which this version does not know. '
      + 'Run the newer server version (or restore the backup taken before upgrading).\n';
    const env = { DATABASE_URL: databaseUrl, SA_DEMO: '1', PORT: '0' };
    expect(await cli([], env)).toMatchObject({ code: 1, stderr: expected });
    expect(await cli(['migrate'], env)).toMatchObject({ code: 1, stderr: expected });
  }, PROCESSES_MS);
});
