/** The company's bank accounts shown in the portal, and the debit of an approved transfer. */
import { SecureAccessError, type BankAccountViewT } from '../../protocol/index';
import type { ServerContext } from '../context';
import { newId } from '../ids';
import { randomInt } from 'node:crypto';

/** A valid French IBAN for a demo account: bank 30006, branch 00001, random account number, real check digits. */
export function demoFrenchIban(): string {
  const account = String(randomInt(10 ** 10, 10 ** 11 - 1));
  const bban = `3000600001${account}` + ribKey('30006', '00001', account);
  const numeric = (bban + 'FR00').replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  const check = 98 - Number(BigInt(numeric) % 97n);
  return `FR${String(check).padStart(2, '0')}${bban}`;
}

function ribKey(bank: string, branch: string, account: string): string {
  const key = 97n - ((89n * BigInt(bank) + 15n * BigInt(branch) + 3n * BigInt(account)) % 97n);
  return String(key).padStart(2, '0');
}

export async function createDemoBankAccounts(ctx: ServerContext, companyId: string): Promise<void> {
  await ctx.db.insertInto('bank_accounts').values([
    { id: newId('acc'), company_id: companyId, name: 'Compte courant', iban: demoFrenchIban(), currency: 'EUR', balance_minor: 184_523_017 },
    { id: newId('acc'), company_id: companyId, name: 'Compte de trésorerie', iban: demoFrenchIban(), currency: 'EUR', balance_minor: 1_250_000_000 },
  ]).execute();
}

export function formatMinor(minor: number): string {
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** "12345.67" → 1234567. Amounts travel as decimal strings; nothing here touches floating point. */
export function toMinor(amount: string): number {
  const [units = '0', cents = ''] = amount.split('.');
  return Number(units) * 100 + Number(cents.padEnd(2, '0'));
}

export async function listBankAccounts(ctx: ServerContext, companyId: string): Promise<BankAccountViewT[]> {
  const rows = await ctx.db.selectFrom('bank_accounts').selectAll().where('company_id', '=', companyId).orderBy('name').execute();
  return rows.map((row) => ({ id: row.id, name: row.name, iban: row.iban, currency: row.currency as BankAccountViewT['currency'], balance: formatMinor(row.balance_minor) }));
}

export async function debitAccount(ctx: ServerContext, companyId: string, accountId: string | undefined) {
  const query = ctx.db.selectFrom('bank_accounts').selectAll().where('company_id', '=', companyId);
  const account = await (accountId ? query.where('id', '=', accountId) : query.orderBy('name')).executeTakeFirst();
  if (!account) throw new SecureAccessError('bad_request', 'Unknown debit account.', { field: 'debitAccountId' });
  return account;
}
