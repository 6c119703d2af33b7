/**
 * Opens the database named by a URL: `postgres://…` for PostgreSQL (several server instances), anything else
 * is a SQLite file path (`sqlite:./data/x.db`, `./data/x.db`) or `:memory:`. Migrations are db/migrations.ts's.
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import {
  Kysely, PostgresDialect, SqliteDialect, sql, type PostgresPool, type PostgresPoolClient, type SqliteDatabase as SqliteDialectDatabase, type Transaction,
} from 'kysely';
import pg from 'pg';
import type { Database } from './schema';

export type DatabaseKind = 'sqlite' | 'postgres';

export interface OpenDatabase {
  db: Kysely<Database>;
  kind: DatabaseKind;
  url: string;
  /** PostgreSQL only: a pool for LISTEN/NOTIFY. */
  pgPool: pg.Pool | null;
  close(): Promise<void>;
}

// int8 columns (times in ms, versions) come back as numbers: they stay far below 2^53.
pg.types.setTypeParser(20, (value) => Number(value));

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

export async function openDatabase(url: string): Promise<OpenDatabase> {
  let opened: OpenDatabase;
  if (isPostgresUrl(url)) {
    // Idle connections are kept for minutes, not pg's 10 s: each holds its prepared statements, and a new one costs
    // PostgreSQL a backend process.
    const pool = new pg.Pool({ connectionString: url, max: 20, idleTimeoutMillis: 5 * 60_000 });
    // An idle connection closed by PostgreSQL (a restart, a failover) is dropped by the pool and the next query opens
    // another; unheard, its error would end the process.
    pool.on('error', () => {});
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: withPreparedStatements(pool) }) });
    opened = { db, kind: 'postgres', url, pgPool: pool, close: () => db.destroy() };
  } else {
    const file = url.replace(/^sqlite:(\/\/)?/, '');
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    const instanceLock = file === ':memory:' ? null : holdInstanceLock(file);
    let sqlite: SqliteDatabase.Database;
    try {
      sqlite = new SqliteDatabase(file);
    } catch (error) {
      instanceLock?.release();
      throw error;
    }
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
    opened = {
      db, kind: 'sqlite', url, pgPool: null,
      close: async () => {
        try {
          await db.destroy();
        } finally {
          instanceLock?.release();
        }
      },
    };
  }
  return opened;
}

/** Thrown when another server instance already serves a SQLite file; its message is the whole story, on one line. */
export class DatabaseInUseError extends Error {
  constructor(file: string) {
    super(`another Secure Access server is already running on the SQLite file ${file}: one server per SQLite file (it keeps state in memory); run several instances on PostgreSQL (DATABASE_URL=postgres://…)`);
    this.name = 'DatabaseInUseError';
  }
}

export interface InstanceLock {
  release(): void;
}

/**
 * One server per SQLite file: each instance keeps what it read of a user in memory until that user's next change is
 * announced, and announcements do not cross processes on SQLite, so a second instance would serve stale state (a
 * revoked device still accepted). The lock is SQLite's own exclusive lock on a file beside the database
 * (`<file>-instance.lock`): an operating-system lock (fcntl on Unix, LockFileEx on Windows) that works across
 * processes and within one, and that the system releases when the process ends, however it ends (kill -9 too).
 */
export function holdInstanceLock(file: string): InstanceLock {
  const lockFile = `${file}-instance.lock`;
  const holder = new SqliteDatabase(lockFile, { timeout: 0 });
  try {
    holder.pragma('locking_mode = EXCLUSIVE');
    // Writing takes the exclusive lock, which EXCLUSIVE locking mode keeps until the connection closes.
    holder.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    holder.close();
    if ((error as { code?: string }).code === 'SQLITE_BUSY') throw new DatabaseInUseError(file);
    throw error;
  }
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      holder.close();
    },
  };
}


const STATEMENT_CACHE_SIZE = 200;

/**
 * Kysely prepares every query it runs, and better-sqlite3 compiles the SQL on each prepare: a long-poll or a decision
 * ran the same few statements through SQLite's parser every time. Compiled statements are kept by SQL text (the
 * least recently used go first); a statement still busy with an open iterator is never handed out twice.
 */
function withStatementCache(sqlite: SqliteDatabase.Database): SqliteDialectDatabase {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sqlText: string) {
      const cached = cache.get(sqlText);
      if (cached && !cached.busy) {
        cache.delete(sqlText);
        cache.set(sqlText, cached);
        return cached;
      }
      const statement = sqlite.prepare(sqlText);
      cache.set(sqlText, statement);
      if (cache.size > STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      return statement;
    },
  };
}

/** Per connection: at most this many statements prepared (a query with a varying list of values is a new text each time). */
const PREPARED_PER_CONNECTION = 200;
const PREPARABLE = /^\s*(select|insert|update|delete|with)\b/i;

/**
 * pg sends every query unnamed, so PostgreSQL parses and plans each one every time; the long-poll and the decision
 * run the same few statements thousands of times a second. Named (after their SQL text), they are prepared once per
 * connection and then only bound and executed. Transaction control and DDL (migrations) stay unnamed.
 */
function withPreparedStatements(pool: pg.Pool): PostgresPool {
  const prepared = new WeakMap<pg.PoolClient, Set<string>>();
  return {
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect();
      let names = prepared.get(client);
      if (!names) prepared.set(client, (names = new Set()));
      const known = names;
      const query = (text: string, parameters: ReadonlyArray<unknown>) => {
        if (!PREPARABLE.test(text)) return client.query(text, [...parameters]);
        const name = `sa_${createHash('sha1').update(text).digest('base64url')}`;
        if (!known.has(name)) {
          if (known.size >= PREPARED_PER_CONNECTION) return client.query(text, [...parameters]);
          known.add(name);
        }
        return client.query({ name, text, values: [...parameters] });
      };
      return {
        // Cursors (streaming) are not used by the server: only the plain form is offered.
        query: query as unknown as PostgresPoolClient['query'],
        release: (destroy?: boolean) => {
          // A destroyed connection takes its prepared statements with it.
          if (destroy) prepared.delete(client);
          client.release(destroy);
        },
      };
    },
    end: () => pool.end(),
  };
}

/**
 * Locks a user's row until the transaction ends, so rules counted per user (5 devices, attempts) hold
 * under concurrency. SQLite needs nothing: its transactions are serialised on one connection.
 */
export async function lockUser(trx: Transaction<Database>, kind: DatabaseKind, userId: string): Promise<void> {
  if (kind === 'postgres') {
    await sql`SELECT id FROM users WHERE id = ${userId} FOR UPDATE`.execute(trx);
  }
}
