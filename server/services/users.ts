/** Companies, users, secret codes and sign-in (rules 1, 2, 5). */
import type { Selectable } from 'kysely';
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

async function insertUser(
  ctx: ServerContext,
  input: { companyId: string; identifier: string; displayName: string; role: UserRow['role']; securityPhone: string | null },
): Promise<{ user: UserRow; temporarySecretCode: string }> {
  const key = input.identifier.toLowerCase();
  const taken = await ctx.db.selectFrom('users').select('id').where('identifier_key', '=', key).executeTakeFirst();
  if (taken) throw new SecureAccessError('identifier_taken', 'This identifier is already used.', { field: 'identifier' });
  const secret = temporarySecretCode();
  const user: UserRow = {
    id: newId('usr'), company_id: input.companyId, identifier: input.identifier, identifier_key: key, display_name: input.displayName,
    role: input.role, secret_hash: await hashSecret(secret), must_change_secret: 1, security_phone: input.securityPhone,
    failed_logins: 0, locked_until: null, suspended: 0, validation_version: 0, created_at: ctx.clock.now(),
  };
  try {
    await ctx.db.insertInto('users').values(user).execute();
  } catch (error) {
    // Two administrators choosing the same identifier at once: the unique index decides.
    if (/unique|duplicate/i.test(String(error))) throw new SecureAccessError('identifier_taken', 'This identifier is already used.', { field: 'identifier' });
    throw error;
  }
  return { user, temporarySecretCode: secret };
}

/** Rule 1: no subscription without a Security Phone for the primary administrator. */
export async function createSubscription(ctx: ServerContext, body: CreateSubscriptionBodyT) {
  const phone = body.primaryAdmin.securityPhone;
  if (!phone) {
    throw new SecureAccessError('security_phone_required', 'A "Téléphone Sécurité" must be declared for the primary administrator.', { field: 'primaryAdmin.securityPhone' });
  }
  const companyId = newId('cmp');
  await ctx.db.insertInto('companies').values({ id: companyId, name: body.companyName, created_at: ctx.clock.now() }).execute();
  const identifier = body.primaryAdmin.identifier ?? (await uniqueIdentifier(ctx, body.primaryAdmin.displayName));
  const { user, temporarySecretCode: secret } = await insertUser(ctx, {
    companyId, identifier, displayName: body.primaryAdmin.displayName, role: 'primary_admin', securityPhone: phone,
  });
  await createDemoBankAccounts(ctx, companyId);
  await audit(ctx, 'subscription_created', { userId: user.id, details: { companyId } });
  return { companyId, primaryAdmin: await userView(ctx, user), temporarySecretCode: secret };
}

/** Rule 2: the administrator creates secondary users; the temporary code is returned once and stored hashed. */
export async function createSecondaryUser(ctx: ServerContext, admin: UserRow, body: CreateUserBodyT) {
  const identifier = body.identifier ?? (await uniqueIdentifier(ctx, body.displayName));
  const { user, temporarySecretCode: secret } = await insertUser(ctx, {
    companyId: admin.company_id, identifier, displayName: body.displayName, role: body.role ?? 'user', securityPhone: null,
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
  const { maxFailedLogins, lockMinutes } = ctx.limits;
  const now = ctx.clock.now();
  const user = await ctx.db.selectFrom('users').selectAll().where('identifier_key', '=', identifier.toLowerCase()).executeTakeFirst();
  const matches = await verifySecret(secret, user?.secret_hash ?? DUMMY_SECRET_HASH);

  if (!user) throw await failUnknownIdentifier(ctx, identifier.toLowerCase(), now);
  if (user.locked_until !== null && user.locked_until > now) throw lockedError(user.locked_until);

  if (!matches) {
    // Counted in the database, atomically: wrong codes sent all at once cannot slip past the limit.
    const bumped = await ctx.db.updateTable('users').set((eb) => ({ failed_logins: eb('failed_logins', '+', 1) }))
      .where('id', '=', user.id).where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
      .returning('failed_logins').executeTakeFirst();
    if (!bumped) throw lockedError(await lockedUntilOf(ctx, user.id, now));
    if (bumped.failed_logins >= maxFailedLogins) {
      const lockedUntil = now + lockMinutes * 60_000;
      const locked = await ctx.db.updateTable('users').set({ failed_logins: 0, locked_until: lockedUntil })
        .where('id', '=', user.id).where('failed_logins', '>=', maxFailedLogins).executeTakeFirst();
      if (Number(locked.numUpdatedRows) === 1) {
        await audit(ctx, 'account_locked', { userId: user.id, ip: origin.ip, details: { reason: 'failed_logins', until: lockedUntil } });
        throw lockedError(lockedUntil);
      }
      throw lockedError(await lockedUntilOf(ctx, user.id, now));
    }
    await audit(ctx, 'login_failed', { userId: user.id, ip: origin.ip, details: { attemptsLeft: maxFailedLogins - bumped.failed_logins } });
    throw invalidCredentials(maxFailedLogins - bumped.failed_logins);
  }
  if (user.suspended) throw accountSuspendedError();
  if (user.failed_logins !== 0 || user.locked_until !== null) {
    await ctx.db.updateTable('users').set({ failed_logins: 0, locked_until: null }).where('id', '=', user.id).execute();
  }
  return { ...user, failed_logins: 0, locked_until: null };
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

/** The new secret code: at least 8 characters, letters and digits, different from the current one. */
export async function changeSecret(ctx: ServerContext, user: UserRow, current: string, next: string, origin: RequestOrigin): Promise<void> {
  if (!(await verifySecret(current, user.secret_hash))) {
    throw new SecureAccessError('invalid_credentials', 'The current secret code is incorrect.', { field: 'currentSecretCode' });
  }
  if (next.length < 8 || !/[A-Za-z]/.test(next) || !/[0-9]/.test(next)) {
    throw new SecureAccessError('secret_code_too_weak', 'The new secret code needs at least 8 characters, with letters and digits.', { field: 'newSecretCode' });
  }
  if (next === current) {
    throw new SecureAccessError('secret_code_unchanged', 'The new secret code must differ from the current one.', { field: 'newSecretCode' });
  }
  const secretHash = await hashSecret(next);
  await transaction(ctx, async (trx, changes) => {
    await trx.updateTable('users').set({ secret_hash: secretHash, must_change_secret: 0 }).where('id', '=', user.id).execute();
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
  const set = suspended ? { suspended: 1 } : { suspended: 0, locked_until: null, failed_logins: 0 };
  await transaction(ctx, async (trx, changes) => {
    await trx.updateTable('users').set(set).where('id', '=', user.id).execute();
    if (suspended) {
      await trx.updateTable('portal_sessions').set({ ended_at: ctx.clock.now() }).where('user_id', '=', user.id).where('ended_at', 'is', null).execute();
    }
    // A suspended user's devices are refused, wherever they ask. Announced even when nothing changed: an operator who
    // retries tells an instance that missed the first announcement.
    await changes.userState(user.id);
    await audit(ctx, suspended ? 'account_suspended' : 'account_unlocked', { userId: user.id, ip: origin.ip, details: { by: admin.id } }, trx);
  });
  return userView(ctx, await getUser(ctx, user.id));
}

export function isAdministrator(user: UserRow): boolean {
  return user.role === 'primary_admin' || user.role === 'admin';
}
