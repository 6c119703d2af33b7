/** Frozen in time: never edit a migration that has shipped; add a new one. */
import { type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration must not depend on the current table types
type AnyDb = Kysely<any>;

/** The expiry sweep (services/expiry.ts) finds pending validations past their time without reading the whole table. */
export async function up(db: AnyDb): Promise<void> {
  await db.schema.createIndex('validations_status_expiry').on('validations').columns(['status', 'expires_at']).execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropIndex('validations_status_expiry').execute();
}
