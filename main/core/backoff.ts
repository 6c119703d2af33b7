/**
 * Reconnection delays of the long-poll loops: exponential, capped, jittered so that a thousand desktops cut off by
 * the same outage do not come back in the same second, and never zero so no loop can spin.
 */

export interface BackoffPolicy {
  /** Delay before the first retry, before jitter. */
  initialMs: number;
  /** Cap of the exponential part, before jitter. */
  maxMs: number;
  factor: number;
  /** Share of the delay drawn at random: 0.5 means a delay between half and all of the exponential value. */
  jitter: number;
}

export const RECONNECT_BACKOFF: BackoffPolicy = { initialMs: 1_000, maxMs: 60_000, factor: 2, jitter: 0.5 };

/** The smallest delay any policy may give, whatever its numbers. */
export const MIN_DELAY_MS = 100;

/** Delay before retry number `attempt` (1 for the first retry). `random` returns a number in [0, 1). */
export function backoffDelay(attempt: number, random: () => number, policy: BackoffPolicy = RECONNECT_BACKOFF): number {
  const finite = (value: number, fallback: number) => (Number.isFinite(value) ? value : fallback);
  const exponent = Math.max(0, Math.min(Math.floor(finite(attempt, 1)) - 1, 30));
  const base = Math.min(policy.maxMs, policy.initialMs * policy.factor ** exponent);
  const draw = Math.min(Math.max(finite(random(), 1), 0), 1);
  const jitter = Math.min(Math.max(policy.jitter, 0), 1);
  // A NaN here would make a timer fire at once, over and over: whatever goes wrong, the floor holds.
  return Math.max(MIN_DELAY_MS, finite(Math.round(base * (1 - jitter + jitter * draw)), MIN_DELAY_MS));
}
