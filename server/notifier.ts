/**
 * Wakes the long-polls waiting for a user when something of theirs changes. In one process an EventEmitter
 * does it; on PostgreSQL every instance LISTENs on one channel and a change is announced with NOTIFY, issued in the
 * transaction that makes the change (server/changes.ts), so a device waiting on instance A hears of a validation
 * created on instance B within milliseconds of its commit — even if B dies right after committing.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { sql, type Transaction } from 'kysely';
import type pg from 'pg';
import type { ServerFaults } from './config';
import type { Database } from './db/schema';
import { Hold, HoldTimer, type HoldRegistry, type WaitCancellation, type Waiter, type WakeReason } from './holds';

export type { Waiter, WakeReason } from './holds';

/**
 * Told to each listener with the reason: the device whose own request made the change (its decision), if any. That
 * device already knows: its waiting long-poll need not be answered and asked again for it.
 */
export type WakeListener = (reason: WakeReason, causedByDevice: string | null) => void;

export interface Notifier {
  /**
   * In the transaction that makes a change of this user's (use `transaction` of server/changes.ts, not this): tells
   * the other instances when, and only if, it commits. Nothing to do in one process.
   */
  announceAtCommit(trx: Transaction<Database>, userId: string, causedByDevice: string | null): Promise<void>;
  /** This process learns of a change of this user's — its own, once committed, or another instance's: wakes and marks. */
  heard(userId: string, causedByDevice: string | null): void;
  subscribe(userId: string, listener: WakeListener): () => void;
  /**
   * A long-poll's wait on this user's changes for `timeoutMs` (server/holds.ts): ends when a change of theirs is heard
   * (not one made by `ignoreDevice`), everyone is woken, the time is up or `cancellation` is cancelled.
   */
  hold(userId: string, timeoutMs: number, cancellation: WaitCancellation | null, ignoreDevice: string | null): Waiter;
  /** Holds waiting now. */
  readonly holding: number;
  /** A waiter of this user's has read what it watches and waits to be woken (Waiter.wait); `onParked` observes it. */
  parked(userId: string): void;
  onParked(listener: (userId: string) => void): () => void;
  /** Wakes every waiter of this process (they re-read the database): after a clock jump, or a reconnection. */
  wakeAll(): void;
  /**
   * Moves whenever this process hears of a change of this user's (or of everyone's): something read from the
   * database before the mark moved may be stale. Announcements are heard after the change is committed, so a read
   * that began at a mark which has not moved since is current as long as `hearsEverything()`.
   */
  changeMark(userId: string): number;
  /** False while announcements from other instances may be getting lost (the LISTEN connection is down). */
  hearsEverything(): boolean;
  close(): Promise<void>;
}

export class LocalNotifier implements Notifier, HoldRegistry {
  protected readonly emitter = new EventEmitter();
  /** The waiting long-polls, per user (the hold, or a set of them): no listener closure on the emitter. */
  readonly #holds = new Map<string, Hold | Set<Hold>>();
  #holdCount = 0;
  readonly holdTimer: HoldTimer;
  /** One sequence for every announcement heard; per user, the last one of theirs; the last wake-up of everyone. */
  #sequence = 0;
  readonly #marks = new Map<string, number>();
  #everyoneMark = 0;

  constructor(holdTimer: HoldTimer = new HoldTimer()) {
    // Several parts of the server may listen to one user at once (tests, portal pages): no listener limit.
    this.emitter.setMaxListeners(0);
    this.holdTimer = holdTimer;
  }

  async announceAtCommit(_trx: Transaction<Database>, _userId: string, _causedByDevice: string | null): Promise<void> {
    // One process: the change is heard right after its commit (server/changes.ts).
  }

  heard(userId: string, causedByDevice: string | null): void {
    this.#marks.set(userId, ++this.#sequence);
    this.emitter.emit(userId, 'user' satisfies WakeReason, causedByDevice);
    const held = this.#holds.get(userId);
    // A woken hold leaves the set while it is iterated: a Set's iteration allows that.
    if (held instanceof Set) for (const hold of held) hold.wake('user', causedByDevice);
    else held?.wake('user', causedByDevice);
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

  hold(userId: string, timeoutMs: number, cancellation: WaitCancellation | null, ignoreDevice: string | null): Waiter {
    return new Hold(this, userId, timeoutMs, cancellation, ignoreDevice);
  }

  get holding(): number {
    return this.#holdCount;
  }

  addHold(hold: Hold): void {
    const held = this.#holds.get(hold.userId);
    // Most users have one device waiting: its hold itself, a set only for two or more.
    if (held === undefined) this.#holds.set(hold.userId, hold);
    else if (held instanceof Set) held.add(hold);
    else this.#holds.set(hold.userId, new Set([held, hold]));
    this.#holdCount += 1;
  }

  removeHold(hold: Hold): void {
    const held = this.#holds.get(hold.userId);
    if (held === hold) this.#holds.delete(hold.userId);
    else if (held instanceof Set && held.delete(hold)) {
      if (held.size === 0) this.#holds.delete(hold.userId);
    } else return;
    this.#holdCount -= 1;
  }

  holdParked(hold: Hold): void {
    this.parked(hold.userId);
  }

  readonly #parkedListeners = new Set<(userId: string) => void>();

  parked(userId: string): void {
    for (const listener of this.#parkedListeners) listener(userId);
  }

  onParked(listener: (userId: string) => void): () => void {
    this.#parkedListeners.add(listener);
    return () => this.#parkedListeners.delete(listener);
  }

  /** Whatever was read before now may be stale (announcements may have been lost). */
  protected forgetAll(): void {
    this.#everyoneMark = ++this.#sequence;
  }

  wakeAll(): void {
    this.forgetAll();
    for (const name of this.emitter.eventNames()) this.emitter.emit(name, 'everyone' satisfies WakeReason, null);
    const holds: Hold[] = [];
    for (const held of this.#holds.values()) {
      if (held instanceof Set) holds.push(...held);
      else holds.push(held);
    }
    for (const hold of holds) hold.wake('everyone', null);
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

/**
 * How long a query on the LISTEN connection may take before the connection is taken for lost. Generous: a busy
 * event loop must not pass for a dead connection (that would drop everything and wake every long-poll at once), and
 * what an instance keeps is not used unconfirmed for long anyway (UserStateCache).
 */
const LISTENING_QUERY_TIMEOUT_MS = 15_000;
const RECONNECT_DELAY_MS = 500;

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
      if (message.channel !== CHANNEL || !message.payload || this.faults.ignoreNotifications) return;
      const heard = parsePayload(message.payload);
      // This instance's own announcements were applied here when it made them.
      if (!heard || heard.instance === this.instance) return;
      const delay = this.faults.notificationDelayMs;
      if (delay === undefined) this.heard(heard.userId, heard.causedByDevice);
      else setTimeout(() => this.heard(heard.userId, heard.causedByDevice), delay).unref();
    });
    client.on('error', (error) => this.lost(client, error.message));
    client.on('end', () => this.lost(client, 'connection closed'));
    try {
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (error) {
      client.release(true);
      throw error;
    }
    this.client = client;
  }

  /** Announcements may have been missed from the moment the connection went: nothing read before now is kept. */
  private lost(client: pg.PoolClient, why: string): void {
    if (this.client !== client) return;
    this.client = null;
    this.forgetAll();
    if (!this.closed) this.log(`LISTEN connection lost (${why}); reconnecting`);
    client.release(true);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.listen()
        // Waiters re-read the database; what was kept before the loss is forgotten again (read while deaf).
        .then(() => this.wakeAll())
        .catch(() => this.scheduleReconnect());
    }, RECONNECT_DELAY_MS);
  }

  override hearsEverything(): boolean {
    return this.client !== null;
  }

  /**
   * Runs a query on the LISTEN connection itself; null if it is down or fails (it is then taken for lost). PostgreSQL
   * sends a listening connection the notifications of every transaction committed before a query it receives ahead
   * of that query's answer: an answer also proves that everything announced before the query was sent has been heard.
   */
  async queryWhileListening<R extends pg.QueryResultRow>(name: string, text: string, values: unknown[]): Promise<R[] | null> {
    const client = this.client;
    if (!client) return null;
    try {
      // pg honours `query_timeout` per query; its type definitions do not list it.
      const query: pg.QueryConfig & { query_timeout: number } = { name, text, values, query_timeout: LISTENING_QUERY_TIMEOUT_MS };
      const { rows } = await client.query<R>(query);
      return this.client === client ? rows : null;
    } catch (error) {
      this.lost(client, error instanceof Error ? error.message : String(error));
      return null;
    }
  }

  override async announceAtCommit(trx: Transaction<Database>, userId: string, causedByDevice: string | null): Promise<void> {
    // Delivered by PostgreSQL to every listening instance when this transaction commits, and never if it does not.
    await sql`SELECT pg_notify(${CHANNEL}, ${payloadOf(userId, causedByDevice, this.instance)})`.execute(trx);
  }

  override async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const client = this.client;
    if (client) {
      this.client = null;
      await client.query(`UNLISTEN ${CHANNEL}`).catch(() => undefined);
      // Not back to the pool: its listeners stay on it.
      client.release(true);
    }
    await super.close();
  }
}

/**
 * Waits on a user's changes for `timeoutMs` (a long-poll's hold, server/holds.ts); ends when woken, timed out or
 * cancelled. A change made by `ignoreDevice` itself does not wake it.
 */
export function waitForUser(notifier: Notifier, userId: string, timeoutMs: number, cancellation?: WaitCancellation | null, ignoreDevice?: string): Waiter {
  return notifier.hold(userId, timeoutMs, cancellation ?? null, ignoreDevice ?? null);
}
