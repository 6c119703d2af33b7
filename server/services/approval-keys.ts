/**
 * The approval code, as the server knows it: one approval key per device, of which it holds the public half only.
 * The code itself never reaches the server; a right code is an approval signature that verifies under that key.
 *
 * Every evaluated code is counted on the device's row, locked for the length of the evaluation (PostgreSQL:
 * SELECT … FOR UPDATE; SQLite serialises its transactions): the count is read, the signature verified, the count
 * written, all before another attempt of the same device may read it. So any number of attempts sent at once are
 * evaluated one after the other and the fifth wrong one in a row locks the device: no sixth is ever evaluated.
 * A locked device approves nothing more and no longer counts among the user's 5; its user activates again.
 */
import type { Kysely } from 'kysely';
import {
  REQUEST_TIME_WINDOW_MS, SecureAccessError, approvalKeyChangeSigningBytes, approvalKeySigningBytes,
  type ChangeApprovalKeyBodyT, type DeviceViewT, type RegisterApprovalKeyBodyT,
} from '../../protocol/index';
import { transaction, type Changes } from '../changes';
import type { RequestOrigin, ServerContext } from '../context';
import { parsePublicKey, verifyEd25519 } from '../crypto';
import type { Database } from '../db/schema';
import { audit } from './audit';
import { approvalLockedError, assertDeviceMayAct, deviceRevokedError, deviceView, type DeviceRow } from './devices';

export { approvalLockedError };

function approvalCodeInvalid(attemptsLeft: number): SecureAccessError {
  return new SecureAccessError('approval_code_invalid', 'This approval code is incorrect.', { attemptsLeft });
}

function approvalCodeNotSet(): SecureAccessError {
  return new SecureAccessError('approval_code_not_set', 'Choose an approval code for this device first.');
}

/** The device's row, locked until the transaction ends. */
export async function lockDevice(ctx: ServerContext, trx: Kysely<Database>, deviceId: string): Promise<DeviceRow | undefined> {
  return trx.selectFrom('devices').selectAll().where('id', '=', deviceId).$if(ctx.kind === 'postgres', (query) => query.forUpdate()).executeTakeFirst();
}

/** Whether a device may have a code evaluated now, and under which public key. */
export function approvalKeyOf(device: Pick<DeviceRow, 'status' | 'approval_public_key'>): { publicKey: string } | { error: SecureAccessError } {
  if (device.status === 'revoked') return { error: deviceRevokedError() };
  if (device.status === 'locked') return { error: approvalLockedError() };
  if (device.approval_public_key === null) return { error: approvalCodeNotSet() };
  return { publicKey: device.approval_public_key };
}

/**
 * Records one evaluated code on the row the caller locked in its transaction (`device` is that row as read under
 * the lock): a right code clears the count; a wrong one adds to it, and the fifth in a row locks the device.
 * Returns what to answer (null for a right code); the caller commits whatever this returns, so the count survives
 * the error answer.
 */
export async function countApprovalCode(
  ctx: ServerContext, trx: Kysely<Database>, changes: Changes, device: DeviceRow, right: boolean, origin: RequestOrigin,
  details: Record<string, string | number | boolean | null>,
): Promise<SecureAccessError | null> {
  if (right) {
    if (device.approval_failures !== 0) await trx.updateTable('devices').set({ approval_failures: 0 }).where('id', '=', device.id).execute();
    return null;
  }
  const max = ctx.limits.maxApprovalCodeAttempts;
  const failures = device.approval_failures + 1;
  const locks = failures >= max;
  const now = ctx.clock.now();
  // Conditional on what was read under the lock: should the lock ever not hold, the attempt fails rather than miscount.
  const updated = await trx.updateTable('devices')
    .set(locks ? { approval_failures: failures, status: 'locked', locked_at: now } : { approval_failures: failures })
    .where('id', '=', device.id).where('status', '=', 'active').where('approval_failures', '=', device.approval_failures)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) !== 1) throw new Error('a device row changed while it was locked for an approval code');
  await audit(ctx, 'approval_code_failed', { userId: device.user_id, deviceId: device.id, ip: origin.ip, details: { ...details, attemptsLeft: max - failures } }, trx);
  if (!locks) return approvalCodeInvalid(max - failures);
  // The locked device stops, and the user's other devices show "n of 5": announced with the commit.
  await changes.userState(device.user_id);
  await audit(ctx, 'approvals_locked', { userId: device.user_id, deviceId: device.id, ip: origin.ip, details: { ...details, failures } }, trx);
  return approvalLockedError();
}

function checkNewKey(device: DeviceRow, publicKey: string, signature: string): void {
  if (!parsePublicKey(publicKey)) throw new SecureAccessError('bad_request', 'The approval key is not a valid Ed25519 key.', { field: 'publicKey' });
  if (publicKey === device.public_key) throw new SecureAccessError('bad_request', 'The approval key must not be the device key.', { field: 'publicKey' });
  if (!verifyEd25519(publicKey, approvalKeySigningBytes({ deviceId: device.id, publicKey }), signature)) {
    throw new SecureAccessError('bad_request', 'The new approval key did not sign its registration.', { field: 'signature' });
  }
}

/** What a device that is not among its user's active devices is told: locked, or revoked (or gone). */
export async function inactiveDeviceError(ctx: ServerContext, deviceId: string): Promise<SecureAccessError> {
  const row = await ctx.db.selectFrom('devices').select('status').where('id', '=', deviceId).executeTakeFirst();
  return row?.status === 'locked' ? approvalLockedError() : deviceRevokedError();
}

async function currentError(ctx: ServerContext, deviceId: string): Promise<SecureAccessError> {
  const row = await ctx.db.selectFrom('devices').select(['status', 'approval_public_key']).where('id', '=', deviceId).executeTakeFirst();
  if (!row) return deviceRevokedError();
  const state = approvalKeyOf(row);
  return 'error' in state ? state.error : new SecureAccessError('approval_code_already_set', 'This device already has an approval code: change it with the current one.');
}

/**
 * The device's first approval key: chosen right after activation, or by a device activated before approval codes
 * existed. Once only (a conditional update): after that, only the current code can change it.
 */
export async function registerApprovalKey(ctx: ServerContext, device: DeviceRow, body: RegisterApprovalKeyBodyT, origin: RequestOrigin): Promise<DeviceViewT> {
  checkNewKey(device, body.publicKey, body.signature);
  const now = ctx.clock.now();
  const registered = await transaction(ctx, async (trx, changes) => {
    const updated = await trx.updateTable('devices').set({ approval_public_key: body.publicKey, approval_key_set_at: now, approval_failures: 0 })
      .where('id', '=', device.id).where('status', '=', 'active').where('approval_public_key', 'is', null).executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) return false;
    await audit(ctx, 'approval_code_set', { userId: device.user_id, deviceId: device.id, ip: origin.ip }, trx);
    await changes.userState(device.user_id);
    return true;
  });
  if (!registered) throw await currentError(ctx, device.id);
  return deviceView({ ...device, approval_public_key: body.publicKey, approval_key_set_at: now, approval_failures: 0 });
}

/**
 * A new approval code: the current key signs the change (that is the old code, proven, and counted like any code),
 * the new key signs its registration; both in one step, on the locked row.
 */
export async function changeApprovalKey(ctx: ServerContext, device: DeviceRow, body: ChangeApprovalKeyBodyT, origin: RequestOrigin): Promise<DeviceViewT> {
  checkNewKey(device, body.publicKey, body.signature);
  const now = ctx.clock.now();
  if (Math.abs(body.signedAt - now) > REQUEST_TIME_WINDOW_MS) {
    throw new SecureAccessError('auth_timestamp_out_of_window', "The change's time is too far from the server's: check this computer's clock.");
  }
  const change = approvalKeyChangeSigningBytes({ deviceId: device.id, publicKey: body.publicKey, signedAt: body.signedAt });
  const outcome = await transaction(ctx, async (trx, changes): Promise<{ error: SecureAccessError } | { device: DeviceRow }> => {
    // The user's row lock before the device's, as a decision and a revocation take them.
    await assertDeviceMayAct(ctx, trx, device);
    const locked = await lockDevice(ctx, trx, device.id);
    if (!locked) return { error: deviceRevokedError() };
    const key = approvalKeyOf(locked);
    if ('error' in key) return { error: key.error };
    const counted = await countApprovalCode(ctx, trx, changes, locked, verifyEd25519(key.publicKey, change, body.previousSignature), origin, { purpose: 'change' });
    if (counted) return { error: counted };
    await trx.updateTable('devices').set({ approval_public_key: body.publicKey, approval_key_set_at: now, approval_failures: 0 }).where('id', '=', locked.id).execute();
    await audit(ctx, 'approval_code_changed', { userId: locked.user_id, deviceId: locked.id, ip: origin.ip }, trx);
    await changes.userState(locked.user_id);
    return { device: { ...locked, approval_public_key: body.publicKey, approval_key_set_at: now, approval_failures: 0 } };
  });
  if ('error' in outcome) throw outcome.error;
  return deviceView(outcome.device);
}
