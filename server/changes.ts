/**
 * How a change of a user's becomes known: in the transaction that makes it, so that what one instance commits every
 * instance knows, even when the instance dies right after its commit.
 *
 *     await transaction(ctx, async (trx, changes) => {
 *       await trx.updateTable('devices').set({ status: 'revoked', … }).where(…).execute();
 *       await changes.userState(device.user_id);
 *     });
 *
 * - `changes.userState(userId)` is for anything the authenticator API reads of a user (what `authenticatorState`
 *   keeps in memory: validations pending, active devices and their names, suspension — and whatever is added to it):
 *   it moves the user's state version (`users.validation_version`, the long-poll cursor), which also takes the user's
 *   row lock until the commit, and announces the change.
 * - `changes.wake(userId)` is for the rest of what a user's waiters watch (a portal step, an activation request):
 *   it announces without moving the version.
 *
 * An announcement is a `NOTIFY` issued in the transaction on PostgreSQL, which PostgreSQL delivers to every instance
 * exactly when the transaction commits, and never if it does not. The instance that made the change applies it to its
 * own view (the waiters it holds, the state it keeps) as soon as the commit returns, before anything else runs — it
 * does not wait for its own notification — so a read right after a write on the same instance is current.
 */
import { sql, type Transaction } from 'kysely';
import type { ServerContext } from './context';
import type { Database } from './db/schema';

export interface Changes {
  /** Something the authenticator API reads of this user changed; `causedByDevice`: the device whose request made it. */
  userState(userId: string, options?: { causedByDevice?: string }): Promise<void>;
  /** Something else of this user's that their waiters watch changed (a portal step, an activation request). */
  wake(userId: string): Promise<void>;
}

/** What a transaction announced, once committed (for a test's fault hook). */
export interface CommittedChange {
  userId: string;
  causedByDevice: string | null;
  kind: 'state' | 'wake';
}

/**
 * Runs `work` in one transaction; what it announces through `changes` reaches the other instances at the commit and
 * this one right after it. A change announced twice in one transaction is announced once.
 */
export async function transaction<T>(ctx: ServerContext, work: (trx: Transaction<Database>, changes: Changes) => Promise<T>): Promise<T> {
  const announced = new Map<string, CommittedChange>();
  const announce = async (trx: Transaction<Database>, change: CommittedChange) => {
    const key = `${change.userId} ${change.causedByDevice ?? ''}`;
    const earlier = announced.get(key);
    if (earlier) {
      if (change.kind === 'state') earlier.kind = 'state';
      return;
    }
    announced.set(key, change);
    await ctx.notifier.announceAtCommit(trx, change.userId, change.causedByDevice);
  };
  let committed = false;
  try {
    const result = await ctx.db.transaction().execute((trx) => work(trx, {
      async userState(userId, options = {}) {
        await trx.updateTable('users').set({ validation_version: sql`validation_version + 1` }).where('id', '=', userId).execute();
        await announce(trx, { userId, causedByDevice: options.causedByDevice ?? null, kind: 'state' });
      },
      async wake(userId) {
        await announce(trx, { userId, causedByDevice: null, kind: 'wake' });
      },
    }));
    committed = true;
    return result;
  } finally {
    const changes = [...announced.values()];
    if (committed && changes.length > 0 && ctx.faults.afterCommit) await ctx.faults.afterCommit(changes);
    // Also after a failed commit, which may still have committed (the connection lost during COMMIT): hearing of a
    // change that did not happen only costs a read.
    for (const change of changes) ctx.notifier.heard(change.userId, change.causedByDevice);
  }
}
