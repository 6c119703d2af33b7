/**
 * Opens the database named by a URL: `postgres://…` for PostgreSQL (several server instances), anything else
 * is a SQLite file path (`sqlite:./data/x.db`, `./data/x.db`) or `:memory:`. Migrates to the latest schema.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type SqliteDatabase as SqliteDialectDatabase, type Transaction } from 'kysely';
import pg from 'pg';
import { MIGRATIONS } from './migrations/index';
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
    const pool = new pg.Pool({ connectionString: url, max: 20 });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    opened = { db, kind: 'postgres', url, pgPool: pool, close: () => db.destroy() };
  } else {
    const file = url.replace(/^sqlite:(\/\/)?/, '');
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    const sqlite = new SqliteDatabase(file);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
    opened = { db, kind: 'sqlite', url, pgPool: null, close: () => db.destroy() };
  }
  await migrateToLatest(opened.db);
  return opened;
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

export async function migrateToLatest(db: Kysely<Database>): Promise<void> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((result) => result.status === 'Error');
  if (error || failed) {
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
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
