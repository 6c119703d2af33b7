/**
 * An instance's shutdown, as a load balancer needs it (docs/operations.md, "Restarts"):
 *
 * 1. SIGTERM: the instance says it is not ready (/readyz 503) and asks every client to reconnect after its current
 *    answer (`Connection: close`), while still serving for SA_SHUTDOWN_DELAY_SECONDS (the balancer's time to notice);
 * 2. it stops accepting connections, answers its waiting long-polls at once with `server_restarting` (503, nothing was
 *    done: the app asks again at once on a new connection, which reaches another instance, without counting a
 *    failure or backing off), and answers any new request on a kept-alive connection the same way;
 * 3. it lets the requests in flight finish, at most SA_SHUTDOWN_TIMEOUT_SECONDS, then cuts what is left and exits.
 *
 * This file keeps the state those steps share: the phase, the requests in flight, the long-polls waiting.
 */
import { SecureAccessError } from '../../protocol/index';
import type { WaitCancellation } from '../holds';

export type Phase = 'serving' | 'draining' | 'refusing' | 'closed';

export function restartingError(): SecureAccessError {
  return new SecureAccessError('server_restarting', 'This server instance is restarting: send the request again (it was not processed).');
}

export class Lifecycle {
  #phase: Phase = 'serving';
  #inFlight = 0;
  readonly #waiting = new Set<WaitCancellation>();
  readonly #idleListeners = new Set<() => void>();

  get phase(): Phase {
    return this.#phase;
  }

  /** From SIGTERM on: not ready, and every answer closes its connection. */
  get draining(): boolean {
    return this.#phase !== 'serving';
  }

  /** New requests are refused with server_restarting; waiting long-polls have been answered. */
  get refusing(): boolean {
    return this.#phase === 'refusing' || this.#phase === 'closed';
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  get waiting(): number {
    return this.#waiting.size;
  }

  startDraining(): void {
    if (this.#phase === 'serving') this.#phase = 'draining';
  }

  /** Step 2: returns how many waiting long-polls were told to reconnect. */
  startRefusing(): number {
    this.#phase = 'refusing';
    const answered = this.#waiting.size;
    for (const cancellation of [...this.#waiting]) cancellation.cancel();
    this.#waiting.clear();
    return answered;
  }

  markClosed(): void {
    this.#phase = 'closed';
  }

  /** A request arrived; `requestEnded` is called once when its response closes (ops/http.ts keeps that promise). */
  requestStarted(): void {
    this.#inFlight += 1;
  }

  requestEnded(): void {
    this.#inFlight -= 1;
    if (this.#inFlight === 0) for (const listener of [...this.#idleListeners]) listener();
  }

  /**
   * A long-poll starts waiting: `cancellation` is cancelled when the instance stops (its handler then ends its wait
   * at once). Already refusing: cancelled now. `longPollEnded` forgets it.
   */
  longPollWaiting(cancellation: WaitCancellation): void {
    if (this.refusing) {
      cancellation.cancel();
      return;
    }
    this.#waiting.add(cancellation);
  }

  longPollEnded(cancellation: WaitCancellation): void {
    this.#waiting.delete(cancellation);
  }

  /** Resolves true once no request is in flight, false if `timeoutMs` passes first. */
  whenIdle(timeoutMs: number): Promise<boolean> {
    if (this.#inFlight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (idle: boolean) => {
        clearTimeout(timer);
        this.#idleListeners.delete(onIdle);
        resolve(idle);
      };
      const onIdle = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.#idleListeners.add(onIdle);
    });
  }
}
