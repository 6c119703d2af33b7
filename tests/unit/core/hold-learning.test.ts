import { describe, expect, it } from 'vitest';
import { DEFAULT_HOLD_POLICY, HoldLearner, type HoldPolicy } from '../../../main/core/hold-learning';

function learner(policy: Partial<HoldPolicy> = {}) {
  let now = 0;
  const hold = new HoldLearner({ ...DEFAULT_HOLD_POLICY, ...policy }, () => now);
  return { hold, advance: (ms: number) => void (now += ms) };
}

/** A learner on a path where the server holds up to 120 s and a first hold has lived: it now asks for 120 s. */
function grownLearner(policy: Partial<HoldPolicy> = {}) {
  const made = learner(policy);
  made.hold.noteServerMax(120);
  livedOnce(made.hold);
  return made;
}

/** A long-poll of the next hold that ran out with nothing new. */
function livedOnce(hold: HoldLearner): number | null {
  const asked = hold.nextHoldSeconds();
  return hold.answered(asked, asked * 1000, true);
}

describe('the hold a long-poll asks for, learned per path', () => {
  it('starts at the safe hold, and keeps it while the server does not say its maximum', () => {
    const { hold } = learner();
    expect(hold.nextHoldSeconds()).toBe(25);
    expect(livedOnce(hold)).toBeNull();
    expect(hold.nextHoldSeconds()).toBe(25);
  });

  it("grows to the server's maximum once a hold has run out on the path, and says from what (to spread the next wait)", () => {
    const { hold } = learner();
    hold.noteServerMax(120);
    expect(hold.nextHoldSeconds()).toBe(25);
    expect(livedOnce(hold)).toBe(25);
    expect(hold.nextHoldSeconds()).toBe(120);
    expect(livedOnce(hold)).toBeNull();
    expect(hold.nextHoldSeconds()).toBe(120);
  });

  it("does not grow on an answer that brought news, nor on a hold that ended early, nor beyond the app's own longest", () => {
    const { hold } = learner({ longestSeconds: 90 });
    hold.noteServerMax(120);
    expect(hold.answered(25, 3_000, false)).toBeNull();
    expect(hold.answered(25, 10_000, true)).toBeNull();
    expect(hold.nextHoldSeconds()).toBe(25);
    expect(livedOnce(hold)).toBe(25);
    expect(hold.nextHoldSeconds()).toBe(90);
  });

  it('a long-poll cut at a steady age is a cut: the hold becomes that age less a margin', () => {
    const { hold } = grownLearner();
    expect(hold.failedWithoutAnswer(120, 30_200, false)).toBe('cut');
    expect(hold.learnedCutSeconds).toBe(30);
    expect(hold.nextHoldSeconds()).toBe(27);
    // Under the cut, holds live and the learned hold stays.
    expect(livedOnce(hold)).toBeNull();
    expect(hold.nextHoldSeconds()).toBe(27);
  });

  it('a request sent twice by the network stack (cut on a reused connection, then on a new one) fails after two cuts: found in two steps', () => {
    const { hold } = grownLearner();
    // Asked 120 s, cut at 30 s twice: 60 s, sooner than the hold, looks like one cut at 60 s.
    expect(hold.failedWithoutAnswer(120, 60_100, false)).toBe('cut');
    expect(hold.nextHoldSeconds()).toBe(54);
    // Asked 54 s, cut at 30 s twice: 60 s, later than the hold could last: two cuts at 30 s.
    expect(hold.failedWithoutAnswer(54, 60_100, false)).toBe('cut');
    expect(hold.learnedCutSeconds).toBe(30);
    expect(hold.nextHoldSeconds()).toBe(27);
  });

  it('a connection refused or reset at once is a failure, and teaches nothing', () => {
    const { hold } = grownLearner();
    expect(hold.failedWithoutAnswer(120, 15, false)).toBe('failure');
    expect(hold.failedWithoutAnswer(120, 3_000, false)).toBe('failure');
    expect(hold.learnedCutSeconds).toBeNull();
    expect(hold.nextHoldSeconds()).toBe(120);
  });

  it('no answer at all by the end of the hold and its grace: the hold is halved', () => {
    const { hold } = grownLearner();
    expect(hold.failedWithoutAnswer(120, 135_000, true)).toBe('cut');
    expect(hold.nextHoldSeconds()).toBe(60);
  });

  it('no answer at all: never halves below a hold that lived on the path (a cut request sent again may still be waiting)', () => {
    const { hold } = grownLearner();
    // Asked 40 s after 25 s lived: cut at 30 s, sent again, cut again — the request's own timeout (55 s) comes first.
    expect(hold.failedWithoutAnswer(40, 55_000, true)).toBe('cut');
    expect(hold.nextHoldSeconds()).toBe(25);
    // A measured cut shorter than what lived before: what lived before no longer counts.
    expect(hold.failedWithoutAnswer(25, 12_000, false)).toBe('cut');
    expect(hold.nextHoldSeconds()).toBe(10);
    expect(hold.failedWithoutAnswer(10, 25_000, true)).toBe('cut');
    expect(hold.nextHoldSeconds()).toBe(5);
  });

  it('a path that cuts too early to hold under fails, and so do cuts in a row beyond the free ones', () => {
    const early = learner().hold;
    expect(early.failedWithoutAnswer(25, 6_000, false)).toBe('failure');
    const { hold } = learner({ freeCutsInARow: 2 });
    expect(hold.failedWithoutAnswer(25, 20_000, false)).toBe('cut');
    expect(hold.failedWithoutAnswer(18, 15_000, false)).toBe('cut');
    expect(hold.failedWithoutAnswer(13, 12_000, false)).toBe('failure');
    // An answer between cuts starts the count again.
    hold.answered(hold.nextHoldSeconds(), 500, false);
    expect(hold.failedWithoutAnswer(hold.nextHoldSeconds(), 9_000, false)).toBe('cut');
  });

  it('probes the longest hold again after enough holds under the cut, and keeps it if it lives', () => {
    const { hold } = grownLearner({ probeAfterHolds: 3 });
    hold.failedWithoutAnswer(120, 30_000, false);
    for (let i = 0; i < 3; i++) {
      expect(hold.nextHoldSeconds()).toBe(27);
      livedOnce(hold);
    }
    expect(hold.nextHoldSeconds()).toBe(120);
    expect(livedOnce(hold)).toBe(27);
    expect(hold.learnedCutSeconds).toBeNull();
    expect(hold.nextHoldSeconds()).toBe(120);
  });

  it('probes again after an hour, and learns the cut again if the path still cuts', () => {
    const { hold, advance } = grownLearner();
    hold.failedWithoutAnswer(120, 30_000, false);
    advance(59 * 60_000);
    expect(hold.nextHoldSeconds()).toBe(27);
    advance(60_000);
    expect(hold.nextHoldSeconds()).toBe(120);
    expect(hold.failedWithoutAnswer(120, 30_100, false)).toBe('cut');
    expect(hold.nextHoldSeconds()).toBe(27);
    advance(30 * 60_000);
    expect(hold.nextHoldSeconds()).toBe(27);
  });

  it("never asks more than the server grants, even after its maximum went down", () => {
    const { hold } = grownLearner();
    hold.noteServerMax(60);
    expect(hold.nextHoldSeconds()).toBe(60);
    hold.noteServerMax(Number.NaN);
    expect(hold.nextHoldSeconds()).toBe(60);
  });
});
