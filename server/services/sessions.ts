/**
 * Portal sessions and the first-connection path (rules 3 and 4): identifier + secret code, then the Security
 * Code for a primary administrator without a device, the change of a temporary secret code, the installation of
 * Secure Access — or, once a device is active, a Secure Access validation with number matching.
 * Sessions live in the database (any instance can serve any request); the cookie holds a random token whose
 * hash is the key.
 */
import { createHash } from 'node:crypto';
import type { Selectable } from 'kysely';
import { SecureAccessError, type SessionViewT } from '../../protocol/index';
import { transaction } from '../changes';
import { iso, type RequestOrigin, type ServerContext } from '../context';
import { codeMac, macEquals, sha256Token } from '../crypto';
import type { PortalSessionsTable } from '../db/schema';
import { digitCode, randomToken } from '../ids';
import type { WaitCancellation } from '../holds';
import { waitForUser } from '../notifier';
import { codeMessageText, maskPhone } from '../otp';
import { audit } from './audit';
import { consumeRateLimit } from './rate-limit';
import { accountSuspendedError, authenticate, countActiveDevices, getUser, holderOf, type UserRow } from './users';
import { createLoginValidation, effectiveStatus, getValidation } from './validations';

export type SessionRow = Selectable<PortalSessionsTable>;

export interface Session {
  row: SessionRow;
  user: UserRow;
}

/** Rule 3/4: identifier + secret code open a session at its first step; with an active device, a login validation is created. */
export async function login(ctx: ServerContext, identifier: string, secret: string, origin: RequestOrigin): Promise<{ token: string; session: Session }> {
  const user = await authenticate(ctx, identifier, secret, origin);
  const token = randomToken();
  const now = ctx.clock.now();
  const activeDevices = await countActiveDevices(ctx, user.id);
  const loginValidation = activeDevices > 0 ? await createLoginValidation(ctx, user, origin) : null;
  const row: SessionRow = {
    token_hash: sha256Token(token), user_id: user.id, csrf_token: randomToken(24), security_code_hash: null, security_code_channel: null,
    security_code_sent_at: null, security_code_expires_at: null, security_code_attempts: 0, security_code_verified_at: null,
    login_validation_id: loginValidation?.id ?? null, ip: origin.ip, user_agent: origin.userAgent.slice(0, 200), created_at: now, last_seen_at: now, ended_at: null,
  };
  await ctx.db.insertInto('portal_sessions').values(row).execute();
  await audit(ctx, 'login_succeeded', { userId: user.id, ip: origin.ip, details: { secureAccess: loginValidation !== null } });
  return { token, session: { row, user } };
}

/** The session of a cookie, if it is live; `touch` records activity (long-polls do not count as activity). */
export async function loadSession(ctx: ServerContext, token: string | undefined, touch: boolean): Promise<Session> {
  if (!token) throw new SecureAccessError('session_required', 'Please log in.');
  const tokenHash = sha256Token(token);
  const now = ctx.clock.now();
  // The usual case in one statement: a live session, its activity recorded.
  let row = touch
    ? await ctx.db.updateTable('portal_sessions').set({ last_seen_at: now }).where('token_hash', '=', tokenHash).where('ended_at', 'is', null)
      .where('last_seen_at', '>=', now - ctx.limits.sessionIdleSeconds * 1000).where('created_at', '>=', now - ctx.limits.sessionMaxSeconds * 1000)
      .returningAll().executeTakeFirst()
    : undefined;
  if (!row) {
    row = await ctx.db.selectFrom('portal_sessions').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    if (!row || row.ended_at !== null) throw new SecureAccessError('session_required', 'Please log in.');
    const tooLong = now - row.created_at > ctx.limits.sessionMaxSeconds * 1000;
    if (tooLong || now - row.last_seen_at > ctx.limits.sessionIdleSeconds * 1000) {
      await ctx.db.updateTable('portal_sessions').set({ ended_at: now }).where('token_hash', '=', row.token_hash).execute();
      throw new SecureAccessError('session_expired', tooLong
        ? `Your session has reached its maximum length of ${spokenDuration(ctx.limits.sessionMaxSeconds)}. Please log in again.`
        : `Your session has ended after ${spokenDuration(ctx.limits.sessionIdleSeconds)} without activity. Please log in again.`);
    }
  }
  const user = await getUser(ctx, row.user_id);
  if (user.suspended) throw accountSuspendedError();
  return { row, user };
}

/** 28800 → "8 hours", 300 → "5 minutes", 90 → "90 seconds": a limit as the message states it. */
function spokenDuration(seconds: number): string {
  const [amount, unit] = seconds % 3600 === 0 ? [seconds / 3600, 'hour'] : seconds % 60 === 0 ? [seconds / 60, 'minute'] : [seconds, 'second'];
  return `${amount} ${unit}${amount === 1 ? '' : 's'}`;
}

export function checkCsrf(session: Session, header: string | undefined): void {
  if (!header || !macEquals(header, session.row.csrf_token)) throw new SecureAccessError('csrf_invalid', 'This request did not come from an Espace Client page. Reload the page.');
}

export async function logout(ctx: ServerContext, session: Session): Promise<void> {
  await ctx.db.updateTable('portal_sessions').set({ ended_at: ctx.clock.now() }).where('token_hash', '=', session.row.token_hash).execute();
}

interface SessionState {
  step: SessionViewT['step'];
  activeDevices: number;
  loginValidation: SessionViewT['loginValidation'];
}

/** The step a session has reached, from its user (as loaded) and the database: no more than the step needs. */
async function sessionState(ctx: ServerContext, row: SessionRow, user: UserRow): Promise<SessionState> {
  const [activeDevices, loginValidation] = await Promise.all([countActiveDevices(ctx, user.id), loginValidationOf(ctx, row)]);
  return { step: stepOf(row, user, loginValidation, activeDevices), activeDevices, loginValidation };
}

async function loginValidationOf(ctx: ServerContext, row: SessionRow): Promise<SessionViewT['loginValidation']> {
  const validation = row.login_validation_id ? await getValidation(ctx, row.login_validation_id) : undefined;
  return validation && validation.login_number !== null
    ? { id: validation.id, number: validation.login_number, status: effectiveStatus(validation, ctx.clock.now()), expiresAt: iso(validation.expires_at) }
    : null;
}

/**
 * With a login validation the step does not depend on the device count (`activeDevices` may then be null). Only an
 * approved login validation authenticates a session: one opened before the user's first device was activated (at
 * the installation step, with the Code Secret alone) passes Secure Access too once a device is active.
 */
function stepOf(row: SessionRow, user: UserRow, loginValidation: SessionViewT['loginValidation'], activeDevices: number | null): SessionViewT['step'] {
  if (loginValidation && loginValidation.status !== 'approved') return 'secure_access';
  if (!loginValidation && user.role === 'primary_admin' && user.security_phone && activeDevices === 0 && row.security_code_verified_at === null) return 'security_code';
  if (user.must_change_secret) return 'change_secret';
  if (!loginValidation) return activeDevices === 0 ? 'install' : 'secure_access';
  return 'authenticated';
}

/**
 * A session without a login validation whose user now has an active device (it waited at the installation step)
 * asks for one: the portal does it as soon as it sees the step, so the person just approves on the device they
 * activated. One per session: the binding is made in the validation's own transaction, on the condition that the
 * session still has none, so a burst of requests creates one validation and every other answer shows it.
 */
export async function startSecureAccessLogin(ctx: ServerContext, session: Session, origin: RequestOrigin): Promise<Session> {
  const { row, user } = session;
  if (row.login_validation_id === null) {
    await createLoginValidation(ctx, user, origin, async (trx, validation) => {
      const bound = await trx.updateTable('portal_sessions').set({ login_validation_id: validation.id })
        .where('token_hash', '=', row.token_hash).where('login_validation_id', 'is', null).where('ended_at', 'is', null).executeTakeFirst();
      if (Number(bound.numUpdatedRows) !== 1) throw new SessionAlreadyBound();
    }).catch((error: unknown) => {
      if (!(error instanceof SessionAlreadyBound)) throw error;
    });
  }
  return reloadSession(ctx, session);
}

class SessionAlreadyBound extends Error {}

/**
 * The step of a session just loaded (every portal request checks it). A session whose login was approved on
 * Secure Access needs no device count: that is every session of a user with a device, i.e. nearly all of them.
 */
export async function sessionStep(ctx: ServerContext, { row, user }: Session): Promise<SessionViewT['step']> {
  const loginValidation = await loginValidationOf(ctx, row);
  return stepOf(row, user, loginValidation, loginValidation ? null : await countActiveDevices(ctx, user.id));
}

/** Where the session stands, computed from the database every time (nothing cached in a process). */
export async function sessionView(ctx: ServerContext, session: Session): Promise<SessionViewT> {
  const { row } = session;
  const user = await getUser(ctx, row.user_id);
  const { step, activeDevices, loginValidation } = await sessionState(ctx, row, user);

  const securityCode = row.security_code_channel && row.security_code_sent_at !== null && row.security_code_expires_at !== null && step === 'security_code'
    ? { channel: row.security_code_channel, sentAt: iso(row.security_code_sent_at), expiresAt: iso(row.security_code_expires_at), attemptsLeft: Math.max(0, ctx.limits.maxCodeAttempts - row.security_code_attempts) }
    : null;
  const holder = await holderOf(ctx, user);
  const stateParts = [step, loginValidation?.status ?? '-', activeDevices, securityCode?.sentAt ?? '-', securityCode?.attemptsLeft ?? '-', user.must_change_secret];
  return {
    step,
    stateKey: createHash('sha256').update(stateParts.join('|')).digest('base64url').slice(0, 16),
    holder,
    securityPhoneMasked: user.security_phone ? maskPhone(user.security_phone) : null,
    csrfToken: row.csrf_token,
    idleTimeoutSeconds: ctx.limits.sessionIdleSeconds,
    activeDevices,
    maxDevices: ctx.limits.maxDevicesPerUser,
    securityCode,
    loginValidation,
  };
}

/** Waits until the view differs from what the page shows (a device activated, the login approved...). */
export async function waitForSessionChange(ctx: ServerContext, session: Session, knownState: string | undefined, waitSeconds: number, cancellation?: WaitCancellation | null): Promise<SessionViewT> {
  const deadline = Date.now() + waitSeconds * 1000;
  for (;;) {
    const remaining = deadline - Date.now();
    const waiter = knownState !== undefined && remaining > 0 && !cancellation?.cancelled ? waitForUser(ctx.notifier, session.user.id, remaining, cancellation) : null;
    const view = await sessionView(ctx, session);
    if (!waiter || view.stateKey !== knownState) {
      waiter?.cancel();
      return view;
    }
    await waiter.wait();
  }
}

export function requireStep(step: SessionViewT['step'], steps: readonly SessionViewT['step'][]): void {
  if (!steps.includes(step)) {
    throw new SecureAccessError('step_required', step === 'install'
      ? 'Install and activate Secure Access first: no other function is available until a device is active.'
      : 'Finish logging in first.');
  }
}

function securityCodePurpose(session: SessionRow): string {
  return `security-code:${session.token_hash}`;
}

export async function sendSecurityCode(ctx: ServerContext, session: Session, channel: 'sms' | 'voice', origin: RequestOrigin): Promise<void> {
  const { user, row } = session;
  if (!user.security_phone) throw new SecureAccessError('channel_not_available', 'No Security Phone is declared for this account.');
  await consumeRateLimit(ctx, `security-code:user:${user.id}`, ctx.limits.codeRequestsPerAccount, ctx.limits.codeRequestWindowSeconds);
  await consumeRateLimit(ctx, `security-code:ip:${origin.ip}`, ctx.limits.codeRequestsPerIp, ctx.limits.codeRequestWindowSeconds);
  const code = digitCode();
  const now = ctx.clock.now();
  const validity = ctx.limits.phoneCodeValiditySeconds;
  // Sent before it is recorded: if the SMS/voice provider fails, the session does not claim a code was sent.
  await ctx.otp.send({ to: user.security_phone, channel, text: codeMessageText(code, 'security_code', channel, validity / 60), purpose: 'security_code', userId: user.id });
  // The attempt count stays: a new code does not buy new attempts.
  await ctx.db.updateTable('portal_sessions').set({
    security_code_hash: codeMac(ctx.codePepper, securityCodePurpose(row), code), security_code_channel: channel,
    security_code_sent_at: now, security_code_expires_at: now + validity * 1000,
  }).where('token_hash', '=', row.token_hash).execute();
  await audit(ctx, 'security_code_sent', { userId: user.id, ip: origin.ip, details: { channel } });
}

/**
 * Rule 3's five attempts under concurrency: each attempt takes its slot in the session's row first (a conditional
 * UPDATE, serialised on the row by either database), and only then is the code compared, with the code of that
 * row. A sixth attempt gets no slot and is never compared; the attempt that fills the last slot with a wrong code
 * ends the session, and a right code is accepted only while the session is still open.
 */
export async function verifySecurityCode(ctx: ServerContext, session: Session, typed: string, origin: RequestOrigin): Promise<void> {
  const { row, user } = session;
  const max = ctx.limits.maxCodeAttempts;
  const now = ctx.clock.now();
  const reserved = await ctx.db.updateTable('portal_sessions')
    .set((eb) => ({ security_code_attempts: eb('security_code_attempts', '+', 1) }))
    .where('token_hash', '=', row.token_hash).where('ended_at', 'is', null).where('security_code_verified_at', 'is', null)
    .where('security_code_hash', 'is not', null).where('security_code_expires_at', '>', now).where('security_code_attempts', '<', max)
    .returningAll().executeTakeFirst();
  if (!reserved) throw await noSecurityCodeSlot(ctx, row.token_hash, now);

  const slot = reserved.security_code_attempts;
  const codeHash = reserved.security_code_hash as string;
  if (!macEquals(codeMac(ctx.codePepper, securityCodePurpose(reserved), typed.trim()), codeHash)) {
    const attemptsLeft = max - slot;
    await audit(ctx, 'security_code_failed', { userId: user.id, ip: origin.ip, details: { attemptsLeft } });
    if (attemptsLeft === 0) {
      await ctx.db.updateTable('portal_sessions').set({ ended_at: now })
        .where('token_hash', '=', row.token_hash).where('security_code_verified_at', 'is', null).execute();
      throw new SecureAccessError('security_code_attempts_exhausted', 'Too many wrong Security Codes: log in again.', { attemptsLeft: 0 });
    }
    throw new SecureAccessError('security_code_invalid', 'This Security Code is incorrect.', { attemptsLeft });
  }
  // Still the same code, the session still open: the last wrong attempt may have ended it meanwhile.
  const verified = await transaction(ctx, async (trx, changes) => {
    const result = await trx.updateTable('portal_sessions').set({ security_code_verified_at: now, security_code_hash: null })
      .where('token_hash', '=', row.token_hash).where('ended_at', 'is', null).where('security_code_hash', '=', codeHash).executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return false;
    await audit(ctx, 'security_code_verified', { userId: user.id, ip: origin.ip }, trx);
    await changes.wake(user.id);
    return true;
  });
  if (!verified) throw await noSecurityCodeSlot(ctx, row.token_hash, now);
}

/** Why an attempt at the Security Code got no slot (or lost it): read after the refusal, for the answer only. */
async function noSecurityCodeSlot(ctx: ServerContext, tokenHash: string, now: number): Promise<SecureAccessError> {
  const fresh = await ctx.db.selectFrom('portal_sessions').selectAll().where('token_hash', '=', tokenHash).executeTakeFirstOrThrow();
  // Verified first: the right code sent several times at once can fill the slots, and the session is still open.
  if (fresh.ended_at === null && fresh.security_code_verified_at !== null) return new SecureAccessError('step_required', 'The Security Code has already been verified.');
  if (fresh.ended_at !== null || fresh.security_code_attempts >= ctx.limits.maxCodeAttempts) {
    return new SecureAccessError('security_code_attempts_exhausted', 'Too many wrong Security Codes: log in again.', { attemptsLeft: 0 });
  }
  if (!fresh.security_code_hash || fresh.security_code_expires_at === null) return new SecureAccessError('security_code_not_requested', 'Ask for a Security Code first.');
  if (now >= fresh.security_code_expires_at) return new SecureAccessError('security_code_expired', 'This Security Code has expired: ask for a new one.');
  return new SecureAccessError('security_code_invalid', 'This Security Code is incorrect.', { attemptsLeft: ctx.limits.maxCodeAttempts - fresh.security_code_attempts });
}

export async function reloadSession(ctx: ServerContext, session: Session): Promise<Session> {
  const row = await ctx.db.selectFrom('portal_sessions').selectAll().where('token_hash', '=', session.row.token_hash).executeTakeFirstOrThrow();
  return { row, user: await getUser(ctx, row.user_id) };
}
