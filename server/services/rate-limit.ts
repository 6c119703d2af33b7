import { sql } from 'kysely';
import { SecureAccessError } from '../../protocol/index';
import type { ServerContext } from '../context';

/**
 * Counts one request in a fixed window, in the database (so every instance shares the count), and refuses
 * once the limit is passed, saying when to try again.
 */
export async function consumeRateLimit(
  ctx: ServerContext, bucket: string, limit: number, windowSeconds: number,
  message = 'Too many requests for a new code. Please wait before asking again.',
): Promise<void> {
  const now = ctx.clock.now();
  const windowMs = windowSeconds * 1000;
  const windowStart = Math.floor(now / windowMs) * windowMs;
  const row = await ctx.db.insertInto('rate_limits')
    .values({ bucket, window_start: windowStart, count: 1 })
    .onConflict((conflict) => conflict.columns(['bucket', 'window_start']).doUpdateSet({ count: sql`rate_limits.count + 1` }))
    .returning('count')
    .executeTakeFirstOrThrow();
  if (row.count > limit) {
    throw new SecureAccessError('rate_limited', message, {
      retryAfterSeconds: Math.ceil((windowStart + windowMs - now) / 1000),
    });
  }
}

/** Forgets windows and nonces that no longer matter. */
export async function pruneExpired(ctx: ServerContext): Promise<void> {
  const now = ctx.clock.now();
  await ctx.db.deleteFrom('request_nonces').where('expires_at', '<', now).execute();
  await ctx.db.deleteFrom('rate_limits').where('window_start', '<', now - 24 * 3600 * 1000).execute();
}
