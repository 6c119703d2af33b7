/**
 * Verification of Payee (the EU's Instant Payments Regulation, 2024/886): before a transfer or a new beneficiary
 * is sent for approval, the bank asks the payee's bank whether the name entered is the holder of the IBAN.
 *
 * One interface, PayeeVerifier, answers match / close match (with the registered name) / no match / unavailable.
 * The reference bank answers for its own accounts from its database (the holder of an account is its company) and
 * hands the other IBANs to a provider: a real scheme over HTTP (`SA_VOP_URL`), or in demo mode a small directory of
 * other banks' accounts. An IBAN nobody can answer for is `unavailable`: never a guess.
 */
import type { PayeeCheckT } from '../../protocol/index';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';

export interface PayeeQuery {
  /** Normalized: no spaces, upper case, checksum already verified. */
  iban: string;
  name: string;
}

export interface PayeeVerifier {
  /** Never throws: a provider that cannot answer gives `unavailable`. */
  verify(query: PayeeQuery): Promise<PayeeCheckT>;
}

/** Who holds an IBAN at a bank: the registered name, or null when that bank does not know the account. */
export interface PayeeDirectory {
  lookUp(iban: string): Promise<string | null>;
}

// ---------------------------------------------------------------- comparing names

/** Legal forms, which the holder's registered name has and people often leave out (or the other way round). */
const LEGAL_FORMS = new Set([
  'SA', 'SAS', 'SASU', 'SARL', 'EURL', 'SNC', 'SCS', 'SCA', 'SCI', 'SCOP', 'SCP', 'SELARL', 'SEL', 'SE', 'EI', 'EIRL', 'GIE', 'SEM',
  'ASSOCIATION', 'STE', 'SOCIETE', 'ETS', 'ETABLISSEMENTS', 'CIE', 'LTD', 'LIMITED', 'PLC', 'LLP', 'LLC', 'INC', 'CORP',
  'GMBH', 'AG', 'KG', 'OHG', 'UG', 'BV', 'NV', 'SRL', 'SPA', 'SL', 'SLU', 'AB', 'AS', 'OY', 'SP', 'ZOO',
]);

/** Upper case, without accents, punctuation or repeated spaces; "&" reads "ET", "S.A." reads "SA". */
export function normalizeName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toUpperCase()
    .replace(/&/g, ' ET ')
    // "S.A." is "SA": an abbreviation's dots join its letters.
    .replace(/\./g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

function significantWords(normalized: string): string[] {
  return normalized.split(' ').filter((word) => word !== '' && !LEGAL_FORMS.has(word));
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * How close the name entered is to the registered one. The same words, with or without a legal form, case, accents
 * or punctuation, match. The same words in another order, or a slip of a letter or two (at most one in six), are
 * a close match. Anything else does not match: "Société Inconnue" for the account of "Fournitures Martin SA".
 */
export function compareNames(entered: string, registered: string): 'match' | 'close_match' | 'no_match' {
  const a = significantWords(normalizeName(entered));
  const b = significantWords(normalizeName(registered));
  if (a.length === 0 || b.length === 0) return 'no_match';
  if (a.join(' ') === b.join(' ')) return 'match';
  const sortedA = [...a].sort().join(' ');
  const sortedB = [...b].sort().join(' ');
  if (sortedA === sortedB) return 'close_match';
  const distance = Math.min(editDistance(a.join(' '), b.join(' ')), editDistance(sortedA, sortedB));
  const longest = Math.max(a.join(' ').length, b.join(' ').length);
  return distance <= Math.max(1, Math.floor(longest / 6)) ? 'close_match' : 'no_match';
}

/** The answer for a name and the holder's registered name. */
export function checkAgainst(name: string, registeredName: string): PayeeCheckT {
  const result = compareNames(name, registeredName);
  return { result, registeredName: result === 'close_match' ? registeredName : null };
}

// ---------------------------------------------------------------- directories and providers

/** The reference bank's own accounts: their holder is the company that owns them. */
export class OwnAccountsDirectory implements PayeeDirectory {
  constructor(private readonly db: Kysely<Database>) {}

  async lookUp(iban: string): Promise<string | null> {
    const row = await this.db.selectFrom('bank_accounts').innerJoin('companies', 'companies.id', 'bank_accounts.company_id')
      .select('companies.name').where('bank_accounts.iban', '=', iban).executeTakeFirst();
    return row?.name ?? null;
  }
}

/**
 * Demo mode's other banks: a few accounts and their holders, so that every outcome can be tried from the portal
 * (the name of the holder, a slip in it, another name). An IBAN they do not know is `unavailable`.
 */
export const DEMO_OTHER_BANK_ACCOUNTS: ReadonlyArray<{ iban: string; holder: string }> = [
  { iban: 'FR7630006000011234567890189', holder: 'Fournitures Martin SA' },
  { iban: 'FR7610107001011234567890129', holder: 'Transports Bernard SARL' },
  { iban: 'FR7630004000031234567890143', holder: 'Imprimerie Roux' },
  { iban: 'FR1420041010050500013M02606', holder: 'Papeterie Centrale SAS' },
  { iban: 'DE89370400440532013000', holder: 'Maschinenbau Keller GmbH' },
  { iban: 'BE68539007547034', holder: 'Moulins du Nord SA' },
];

export class DemoDirectory implements PayeeVerifier {
  private readonly holders = new Map(DEMO_OTHER_BANK_ACCOUNTS.map((account) => [account.iban, account.holder]));

  async verify(query: PayeeQuery): Promise<PayeeCheckT> {
    const holder = this.holders.get(query.iban);
    return holder === undefined ? { result: 'unavailable', registeredName: null } : checkAgainst(query.name, holder);
  }
}

export interface VopGatewayConfig {
  url: string;
  token?: string;
  timeoutMs?: number;
}

/**
 * A real scheme behind the bank's gateway: `POST {iban, name}` with a bearer token, answering
 * `{ result: 'match' | 'close_match' | 'no_match' | 'unavailable', registeredName?: string }`. A slow, failing or
 * nonsensical answer is `unavailable`: the person is told the check could not be made, never that it passed.
 */
export class HttpPayeeVerifier implements PayeeVerifier {
  constructor(private readonly config: VopGatewayConfig, private readonly warn: (message: string) => void) {}

  async verify(query: PayeeQuery): Promise<PayeeCheckT> {
    const unavailable: PayeeCheckT = { result: 'unavailable', registeredName: null };
    let response: Response;
    try {
      response = await fetch(this.config.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(this.config.token ? { authorization: `Bearer ${this.config.token}` } : {}) },
        body: JSON.stringify({ iban: query.iban, name: query.name }),
        signal: AbortSignal.timeout(this.config.timeoutMs ?? 3000),
      });
    } catch (error) {
      this.warn(`Verification of Payee: the gateway cannot be reached (${error instanceof Error ? error.message : String(error)})`);
      return unavailable;
    }
    if (!response.ok) {
      this.warn(`Verification of Payee: the gateway answered HTTP ${response.status}`);
      return unavailable;
    }
    try {
      return parseGatewayAnswer(await response.json());
    } catch (error) {
      this.warn(`Verification of Payee: the gateway's answer is not JSON (${error instanceof Error ? error.message : String(error)})`);
      return unavailable;
    }
  }
}

/** Only a well-formed answer counts; a close match without the registered name is of no use to the person. */
export function parseGatewayAnswer(body: unknown): PayeeCheckT {
  const unavailable: PayeeCheckT = { result: 'unavailable', registeredName: null };
  if (typeof body !== 'object' || body === null) return unavailable;
  const { result, registeredName } = body as { result?: unknown; registeredName?: unknown };
  if (result === 'match' || result === 'no_match' || result === 'unavailable') return { result, registeredName: null };
  if (result === 'close_match' && typeof registeredName === 'string') {
    // Shown and signed on one line, at most 140 characters: anything else from outside is not shown.
    const name = registeredName.trim();
    // eslint-disable-next-line no-control-regex -- control characters are exactly what may not be shown
    if (name !== '' && name.length <= 140 && !/[\u0000-\u001f\u007f]/.test(name)) return { result, registeredName: name };
  }
  return unavailable;
}

/** The bank's own accounts first (answered at home), then the provider for everyone else's. */
export class BankPayeeVerifier implements PayeeVerifier {
  constructor(private readonly ownAccounts: PayeeDirectory, private readonly otherBanks: PayeeVerifier | null) {}

  async verify(query: PayeeQuery): Promise<PayeeCheckT> {
    const holder = await this.ownAccounts.lookUp(query.iban);
    if (holder !== null) return checkAgainst(query.name, holder);
    return this.otherBanks ? this.otherBanks.verify(query) : { result: 'unavailable', registeredName: null };
  }
}
