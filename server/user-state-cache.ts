/**
 * Something read from the database about one user, kept in this process until the next change of theirs is
 * announced (see Notifier.changeMark). The long-poll keeps what a user's devices are told this way: a device that
 * comes back to wait with the cursor it was just given is told to wait from memory, so an idle fleet costs the
 * database nothing per long-poll, and the first device to ask after a change reads it for all of that user's.
 *
 * A value is kept only if no announcement for that user (or everyone) was heard while it was being read, and only
 * while the notifier hears every announcement: a read that raced a change is used once and dropped.
 */
import type { Notifier } from './notifier';

export class UserStateCache<T> {
  readonly #entries = new Map<string, { mark: number; value: T }>();

  constructor(private readonly notifier: Notifier, private readonly capacity: number) {}

  async read(userId: string, load: () => Promise<T>): Promise<T> {
    const hearing = this.notifier.hearsEverything();
    const mark = this.notifier.changeMark(userId);
    const entry = this.#entries.get(userId);
    if (hearing && entry?.mark === mark) return entry.value;
    const value = await load();
    if (hearing && this.notifier.hearsEverything() && this.notifier.changeMark(userId) === mark) {
      this.#entries.delete(userId);
      this.#entries.set(userId, { mark, value });
      // The oldest stored first: users whose devices stopped asking.
      if (this.#entries.size > this.capacity) this.#entries.delete(this.#entries.keys().next().value as string);
    } else if (entry) {
      this.#entries.delete(userId);
    }
    return value;
  }

  get size(): number {
    return this.#entries.size;
  }
}
