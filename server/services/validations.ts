/**
 * Validations (rules 15–18): logins and operations waiting for a decision on Secure Access, the long-poll that
 * delivers them, and the signed decision recorded once, atomically.
 */
import { sql, type Selectable, type Transaction } from 'kysely';
import {
  REQUEST_TIME_WINDOW_MS, SecureAccessError, approvalSigningBytes, deceptiveCharacterIn, decisionSigningBytes, detailsHash, isValidIban, normalizeIban, randomNonce,
  type BeneficiaryDetailsT, type CreateBeneficiaryBodyT, type CreateTransferBodyT, type DecisionBodyT, type LoginDetailsT,
  type OperationViewT, type PayeeCheckT, type PendingResponseT, type TransferDetailsT, type ValidationDetailsT, type ValidationForDeviceT, type ValidationOutcomeT, type ValidationStatusT,
} from '../../protocol/index';
import { transaction } from '../changes';
import { iso, isoOrNull, type RequestOrigin, type ServerContext } from '../context';
import { verifyEd25519 } from '../crypto';
import type { Database, ValidationsTable } from '../db/schema';
import { newId, numberMatch } from '../ids';
import { waitForUser, type PostgresNotifier } from '../notifier';
import { STATE_CONFIRMATION, type StateConfirmation } from '../user-state-cache';
import { approvalKeyOf, countApprovalCode, inactiveDeviceError, lockDevice } from './approval-keys';
import { audit } from './audit';
import { consumeRateLimit } from './rate-limit';
import { debitAccount, toMinor } from './bank-accounts';
import { assertDeviceMayAct, deviceRevokedError, type DeviceRow } from './devices';
import type { UserRow } from './users';

export type ValidationRow = Selectable<ValidationsTable>;

const MAX_AMOUNT_MINOR = 100_000_000_000; // 1 000 000 000.00

export function effectiveStatus(row: Pick<ValidationRow, 'status' | 'expires_at'>, now: number): ValidationStatusT {
  return row.status === 'pending' && now >= row.expires_at ? 'expired' : row.status;
}

/** `bind` runs in the transaction that creates the validation, and may refuse it by throwing (then nothing is created). */
type BindValidation = (trx: Transaction<Database>, row: ValidationRow) => Promise<void>;

async function insertValidation(
  ctx: ServerContext, user: UserRow, details: ValidationDetailsT, ttlSeconds: number, extra: { debitAccountId?: string; bind?: BindValidation } = {},
): Promise<ValidationRow> {
  const now = ctx.clock.now();
  const match = details.type === 'login' ? numberMatch() : null;
  const row: ValidationRow = {
    id: newId('val'), user_id: user.id, company_id: user.company_id, kind: details.type, details_json: JSON.stringify(details),
    details_hash: detailsHash(details), nonce: randomNonce(), login_number: match?.number ?? null,
    number_choices: match ? JSON.stringify(match.choices) : null, status: 'pending', decision_reason: null,
    created_at: now, expires_at: now + ttlSeconds * 1000, decided_at: null, decided_by_device: null, decision_signature: null, approval_signature: null,
    debit_account_id: extra.debitAccountId ?? null,
  };
  await transaction(ctx, async (trx, changes) => {
    await trx.insertInto('validations').values(row).execute();
    await extra.bind?.(trx, row);
    await changes.userState(user.id);
    await audit(ctx, 'validation_created', { userId: user.id, details: { validationId: row.id, kind: row.kind } }, trx);
  });
  return row;
}

/** The names a request is shown under: the user it is for and their company. */
async function holderNames(ctx: ServerContext, user: UserRow): Promise<{ userDisplayName: string; companyName: string }> {
  const company = await ctx.db.selectFrom('companies').select('name').where('id', '=', user.company_id).executeTakeFirstOrThrow();
  return { userDisplayName: user.display_name, companyName: company.name };
}

/** The user agent is shown and signed on one line: control characters go. */
function withoutControlCharacters(text: string): string {
  return [...text].filter((char) => char.charCodeAt(0) >= 0x20 && char.charCodeAt(0) !== 0x7f).join('');
}

export async function createLoginValidation(ctx: ServerContext, user: UserRow, origin: RequestOrigin, bind?: BindValidation): Promise<ValidationRow> {
  const details: LoginDetailsT = {
    type: 'login', channel: 'portal', ...(await holderNames(ctx, user)), ipAddress: origin.ip.slice(0, 64), userAgent: withoutControlCharacters(origin.userAgent).slice(0, 200),
    requestedAt: iso(ctx.clock.now()),
  };
  return insertValidation(ctx, user, details, ctx.limits.loginValidationSeconds, { bind });
}

function checkIban(iban: string): string {
  const normalized = normalizeIban(iban);
  if (!isValidIban(normalized)) throw new SecureAccessError('invalid_iban', 'This IBAN is not valid (check its length and check digits).', { field: 'iban' });
  return normalized;
}

/** Rule 18's "what is seen is what is signed" for the text fields a person reads before approving (protocol/display-text.ts). */
function checkDisplayText(text: string, field: string): string {
  const kind = deceptiveCharacterIn(text);
  if (kind) throw new SecureAccessError('unsafe_text', `This text contains a character that is not shown as it is (${kind}): it cannot be signed.`, { field });
  return text;
}

/** Today in the bank's time zone, as YYYY-MM-DD. */
/** One formatter per time zone: building an Intl.DateTimeFormat took about 0.2 ms, a tenth of a transfer's server CPU. */
const dayFormatters = new Map<string, Intl.DateTimeFormat>();

export function bankToday(ctx: ServerContext): string {
  let formatter = dayFormatters.get(ctx.timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-CA', { timeZone: ctx.timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormatters.set(ctx.timeZone, formatter);
  }
  return formatter.format(ctx.clock.now());
}

const MAX_EXECUTION_DAYS_AHEAD = 365;

/** A transfer is executed today or on a later day, at most a year ahead; a day that does not exist is refused. */
function checkExecutionDate(ctx: ServerContext, requested: string | undefined): string {
  const today = bankToday(ctx);
  if (requested === undefined) return today;
  const day = Date.parse(`${requested}T00:00:00Z`);
  const latest = Date.parse(`${today}T00:00:00Z`) + MAX_EXECUTION_DAYS_AHEAD * 86_400_000;
  if (Number.isNaN(day) || new Date(day).toISOString().slice(0, 10) !== requested || requested < today || day > latest) {
    throw new SecureAccessError('invalid_execution_date', `The execution date must be a day from ${today} to one year ahead.`, { field: 'executionDate' });
  }
  return requested;
}

/** Verification of Payee for an operation being entered: the answer is recorded with it and signed with it. */
export async function checkPayee(ctx: ServerContext, user: UserRow, name: string, iban: string): Promise<{ check: PayeeCheckT; payeeCountry: string }> {
  const normalized = checkIban(iban);
  const trimmed = name.trim();
  if (!trimmed) throw new SecureAccessError('bad_request', 'The payee name is required.', { field: 'name' });
  // Asking names of accounts one after the other is how a directory is harvested: a person enters a few operations.
  await consumeRateLimit(ctx, `payee-check:${user.id}`, ctx.limits.payeeChecksPerUser, ctx.limits.payeeCheckWindowSeconds, 'Too many payee checks. Please wait before checking another.');
  const check = await ctx.payees.verify({ iban: normalized, name: trimmed });
  return { check, payeeCountry: normalized.slice(0, 2) };
}

export async function createTransfer(ctx: ServerContext, user: UserRow, body: CreateTransferBodyT): Promise<ValidationRow> {
  const minor = toMinor(body.amount);
  if (minor <= 0 || minor > MAX_AMOUNT_MINOR) {
    throw new SecureAccessError('invalid_amount', 'The amount must be more than 0 and at most 1 000 000 000.00.', { field: 'amount' });
  }
  checkDisplayText(body.payeeName, 'payeeName');
  checkDisplayText(body.reference, 'reference');
  const iban = checkIban(body.iban);
  const payeeName = body.payeeName.trim();
  if (!payeeName) throw new SecureAccessError('bad_request', 'The payee name is required.', { field: 'payeeName' });
  const executionDate = checkExecutionDate(ctx, body.executionDate);
  // Independent reads: asked at once (the payee's bank may be a network call away).
  const [account, holder, payeeCheck] = await Promise.all([
    debitAccount(ctx, user.company_id, body.debitAccountId), holderNames(ctx, user), ctx.payees.verify({ iban, name: payeeName }),
  ]);
  if (body.currency !== account.currency) {
    throw new SecureAccessError('currency_mismatch', `The debit account is in ${account.currency}: a transfer from it is in ${account.currency} too.`, { field: 'currency' });
  }
  if (minor > account.balance_minor) {
    throw new SecureAccessError('insufficient_funds', 'The available balance of the debit account does not cover this amount.', { field: 'amount' });
  }
  const details: TransferDetailsT = {
    type: 'transfer', channel: 'portal', ...holder, initiatorDisplayName: user.display_name,
    amount: (minor / 100).toFixed(2), currency: body.currency, payeeName, iban, payeeCountry: iban.slice(0, 2), payeeCheck,
    reference: body.reference.trim(), debitAccountName: account.name, debitAccountIban: account.iban, executionDate,
    requestedAt: iso(ctx.clock.now()),
  };
  return insertValidation(ctx, user, details, ctx.limits.operationValidationSeconds, { debitAccountId: account.id });
}

export async function createBeneficiary(ctx: ServerContext, user: UserRow, body: CreateBeneficiaryBodyT): Promise<ValidationRow> {
  const name = checkDisplayText(body.name, 'name').trim();
  if (!name) throw new SecureAccessError('bad_request', 'The beneficiary name is required.', { field: 'name' });
  const iban = checkIban(body.iban);
  const [holder, payeeCheck] = await Promise.all([holderNames(ctx, user), ctx.payees.verify({ iban, name })]);
  const details: BeneficiaryDetailsT = {
    type: 'beneficiary', channel: 'portal', ...holder, initiatorDisplayName: user.display_name,
    name, iban, payeeCountry: iban.slice(0, 2), payeeCheck, requestedAt: iso(ctx.clock.now()),
  };
  return insertValidation(ctx, user, details, ctx.limits.operationValidationSeconds);
}

type PendingRow = Pick<ValidationRow, 'id' | 'nonce' | 'kind' | 'details_json' | 'details_hash' | 'number_choices' | 'created_at' | 'expires_at'>;

/** Details stored by a server older than the signed facts (user, company, initiator, payee check). */
function isLegacyDetails(detailsJson: string | null): boolean {
  return detailsJson !== null && !detailsJson.includes('"userDisplayName"');
}

/**
 * An operation stored before the signed facts, shown in the portal's history with the facts its row still gives:
 * no payee check was made then, and it was to be executed the day it was entered. Its stored details and hash are
 * left as they were signed.
 */
async function legacyOperationDetails(ctx: ServerContext, row: ValidationRow, stored: Record<string, unknown>): Promise<OperationViewT['details']> {
  const [user, company, account] = await Promise.all([
    ctx.db.selectFrom('users').select('display_name').where('id', '=', row.user_id).executeTakeFirstOrThrow(),
    ctx.db.selectFrom('companies').select('name').where('id', '=', row.company_id).executeTakeFirstOrThrow(),
    row.debit_account_id ? ctx.db.selectFrom('bank_accounts').select('name').where('id', '=', row.debit_account_id).executeTakeFirst() : undefined,
  ]);
  const iban = String(stored.iban ?? '');
  const facts = {
    userDisplayName: user.display_name, companyName: company.name, initiatorDisplayName: user.display_name, payeeCountry: iban.slice(0, 2),
    payeeCheck: { result: 'unavailable', registeredName: null },
  } as const;
  if (row.kind === 'transfer') {
    return { ...(stored as unknown as TransferDetailsT), ...facts, debitAccountName: account?.name ?? '', executionDate: iso(row.created_at).slice(0, 10) };
  }
  return { ...(stored as unknown as BeneficiaryDetailsT), ...facts };
}

function forDevice(row: PendingRow): ValidationForDeviceT {
  return {
    id: row.id, nonce: row.nonce, kind: row.kind, details: JSON.parse(row.details_json) as ValidationDetailsT, detailsHash: row.details_hash,
    numberChoices: row.number_choices ? (JSON.parse(row.number_choices) as number[]) : null, createdAt: iso(row.created_at), expiresAt: iso(row.expires_at),
  };
}

/**
 * What the authenticator API needs to know of a user, read in two queries and kept per user between two announced
 * changes of theirs (UserStateCache): their cursor and pending validations (the long-poll's answer), whether they
 * are suspended and their active devices (who may call with a device token).
 */
export interface AuthenticatorState {
  cursor: string;
  validations: { view: ValidationForDeviceT; expiresAt: number }[];
  suspended: boolean;
  activeDevices: DeviceRow[];
}

async function readAuthenticatorState(ctx: ServerContext, userId: string): Promise<AuthenticatorState | null> {
  const now = ctx.clock.now();
  const [rows, activeDevices] = await Promise.all([
    ctx.db.selectFrom('users')
      .leftJoin('validations', (join) => join.onRef('validations.user_id', '=', 'users.id')
        .on('validations.status', '=', 'pending').on('validations.expires_at', '>', now))
      .select([
        'users.validation_version', 'users.suspended', 'validations.id', 'validations.nonce', 'validations.kind', 'validations.details_json',
        'validations.details_hash', 'validations.number_choices', 'validations.created_at', 'validations.expires_at',
      ])
      .where('users.id', '=', userId)
      .orderBy('validations.created_at')
      .execute(),
    ctx.db.selectFrom('devices').selectAll().where('user_id', '=', userId).where('status', '=', 'active').execute(),
  ]);
  const [first] = rows;
  if (!first) return null;
  return {
    cursor: String(first.validation_version),
    // A request stored before the details carried who it is for cannot be shown as the app must show it: it waits out its
    // few minutes unseen (legacyDetails).
    validations: rows.flatMap((row) => (row.id === null || isLegacyDetails(row.details_json) ? [] : [{ view: forDevice(row as PendingRow), expiresAt: Number(row.expires_at) }])),
    suspended: Boolean(first.suspended),
    activeDevices,
  };
}

/** Users confirmed per query, at most: a round confirms every user in use, in as few round trips as this allows. */
const CONFIRMED_PER_QUERY = 5_000;

/**
 * How an instance sharing a PostgreSQL database confirms the states it keeps (UserStateCache): the state version of
 * each user in use — `users.validation_version`, which every change of their authenticator state moves
 * (server/changes.ts) — compared in one query with the version each state was read at; only the users whose version
 * differs come back. The query runs on the LISTEN connection: it waits for no pooled connection, and its answer
 * proves that every notification sent before it was received.
 */
export function postgresStateConfirmation(notifier: PostgresNotifier): StateConfirmation<AuthenticatorState | null> {
  return {
    ...STATE_CONFIRMATION,
    versionOf: (state) => state?.cursor ?? null,
    async changedUsers(kept) {
      const entries = [...kept];
      const changed: string[] = [];
      for (let start = 0; start < entries.length; start += CONFIRMED_PER_QUERY) {
        const chunk = entries.slice(start, start + CONFIRMED_PER_QUERY);
        const rows = await notifier.queryWhileListening<{ id: string }>('sa_confirm_user_states', CONFIRM_USER_STATES, [
          chunk.map(([userId]) => userId), chunk.map(([, version]) => version),
        ]);
        if (rows === null) return null;
        for (const row of rows) changed.push(row.id);
      }
      return changed;
    },
  };
}

const CONFIRM_USER_STATES = `SELECT kept.id FROM unnest($1::text[], $2::bigint[]) AS kept(id, version)
  LEFT JOIN users ON users.id = kept.id
  WHERE users.validation_version IS DISTINCT FROM kept.version`;

/** The user's state, from memory when nothing of theirs changed since it was last read; null for no such user. */
export function authenticatorState(ctx: ServerContext, userId: string): Promise<AuthenticatorState | null> {
  return ctx.authenticatorStates.read(userId, () => readAuthenticatorState(ctx, userId));
}

/** What a device is told by its long-poll — and nothing at all once it is revoked. */
async function pendingSnapshot(ctx: ServerContext, deviceId: string, userId: string): Promise<PendingResponseT> {
  const state = await authenticatorState(ctx, userId);
  // Revoked while it waited (the revocation itself wakes it): it gets nothing more.
  if (!state?.activeDevices.some((device) => device.id === deviceId)) {
    throw await inactiveDeviceError(ctx, deviceId);
  }
  const now = ctx.clock.now();
  return {
    cursor: state.cursor,
    validations: state.validations.filter((validation) => validation.expiresAt > now).map((validation) => validation.view),
    serverTime: iso(now),
    activeDevices: state.activeDevices.length,
  };
}

/**
 * Rule 16: answers at once when the device's cursor is stale (or absent); otherwise waits until its user's
 * cursor moves (a wake-up, not a timer) or the wait is over. Subscribing before reading means a change between
 * the read and the wait cannot be missed. A wake-up that moved nothing (a portal step of the same user, a late
 * NOTIFY) keeps the device waiting instead of sending it an empty answer, and so does this device's own decision
 * (it knows, and its next answer carries the moved cursor); a wake-up of everyone (the clock jumped, the LISTEN
 * connection came back) answers with a fresh snapshot.
 */
export async function waitForPending(ctx: ServerContext, device: DeviceRow, cursor: string | undefined, waitSeconds: number, signal?: AbortSignal): Promise<PendingResponseT> {
  const deadline = Date.now() + waitSeconds * 1000;
  for (;;) {
    const remaining = deadline - Date.now();
    const waiter = cursor !== undefined && remaining > 0 && !signal?.aborted ? waitForUser(ctx.notifier, device.user_id, remaining, signal, device.id) : null;
    let snapshot: PendingResponseT;
    try {
      snapshot = await pendingSnapshot(ctx, device.id, device.user_id);
    } catch (error) {
      waiter?.cancel();
      throw error;
    }
    if (!waiter || snapshot.cursor !== cursor) {
      waiter?.cancel();
      return snapshot;
    }
    const reason = await waiter.wait();
    // The wait is over (or everyone was woken): the state as it is now — from memory if nothing of this user's
    // changed, with the server's time now (the app learns the server's clock from it), and the device's own decision
    // if it made one meanwhile.
    if (reason === null || reason === 'everyone') return pendingSnapshot(ctx, device.id, device.user_id);
  }
}

/**
 * Rule 18: the signature must be the device's over the canonical bytes; the details hash must be the stored
 * one (a changed amount or payee breaks it); the validation must be pending, unexpired and undecided. The
 * update is conditional on status = 'pending', so two devices deciding at once record exactly one decision.
 *
 * An approval also needs the person: the approval key's signature over the approval bytes, which only the right
 * approval code produces. It is evaluated on the device's locked row, counted (approval-keys.ts), and only while
 * the validation is still open — no code is ever tried against a request that can no longer be approved.
 */
export async function decide(ctx: ServerContext, device: DeviceRow, validationId: string, body: DecisionBodyT, origin: RequestOrigin) {
  const row = await ctx.db.selectFrom('validations').selectAll().where('id', '=', validationId).where('user_id', '=', device.user_id).executeTakeFirst();
  if (!row) throw new SecureAccessError('validation_not_found', 'This request does not exist or is not for this account.');
  // Only a login approval carries the number picked; an operation or a rejection carries none (null, signed as "-").
  const numberExpected = row.kind === 'login' && body.decision === 'approve';
  if (numberExpected !== (body.numberChoice !== null)) {
    throw new SecureAccessError('bad_request', numberExpected
      ? 'A login approval carries the number picked: numberChoice is required.'
      : 'Only a login approval carries a number: numberChoice must be null here.', { field: 'numberChoice' });
  }
  const message = decisionSigningBytes({
    validationId: row.id, validationNonce: row.nonce, decision: body.decision, detailsHash: body.detailsHash,
    deviceId: device.id, decidedAt: body.decidedAt, numberChoice: body.numberChoice,
  });
  if (!verifyEd25519(device.public_key, message, body.signature)) {
    throw new SecureAccessError('decision_signature_invalid', 'The decision signature is not valid for this device.');
  }
  const now = ctx.clock.now();
  if (Math.abs(body.decidedAt - now) > REQUEST_TIME_WINDOW_MS) {
    throw new SecureAccessError('auth_timestamp_out_of_window', "The decision's time is too far from the server's: check this computer's clock.");
  }
  if (body.detailsHash !== row.details_hash) {
    throw new SecureAccessError('details_mismatch', 'The details you approved differ from the request the bank holds: nothing was recorded.');
  }
  if (body.decision === 'reject' && body.approvalSignature !== undefined) {
    throw new SecureAccessError('bad_request', 'A rejection needs no approval code: nothing of it may be sent.', { field: 'approvalSignature' });
  }
  const wrongNumber = row.kind === 'login' && body.decision === 'approve' && body.numberChoice !== row.login_number;
  const status = body.decision === 'approve' && !wrongNumber ? 'approved' : 'rejected';
  // A wrong number refuses the login whatever the code: the code is not evaluated then.
  const approvalSignature = status === 'approved' ? body.approvalSignature : undefined;
  if (status === 'approved' && approvalSignature === undefined) {
    throw new SecureAccessError(device.approval_public_key === null ? 'approval_code_not_set' : 'bad_request', device.approval_public_key === null
      ? 'Choose an approval code for this device first.' : 'An approval needs the approval code: approvalSignature is missing.', { field: 'approvalSignature' });
  }
  const outcome = await transaction(ctx, async (trx, changes): Promise<{ error: SecureAccessError | null; updated: boolean }> => {
    // Admitted from this instance's memory of the device (its token): checked again where the decision is recorded.
    // The user's row lock first, then the device's: the order a revocation takes them in.
    await assertDeviceMayAct(ctx, trx, device);
    if (approvalSignature !== undefined) {
      const locked = await lockDevice(ctx, trx, device.id);
      if (!locked) return { error: deviceRevokedError(), updated: false };
      // Read after the lock is held, in a statement of its own: on PostgreSQL a row joined to the locking query would
      // be seen as it was before the wait, and a code would be tried against a request approved meanwhile.
      const current = await trx.selectFrom('validations').select(['status', 'expires_at']).where('id', '=', row.id).executeTakeFirstOrThrow();
      if (current.status !== 'pending' || now >= current.expires_at) return { error: null, updated: false };
      const key = approvalKeyOf(locked);
      if ('error' in key) return { error: key.error, updated: false };
      const approval = approvalSigningBytes({
        validationId: row.id, validationNonce: row.nonce, detailsHash: body.detailsHash, deviceId: device.id, decidedAt: body.decidedAt, numberChoice: body.numberChoice,
      });
      const counted = await countApprovalCode(ctx, trx, changes, locked, verifyEd25519(key.publicKey, approval, approvalSignature), origin, { validationId: row.id });
      if (counted) return { error: counted, updated: false };
    }
    const result = await trx.updateTable('validations').set({
      status, decided_at: now, decided_by_device: device.id, decision_signature: body.signature, approval_signature: approvalSignature ?? null,
      decision_reason: wrongNumber ? 'number_mismatch' : body.decision,
    }).where('id', '=', row.id).where('status', '=', 'pending').where('expires_at', '>', now).executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return { error: null, updated: false };
    await changes.userState(row.user_id, { causedByDevice: device.id });
    if (status === 'approved' && row.kind === 'transfer' && row.debit_account_id) {
      const details = JSON.parse(row.details_json) as TransferDetailsT;
      const amount = toMinor(details.amount);
      // The balance may have gone down since the transfer was created (another one approved): never below zero.
      const debited = await trx.updateTable('bank_accounts').set({ balance_minor: sql`balance_minor - ${amount}` })
        .where('id', '=', row.debit_account_id).where('balance_minor', '>=', amount).executeTakeFirst();
      if (Number(debited.numUpdatedRows) !== 1) {
        throw new SecureAccessError('insufficient_funds', 'The available balance of the debit account no longer covers this transfer: nothing was recorded.');
      }
    }
    await audit(ctx, 'validation_decided', { userId: row.user_id, deviceId: device.id, ip: origin.ip, details: { validationId: row.id, kind: row.kind, status, reason: wrongNumber ? 'number_mismatch' : body.decision } }, trx);
    return { error: null, updated: true };
  });
  if (outcome.error) throw outcome.error;
  if (!outcome.updated) {
    const current = await ctx.db.selectFrom('validations').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
    if (effectiveStatus(current, now) === 'expired') throw new SecureAccessError('validation_expired', 'This request has expired: nothing was recorded.');
    throw new SecureAccessError('validation_already_decided', `This request was already ${current.status} on ${current.decided_by_device === device.id ? 'this' : 'another'} device.`);
  }
  if (wrongNumber) {
    throw new SecureAccessError('number_mismatch', 'The number chosen is not the one shown in the Espace Client: the login was refused.');
  }
  return { id: row.id, status, decidedAt: iso(now) } as const;
}

/** How one of the device's user's requests ended, and on which of their devices: for "already approved on …". */
export async function validationOutcome(ctx: ServerContext, device: DeviceRow, validationId: string): Promise<ValidationOutcomeT> {
  const row = await ctx.db.selectFrom('validations')
    .leftJoin('devices', 'devices.id', 'validations.decided_by_device')
    .select(['validations.id', 'validations.status', 'validations.expires_at', 'validations.decided_at', 'devices.id as device_id', 'devices.name as device_name'])
    .where('validations.id', '=', validationId).where('validations.user_id', '=', device.user_id)
    .executeTakeFirst();
  if (!row) throw new SecureAccessError('validation_not_found', 'This request does not exist or is not for this account.');
  return {
    id: row.id,
    status: effectiveStatus({ status: row.status, expires_at: row.expires_at }, ctx.clock.now()),
    decidedAt: isoOrNull(row.decided_at),
    decidedByDevice: row.device_id && row.device_name ? { id: row.device_id, name: row.device_name } : null,
  };
}

export async function getValidation(ctx: ServerContext, validationId: string): Promise<ValidationRow | undefined> {
  return ctx.db.selectFrom('validations').selectAll().where('id', '=', validationId).executeTakeFirst();
}

/** `creator`: the user who created it, when the caller has that row already (a new operation). */
export async function operationView(ctx: ServerContext, row: ValidationRow, creator?: Pick<UserRow, 'id' | 'identifier'>): Promise<OperationViewT> {
  const [createdBy, device] = await Promise.all([
    creator?.id === row.user_id ? creator : ctx.db.selectFrom('users').select('identifier').where('id', '=', row.user_id).executeTakeFirstOrThrow(),
    row.decided_by_device ? ctx.db.selectFrom('devices').select('name').where('id', '=', row.decided_by_device).executeTakeFirst() : undefined,
  ]);
  const stored = JSON.parse(row.details_json) as OperationViewT['details'];
  const details = isLegacyDetails(row.details_json) ? await legacyOperationDetails(ctx, row, stored) : stored;
  return {
    id: row.id, kind: row.kind as OperationViewT['kind'], details,
    status: effectiveStatus(row, ctx.clock.now()), createdBy: createdBy.identifier, createdAt: iso(row.created_at), expiresAt: iso(row.expires_at),
    decidedAt: isoOrNull(row.decided_at), decidedByDevice: device?.name ?? null,
  };
}

export async function listOperations(ctx: ServerContext, companyId: string): Promise<OperationViewT[]> {
  const rows = await ctx.db.selectFrom('validations').selectAll().where('company_id', '=', companyId).where('kind', '!=', 'login')
    .orderBy('created_at', 'desc').limit(200).execute();
  return Promise.all(rows.map((row) => operationView(ctx, row)));
}

export async function companyOperation(ctx: ServerContext, companyId: string, validationId: string): Promise<ValidationRow> {
  const row = await ctx.db.selectFrom('validations').selectAll().where('id', '=', validationId).where('company_id', '=', companyId).where('kind', '!=', 'login').executeTakeFirst();
  if (!row) throw new SecureAccessError('validation_not_found', 'No such operation.');
  return row;
}

/** Long-poll on one operation until its status differs from what the portal shows. */
export async function waitForOperation(ctx: ServerContext, companyId: string, validationId: string, knownStatus: ValidationStatusT | undefined, waitSeconds: number, signal?: AbortSignal): Promise<OperationViewT> {
  const row = await companyOperation(ctx, companyId, validationId);
  const deadline = Date.now() + waitSeconds * 1000;
  for (;;) {
    // Subscribe before reading, so a decision between the read and the wait still wakes us.
    const remaining = deadline - Date.now();
    // Expiry is not an event: wake up at the expiry time too.
    const untilExpiry = Math.max(50, row.expires_at - ctx.clock.now() + 50);
    const waiter = knownStatus !== undefined && remaining > 0 && !signal?.aborted ? waitForUser(ctx.notifier, row.user_id, Math.min(remaining, untilExpiry), signal) : null;
    const view = await operationView(ctx, (await getValidation(ctx, row.id)) as ValidationRow);
    if (!waiter || view.status !== knownStatus) {
      waiter?.cancel();
      return view;
    }
    await waiter.wait();
  }
}

export type { DeviceRow };
export { MAX_AMOUNT_MINOR };
