import { describe, expect, it, vi } from 'vitest';
import { HoldTimer, WaitCancellation } from '../../../server/holds';
import { LocalNotifier, waitForUser } from '../../../server/notifier';

/** What a wait ended with, and when (ms after `startedAt`). */
async function outcome(wait: Promise<unknown>, startedAt: number) {
  const reason = await wait;
  return { reason, afterMs: performance.now() - startedAt };
}

describe("the long-polls' holds: one shared timer, one registration per waiting request", () => {
  it('a hold ends at its time, not before, in the order of the times, and leaves nothing behind', async () => {
    const notifier = new LocalNotifier();
    const startedAt = performance.now();
    const ended: string[] = [];
    const long = outcome(waitForUser(notifier, 'usr_b', 150).wait().finally(() => ended.push('long')), startedAt);
    const short = outcome(waitForUser(notifier, 'usr_a', 60).wait().finally(() => ended.push('short')), startedAt);
    expect(notifier.holding).toBe(2);
    const [first, second] = await Promise.all([short, long]);
    expect(first.reason).toBeNull();
    expect(second.reason).toBeNull();
    // Holds end on the shared timer's ticks: never before their time.
    expect(first.afterMs).toBeGreaterThanOrEqual(60 - 1);
    expect(second.afterMs).toBeGreaterThanOrEqual(150 - 1);
    expect(ended).toEqual(['short', 'long']);
    expect(notifier.holding).toBe(0);
    expect(notifier.holdTimer.size).toBe(0);
  });

  it("a change of the user's ends the hold at once; one made by the device the hold ignores does not", async () => {
    const notifier = new LocalNotifier();
    const startedAt = performance.now();
    const waiter = waitForUser(notifier, 'usr_a', 10_000, null, 'dev_self');
    const other = waitForUser(notifier, 'usr_b', 10_000);
    const woken = outcome(waiter.wait(), startedAt);
    notifier.heard('usr_a', 'dev_self');
    expect(notifier.holding).toBe(2);
    notifier.heard('usr_a', 'dev_other');
    const { reason, afterMs } = await woken;
    expect(reason).toBe('user');
    expect(afterMs).toBeLessThan(1_000);
    // The other user's hold waits on, and is still ended by its own time's timer only when cancelled here.
    expect(notifier.holding).toBe(1);
    other.cancel();
    expect(notifier.holding).toBe(0);
    expect(notifier.holdTimer.size).toBe(0);
  });

  it('several devices of one user wait at once, and a change wakes them all', async () => {
    const notifier = new LocalNotifier();
    const waits = ['dev_1', 'dev_2', 'dev_3'].map((device) => waitForUser(notifier, 'usr_a', 10_000, null, device).wait());
    notifier.heard('usr_a', 'dev_2');
    // dev_2 made the change: only the other two wake.
    expect(notifier.holding).toBe(1);
    notifier.heard('usr_a', null);
    expect(await Promise.all(waits)).toEqual(['user', 'user', 'user']);
    expect(notifier.holding).toBe(0);
  });

  it('waking everyone (a clock jump, the shutdown) ends every hold with "everyone"', async () => {
    const notifier = new LocalNotifier();
    const waits = ['usr_a', 'usr_a', 'usr_b'].map((user) => waitForUser(notifier, user, 10_000).wait());
    notifier.wakeAll();
    expect(await Promise.all(waits)).toEqual(['everyone', 'everyone', 'everyone']);
    expect(notifier.holding).toBe(0);
    expect(notifier.holdTimer.size).toBe(0);
  });

  it("a request's cancellation (its client left, the instance stops) ends its wait at once, even the next one", async () => {
    const notifier = new LocalNotifier();
    const cancellation = new WaitCancellation();
    const startedAt = performance.now();
    const first = outcome(waitForUser(notifier, 'usr_a', 10_000, cancellation).wait(), startedAt);
    cancellation.cancel();
    const { reason, afterMs } = await first;
    expect(reason).toBeNull();
    expect(afterMs).toBeLessThan(1_000);
    expect(notifier.holding).toBe(0);
    expect(cancellation.cancelled).toBe(true);
    // Cancelling again does nothing; a cancelled request does not wait again (its service checks `cancelled`).
    cancellation.cancel();
    expect(notifier.holding).toBe(0);
  });

  it('a wait that ended before wait() was called resolves at once with its reason', async () => {
    const notifier = new LocalNotifier();
    const waiter = waitForUser(notifier, 'usr_a', 10_000);
    notifier.heard('usr_a', null);
    expect(await waiter.wait()).toBe('user');
  });

  it('the shared timer is armed for the earliest hold, whatever the order holds arrive in', async () => {
    let now = 0;
    const timer = new HoldTimer(10, () => now);
    const notifier = new LocalNotifier(timer);
    const ended: string[] = [];
    const late = waitForUser(notifier, 'usr_late', 300).wait().then(() => ended.push('late'));
    const early = waitForUser(notifier, 'usr_early', 20).wait().then(() => ended.push('early'));
    const middle = waitForUser(notifier, 'usr_middle', 100).wait().then(() => ended.push('middle'));
    // The clock is this test's: the holds end when it says their time has come, in their order.
    now = 25;
    await early;
    expect(ended).toEqual(['early']);
    expect(timer.size).toBe(2);
    now = 400;
    await Promise.all([middle, late]);
    expect(ended).toEqual(['early', 'middle', 'late']);
    expect(timer.size).toBe(0);
  });

  it('every hold shares one timer, and none is left armed once every hold has ended early', () => {
    vi.useFakeTimers();
    try {
      const notifier = new LocalNotifier(new HoldTimer(10, () => 0));
      const waiters = [waitForUser(notifier, 'usr_a', 25_000), waitForUser(notifier, 'usr_b', 10_000), waitForUser(notifier, 'usr_c', 30_000)];
      expect(vi.getTimerCount()).toBe(1);
      for (const waiter of waiters) waiter.cancel();
      // A server closed with holds just ended keeps no timer running for them (its process may exit at once).
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
