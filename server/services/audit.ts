import type { Kysely } from 'kysely';
import type { ServerContext } from '../context';
import type { Database } from '../db/schema';
import { newId } from '../ids';

export type AuditEvent =
  | 'subscription_created' | 'user_created' | 'login_succeeded' | 'login_failed' | 'account_locked' | 'account_suspended' | 'account_unlocked'
  | 'secret_changed' | 'security_code_sent' | 'security_code_failed' | 'security_code_verified'
  | 'enrolment_started' | 'activation_requested' | 'code_sent' | 'code_generated' | 'activation_code_failed' | 'device_activated'
  | 'device_renamed' | 'device_revoked' | 'validation_created' | 'validation_decided' | 'request_replayed' | 'rate_limited'
  | 'approval_code_set' | 'approval_code_changed' | 'approval_code_failed' | 'approvals_locked';

export interface AuditEntry {
  userId?: string | null;
  deviceId?: string | null;
  ip?: string | null;
  details?: Record<string, string | number | boolean | null>;
}

/** Every security event, with time, user, device and IP. Written in the caller's transaction when it has one. */
export async function audit(ctx: ServerContext, event: AuditEvent, entry: AuditEntry, db: Kysely<Database> = ctx.db): Promise<void> {
  await db.insertInto('audit_log').values({
    id: newId('aud'),
    at: ctx.clock.now(),
    event,
    user_id: entry.userId ?? null,
    device_id: entry.deviceId ?? null,
    ip: entry.ip ?? null,
    details_json: JSON.stringify(entry.details ?? {}),
  }).execute();
  ctx.metrics.audited(event, entry.details);
}
