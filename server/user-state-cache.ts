/**
 * Something read from the database about one user, kept in this process until the next change of theirs is
 * announced (see Notifier.changeMark). The long-poll keeps what a user's devices are told this way: a device that
 * comes back to wait with the cursor it was just given is told to wait from memory, so an idle fleet costs the
 * database nothing per long-poll, and the first device to ask after a change reads it for all of that user's.
 *
 * A value is kept only if no announcement for that user (or everyone) was heard while it was being read, and only
 * while the notifier hears every announcement: a read that raced a change is used once and dropped.
 *
 * Announcements are the fast path, not the only one. With a `StateConfirmation` (several instances share the
 * database), a kept value is used only if it was confirmed against the database less than `maxUnconfirmedMs` ago:
 * every `intervalMs`, one round asks the database which of the users in use have a state version other than the one
 * kept — one query for all of them, a version compared, not a state read; on PostgreSQL, on the LISTEN connection,
 * whose answer also proves that no announcement made before it was missed. A user whose version moved unannounced
 * is forgotten and their waiters woken; a value no round could confirm in time is read again. So whatever befalls
 * an announcement, an instance acts on a state older than the database's for at most `maxUnconfirmedMs`.
 */
import { DEVICE_LONG_POLL_CEILING_SECONDS } from '../protocol/index';
import type { Notifier } from './notifier';

export interface StateConfirmation<T> {
  /** The user's state version a kept value was read at (null: no such user then). */
  versionOf(value: T): string | null;
  /**
   * Of these users (id → version kept), those whose version is now another (or who are gone, or have appeared); null
   * if that cannot be known now, or if announcements made before the call may not all have been heard yet.
   */
  changedUsers(kept: ReadonlyMap<string, string | null>): Promise<string[] | null>;
  /** Every round's: how often, and how old a confirmation may be before the value is read again (ms). */
  intervalMs: number;
  maxUnconfirmedMs: number;
}

/**
 * Several instances on one database: a kept state is confirmed every 2 s, and not used once its last confirmation is
 * 5 s old — the longest an instance may act on a change it has not heard of (docs/protocol.md).
 */
export const STATE_CONFIRMATION = { intervalMs: 2_000, maxUnconfirmedMs: 5_000 } as const;

interface Entry<T> {
  mark: number;
  value: T;
  /** When the database was last known to hold this value (the start of the read or of the round that confirmed it). */
  confirmedAt: number;
  usedAt: number;
}

/**
 * Users whose state nobody asked for in this long are dropped, not confirmed: longer than the longest hold a server
 * may grant, so that a device waiting its whole hold finds its user's state still kept when it asks again.
 */
const IN_USE_MS = (DEVICE_LONG_POLL_CEILING_SECONDS + 30) * 1000;

/**
 * A key kept as long as its entry gets a text of its own: the id a request passes is often a piece of one of its
 * headers (a device token's user id), and V8 would keep that whole header alive with the key.
 */
function ownCopy(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}

export class UserStateCache<T> {
  readonly #entries = new Map<string, Entry<T>>();
  #timer: NodeJS.Timeout | null = null;
  #confirming = false;
  #closed = false;
  /** Users found changed by a round without this process having heard an announcement (a lost one, or a race with it). */
  unannouncedChanges = 0;

  constructor(
    private readonly notifier: Notifier,
    private readonly capacity: number,
    private readonly confirmation?: StateConfirmation<T>,
    private readonly now: () => number = () => performance.now(),
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  async read(userId: string, load: () => Promise<T>): Promise<T> {
    const hearing = this.notifier.hearsEverything();
    const mark = this.notifier.changeMark(userId);
    const entry = this.#entries.get(userId);
    const startedAt = this.now();
    if (hearing && entry?.mark === mark && this.#confirmedRecently(entry, startedAt)) {
      entry.usedAt = startedAt;
      return entry.value;
    }
    const value = await load();
    if (hearing && this.notifier.hearsEverything() && this.notifier.changeMark(userId) === mark && !this.#closed) {
      this.#entries.delete(userId);
      this.#entries.set(ownCopy(userId), { mark, value, confirmedAt: startedAt, usedAt: startedAt });
      // The oldest stored first: users whose devices stopped asking.
      if (this.#entries.size > this.capacity) this.#entries.delete(this.#entries.keys().next().value as string);
      this.#startRounds();
    } else if (entry) {
      this.#entries.delete(userId);
    }
    return value;
  }

  #confirmedRecently(entry: Entry<T>, now: number): boolean {
    return !this.confirmation || now - entry.confirmedAt < this.confirmation.maxUnconfirmedMs;
  }

  #startRounds(): void {
    if (!this.confirmation || this.#timer) return;
    this.#timer = setInterval(() => void this.confirmRound(), this.confirmation.intervalMs);
    this.#timer.unref();
  }

  /** One round of confirmation (run by the timer; tests call it to run one now). */
  async confirmRound(): Promise<void> {
    const confirmation = this.confirmation;
    if (!confirmation || this.#confirming) return;
    this.#confirming = true;
    try {
      const startedAt = this.now();
      const kept = new Map<string, string | null>();
      const asked = new Map<string, Entry<T>>();
      for (const [userId, entry] of this.#entries) {
        if (startedAt - entry.usedAt > IN_USE_MS) {
          this.#entries.delete(userId);
          continue;
        }
        kept.set(userId, confirmation.versionOf(entry.value));
        asked.set(userId, entry);
      }
      if (kept.size === 0) {
        if (this.#timer) clearInterval(this.#timer);
        this.#timer = null;
        return;
      }
      const answer = await confirmation.changedUsers(kept);
      // Not confirmed: what is kept ages out on its own.
      if (answer === null) return;
      const changed = new Set(answer);
      for (const [userId, entry] of asked) {
        // Read again or forgotten during the round: not this round's to judge.
        if (this.#entries.get(userId) !== entry) continue;
        if (changed.has(userId)) {
          this.#entries.delete(userId);
          if (entry.mark === this.notifier.changeMark(userId)) {
            this.unannouncedChanges += 1;
            // As if announced: its waiters re-read, and nothing read before now is kept.
            this.notifier.heard(userId, null);
          }
        } else {
          entry.confirmedAt = Math.max(entry.confirmedAt, startedAt);
        }
      }
    } catch (error) {
      // Unconfirmed values age out on their own: nothing is trusted longer for a failed round.
      this.onError(error);
    } finally {
      this.#confirming = false;
    }
  }

  close(): void {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}
