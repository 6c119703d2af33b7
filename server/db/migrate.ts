/**
 * The database schema's version: which of this code's migrations (db/migrations/index.ts) the database has, which it
 * lacks, and which it has that this code does not know — a schema written by a newer version of the server, on which
 * this one refuses to start (it could misread or damage what it does not know). Kysely records applied migrations in
 * `kysely_migration`; concurrent `migrate` runs (two instances starting) are serialised by its lock table.
 */
import { Migrator, type Kysely } from 'kysely';
import { MIGRATIONS } from './migrations/index';
import type { Database } from './schema';

const MIGRATION_TABLE = 'kysely_migration';

export interface MigrationStatus {
  /** This code's migrations the database has. */
  applied: string[];
  /** This code's migrations the database lacks, in order. */
  pending: string[];
  /** Migrations the database has that this code does not know (a newer server wrote them). */
  unknown: string[];
}

export class SchemaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchemaError';
  }
}

export async function migrationStatus(db: Kysely<Database>): Promise<MigrationStatus> {
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
  let recorded: string[] = [];
  if (tables.some((table) => table.name === MIGRATION_TABLE)) {
    // The migration table is Kysely's own, outside the typed schema.
    const rows = await (db as unknown as Kysely<Record<typeof MIGRATION_TABLE, { name: string }>>).selectFrom(MIGRATION_TABLE).select('name').execute();
    recorded = rows.map((row) => row.name);
  }
  const known = Object.keys(MIGRATIONS).sort();
  const done = new Set(recorded);
  return {
    applied: known.filter((name) => done.has(name)),
    pending: known.filter((name) => !done.has(name)),
    unknown: recorded.filter((name) => !Object.hasOwn(MIGRATIONS, name)).sort(),
  };
}

/** The plain sentence an operator reads when the schema is newer than this code. */
export function newerSchemaMessage(status: MigrationStatus): string {
  return `The database schema is newer than this server: it has migration${status.unknown.length > 1 ? 's' : ''} ${status.unknown.join(', ')}, `
    + 'which this version does not know. Run the newer server version (or restore the backup taken before upgrading).';
}

export function pendingMessage(status: MigrationStatus): string {
  return `The database schema is older than this server: migration${status.pending.length > 1 ? 's' : ''} ${status.pending.join(', ')} `
    + `${status.pending.length > 1 ? 'are' : 'is'} not applied. Run \`secure-access-server migrate\` (npm run server -- migrate), or start with SA_AUTO_MIGRATE=1.`;
}

/** Applies the pending migrations; refuses a newer schema. Returns the names applied now. */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  const before = await migrationStatus(db);
  if (before.unknown.length > 0) throw new SchemaError(newerSchemaMessage(before));
  const migrator = new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((result) => result.status === 'Error');
  if (error || failed) {
    throw new SchemaError(`Database migration ${failed?.migrationName ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  return (results ?? []).filter((result) => result.status === 'Success').map((result) => result.migrationName);
}

/**
 * For readiness, asked every few seconds: this code's migrations the database lacks, from the migration table alone
 * (it exists once the server has started).
 */
export async function pendingMigrations(db: Kysely<Database>): Promise<string[]> {
  const rows = await (db as unknown as Kysely<Record<typeof MIGRATION_TABLE, { name: string }>>).selectFrom(MIGRATION_TABLE).select('name').execute();
  const done = new Set(rows.map((row) => row.name));
  return Object.keys(MIGRATIONS).sort().filter((name) => !done.has(name));
}
