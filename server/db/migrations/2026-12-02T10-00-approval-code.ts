/**
 * Frozen in time: never edit a migration that has shipped; add a new one.
 * The approval code (issue 12): each device's approval key (its public half only), the wrong codes counted in a
 * row, the lock after five of them, and each approval's second signature.
 */
import { type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration must not depend on the current table types
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema.alterTable('devices').addColumn('approval_public_key', 'text').execute();
  await db.schema.alterTable('devices').addColumn('approval_key_set_at', 'bigint').execute();
  await db.schema.alterTable('devices').addColumn('approval_failures', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('devices').addColumn('locked_at', 'bigint').execute();
  await db.schema.alterTable('validations').addColumn('approval_signature', 'text').execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.alterTable('validations').dropColumn('approval_signature').execute();
  for (const column of ['locked_at', 'approval_failures', 'approval_key_set_at', 'approval_public_key']) {
    await db.schema.alterTable('devices').dropColumn(column).execute();
  }
}
