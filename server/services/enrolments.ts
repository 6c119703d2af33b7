/**
 * Enrolment and activation (rules 6–13): "one code, one device, one account".
 * An enrolment is a device key waiting to become a device. Its code is bound to it (stored as an HMAC over the
 * enrolment id), and activating needs a request signed by that key, so a stolen code alone activates nothing.
 */
import type { Selectable, Transaction } from 'kysely';
import {
  MAX_DEVICES_PER_USER, SecureAccessError, normalizeCode, type ActivationViewT, type CreateEnrolmentBodyT, type EnrolmentViewT,
} from '../../protocol/index';
import { transaction, type Changes } from '../changes';
import { iso, isoOrNull, type RequestOrigin, type ServerContext } from '../context';
import { codeMac, macEquals, parsePublicKey } from '../crypto';
import { lockUser } from '../db/database';
import type { Database, EnrolmentsTable } from '../db/schema';
import { digitCode, groupedCode, newId } from '../ids';
import { codeMessageText, maskPhone } from '../otp';
import { audit } from './audit';
import { deviceView } from './devices';
import { consumeRateLimit } from './rate-limit';
import { authenticate, countActiveDevices, getUser, holderOf, isAdministrator, type UserRow } from './users';

export type EnrolmentRow = Selectable<EnrolmentsTable>;

/**
 * Rule 7/8/9: a primary administrator without an active device gets the code on the Security Phone; with one,
 * from Administration; everyone else asks their administrator.
 */
function deliveryFor(user: UserRow, activeDevices: number): EnrolmentRow['code_delivery'] {
  if (user.role === 'primary_admin') return activeDevices === 0 && user.security_phone ? 'security_phone' : activeDevices === 0 ? 'administrator' : 'administration';
  if (user.role === 'admin' && activeDevices > 0) return 'administration';
  return 'administrator';
}

function codePurpose(enrolmentId: string): string {
  return `activation:${enrolmentId}`;
}

export async function getEnrolment(ctx: ServerContext, enrolmentId: string): Promise<EnrolmentRow> {
  const row = await ctx.db.selectFrom('enrolments').selectAll().where('id', '=', enrolmentId).executeTakeFirst();
  if (!row) throw new SecureAccessError('enrolment_not_found', 'This activation request does not exist.');
  return row;
}

export async function enrolmentView(ctx: ServerContext, row: EnrolmentRow): Promise<EnrolmentViewT> {
  const user = await getUser(ctx, row.user_id);
  const activeDevices = await countActiveDevices(ctx, user.id);
  // Until a code exists, the path follows the user's devices as they are now (the administrator's other device may
  // have been revoked, or activated, since the request began): the app must not ask for a path the bank would refuse.
  const delivery = row.state === 'awaiting_code_request' ? deliveryFor(user, activeDevices) : row.code_delivery;
  return {
    id: row.id,
    holder: await holderOf(ctx, user),
    deviceName: row.device_name,
    state: row.state,
    codeDelivery: delivery,
    securityPhoneMasked: user.security_phone ? maskPhone(user.security_phone) : null,
    channel: row.channel,
    codeFormat: delivery === 'security_phone' ? 'digits8' : 'grouped',
    codeGeneratedAt: isoOrNull(row.code_generated_at),
    codeExpiresAt: isoOrNull(row.code_expires_at),
    codeValiditySeconds: delivery === 'security_phone' ? ctx.limits.phoneCodeValiditySeconds : ctx.limits.administrationCodeValiditySeconds,
    attemptsLeft: Math.max(0, ctx.limits.maxCodeAttempts - row.failed_attempts),
    activeDevices,
    maxDevices: ctx.limits.maxDevicesPerUser,
    deviceId: row.device_id,
    createdAt: iso(row.created_at),
  };
}

/** Rule 6: sign in with identifier + secret code, send the chosen device name and the device's public key. */
export async function createEnrolment(ctx: ServerContext, body: CreateEnrolmentBodyT, origin: RequestOrigin): Promise<EnrolmentRow> {
  if (!parsePublicKey(body.publicKey)) throw new SecureAccessError('bad_request', 'The public key is not a valid Ed25519 key.', { field: 'publicKey' });
  const user = await authenticate(ctx, body.identifier, body.secretCode, origin);
  if (user.must_change_secret) {
    throw new SecureAccessError('secret_code_change_required', 'Log in to your Espace Client first to change your temporary secret code, then activate Secure Access.');
  }
  const activeDevices = await countActiveDevices(ctx, user.id);
  if (activeDevices >= ctx.limits.maxDevicesPerUser) {
    throw new SecureAccessError('device_limit_reached', `Secure Access is already active on ${activeDevices} devices, the maximum.`, { maxDevices: ctx.limits.maxDevicesPerUser, activeDevices });
  }
  const keyInUse = await ctx.db.selectFrom('enrolments').select('id').where('public_key', '=', body.publicKey).executeTakeFirst();
  if (keyInUse) throw new SecureAccessError('bad_request', 'This device key is already registered: generate a new key for each account.', { field: 'publicKey' });
  const row: EnrolmentRow = {
    id: newId('enr'), user_id: user.id, device_name: body.deviceName.trim(), public_key: body.publicKey, platform: body.platform, app_version: body.appVersion,
    state: 'awaiting_code_request', code_delivery: deliveryFor(user, activeDevices), channel: null, code_hash: null, code_display: null,
    code_generated_at: null, code_expires_at: null, code_used_at: null, failed_attempts: 0, device_id: null, requested_ip: origin.ip, created_at: ctx.clock.now(),
  };
  await ctx.db.insertInto('enrolments').values(row).execute();
  await audit(ctx, 'enrolment_started', { userId: user.id, ip: origin.ip, details: { enrolmentId: row.id, delivery: row.code_delivery } });
  return row;
}

function suspendedError(): SecureAccessError {
  return new SecureAccessError('account_locked', 'This account has been suspended by your administrator.', { lockedUntil: null });
}

function assertOpen(row: EnrolmentRow): void {
  if (row.state === 'active') throw new SecureAccessError('activation_code_used', 'This activation code has already been used: this device is active.');
  if (row.state === 'failed') throw new SecureAccessError('activation_attempts_exhausted', 'Too many wrong codes: start the activation again.', { attemptsLeft: 0 });
}

export async function renameEnrolment(ctx: ServerContext, row: EnrolmentRow, deviceName: string): Promise<EnrolmentRow> {
  const name = deviceName.trim();
  // Decided on the row as it is written, not as it was read: a code written meanwhile keeps the name it was written for.
  const renamed = await ctx.db.updateTable('enrolments').set({ device_name: name })
    .where('id', '=', row.id).where('code_hash', 'is', null).where('state', 'not in', CLOSED_STATES).executeTakeFirst();
  if (Number(renamed.numUpdatedRows) !== 1) {
    assertOpen(await getEnrolment(ctx, row.id));
    throw new SecureAccessError('enrolment_closed', 'The device can no longer be renamed here once its code exists; rename it later in Administration.');
  }
  return { ...row, device_name: name };
}

/** Rules 7–9, 11: a new code, through the path the user's situation calls for, rate-limited per account and per IP. */
export async function requestActivationCode(ctx: ServerContext, row: EnrolmentRow, channel: 'sms' | 'voice' | undefined, origin: RequestOrigin): Promise<EnrolmentRow> {
  assertOpen(row);
  const user = await getUser(ctx, row.user_id);
  if (user.suspended) throw suspendedError();
  const delivery = deliveryFor(user, await countActiveDevices(ctx, user.id));
  if (delivery === 'security_phone' && !channel) {
    throw new SecureAccessError('bad_request', 'Choose how to receive the code: SMS or voice call.', { field: 'channel' });
  }
  if (delivery !== 'security_phone' && channel) {
    throw new SecureAccessError('channel_not_available', delivery === 'administration'
      ? 'Your activation code is available in the Administration module of your Espace Client.'
      : 'Your activation code will be given to you by your administrator.');
  }
  const { codeRequestsPerAccount, codeRequestsPerIp, codeRequestWindowSeconds } = ctx.limits;
  // Every path is limited: SMS/voice cost money and can harass a phone; requests to the administrator notify them.
  await consumeRateLimit(ctx, `code:user:${user.id}`, codeRequestsPerAccount, codeRequestWindowSeconds);
  await consumeRateLimit(ctx, `code:ip:${origin.ip}`, codeRequestsPerIp, codeRequestWindowSeconds);
  const now = ctx.clock.now();
  let next: EnrolmentRow;
  if (delivery === 'security_phone') {
    const code = digitCode();
    const validity = ctx.limits.phoneCodeValiditySeconds;
    next = { ...row, code_delivery: delivery, state: 'code_sent', channel: channel ?? null, code_hash: codeMac(ctx.codePepper, codePurpose(row.id), code),
      code_display: null, code_generated_at: now, code_expires_at: now + validity * 1000 };
    await ctx.otp.send({ to: user.security_phone as string, channel: channel as 'sms' | 'voice', text: codeMessageText(code, 'activation_code', channel as 'sms' | 'voice', validity / 60), purpose: 'activation_code', userId: user.id });
    await audit(ctx, 'code_sent', { userId: user.id, ip: origin.ip, details: { enrolmentId: row.id, channel: channel ?? null } });
  } else if (delivery === 'administration') {
    next = { ...row, code_delivery: delivery, ...issueGroupedCode(ctx, row.id, now), channel: null };
    await audit(ctx, 'code_generated', { userId: user.id, ip: origin.ip, details: { enrolmentId: row.id, by: user.id } });
  } else {
    next = { ...row, code_delivery: delivery, state: row.code_hash ? row.state : 'awaiting_administrator', channel: null };
    await audit(ctx, 'activation_requested', { userId: user.id, ip: origin.ip, details: { enrolmentId: row.id } });
  }
  // Failures stay as they were: a new code for the same enrolment does not reset them (rule 11).
  const stored = await transaction(ctx, async (trx, changes) => {
    const updated = await trx.updateTable('enrolments').set({
      code_delivery: next.code_delivery, state: next.state, channel: next.channel, code_hash: next.code_hash, code_display: next.code_display,
      code_generated_at: next.code_generated_at, code_expires_at: next.code_expires_at,
    }).where('id', '=', row.id).where('state', 'not in', CLOSED_STATES).executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) return false;
    await wakeCompanyAdmins(trx, changes, user);
    return true;
  });
  if (!stored) throw await closedSince(ctx, row.id);
  return next;
}

/** An enrolment that is active or failed takes no new code: every code write is conditioned on this, not on a read. */
const CLOSED_STATES: EnrolmentRow['state'][] = ['active', 'failed'];

/** The refusal for an enrolment that closed (activated, or its attempts used up) between its read and a write. */
async function closedSince(ctx: ServerContext, enrolmentId: string): Promise<SecureAccessError> {
  try {
    assertOpen(await getEnrolment(ctx, enrolmentId));
  } catch (error) {
    if (error instanceof SecureAccessError) return error;
    throw error;
  }
  throw new Error(`enrolment ${enrolmentId} refused a code write while open`);
}

function issueGroupedCode(ctx: ServerContext, enrolmentId: string, now: number) {
  const code = groupedCode();
  return {
    state: 'code_available' as const,
    code_hash: codeMac(ctx.codePepper, codePurpose(enrolmentId), code),
    code_display: code,
    code_generated_at: now,
    code_expires_at: now + ctx.limits.administrationCodeValiditySeconds * 1000,
  };
}

/** Rule 9: the administrator generates a secondary user's code in Gestion de la sécurité › Activation (24 h). */
export async function generateCodeForRequest(ctx: ServerContext, admin: UserRow, enrolmentId: string, origin: RequestOrigin): Promise<ActivationViewT> {
  const row = await ctx.db.selectFrom('enrolments').innerJoin('users', 'users.id', 'enrolments.user_id')
    .selectAll('enrolments').where('enrolments.id', '=', enrolmentId).where('users.company_id', '=', admin.company_id).executeTakeFirst();
  if (!row) throw new SecureAccessError('enrolment_not_found', 'No such activation request in your company.');
  assertOpen(row);
  if (row.user_id === admin.id && row.code_delivery === 'administrator') {
    throw new SecureAccessError('forbidden', 'Another administrator must generate the code of your own request.');
  }
  if (row.state === 'awaiting_code_request') {
    throw new SecureAccessError('activation_code_not_issued', 'The user has not asked for an activation code from their device yet.');
  }
  if (row.code_delivery === 'security_phone') {
    throw new SecureAccessError('channel_not_available', 'This activation uses a code sent to the Security Phone.');
  }
  const code = issueGroupedCode(ctx, row.id, ctx.clock.now());
  // The view comes from the row as written, so the device name shown with the code is the one it is bound to.
  const stored = await transaction(ctx, async (trx, changes) => {
    const written = await trx.updateTable('enrolments').set(code)
      .where('id', '=', row.id).where('state', 'not in', CLOSED_STATES).returningAll().executeTakeFirst();
    if (!written) return null;
    await audit(ctx, 'code_generated', { userId: row.user_id, ip: origin.ip, details: { enrolmentId: row.id, by: admin.id } }, trx);
    await changes.wake(row.user_id);
    return written;
  });
  if (!stored) throw await closedSince(ctx, row.id);
  return activationView(ctx, stored, await getUser(ctx, row.user_id));
}

/**
 * Rules 10–12: the code must be this enrolment's, unexpired, unused, within 5 attempts (counted per enrolment),
 * and the user must have fewer than 5 active devices — all decided in one transaction with the user's row
 * locked, so 20 concurrent activations leave exactly 5 active devices.
 */
export async function activate(ctx: ServerContext, enrolmentId: string, typedCode: string, origin: RequestOrigin) {
  const code = normalizeCode(typedCode);
  const outcome = await transaction(ctx, async (trx, changes) => {
    const userId = (await trx.selectFrom('enrolments').select('user_id').where('id', '=', enrolmentId).executeTakeFirst())?.user_id;
    if (!userId) return { error: new SecureAccessError('enrolment_not_found', 'This activation request does not exist.') };
    await lockUser(trx, ctx.kind, userId);
    // Read under the lock: a suspension committed before it stops the activation (the administrator's word).
    const owner = await trx.selectFrom('users').select('suspended').where('id', '=', userId).executeTakeFirstOrThrow();
    if (owner.suspended) return { error: suspendedError() };
    const row = await trx.selectFrom('enrolments').selectAll().where('id', '=', enrolmentId).executeTakeFirstOrThrow();
    const now = ctx.clock.now();
    if (row.state === 'active') return { error: new SecureAccessError('activation_code_used', 'This activation code has already been used.') };
    if (row.state === 'failed' || row.failed_attempts >= ctx.limits.maxCodeAttempts) {
      return { error: new SecureAccessError('activation_attempts_exhausted', 'Too many wrong codes: start the activation again.', { attemptsLeft: 0 }) };
    }
    if (row.code_hash === null || row.code_expires_at === null) {
      return { error: new SecureAccessError('activation_code_not_issued', row.code_delivery === 'administrator'
        ? 'Your administrator has not generated your activation code yet.' : 'Ask for an activation code first.') };
    }
    if (now >= row.code_expires_at) {
      await trx.updateTable('enrolments').set({ code_display: null }).where('id', '=', row.id).execute();
      return { error: new SecureAccessError('activation_code_expired', 'This activation code has expired: ask for a new one.') };
    }
    if (!macEquals(codeMac(ctx.codePepper, codePurpose(row.id), code), row.code_hash)) {
      const failed = row.failed_attempts + 1;
      const dead = failed >= ctx.limits.maxCodeAttempts;
      await trx.updateTable('enrolments').set({ failed_attempts: failed, ...(dead ? { state: 'failed' as const, code_display: null } : {}) }).where('id', '=', row.id).execute();
      await audit(ctx, 'activation_code_failed', { userId, ip: origin.ip, details: { enrolmentId: row.id, attemptsLeft: ctx.limits.maxCodeAttempts - failed } }, trx);
      return dead
        ? { error: new SecureAccessError('activation_attempts_exhausted', 'Too many wrong codes: this code no longer works. Start the activation again.', { attemptsLeft: 0 }) }
        : { error: new SecureAccessError('activation_code_invalid', 'This activation code is incorrect.', { attemptsLeft: ctx.limits.maxCodeAttempts - failed }) };
    }
    const activeDevices = await countActiveDevices(ctx, userId, trx);
    if (activeDevices >= ctx.limits.maxDevicesPerUser) {
      return { error: new SecureAccessError('device_limit_reached', `Secure Access is already active on ${activeDevices} devices, the maximum. Revoke one first.`, { maxDevices: ctx.limits.maxDevicesPerUser, activeDevices }) };
    }
    const device = {
      id: newId('dev'), user_id: userId, enrolment_id: row.id, name: row.device_name, public_key: row.public_key, platform: row.platform,
      status: 'active' as const, activated_at: now, last_seen_at: now, revoked_at: null, revoked_by: null,
      // The approval code is chosen next, in the app, and its key registered with this device's key.
      approval_public_key: null, approval_key_set_at: null, approval_failures: 0, locked_at: null,
    };
    await trx.insertInto('devices').values(device).execute();
    await trx.updateTable('enrolments').set({ state: 'active', device_id: device.id, code_used_at: now, code_display: null }).where('id', '=', row.id).execute();
    // The user's other devices show "n of 5": their next answer carries the new count.
    await changes.userState(userId);
    await audit(ctx, 'device_activated', { userId, deviceId: device.id, ip: origin.ip, details: { enrolmentId: row.id } }, trx);
    return { device, userId };
  });
  if ('userId' in outcome && outcome.userId && 'device' in outcome) {
    const row = await getEnrolment(ctx, enrolmentId);
    return { enrolment: await enrolmentView(ctx, row), device: deviceView(outcome.device) };
  }
  throw (outcome as { error: SecureAccessError }).error;
}

async function wakeCompanyAdmins(trx: Transaction<Database>, changes: Changes, user: UserRow): Promise<void> {
  await changes.wake(user.id);
  const admins = await trx.selectFrom('users').select('id').where('company_id', '=', user.company_id).where('role', 'in', ['primary_admin', 'admin']).execute();
  for (const admin of admins) if (admin.id !== user.id) await changes.wake(admin.id);
}

export async function activationView(ctx: ServerContext, row: EnrolmentRow, user: UserRow): Promise<ActivationViewT> {
  const now = ctx.clock.now();
  let codeState: ActivationViewT['codeState'];
  if (row.state === 'active') codeState = 'used';
  else if (row.state === 'failed') codeState = 'dead';
  else if (row.code_hash === null) codeState = 'not_generated';
  else if (row.code_expires_at !== null && now >= row.code_expires_at) codeState = 'expired';
  else codeState = 'unused';
  const showCode = codeState === 'unused' && row.code_delivery !== 'security_phone';
  return {
    enrolmentId: row.id,
    user: { id: user.id, identifier: user.identifier, displayName: user.display_name },
    deviceName: row.device_name,
    requestedAt: iso(row.created_at),
    codeDelivery: row.code_delivery,
    codeState,
    code: showCode ? row.code_display : null,
    codeGeneratedAt: isoOrNull(row.code_generated_at),
    codeExpiresAt: isoOrNull(row.code_expires_at),
    attemptsLeft: Math.max(0, ctx.limits.maxCodeAttempts - row.failed_attempts),
  };
}

/**
 * Gestion de la sécurité › Activation: the company's requests that go through Administration (secondary users'
 * requests and administrators' further devices), newest first. Requests not yet sent from the device are left out.
 */
export async function listActivations(ctx: ServerContext, admin: UserRow): Promise<ActivationViewT[]> {
  if (!isAdministrator(admin)) throw new SecureAccessError('forbidden', 'Administrators only.');
  const rows = await ctx.db.selectFrom('enrolments').innerJoin('users', 'users.id', 'enrolments.user_id')
    .selectAll('enrolments').where('users.company_id', '=', admin.company_id)
    .where('enrolments.code_delivery', 'in', ['administration', 'administrator'])
    .where('enrolments.state', '!=', 'awaiting_code_request')
    .orderBy('enrolments.created_at', 'desc').limit(200).execute();
  const users = new Map<string, UserRow>();
  const views: ActivationViewT[] = [];
  for (const row of rows) {
    const user = users.get(row.user_id) ?? (await getUser(ctx, row.user_id));
    users.set(user.id, user);
    // Administrators see their own further-device codes and their company's requests; not another admin's self-service code.
    if (row.code_delivery === 'administration' && row.user_id !== admin.id) continue;
    views.push(await activationView(ctx, row, user));
  }
  return views;
}

export { MAX_DEVICES_PER_USER };
