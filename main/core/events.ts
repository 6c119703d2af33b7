/** A small typed event hub. Listeners get a copy of the payload, so none can change the core's state through it. */
import type { Logger } from './ports';

type Listener<T> = (payload: T) => void;

export class EventHub<Events extends { [name: string]: unknown }> {
  readonly #listeners = new Map<keyof Events, Set<Listener<never>>>();
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  on<E extends keyof Events>(event: E, listener: Listener<Events[E]>): () => void {
    if (typeof listener !== 'function') throw new TypeError('an event listener must be a function');
    let listeners = this.#listeners.get(event);
    if (!listeners) {
      listeners = new Set();
      this.#listeners.set(event, listeners);
    }
    const entry = listener as Listener<never>;
    listeners.add(entry);
    return () => {
      listeners.delete(entry);
    };
  }

  emit<E extends keyof Events>(event: E, payload: Events[E]): void {
    for (const listener of this.#listeners.get(event) ?? []) {
      try {
        (listener as Listener<Events[E]>)(structuredClone(payload));
      } catch (error) {
        this.#logger.error('an event listener threw', { event: String(event), message: error instanceof Error ? error.message : String(error) });
      }
    }
  }
}
