/**
 * Validations left undecided past their time are marked `expired` by a sweep every instance runs: the conditional
 * UPDATE changes each row once, so each expiry is counted once (sa_validations_expired_total) however many instances
 * sweep at the same moment. Nothing else depends on the mark: every reader already treats a pending validation past
 * its time as expired (effectiveStatus, the long-poll's list, decide's conditional update).
 */
import type { ServerContext } from '../context';

/** Marks what expired since the last sweep; returns how many of each type. */
export async function sweepExpiredValidations(ctx: ServerContext): Promise<Record<string, number>> {
  const rows = await ctx.db.updateTable('validations').set({ status: 'expired' })
    .where('status', '=', 'pending').where('expires_at', '<=', ctx.clock.now())
    .returning('kind').execute();
  const byKind: Record<string, number> = {};
  for (const row of rows) byKind[row.kind] = (byKind[row.kind] ?? 0) + 1;
  return byKind;
}
