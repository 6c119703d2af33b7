/**
 * How long the app asks the server to hold its long-poll, learned per server: as long as the server grants where
 * the network lets a quiet connection live that long, shorter where a proxy or a firewall on the way cuts idle
 * connections sooner.
 *
 * - It starts at the hold every network has carried so far (25 s) and, once one such hold has run out with its
 *   answer, asks for the server's maximum (`maxWaitSeconds` of its answers; a server that does not say keeps the start).
 * - A long-poll that ends without any HTTP answer after a while is a cut: a connection refused or reset at once is a
 *   failure (the server is away), one that lived some seconds and then died was cut by the path at about that age —
 *   typically an idle timeout, the same every time. The hold becomes that age less a margin, and the cut is not a
 *   failure: the loop asks again at once (the cursor brings anything that arrived meanwhile), with no backoff.
 * - The app's network stack (Chromium's, under Electron's net.fetch) sends a request cut on a reused kept-alive
 *   connection once more on a new one, unseen: the failure then comes after two cuts. A failure later than the hold
 *   asked can only be that: the path cut at half that age. One sooner may be two cuts too (of a hold more than twice
 *   the cut): the next, shorter hold then fails later than asked, and the second step finds the cut.
 * - A request with no answer at all by the end of the hold and its grace (a path that drops the connection
 *   silently, or a cut request sent again and still waiting) is a cut of unknown age: the hold is halved, but never
 *   below the longest hold that lived on this path since.
 * - A cut is learned for that path, not forever: after `probeAfterHolds` holds that ran out, or `probeAfterMs`, the
 *   longest hold is tried once more, and kept if it lives (the laptop went home, the proxy's timeout was raised).
 * - Cuts in a row without an answer between them are failures after `freeCutsInARow` (then the loop backs off as for
 *   any failure): a path that cuts everything never makes the loop spin, and neither does one that cuts too early to
 *   hold under (`shortestSeconds`).
 *
 * Pure logic: the clock is injected, nothing here does I/O.
 */

export interface HoldPolicy {
  /** The first hold, and the hold while the server has not said its maximum. */
  startSeconds: number;
  /** The longest hold the app asks for, whatever the server grants. */
  longestSeconds: number;
  /** A hold shorter than this is not worth keeping: a path that cuts sooner fails. */
  shortestSeconds: number;
  /** The hold under a learned cut: the cut's age less this share of it, and at least `minMarginSeconds`. */
  marginRatio: number;
  minMarginSeconds: number;
  /** A request that failed without an answer sooner than this was refused or broken at once: a failure, not a cut. */
  shortestCutMs: number;
  /** After a learned cut, the longest hold is tried again after this many holds that ran out, or this long. */
  probeAfterHolds: number;
  probeAfterMs: number;
  /** Cuts in a row (no answer between them) that are not counted as failures. */
  freeCutsInARow: number;
}

export const DEFAULT_HOLD_POLICY: HoldPolicy = {
  startSeconds: 25,
  longestSeconds: 300,
  shortestSeconds: 5,
  marginRatio: 0.1,
  minMarginSeconds: 2,
  shortestCutMs: 4_000,
  probeAfterHolds: 100,
  probeAfterMs: 60 * 60_000,
  freeCutsInARow: 3,
};

/** What a long-poll that ended without an HTTP answer was. */
export type NoAnswer = 'cut' | 'failure';

/** Whether an answer after `heldMs` means the hold ran out (it may come a little early on a rounding of clocks). */
const RAN_OUT_TOLERANCE_MS = 1_000;

export class HoldLearner {
  readonly #policy: HoldPolicy;
  readonly #now: () => number;
  #serverMaxSeconds: number | null = null;
  /** The hold asked when no probe is due. */
  #holdSeconds: number;
  /** The age, in whole seconds, at which this path was seen to cut an idle long-poll; null when none is known. */
  #cutSeconds: number | null = null;
  #learnedAt = 0;
  #ranOutSinceLearned = 0;
  #cutsInARow = 0;
  /** The longest hold that ran out with its answer on this path (0: none), lowered when a shorter cut is seen. */
  #longestLivedSeconds = 0;

  constructor(policy: HoldPolicy, now: () => number) {
    this.#policy = policy;
    this.#now = now;
    this.#holdSeconds = Math.max(1, Math.min(policy.startSeconds, policy.longestSeconds));
  }

  /** The age at which this path cuts idle long-polls, as learned (null: none seen, or a longer hold lived since). */
  get learnedCutSeconds(): number | null {
    return this.#cutSeconds;
  }

  /** The hold asked when no probe is due. */
  get holdSeconds(): number {
    return this.#holdSeconds;
  }

  /** The server's maximum hold, from its answer (undefined: it does not say, and the start hold is kept). */
  noteServerMax(seconds: number | undefined): void {
    if (seconds === undefined || !Number.isSafeInteger(seconds) || seconds < 1) return;
    this.#serverMaxSeconds = seconds;
    // A server whose maximum went down (its setting changed): never ask for more than it grants.
    this.#holdSeconds = Math.min(this.#holdSeconds, this.#top());
  }

  /** The hold of the next long-poll: the learned one, or the longest when a probe is due. */
  nextHoldSeconds(): number {
    const top = this.#top();
    if (this.#cutSeconds !== null && top > this.#holdSeconds && this.#probeDue()) return top;
    return Math.min(this.#holdSeconds, top);
  }

  /**
   * A long-poll that asked `askedSeconds` got an answer after `heldMs`; `ranOut`: it brought nothing new (the hold
   * ran out). Returns the previous hold when the hold just grew (the loop spreads its next wait above it), else null.
   */
  answered(askedSeconds: number, heldMs: number, ranOut: boolean): number | null {
    this.#cutsInARow = 0;
    const lived = ranOut && heldMs >= askedSeconds * 1000 - RAN_OUT_TOLERANCE_MS;
    if (lived) this.#longestLivedSeconds = Math.max(this.#longestLivedSeconds, askedSeconds);
    if (!lived || askedSeconds < this.#holdSeconds) return null;
    if (askedSeconds > this.#holdSeconds && this.#cutSeconds !== null) {
      // A probe lived: whatever cut before is no longer on the way.
      const previous = this.#holdSeconds;
      this.#cutSeconds = null;
      this.#holdSeconds = askedSeconds;
      return previous;
    }
    if (this.#cutSeconds !== null) {
      this.#ranOutSinceLearned += 1;
      return null;
    }
    const top = this.#top();
    if (top <= this.#holdSeconds) return null;
    const previous = this.#holdSeconds;
    this.#holdSeconds = top;
    return previous;
  }

  /**
   * A long-poll that asked `askedSeconds` ended without an HTTP answer after `ageMs`; `timedOut`: because no answer
   * came within the hold and its grace. Says whether it was a cut of the path (learned, not a failure) or a failure.
   */
  failedWithoutAnswer(askedSeconds: number, ageMs: number, timedOut: boolean): NoAnswer {
    const policy = this.#policy;
    if (!timedOut && ageMs < policy.shortestCutMs) return 'failure';
    let nextHold: number;
    let cutSeconds: number;
    if (timedOut) {
      // Nothing came back at all: the connection died somewhere during the hold, at an age nobody saw.
      cutSeconds = askedSeconds;
      const livedShorter = this.#longestLivedSeconds < askedSeconds ? this.#longestLivedSeconds : 0;
      nextHold = Math.max(Math.floor(askedSeconds / 2), livedShorter);
    } else {
      // Later than the hold asked: the request was sent twice (see the file comment), cut at the same age each time.
      const cutMs = ageMs >= askedSeconds * 1000 ? ageMs / 2 : ageMs;
      cutSeconds = Math.min(askedSeconds, Math.floor(cutMs / 1000));
      nextHold = cutSeconds - Math.max(policy.minMarginSeconds, Math.ceil(cutSeconds * policy.marginRatio));
    }
    if (nextHold < policy.shortestSeconds) return 'failure';
    // What lived before is no proof now that the path cuts sooner.
    if (!timedOut) this.#longestLivedSeconds = Math.min(this.#longestLivedSeconds, nextHold);
    this.#cutSeconds = cutSeconds;
    this.#holdSeconds = nextHold;
    this.#learnedAt = this.#now();
    this.#ranOutSinceLearned = 0;
    this.#cutsInARow += 1;
    return this.#cutsInARow > policy.freeCutsInARow ? 'failure' : 'cut';
  }

  #top(): number {
    return Math.max(1, Math.min(this.#serverMaxSeconds ?? this.#policy.startSeconds, this.#policy.longestSeconds));
  }

  #probeDue(): boolean {
    return this.#ranOutSinceLearned >= this.#policy.probeAfterHolds || this.#now() - this.#learnedAt >= this.#policy.probeAfterMs;
  }
}
