/**
 * Wakes the long-polls waiting for a user when something of theirs changes. In one process an EventEmitter
 * does it; on PostgreSQL every instance LISTENs on one channel and a change is announced with NOTIFY, so a
 * device waiting on instance A hears of a validation created on instance B within milliseconds.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type pg from 'pg';
import type { ServerFaults } from './config';

/** Why a waiter woke: a change of this user's, or a wake-up of everyone (a clock jump, a reconnection). */
export type WakeReason = 'user' | 'everyone';

/**
 * Told to each listener with the reason: the device whose own request made the change (its decision), if any. That
 * device already knows: its waiting long-poll need not be answered and asked again for it.
 */
export type WakeListener = (reason: WakeReason, causedByDevice: string | null) => void;

export interface Notifier {
  /** Announces that something of this user's changed (validations, devices, enrolments, session). */
  publish(userId: string, causedByDevice?: string): Promise<void>;
  subscribe(userId: string, listener: WakeListener): () => void;
  /** Wakes every waiter of this process (they re-read the database): after a clock jump, or a reconnection. */
  wakeAll(): void;
  /**
   * Moves whenever this process hears of a change of this user's (or of everyone's): something read from the
   * database before the mark moved may be stale. Announcements come after the change is committed, so a read that
   * began at a mark which has not moved since is current as long as `hearsEverything()`.
   */
  changeMark(userId: string): number;
  /** False while announcements from other instances may be getting lost (the LISTEN connection is down). */
  hearsEverything(): boolean;
  close(): Promise<void>;
}

export class LocalNotifier implements Notifier {
  protected readonly emitter = new EventEmitter();
  /** One sequence for every announcement heard; per user, the last one of theirs; the last wake-up of everyone. */
  #sequence = 0;
  readonly #marks = new Map<string, number>();
  #everyoneMark = 0;

  constructor() {
    // Tens of thousands of devices may wait at once: one listener each, on their user's key.
    this.emitter.setMaxListeners(0);
  }

  async publish(userId: string, causedByDevice?: string): Promise<void> {
    this.announce(userId, causedByDevice ?? null);
  }

  protected announce(userId: string, causedByDevice: string | null): void {
    this.#marks.set(userId, ++this.#sequence);
    this.emitter.emit(userId, 'user' satisfies WakeReason, causedByDevice);
  }

  changeMark(userId: string): number {
    return Math.max(this.#marks.get(userId) ?? 0, this.#everyoneMark);
  }

  hearsEverything(): boolean {
    return true;
  }

  subscribe(userId: string, listener: WakeListener): () => void {
    this.emitter.on(userId, listener);
    return () => this.emitter.off(userId, listener);
  }

  /** Whatever was read before now may be stale (announcements may have been lost). */
  protected forgetAll(): void {
    this.#everyoneMark = ++this.#sequence;
  }

  wakeAll(): void {
    this.forgetAll();
    for (const name of this.emitter.eventNames()) this.emitter.emit(name, 'everyone' satisfies WakeReason, null);
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}

const CHANNEL = 'secure_access_user';

/** `<user id> <device id or -> <instance>` (identifiers have no spaces); before instances were named, `<user id> [<device id>]`. */
function payloadOf(userId: string, causedByDevice: string | null, instance: string): string {
  return `${userId} ${causedByDevice ?? '-'} ${instance}`;
}

function parsePayload(payload: string): { userId: string; causedByDevice: string | null; instance: string | null } | null {
  const [userId, device, instance] = payload.split(' ');
  if (!userId) return null;
  return { userId, causedByDevice: device && device !== '-' ? device : null, instance: instance ?? null };
}

export class PostgresNotifier extends LocalNotifier {
  private client: pg.PoolClient | null = null;
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | null = null;

  /** Names this instance in its announcements, so that it does not apply its own twice. */
  private readonly instance = randomUUID();

  private constructor(private readonly pool: pg.Pool, private readonly log: (message: string) => void, private readonly faults: ServerFaults) {
    super();
  }

  static async start(pool: pg.Pool, log: (message: string) => void, faults: ServerFaults = {}): Promise<PostgresNotifier> {
    const notifier = new PostgresNotifier(pool, log, faults);
    await notifier.listen();
    return notifier;
  }

  private async listen(): Promise<void> {
    const client = await this.pool.connect();
    client.on('notification', (message) => {
      if (message.channel !== CHANNEL || !message.payload) return;
      const heard = parsePayload(message.payload);
      // This instance's own announcements were applied here when it made them.
      if (!heard || heard.instance === this.instance) return;
      const delay = this.faults.notificationDelayMs;
      if (delay === undefined) this.announce(heard.userId, heard.causedByDevice);
      else setTimeout(() => this.announce(heard.userId, heard.causedByDevice), delay).unref();
    });
    client.on('error', (error) => {
      this.log(`LISTEN connection lost (${error.message}); reconnecting`);
      client.release(true);
      if (this.client === client) this.client = null;
      this.forgetAll();
      this.scheduleReconnect();
    });
    await client.query(`LISTEN ${CHANNEL}`);
    this.client = client;
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.listen()
        // Waiters time out and re-read the database anyway, so a missed wake-up only delays, never loses.
        .then(() => this.wakeAll())
        .catch(() => this.scheduleReconnect());
    }, 500);
  }

  override hearsEverything(): boolean {
    return this.client !== null;
  }

  override async publish(userId: string, causedByDevice?: string): Promise<void> {
    // This instance applies its own change at once: a read right after the write, on this instance, must not wait
    // for the notification to come back from PostgreSQL.
    this.announce(userId, causedByDevice ?? null);
    await this.pool.query('SELECT pg_notify($1, $2)', [CHANNEL, payloadOf(userId, causedByDevice ?? null, this.instance)]);
  }

  override async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.client) {
      await this.client.query(`UNLISTEN ${CHANNEL}`).catch(() => undefined);
      this.client.release();
      this.client = null;
    }
    await super.close();
  }
}

/**
 * Resolves when the user is notified (with why) or the time is up (null). Cleans up either way. A change made by
 * `ignoreDevice` itself does not wake it.
 */
export function waitForUser(notifier: Notifier, userId: string, timeoutMs: number, signal?: AbortSignal, ignoreDevice?: string): { promise: Promise<WakeReason | null>; cancel(): void } {
  let unsubscribe = () => {};
  let timer: NodeJS.Timeout | undefined = undefined;
  let settle: (reason: WakeReason | null) => void = () => {};
  const promise = new Promise<WakeReason | null>((resolve) => {
    settle = (reason) => {
      unsubscribe();
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(reason);
    };
  });
  const onAbort = () => settle(null);
  unsubscribe = notifier.subscribe(userId, (reason, causedByDevice) => {
    if (reason === 'user' && ignoreDevice !== undefined && causedByDevice === ignoreDevice) return;
    settle(reason);
  });
  timer = setTimeout(() => settle(null), timeoutMs);
  signal?.addEventListener('abort', onAbort, { once: true });
  return { promise, cancel: () => settle(null) };
}
