/**
 * Verification of Payee looks an IBAN up among the bank's own accounts for every operation entered (and every check
 * the portal asks for): without an index that was a scan of every company's accounts.
 */
import { type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration must not depend on the current table types
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema.createIndex('bank_accounts_iban').on('bank_accounts').column('iban').execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropIndex('bank_accounts_iban').execute();
}
