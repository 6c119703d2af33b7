/** Companies, users, secret codes and sign-in (rules 1, 2, 5). */
import { sql, type Selectable } from 'kysely';
import {
  SecureAccessError, type AccountHolderT, type CreateSubscriptionBodyT, type CreateUserBodyT, type UserViewT,
} from '../../protocol/index';
import { transaction } from '../changes';
import { iso, type RequestOrigin, type ServerContext } from '../context';
import type { UsersTable } from '../db/schema';
import { DUMMY_SECRET_HASH, hashSecret, verifySecret } from '../crypto';
import { digitCode, newId } from '../ids';
import { audit } from './audit';
import { createDemoBankAccounts } from './bank-accounts';

export type UserRow = Selectable<UsersTable>;

/** What a suspended user is told, in the portal and on their devices alike. */
export function accountSuspendedError(): SecureAccessError {
  return new SecureAccessError('account_locked', 'This account has been suspended by your administrator.', { lockedUntil: null });
}

export async function getUser(ctx: ServerContext, userId: string): Promise<UserRow> {
  const user = await ctx.db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
  if (!user) throw new SecureAccessError('user_not_found', 'This user does not exist.');
  return user;
}

export async function holderOf(ctx: ServerContext, user: UserRow): Promise<AccountHolderT> {
  const company = await ctx.db.selectFrom('companies').select('name').where('id', '=', user.company_id).executeTakeFirstOrThrow();
  return { userId: user.id, identifier: user.identifier, displayName: user.display_name, role: user.role, companyName: company.name };
}

export async function countActiveDevices(ctx: ServerContext, userId: string, db = ctx.db): Promise<number> {
  const row = await db.selectFrom('devices').select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId).where('status', '=', 'active').executeTakeFirstOrThrow();
  return Number(row.n);
}

export function userStatus(ctx: ServerContext, user: UserRow): UserViewT['status'] {
  if (user.suspended) return 'suspended';
  if (user.locked_until !== null && user.locked_until > ctx.clock.now()) return 'locked';
  return 'active';
}

export async function userView(ctx: ServerContext, user: UserRow): Promise<UserViewT> {
  return {
    id: user.id, identifier: user.identifier, displayName: user.display_name, role: user.role, status: userStatus(ctx, user),
    mustChangeSecret: user.must_change_secret === 1, activeDevices: await countActiveDevices(ctx, user.id), createdAt: iso(user.created_at),
  };
}

function temporarySecretCode(): string {
  return digitCode(8);
}

async function uniqueIdentifier(ctx: ServerContext, base: string): Promise<string> {
  const stem = base.normalize('NFD').replace(/[^A-Za-z0-9]/g, '').toLowerCase().slice(0, 12) || 'user';
  for (let attempt = 0; attempt < 50; attempt++) {
    const candidate = `${stem}${String(Math.floor(1000 + Math.random() * 9000))}`;
    const taken = await ctx.db.selectFrom('users').select('id').where('identifier_key', '=', candidate).executeTakeFirst();
    if (!taken) return candidate;
  }
  throw new SecureAccessError('identifier_taken', 'No free identifier could be found; choose one.');
}

/** Every way the two databases say a unique index refused a row. */
function isUniqueViolation(error: unknown): boolean {
  return /unique|duplicate/i.test(String(error));
}

/**
 * A new user with a temporary secret code, written by `write` (alone, or with its company). Two creations can take
 * the same identifier at once; the unique index decides: a chosen identifier is then refused, a generated one is
 * drawn again.
 */
async function createUser(
  ctx: ServerContext,
  input: { companyId: string; identifier: string | undefined; displayName: string; role: UserRow['role']; securityPhone: string | null },
  write: (user: UserRow) => Promise<void>,
): Promise<{ user: UserRow; temporarySecretCode: string }> {
  const secret = temporarySecretCode();
  const secretHash = await hashSecret(secret);
  for (let draw = 1; ; draw++) {
    const identifier = input.identifier ?? (await uniqueIdentifier(ctx, input.displayName));
    const user: UserRow = {
      id: newId('usr'), company_id: input.companyId, identifier, identifier_key: identifier.toLowerCase(), display_name: input.displayName,
      role: input.role, secret_hash: secretHash, must_change_secret: 1, security_phone: input.securityPhone,
      failed_logins: 0, locked_until: null, suspended: 0, validation_version: 0, created_at: ctx.clock.now(),
    };
    try {
      await write(user);
      return { user, temporarySecretCode: secret };
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      if (input.identifier !== undefined) throw new SecureAccessError('identifier_taken', 'This identifier is already used.', { field: 'identifier' });
      if (draw >= MAX_IDENTIFIER_DRAWS) throw new SecureAccessError('identifier_taken', 'No free identifier could be found; choose one.');
    }
  }
}

const MAX_IDENTIFIER_DRAWS = 5;

/** Rule 1: no subscription without a Security Phone for the primary administrator. */
export async function createSubscription(ctx: ServerContext, body: CreateSubscriptionBodyT) {
  const phone = body.primaryAdmin.securityPhone;
  if (!phone) {
    throw new SecureAccessError('security_phone_required', 'A "Téléphone Sécurité" must be declared for the primary administrator.', { field: 'primaryAdmin.securityPhone' });
  }
  const companyId = newId('cmp');
  // The company and its primary administrator in one step: a refused identifier leaves no company without one.
  const { user, temporarySecretCode: secret } = await createUser(ctx, {
    companyId, identifier: body.primaryAdmin.identifier, displayName: body.primaryAdmin.displayName, role: 'primary_admin', securityPhone: phone,
  }, (user) => transaction(ctx, async (trx) => {
    await trx.insertInto('companies').values({ id: companyId, name: body.companyName, created_at: ctx.clock.now() }).execute();
    await trx.insertInto('users').values(user).execute();
  }));
  await createDemoBankAccounts(ctx, companyId);
  await audit(ctx, 'subscription_created', { userId: user.id, details: { companyId } });
  return { companyId, primaryAdmin: await userView(ctx, user), temporarySecretCode: secret };
}

/** Rule 2: the administrator creates secondary users; the temporary code is returned once and stored hashed. */
export async function createSecondaryUser(ctx: ServerContext, admin: UserRow, body: CreateUserBodyT) {
  const { user, temporarySecretCode: secret } = await createUser(ctx, {
    companyId: admin.company_id, identifier: body.identifier, displayName: body.displayName, role: body.role ?? 'user', securityPhone: null,
  }, async (user) => {
    await ctx.db.insertInto('users').values(user).execute();
  });
  await audit(ctx, 'user_created', { userId: user.id, details: { by: admin.id } });
  return { user: await userView(ctx, user), temporarySecretCode: secret };
}

/**
 * Identifier + secret code (rule 5). Five wrong codes in a row lock the account for a while; the answer never
 * says whether the identifier or the code was wrong, and an unknown identifier costs the same time and shows
 * the same countdown as a known one.
 */
export async function authenticate(ctx: ServerContext, identifier: string, secret: string, origin: RequestOrigin): Promise<UserRow> {
  const key = identifier.toLowerCase();
  const now = ctx.clock.now();
  const attempt = await reserveSecretAttempt(ctx, 'identifier_key', key, now);
  if (attempt === 'unknown') {
    // Locked like a known identifier would be, without a check; else checked against a dummy hash, so an unknown
    // identifier costs the time a known one does.
    const lockedUntil = await unknownIdentifierLock(ctx, key, now);
    if (lockedUntil !== null) throw lockedError(lockedUntil);
    await verifySecret(secret, DUMMY_SECRET_HASH);
    throw await failUnknownIdentifier(ctx, key, now);
  }
  return settleSecretAttempt(ctx, attempt, await verifySecret(secret, attempt.user.secret_hash), origin, now);
}

/** One attempt at a user's Code Secret, counted as a failure until its check says otherwise. */
interface ReservedAttempt {
  user: UserRow;
  /** Its place in the current run of attempts: the count of failures it was reserved as. */
  slot: number;
}

/**
 * Rule 5 under concurrency: an attempt at the Code Secret is counted as a failure in the user's row *before* the
 * slow scrypt check (one conditional UPDATE, so every database serialises them on the row), and only as many
 * attempts as the lock allows ever get a slot. The check then settles it: a wrong code keeps its count (the one
 * that fills the last slot locks the account), a right one takes back its own slot and those before it, never the
 * failures counted after it, and never a lock set meanwhile. Nothing is decided on a copy read before the check, and
 * no database lock is held across it (on SQLite that would stop every writer for the scrypt's 50 ms). An attempt cut
 * short by a crash stays counted as a failure: the safe side.
 */
async function reserveSecretAttempt(ctx: ServerContext, column: 'identifier_key' | 'id', value: string, now: number): Promise<ReservedAttempt | 'unknown'> {
  const max = ctx.limits.maxFailedLogins;
  // A lock that has run out starts a fresh count.
  const lockOver = sql<boolean>`locked_until is not null and locked_until <= ${now}`;
  const reserved = await ctx.db.updateTable('users')
    .set({
      failed_logins: sql`(case when ${lockOver} then 0 else failed_logins end) + 1`,
      locked_until: sql`case when ${lockOver} then null else locked_until end`,
    })
    .where(column, '=', value)
    .where(sql<boolean>`(locked_until is null and failed_logins < ${max}) or ${lockOver}`)
    .returningAll().executeTakeFirst();
  if (reserved) return { user: reserved, slot: reserved.failed_logins };

  const user = await ctx.db.selectFrom('users').selectAll().where(column, '=', value).executeTakeFirst();
  if (!user) return 'unknown';
  if (user.locked_until !== null && user.locked_until > now) throw lockedError(user.locked_until);
  // Every slot is taken by attempts still being checked (or cut short by a crash): one more is one too many.
  const lockedUntil = now + ctx.limits.lockMinutes * 60_000;
  const locked = await ctx.db.updateTable('users').set({ locked_until: lockedUntil })
    .where('id', '=', user.id).where('locked_until', 'is', null).where('failed_logins', '>=', max).executeTakeFirst();
  if (Number(locked.numUpdatedRows) === 1) {
    await audit(ctx, 'account_locked', { userId: user.id, details: { reason: 'failed_logins', until: lockedUntil } });
    throw lockedError(lockedUntil);
  }
  throw lockedError(await lockedUntilOf(ctx, user.id, now));
}

async function settleSecretAttempt(ctx: ServerContext, attempt: ReservedAttempt, matches: boolean, origin: RequestOrigin, now: number): Promise<UserRow> {
  const { maxFailedLogins, lockMinutes } = ctx.limits;
  const { user, slot } = attempt;
  if (!matches) {
    if (slot >= maxFailedLogins) {
      await audit(ctx, 'login_failed', { userId: user.id, ip: origin.ip, details: { attemptsLeft: 0 } });
      const lockedUntil = now + lockMinutes * 60_000;
      const locked = await ctx.db.updateTable('users').set({ locked_until: lockedUntil })
        .where('id', '=', user.id).where('locked_until', 'is', null).where('failed_logins', '>=', maxFailedLogins).executeTakeFirst();
      if (Number(locked.numUpdatedRows) === 1) {
        await audit(ctx, 'account_locked', { userId: user.id, ip: origin.ip, details: { reason: 'failed_logins', until: lockedUntil } });
        throw lockedError(lockedUntil);
      }
      const current = await getUser(ctx, user.id);
      if (current.locked_until !== null && current.locked_until > now) throw lockedError(current.locked_until);
      // A right code reserved before this one took back the earlier failures: this one still counts.
      throw invalidCredentials(Math.max(0, maxFailedLogins - current.failed_logins));
    }
    await audit(ctx, 'login_failed', { userId: user.id, ip: origin.ip, details: { attemptsLeft: maxFailedLogins - slot } });
    throw invalidCredentials(maxFailedLogins - slot);
  }
  // Only if no lock was set since the reservation; the failures counted after this attempt's slot stay counted.
  const settled = await ctx.db.updateTable('users')
    .set({ failed_logins: sql`case when failed_logins >= ${slot} then failed_logins - ${slot} else 0 end` })
    .where('id', '=', user.id).where('locked_until', 'is', null)
    .returningAll().executeTakeFirst();
  if (!settled) throw lockedError(await lockedUntilOf(ctx, user.id, now));
  if (settled.suspended) throw accountSuspendedError();
  return settled;
}

async function lockedUntilOf(ctx: ServerContext, userId: string, now: number): Promise<number> {
  const row = await ctx.db.selectFrom('users').select('locked_until').where('id', '=', userId).executeTakeFirst();
  return row?.locked_until ?? now + ctx.limits.lockMinutes * 60_000;
}

/**
 * An unknown identifier goes through the same states as a known one — a streak of failures that does not
 * decay with a time window, a lock of lockMinutes from the last failure, a fresh count after it — so neither
 * the countdown nor the lock's end tells it apart. Kept in rate_limits: the streak row's window_start is the
 * last failure (forgotten after a day of silence by the pruner), the lock row's is the lock's end.
 */
async function unknownIdentifierLock(ctx: ServerContext, identifierKey: string, now: number): Promise<number | null> {
  const lock = await ctx.db.selectFrom('rate_limits').select('window_start').where('bucket', '=', `login-unknown-lock:${identifierKey}`)
    .orderBy('window_start', 'desc').executeTakeFirst();
  return lock && lock.window_start > now ? lock.window_start : null;
}

async function failUnknownIdentifier(ctx: ServerContext, identifierKey: string, now: number): Promise<SecureAccessError> {
  const { maxFailedLogins, lockMinutes } = ctx.limits;
  const streakBucket = `login-unknown:${identifierKey}`;
  const lockBucket = `login-unknown-lock:${identifierKey}`;
  return ctx.db.transaction().execute(async (trx) => {
    const lock = await trx.selectFrom('rate_limits').select('window_start').where('bucket', '=', lockBucket).orderBy('window_start', 'desc').executeTakeFirst();
    if (lock && lock.window_start > now) return lockedError(lock.window_start);
    const streak = await trx.selectFrom('rate_limits').select('count').where('bucket', '=', streakBucket).execute();
    const failed = Math.max(0, ...streak.map((row) => row.count)) + 1;
    await trx.deleteFrom('rate_limits').where('bucket', 'in', [streakBucket, lockBucket]).execute();
    if (failed >= maxFailedLogins) {
      const lockedUntil = now + lockMinutes * 60_000;
      await trx.insertInto('rate_limits').values({ bucket: lockBucket, window_start: lockedUntil, count: 1 })
        .onConflict((conflict) => conflict.columns(['bucket', 'window_start']).doNothing()).execute();
      return lockedError(lockedUntil);
    }
    await trx.insertInto('rate_limits').values({ bucket: streakBucket, window_start: now, count: failed })
      .onConflict((conflict) => conflict.columns(['bucket', 'window_start']).doUpdateSet({ count: failed })).execute();
    return invalidCredentials(maxFailedLogins - failed);
  });
}

function invalidCredentials(attemptsLeft: number): SecureAccessError {
  return new SecureAccessError('invalid_credentials', 'Identifier or secret code incorrect.', { attemptsLeft });
}

function lockedError(until: number): SecureAccessError {
  return new SecureAccessError('account_locked', 'Too many wrong secret codes: this account is temporarily locked.', { lockedUntil: iso(until) });
}

/**
 * The new secret code: at least 8 characters, letters and digits, different from the current one. A wrong current
 * code counts towards the lock like a wrong one at login (a session is not a licence to guess). The user's other
 * portal sessions end: whoever opened them with the old code is out.
 */
export async function changeSecret(ctx: ServerContext, user: UserRow, current: string, next: string, origin: RequestOrigin, keepSession: string): Promise<void> {
  const now = ctx.clock.now();
  const attempt = await reserveSecretAttempt(ctx, 'id', user.id, now);
  if (attempt === 'unknown') throw new SecureAccessError('user_not_found', 'This user does not exist.');
  const matches = await verifySecret(current, attempt.user.secret_hash);
  try {
    await settleSecretAttempt(ctx, attempt, matches, origin, now);
  } catch (error) {
    if (error instanceof SecureAccessError && error.code === 'invalid_credentials') {
      throw new SecureAccessError('invalid_credentials', 'The current secret code is incorrect.', { ...error.facts, field: 'currentSecretCode' });
    }
    throw error;
  }
  if (next.length < 8 || !/[A-Za-z]/.test(next) || !/[0-9]/.test(next)) {
    throw new SecureAccessError('secret_code_too_weak', 'The new secret code needs at least 8 characters, with letters and digits.', { field: 'newSecretCode' });
  }
  if (next === current) {
    throw new SecureAccessError('secret_code_unchanged', 'The new secret code must differ from the current one.', { field: 'newSecretCode' });
  }
  const nextHash = await hashSecret(next);
  await transaction(ctx, async (trx, changes) => {
    // Two changes at once: the first wins, the second finds the code it checked gone.
    const changed = await trx.updateTable('users').set({ secret_hash: nextHash, must_change_secret: 0 })
      .where('id', '=', user.id).where('secret_hash', '=', attempt.user.secret_hash).executeTakeFirst();
    if (Number(changed.numUpdatedRows) !== 1) {
      throw new SecureAccessError('invalid_credentials', 'The current secret code is incorrect.', { field: 'currentSecretCode' });
    }
    await trx.updateTable('portal_sessions').set({ ended_at: now })
      .where('user_id', '=', user.id).where('ended_at', 'is', null).where('token_hash', '!=', keepSession).execute();
    await audit(ctx, 'secret_changed', { userId: user.id, ip: origin.ip }, trx);
    await changes.wake(user.id);
  });
}

export async function listCompanyUsers(ctx: ServerContext, companyId: string): Promise<UserViewT[]> {
  const users = await ctx.db.selectFrom('users').selectAll().where('company_id', '=', companyId).orderBy('created_at').execute();
  return Promise.all(users.map((user) => userView(ctx, user)));
}

export async function companyUser(ctx: ServerContext, admin: UserRow, userId: string): Promise<UserRow> {
  const user = await ctx.db.selectFrom('users').selectAll().where('id', '=', userId).where('company_id', '=', admin.company_id).executeTakeFirst();
  if (!user) throw new SecureAccessError('user_not_found', 'No such user in your company.');
  return user;
}

export async function setSuspended(ctx: ServerContext, admin: UserRow, userId: string, suspended: boolean, origin: RequestOrigin): Promise<UserViewT> {
  const user = await companyUser(ctx, admin, userId);
  if (user.id === admin.id && suspended) throw new SecureAccessError('forbidden', 'You cannot suspend your own account.');
  if (user.role === 'primary_admin' && admin.role !== 'primary_admin') throw new SecureAccessError('forbidden', 'Only the primary administrator can do this.');
  await transaction(ctx, async (trx, changes) => {
    // Only a row that changes is written and audited: a retry (or the same click on two instances at once; the
    // second waits for the first's row lock, then finds nothing left to change) is not a second suspension.
    const changed = suspended
      ? await trx.updateTable('users').set({ suspended: 1 }).where('id', '=', user.id).where('suspended', '=', 0).executeTakeFirst()
      : await trx.updateTable('users').set({ suspended: 0, locked_until: null, failed_logins: 0 }).where('id', '=', user.id)
        .where((eb) => eb.or([eb('suspended', '=', 1), eb('locked_until', 'is not', null), eb('failed_logins', '>', 0)])).executeTakeFirst();
    if (suspended) {
      await trx.updateTable('portal_sessions').set({ ended_at: ctx.clock.now() }).where('user_id', '=', user.id).where('ended_at', 'is', null).execute();
    }
    // A suspended user's devices are refused, wherever they ask. Announced even when nothing changed: an operator who
    // retries tells an instance that missed the first announcement.
    await changes.userState(user.id);
    if (Number(changed.numUpdatedRows) === 1) {
      await audit(ctx, suspended ? 'account_suspended' : 'account_unlocked', { userId: user.id, ip: origin.ip, details: { by: admin.id } }, trx);
    }
  });
  return userView(ctx, await getUser(ctx, user.id));
}

export function isAdministrator(user: UserRow): boolean {
  return user.role === 'primary_admin' || user.role === 'admin';
}
