/**
 * What a waiting long-poll keeps while it waits, made small: ten thousand idle devices are ten thousand holds at any
 * moment, each living 25 seconds — long enough to be promoted out of V8's young generation, so everything a hold
 * allocates is both memory per device and work for the full collections that free it.
 *
 * - A `Hold` is one object: it is its user's wake-up registration (a set per user in the notifier, no listener closure),
 *   its entry in the shared timer, and the waiter its service awaits.
 * - `HoldTimer`: one timer for every hold of the process, on ticks of `HOLD_TICK_MS`, instead of a `setTimeout`
 *   (a Timeout object and its closure) per waiting request. A hold ends at most one tick after its time.
 * - `WaitCancellation`: how a request's wait is ended early (its client left, or the instance stops), one plain
 *   object instead of an AbortController (an EventTarget, its listener objects and closures).
 */

/** Why a waiter woke: a change of this user's, or a wake-up of everyone (a clock jump, a reconnection). */
export type WakeReason = 'user' | 'everyone';

/** How late a hold may end: the shared timer's resolution (ms). */
export const HOLD_TICK_MS = 10;

export interface Waiter {
  /**
   * Once what the waiter watches has been read (subscribed before, so nothing is missed): resolves when the user is
   * notified (with why) or the time is up or the wait was cancelled (null).
   */
  wait(): Promise<WakeReason | null>;
  cancel(): void;
}

/**
 * Ends a request's wait early. The HTTP layer makes one per waiting request and cancels it when the client goes away
 * or the instance stops refusing; the wait in progress, if any, then ends at once with null.
 */
export class WaitCancellation {
  #cancelled = false;
  /** The wait in progress for this request (a long-poll waits again after a wake-up that changed nothing). */
  current: Hold | null = null;

  get cancelled(): boolean {
    return this.#cancelled;
  }

  cancel(): void {
    if (this.#cancelled) return;
    this.#cancelled = true;
    this.current?.settle(null);
  }
}

/** Where holds are registered, per user (the notifier). */
export interface HoldRegistry {
  addHold(hold: Hold): void;
  removeHold(hold: Hold): void;
  /** The hold has read what it watches and waits (Notifier.parked). */
  holdParked(hold: Hold): void;
  readonly holdTimer: HoldTimer;
}

export class Hold implements Waiter {
  /** The shared timer's tick this hold ends at (HoldTimer's). */
  tick = 0;
  #settled = false;
  #reason: WakeReason | null = null;
  #resolve: ((reason: WakeReason | null) => void) | null = null;

  constructor(
    private readonly registry: HoldRegistry,
    readonly userId: string,
    timeoutMs: number,
    private readonly cancellation: WaitCancellation | null,
    /** A change made by this device itself does not wake the hold (the device knows). */
    private readonly ignoreDevice: string | null,
  ) {
    registry.addHold(this);
    registry.holdTimer.add(this, timeoutMs);
    if (cancellation) cancellation.current = this;
  }

  /** Whether the hold has ended (woken, its time up, or cancelled). */
  get settled(): boolean {
    return this.#settled;
  }

  /** A change of the user's was heard (`user`), or everyone is woken. */
  wake(reason: WakeReason, causedByDevice: string | null): void {
    if (reason === 'user' && this.ignoreDevice !== null && causedByDevice === this.ignoreDevice) return;
    this.settle(reason);
  }

  /** Ends the hold with this reason (null: its time is up, or it was cancelled); once. */
  settle(reason: WakeReason | null): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#reason = reason;
    this.registry.removeHold(this);
    this.registry.holdTimer.remove(this);
    if (this.cancellation?.current === this) this.cancellation.current = null;
    const resolve = this.#resolve;
    this.#resolve = null;
    resolve?.(reason);
  }

  wait(): Promise<WakeReason | null> {
    if (this.#settled) return Promise.resolve(this.#reason);
    this.registry.holdParked(this);
    return new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }

  cancel(): void {
    this.settle(null);
  }
}

/**
 * One timer for every hold: holds are kept in buckets by the tick they end at, and the timer is armed for the
 * earliest bucket only. Adding or removing a hold is a set operation; the timer fires at most once per tick in use.
 */
export class HoldTimer {
  readonly #buckets = new Map<number, Set<Hold>>();
  /** The ticks that have (or had) a bucket, as a binary min-heap; a tick whose bucket emptied is skipped when reached. */
  readonly #ticks: number[] = [];
  #timer: NodeJS.Timeout | null = null;
  #armedTick = Infinity;
  #count = 0;

  constructor(
    private readonly tickMs: number = HOLD_TICK_MS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Holds waiting for their time. */
  get size(): number {
    return this.#count;
  }

  /** The hold ends `timeoutMs` from now (on the monotonic clock: a change of the wall clock moves no hold). */
  add(hold: Hold, timeoutMs: number): void {
    const tick = Math.ceil((this.now() + timeoutMs) / this.tickMs);
    hold.tick = tick;
    let bucket = this.#buckets.get(tick);
    if (!bucket) {
      bucket = new Set();
      this.#buckets.set(tick, bucket);
      this.#pushTick(tick);
    }
    bucket.add(hold);
    this.#count += 1;
    if (tick < this.#armedTick) this.#arm(tick);
  }

  remove(hold: Hold): void {
    const bucket = this.#buckets.get(hold.tick);
    if (!bucket?.delete(hold)) return;
    this.#count -= 1;
    if (bucket.size === 0) this.#buckets.delete(hold.tick);
    // Nothing left to wait for: no timer keeps the process awake for a hold that ended early.
    if (this.#count === 0) {
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = null;
      this.#armedTick = Infinity;
      this.#ticks.length = 0;
    }
  }

  #arm(tick: number): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#armedTick = tick;
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, tick * this.tickMs - this.now()));
  }

  #fire(): void {
    this.#timer = null;
    this.#armedTick = Infinity;
    const due = Math.floor(this.now() / this.tickMs);
    while (this.#ticks.length > 0 && (this.#ticks[0] as number) <= due) {
      const tick = this.#popTick();
      const bucket = this.#buckets.get(tick);
      // Each hold leaves its bucket as it ends (remove, above).
      if (bucket) for (const hold of [...bucket]) hold.settle(null);
    }
    // The earliest tick still holding a bucket (emptied ones are dropped on the way).
    while (this.#ticks.length > 0 && !this.#buckets.has(this.#ticks[0] as number)) this.#popTick();
    if (this.#ticks.length > 0) this.#arm(this.#ticks[0] as number);
  }

  #pushTick(tick: number): void {
    const heap = this.#ticks;
    heap.push(tick);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if ((heap[parent] as number) <= tick) break;
      heap[index] = heap[parent] as number;
      index = parent;
    }
    heap[index] = tick;
  }

  #popTick(): number {
    const heap = this.#ticks;
    const top = heap[0] as number;
    const last = heap.pop() as number;
    if (heap.length > 0) {
      let index = 0;
      for (;;) {
        const left = 2 * index + 1;
        if (left >= heap.length) break;
        const right = left + 1;
        const child = right < heap.length && (heap[right] as number) < (heap[left] as number) ? right : left;
        if ((heap[child] as number) >= last) break;
        heap[index] = heap[child] as number;
        index = child;
      }
      heap[index] = last;
    }
    return top;
  }
}
