/** Devices: listing, renaming, revoking (rule 14). */
import type { Selectable, Transaction } from 'kysely';
import { SecureAccessError, type DeviceViewT } from '../../protocol/index';
import { transaction } from '../changes';
import { iso, isoOrNull, type RequestOrigin, type ServerContext } from '../context';
import { lockUser } from '../db/database';
import type { Database, DevicesTable } from '../db/schema';
import { audit } from './audit';
import { accountSuspendedError, companyUser, userView, type UserRow } from './users';

export type DeviceRow = Selectable<DevicesTable>;

/** What a revoked device is told, whether it signs or brings a token, asks or waits. */
export function approvalLockedError(): SecureAccessError {
  return new SecureAccessError('approval_code_locked', 'Five wrong approval codes in a row: approvals are locked on this device. Activate Secure Access again.');
}

export function deviceRevokedError(): SecureAccessError {
  return new SecureAccessError('device_revoked', 'This device has been revoked: Secure Access is no longer active on it for this account.');
}

/**
 * In the transaction about to record what a device asked for (a decision): the device must be active and its user not
 * suspended now, whatever this instance keeps in memory of them. The user's row stays locked until the commit, and
 * every revocation and suspension takes that lock too (it moves the user's state version, server/changes.ts): one
 * committed before this check is seen by it, one not yet committed waits until this transaction has committed.
 */
export async function assertDeviceMayAct(ctx: ServerContext, trx: Transaction<Database>, device: Pick<DeviceRow, 'id' | 'user_id'>): Promise<void> {
  await lockUser(trx, ctx.kind, device.user_id);
  // A statement of its own, after the lock: it reads what was committed up to the lock.
  const now = await trx.selectFrom('devices').innerJoin('users', 'users.id', 'devices.user_id')
    .select(['devices.status', 'users.suspended']).where('devices.id', '=', device.id).where('devices.user_id', '=', device.user_id).executeTakeFirst();
  if (now?.status === 'locked') throw approvalLockedError();
  if (now?.status !== 'active') throw deviceRevokedError();
  if (now.suspended) throw accountSuspendedError();
}

export function deviceView(row: DeviceRow): DeviceViewT {
  return {
    id: row.id, userId: row.user_id, name: row.name, status: row.status, platform: row.platform,
    activatedAt: iso(row.activated_at), lastSeenAt: isoOrNull(row.last_seen_at), revokedAt: isoOrNull(row.revoked_at),
    approvalCodeSetAt: isoOrNull(row.approval_key_set_at), lockedAt: isoOrNull(row.locked_at),
  };
}

export async function listUserDevices(ctx: ServerContext, userId: string): Promise<DeviceViewT[]> {
  const rows = await ctx.db.selectFrom('devices').selectAll().where('user_id', '=', userId).orderBy('activated_at').execute();
  return rows.map(deviceView);
}

async function deviceOfCompany(ctx: ServerContext, admin: UserRow, deviceId: string): Promise<DeviceRow> {
  const row = await ctx.db.selectFrom('devices').innerJoin('users', 'users.id', 'devices.user_id')
    .selectAll('devices').where('devices.id', '=', deviceId).where('users.company_id', '=', admin.company_id).executeTakeFirst();
  if (!row) throw new SecureAccessError('device_not_found', 'No such device in your company.');
  return row;
}

/** Only the primary administrator acts on the primary administrator's devices (renaming or revoking them). */
async function assertMayManage(ctx: ServerContext, admin: UserRow, device: DeviceRow, action: string): Promise<void> {
  const owner = await ctx.db.selectFrom('users').select('role').where('id', '=', device.user_id).executeTakeFirstOrThrow();
  if (owner.role === 'primary_admin' && admin.role !== 'primary_admin') {
    throw new SecureAccessError('forbidden', `Only the primary administrator can ${action} the primary administrator's devices.`);
  }
}

export async function renameDevice(ctx: ServerContext, admin: UserRow, deviceId: string, name: string, origin: RequestOrigin): Promise<DeviceViewT> {
  const device = await deviceOfCompany(ctx, admin, deviceId);
  await assertMayManage(ctx, admin, device, 'rename');
  const trimmed = name.trim();
  await transaction(ctx, async (trx, changes) => {
    await trx.updateTable('devices').set({ name: trimmed }).where('id', '=', device.id).execute();
    // The device's name is part of what the authenticator API tells it (devices/self).
    await changes.userState(device.user_id);
    await audit(ctx, 'device_renamed', { userId: device.user_id, deviceId: device.id, ip: origin.ip, details: { by: admin.id } }, trx);
  });
  return deviceView({ ...device, name: trimmed });
}

/**
 * Revoked by its user, by an administrator of the company, or by the app itself when its account is removed (a device
 * whose approvals are locked too: its user activates again and removes it). A device already revoked is announced
 * again: an operator who retries tells an instance that missed the first announcement.
 */
export async function revokeDevice(ctx: ServerContext, device: DeviceRow, by: { userId: string; reason: 'user' | 'administrator' | 'self' }, origin: RequestOrigin): Promise<DeviceViewT> {
  const now = ctx.clock.now();
  const revokedNow = await transaction(ctx, async (trx, changes) => {
    // First: the user's row lock, taken before the device's as a decision does (assertDeviceMayAct); two last devices
    // revoked at once still leave no session past the installation step. The user's other devices show "n of 5":
    // moving the state version makes their next answer carry the new count.
    await changes.userState(device.user_id);
    const result = await trx.updateTable('devices').set({ status: 'revoked', revoked_at: now, revoked_by: by.userId })
      .where('id', '=', device.id).where('status', 'in', ['active', 'locked']).executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return false;
    // Without an active device the user's portal sessions are back at the installation step, and pass Secure Access
    // again once a device is active (rule 3).
    await trx.updateTable('portal_sessions').set({ login_validation_id: null })
      .where('user_id', '=', device.user_id).where('ended_at', 'is', null)
      .where((eb) => eb.not(eb.exists(eb.selectFrom('devices').select('id').where('user_id', '=', device.user_id).where('status', '=', 'active'))))
      .execute();
    await audit(ctx, 'device_revoked', { userId: device.user_id, deviceId: device.id, ip: origin.ip, details: { by: by.userId, reason: by.reason } }, trx);
    return true;
  });
  if (!revokedNow) {
    return deviceView(await ctx.db.selectFrom('devices').selectAll().where('id', '=', device.id).executeTakeFirstOrThrow());
  }
  return deviceView({ ...device, status: 'revoked', revoked_at: now, revoked_by: by.userId });
}

export async function revokeOwnDevice(ctx: ServerContext, user: UserRow, deviceId: string, origin: RequestOrigin): Promise<DeviceViewT> {
  const device = await ctx.db.selectFrom('devices').selectAll().where('id', '=', deviceId).where('user_id', '=', user.id).executeTakeFirst();
  if (!device) throw new SecureAccessError('device_not_found', 'No such device among yours.');
  return revokeDevice(ctx, device, { userId: user.id, reason: 'user' }, origin);
}

export async function revokeCompanyDevice(ctx: ServerContext, admin: UserRow, deviceId: string, origin: RequestOrigin): Promise<DeviceViewT> {
  const device = await deviceOfCompany(ctx, admin, deviceId);
  await assertMayManage(ctx, admin, device, 'revoke');
  return revokeDevice(ctx, device, { userId: admin.id, reason: 'administrator' }, origin);
}

export async function companyDevices(ctx: ServerContext, admin: UserRow) {
  const users = await ctx.db.selectFrom('users').selectAll().where('company_id', '=', admin.company_id).orderBy('created_at').execute();
  return Promise.all(users.map(async (user) => ({ user: await userView(ctx, user), devices: await listUserDevices(ctx, user.id) })));
}

export async function companyUserDevices(ctx: ServerContext, admin: UserRow, userId: string): Promise<DeviceViewT[]> {
  const user = await companyUser(ctx, admin, userId);
  return listUserDevices(ctx, user.id);
}
