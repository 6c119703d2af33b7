/**
 * The inbox: one long-poll loop per active account, the pending validations they bring, and the link state of each.
 *
 * - A loop asks for the pending validations with the last cursor and waits up to a hold for a change; the server
 *   answers at once when something changed, so a new validation arrives in milliseconds. The hold starts at
 *   `waitSeconds` and is learned per server (hold-learning.ts): the server's maximum where the network lets a quiet
 *   connection live that long, less where a proxy cuts idle connections sooner. Such a cut is not a failure: the loop
 *   asks again at once, without backoff, and the link stays online.
 * - Errors: retried with an exponential, capped, jittered backoff. A server that answers a long-poll at once with
 *   nothing new is slowed down the same way: no loop can spin.
 * - Each validation is kept exactly as first delivered (the decision is signed over that copy); a second delivery
 *   of the same id changes nothing. Expired ones are dropped, by the injected clock corrected by the server's offset,
 *   with a timer at the earliest expiry.
 * - The first wait after starting, and after a failure, lasts a random part of the hold (and the first after the hold
 *   grew, a random part above the previous one): devices that came online together (a server restart, a network
 *   back, the morning's logins) would otherwise poll together forever, every period, as a burst the server must
 *   absorb at once. Spread once, they stay spread; no request is added.
 * - `checkNow` cuts the waits short and polls at once; it resolves when every loop has had one answer (or failure).
 * - `device_revoked` ends the loop and is reported to the owner, which wipes the account's key.
 */
import { deceptiveCharacterIn, detailsHash, READS_HEADER, type PendingResponseT, type ValidationForDeviceT } from '../../protocol/index';
import type { AccountConnectivity, ConnectivityState, LinkState, PendingValidation } from '../../preload/contract';
import { RequestAborted, type ApiClient, type RequestSigner } from './api-client';
import { backoffDelay, RECONNECT_BACKOFF, type BackoffPolicy } from './backoff';
import { errorCode } from './errors';
import { DEFAULT_HOLD_POLICY, HoldLearner, type HoldPolicy } from './hold-learning';
import type { Clock, Logger } from './ports';

export interface InboxAccount {
  id: string;
  serverUrl: string;
  /** e.g. "amartin · Durand Industrie" */
  label: string;
  signer: RequestSigner;
}

export interface StoredValidation {
  accountId: string;
  validation: ValidationForDeviceT;
  receivedAt: number;
}

/** Why a validation left the pending list, so a late decision gets the right error. */
export type ClosedReason = 'expired' | 'decided_here' | 'gone';

export interface InboxOptions {
  /** How long the server may hold a poll open at first (and always, if the server does not say its maximum). */
  waitSeconds: number;
  /** How the hold is learned beyond that (its startSeconds is `waitSeconds`). */
  hold: Omit<HoldPolicy, 'startSeconds'>;
  /** Extra time beyond `waitSeconds` before a poll counts as lost. */
  pollGraceMs: number;
  reconnect: BackoffPolicy;
  /** A long-poll answered faster than this, with nothing new, did not wait: the next one is delayed. */
  quickAnswerMs: number;
  quickAnswerBackoff: BackoffPolicy;
}

export const DEFAULT_INBOX_OPTIONS: InboxOptions = {
  waitSeconds: DEFAULT_HOLD_POLICY.startSeconds,
  hold: DEFAULT_HOLD_POLICY,
  pollGraceMs: 15_000,
  reconnect: RECONNECT_BACKOFF,
  quickAnswerMs: 1_000,
  quickAnswerBackoff: { initialMs: 1_000, maxMs: 30_000, factor: 2, jitter: 0.5 },
};

export interface InboxDeps {
  api: ApiClient;
  clock: Clock;
  logger: Logger;
  random: () => number;
  options?: Partial<InboxOptions>;
  onPendingChanged(): void;
  onConnectivityChanged(): void;
  /** The server said this device is revoked: the loop has stopped. */
  onRevoked(accountId: string): void;
  /** The server said this device's approvals are locked (wrong approval codes): the loop has stopped. */
  onLocked(accountId: string): void;
  /** Every answer says how many devices the account has active (another one activated or revoked elsewhere). */
  onActiveDevices(accountId: string, activeDevices: number): void;
}

const MAX_CLOSED_REMEMBERED = 1_000;
const EXPIRY_TIMER_SLACK_MS = 50;

const iso = (ms: number) => new Date(ms).toISOString();

export class Inbox {
  readonly #deps: InboxDeps;
  readonly #options: InboxOptions;
  readonly #accounts = new Map<string, InboxAccount>();
  readonly #loops = new Map<string, PollLoop>();
  readonly #validations = new Map<string, Map<string, StoredValidation>>();
  readonly #links = new Map<string, AccountConnectivity>();
  readonly #closed = new Map<string, ClosedReason>();
  /** Accounts whose link state was announced at least once. */
  readonly #announced = new Set<string>();
  /** The hold learned for each server (its URL as the account stores it): the path to it is what cuts or not. */
  readonly #holds = new Map<string, HoldLearner>();
  #expiryTimer: { cancel(): void } | null = null;

  constructor(deps: InboxDeps) {
    this.#deps = deps;
    this.#options = { ...DEFAULT_INBOX_OPTIONS, ...deps.options };
  }

  get options(): Readonly<InboxOptions> {
    return this.#options;
  }

  /** Starts (or restarts with new details) the loop of an active account. */
  startAccount(account: InboxAccount): void {
    this.#accounts.set(account.id, account);
    if (this.#loops.has(account.id)) return;
    this.#setLink(account.id, { state: 'connecting', lastError: null, nextRetryAt: null });
    const loop = new PollLoop(this, account, this.#deps, this.#options);
    this.#loops.set(account.id, loop);
    void loop.done.then((outcome) => {
      if (this.#loops.get(account.id) === loop) this.#loops.delete(account.id);
      if (outcome === 'revoked') this.#deps.onRevoked(account.id);
      else if (outcome === 'locked') this.#deps.onLocked(account.id);
    });
  }

  /** Stops an account's loop and forgets its validations and link state. */
  async stopAccount(accountId: string): Promise<void> {
    const loop = this.#loops.get(accountId);
    this.#loops.delete(accountId);
    if (loop) await loop.stop();
    this.#accounts.delete(accountId);
    const hadPending = (this.#validations.get(accountId)?.size ?? 0) > 0;
    this.#validations.delete(accountId);
    this.#announced.delete(accountId);
    if (this.#links.delete(accountId)) this.#deps.onConnectivityChanged();
    if (hadPending) {
      this.#scheduleExpiry();
      this.#deps.onPendingChanged();
    }
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.#accounts.keys()].map((id) => this.stopAccount(id)));
    this.#expiryTimer?.cancel();
    this.#expiryTimer = null;
  }

  /** The hold learned for a server, shared by the loops of its accounts. */
  holdFor(serverUrl: string): HoldLearner {
    let learner = this.#holds.get(serverUrl);
    if (!learner) {
      learner = new HoldLearner({ ...this.#options.hold, startSeconds: this.#options.waitSeconds }, () => this.#deps.clock.now());
      this.#holds.set(serverUrl, learner);
    }
    return learner;
  }

  isRunning(accountId: string): boolean {
    return this.#loops.has(accountId);
  }

  /** Cuts every wait short and polls at once; resolves when each loop has had one answer or failure. */
  async checkNow(): Promise<void> {
    await Promise.all([...this.#loops.values()].map((loop) => loop.checkNow()));
  }

  /** The pending validations, expired ones dropped first; the most urgent first. */
  pending(): PendingValidation[] {
    this.#pruneExpired();
    const list: PendingValidation[] = [];
    for (const [accountId, byId] of this.#validations) {
      const account = this.#accounts.get(accountId);
      if (!account) continue;
      const offset = this.#deps.api.offsetFor(account.serverUrl);
      for (const stored of byId.values()) list.push(toPendingView(stored, account, offset));
    }
    return list.sort((a, b) => a.expiresAt.localeCompare(b.expiresAt) || a.id.localeCompare(b.id));
  }

  /** The core's own copy of a pending validation (expired ones dropped first). */
  find(accountId: string, validationId: string): StoredValidation | undefined {
    this.#pruneExpired();
    return this.#validations.get(accountId)?.get(validationId);
  }

  closedReason(accountId: string, validationId: string): ClosedReason | undefined {
    return this.#closed.get(`${accountId}/${validationId}`);
  }

  /** Takes a validation off the list (decided here, or refused by the server as expired or decided). */
  close(accountId: string, validationId: string, reason: ClosedReason): void {
    this.#remember(accountId, validationId, reason);
    if (this.#validations.get(accountId)?.delete(validationId)) {
      this.#scheduleExpiry();
      this.#deps.onPendingChanged();
    }
  }

  /** Asks one account's loop to poll again at once, without waiting for the answer. */
  nudge(accountId: string): void {
    void this.#loops.get(accountId)?.checkNow();
  }

  connectivity(): ConnectivityState {
    const accounts = [...this.#links.values()].map((link) => ({ ...link }));
    return { overall: overallState(accounts.map((link) => link.state)), accounts };
  }

  // ------------------------------------------------------------------ used by the loops

  /** Merges one answer; returns whether the pending list changed. */
  applyAnswer(account: InboxAccount, response: PendingResponseT, receivedAt: number): boolean {
    const { api, logger } = this.#deps;
    api.noteServerTime(account.serverUrl, response.serverTime, receivedAt);
    this.#deps.onActiveDevices(account.id, response.activeDevices);
    const serverNow = api.serverNow(account.serverUrl);
    let byId = this.#validations.get(account.id);
    if (!byId) {
      byId = new Map();
      this.#validations.set(account.id, byId);
    }
    let changed = false;
    const listed = new Set<string>();
    for (const validation of response.validations) {
      listed.add(validation.id);
      if (byId.has(validation.id)) continue; // already here: the first copy is the one shown and signed
      if (this.#closed.has(`${account.id}/${validation.id}`)) continue;
      if (Date.parse(validation.expiresAt) <= serverNow) continue;
      const problem = inconsistency(validation);
      if (problem) {
        logger.warn('a validation from the server was set aside', { accountId: account.id, validationId: validation.id, problem });
        continue;
      }
      byId.set(validation.id, { accountId: account.id, validation, receivedAt });
      logger.info('validation received', { accountId: account.id, validationId: validation.id, kind: validation.kind });
      changed = true;
    }
    // The answer lists every pending validation of the device: one missing was decided elsewhere or expired.
    for (const [id, stored] of [...byId]) {
      if (listed.has(id)) continue;
      byId.delete(id);
      this.#remember(account.id, id, Date.parse(stored.validation.expiresAt) <= serverNow ? 'expired' : 'gone');
      changed = true;
    }
    if (changed) {
      this.#scheduleExpiry();
      this.#deps.onPendingChanged();
    }
    return changed;
  }

  setLinkFromLoop(accountId: string, change: Partial<AccountConnectivity>): void {
    if (this.#loops.has(accountId)) this.#setLink(accountId, change);
  }

  // ------------------------------------------------------------------ internals

  #setLink(accountId: string, change: Partial<AccountConnectivity>): void {
    const previous = this.#links.get(accountId) ?? { accountId, state: 'connecting', lastContactAt: null, nextRetryAt: null, lastError: null };
    const next: AccountConnectivity = { ...previous, ...change, accountId };
    this.#links.set(accountId, next);
    // lastContactAt moves on every answer; only a change a person would notice is announced.
    if (previous.state !== next.state || previous.lastError !== next.lastError || previous.nextRetryAt !== next.nextRetryAt || !this.#announced.has(accountId)) {
      this.#announced.add(accountId);
      this.#deps.onConnectivityChanged();
    }
  }

  #remember(accountId: string, validationId: string, reason: ClosedReason): void {
    const key = `${accountId}/${validationId}`;
    this.#closed.delete(key);
    this.#closed.set(key, reason);
    while (this.#closed.size > MAX_CLOSED_REMEMBERED) {
      const oldest = this.#closed.keys().next().value;
      if (oldest === undefined) break;
      this.#closed.delete(oldest);
    }
  }

  /** Drops expired validations; returns whether any was dropped (and announces it). */
  #pruneExpired(): boolean {
    let changed = false;
    for (const [accountId, byId] of this.#validations) {
      const account = this.#accounts.get(accountId);
      if (!account) continue;
      const serverNow = this.#deps.api.serverNow(account.serverUrl);
      for (const [id, stored] of byId) {
        if (Date.parse(stored.validation.expiresAt) > serverNow) continue;
        byId.delete(id);
        this.#remember(accountId, id, 'expired');
        this.#deps.logger.info('validation expired', { accountId, validationId: id });
        changed = true;
      }
    }
    if (changed) {
      this.#scheduleExpiry();
      this.#deps.onPendingChanged();
    }
    return changed;
  }

  #scheduleExpiry(): void {
    this.#expiryTimer?.cancel();
    this.#expiryTimer = null;
    let earliest = Number.POSITIVE_INFINITY;
    for (const [accountId, byId] of this.#validations) {
      const account = this.#accounts.get(accountId);
      if (!account) continue;
      const offset = this.#deps.api.offsetFor(account.serverUrl);
      for (const stored of byId.values()) earliest = Math.min(earliest, Date.parse(stored.validation.expiresAt) - offset);
    }
    if (!Number.isFinite(earliest)) return;
    const delay = Math.max(0, earliest - this.#deps.clock.now()) + EXPIRY_TIMER_SLACK_MS;
    this.#expiryTimer = this.#deps.clock.setTimeout(() => {
      this.#expiryTimer = null;
      if (!this.#pruneExpired()) this.#scheduleExpiry();
    }, delay);
  }
}

/** A validation whose parts disagree can never be approved: it is not shown. */
function inconsistency(validation: ValidationForDeviceT): string | null {
  if (validation.kind !== validation.details.type) return 'kind and details differ';
  if (detailsHash(validation.details) !== validation.detailsHash) return 'details hash does not match the details';
  const isLogin = validation.kind === 'login';
  if (isLogin && !validation.numberChoices) return 'a login without number choices';
  if (!isLogin && validation.numberChoices) return 'number choices on an operation';
  if (validation.numberChoices && new Set(validation.numberChoices).size !== validation.numberChoices.length) return 'repeated number choices';
  // What the person reads must be what is signed: a name that reorders or hides characters is never shown (the server refuses it too).
  const { details } = validation;
  const texts = details.type === 'transfer' ? [details.payeeName, details.reference] : details.type === 'beneficiary' ? [details.name] : [];
  const deceptive = texts.map(deceptiveCharacterIn).find((kind) => kind !== null);
  if (deceptive) return `a text with a character that is not shown as it is (${deceptive})`;
  return null;
}

function toPendingView(stored: StoredValidation, account: InboxAccount, offsetMs: number): PendingValidation {
  const { validation } = stored;
  return {
    accountId: account.id,
    accountLabel: account.label,
    id: validation.id,
    kind: validation.kind,
    details: structuredClone(validation.details),
    numberChoices: validation.numberChoices ? [...validation.numberChoices] : null,
    createdAt: validation.createdAt,
    // On this computer's clock, so a countdown shown with the local time is right even when the clocks differ.
    expiresAt: offsetMs === 0 ? validation.expiresAt : iso(Date.parse(validation.expiresAt) - offsetMs),
    receivedAt: iso(stored.receivedAt),
  };
}

const SEVERITY: Record<LinkState, number> = { online: 0, connecting: 1, server_error: 2, offline: 3 };

/** The worst link wins: the tray shows a problem as soon as one account has one. */
export function overallState(states: LinkState[]): ConnectivityState['overall'] {
  if (states.length === 0) return 'idle';
  return states.reduce((worst, state) => (SEVERITY[state] > SEVERITY[worst] ? state : worst), 'online' as LinkState);
}

type LoopOutcome = 'stopped' | 'revoked' | 'locked';

class PollLoop {
  readonly done: Promise<LoopOutcome>;
  readonly #owner: Inbox;
  readonly #account: InboxAccount;
  readonly #deps: InboxDeps;
  readonly #options: InboxOptions;
  #stopped = false;
  #controller: AbortController | null = null;
  #wake: (() => void) | null = null;
  #pollAtOnce = false;
  /** checkNow callers waiting for the next poll to start, and those waiting for the one in flight. */
  #waiting: (() => void)[] = [];
  #inFlight: (() => void)[] = [];
  #cursor: string | undefined;
  #failures = 0;
  #quickAnswers = 0;
  /** The next wait is a random part of the hold above this many seconds (see the file comment); null: the whole hold. */
  #spreadAbove: number | null = 0;

  constructor(owner: Inbox, account: InboxAccount, deps: InboxDeps, options: InboxOptions) {
    this.#owner = owner;
    this.#account = account;
    this.#deps = deps;
    this.#options = options;
    this.done = this.#run();
  }

  checkNow(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    return new Promise((resolve) => {
      this.#waiting.push(resolve);
      this.#pollAtOnce = true;
      if (this.#wake) this.#wake();
      else this.#controller?.abort();
    });
  }

  async stop(): Promise<LoopOutcome> {
    this.#stopped = true;
    this.#controller?.abort();
    this.#wake?.();
    return this.done;
  }

  async #run(): Promise<LoopOutcome> {
    const { api, clock, logger, random } = this.#deps;
    const { id: accountId, serverUrl, signer } = this.#account;
    const hold = this.#owner.holdFor(serverUrl);
    try {
      while (!this.#stopped) {
        const atOnce = this.#pollAtOnce || this.#cursor === undefined;
        this.#pollAtOnce = false;
        this.#inFlight.push(...this.#waiting.splice(0));
        this.#controller = new AbortController();
        const waitSeconds = atOnce ? 0 : this.#nextWaitSeconds();
        const sentCursor = this.#cursor;
        const startedAt = clock.now();
        try {
          const response = await api.call(serverUrl, 'pendingValidations', {
            signer,
            query: { cursor: sentCursor, waitSeconds },
            headers: { [READS_HEADER]: 'maxWaitSeconds' },
            // A waiting poll cut by the path is expected behind some proxies: this loop warns of real failures itself.
            unreachableLogLevel: waitSeconds > 0 ? 'info' : 'warn',
            signal: this.#controller.signal,
            timeoutMs: waitSeconds * 1000 + this.#options.pollGraceMs,
          });
          const receivedAt = clock.now();
          if (this.#stopped) break;
          const changed = this.#owner.applyAnswer(this.#account, response, receivedAt);
          hold.noteServerMax(response.maxWaitSeconds);
          const grewFrom = atOnce ? null : hold.answered(waitSeconds, receivedAt - startedAt, !changed && response.cursor === sentCursor);
          if (grewFrom !== null) this.#spreadAbove = grewFrom;
          this.#cursor = response.cursor;
          if (this.#failures > 0) logger.info('server reachable again', { accountId, failures: this.#failures });
          this.#failures = 0;
          this.#owner.setLinkFromLoop(accountId, { state: 'online', lastContactAt: iso(receivedAt), nextRetryAt: null, lastError: null });
          this.#settle();
          const answeredAtOnce = receivedAt - startedAt < this.#options.quickAnswerMs;
          // A moved cursor is news even when this device's list did not change: typically its own decision,
          // whose answer arrived before the wake-up it caused. Waiting after that would leave the next validation
          // undelivered for a second or more.
          const broughtNothing = !changed && response.cursor === sentCursor;
          if (!atOnce && answeredAtOnce && broughtNothing && !this.#pollAtOnce) {
            // A long-poll that did not wait and brought nothing: slow down rather than spin.
            this.#quickAnswers += 1;
            await this.#sleep(backoffDelay(this.#quickAnswers, random, this.#options.quickAnswerBackoff));
          } else {
            this.#quickAnswers = 0;
          }
        } catch (error) {
          if (error instanceof RequestAborted) {
            // checkNow or stop: whoever waited for the aborted poll now waits for the next one.
            this.#waiting.unshift(...this.#inFlight.splice(0));
            continue;
          }
          const code = errorCode(error) ?? 'internal_error';
          if (code === 'device_revoked') {
            logger.warn('the server says this device is revoked', { accountId });
            this.#stopped = true;
            return 'revoked';
          }
          if (code === 'approval_code_locked') {
            logger.warn("the server says this device's approvals are locked", { accountId });
            this.#stopped = true;
            return 'locked';
          }
          if (this.#stopped) break;
          if (code === 'server_unreachable' && !atOnce) {
            // No HTTP answer at all: refused or broken at once (a failure), or cut by the path after some seconds.
            const ageMs = clock.now() - startedAt;
            const timedOut = ageMs >= waitSeconds * 1000 + this.#options.pollGraceMs;
            if (hold.failedWithoutAnswer(waitSeconds, ageMs, timedOut) === 'cut') {
              // Not a failure: the next poll goes at once (its cursor brings anything that arrived meanwhile).
              logger.info('the network cut a waiting long-poll; holding less on this path', {
                accountId, askedSeconds: waitSeconds, cutAfterMs: ageMs, nextHoldSeconds: hold.nextHoldSeconds(),
              });
              this.#settle();
              continue;
            }
          }
          this.#failures += 1;
          this.#spreadAbove = 0;
          const delay = backoffDelay(this.#failures, random, this.#options.reconnect);
          const state: LinkState = code === 'server_unreachable' ? 'offline' : 'server_error';
          if (this.#failures === 1 || this.#failures % 10 === 0) {
            logger.warn('waiting for validations failed; retrying', { accountId, error: code, failures: this.#failures, retryInMs: delay });
          }
          if (code === 'internal_error') {
            logger.error('unexpected error in the inbox loop', { accountId, message: error instanceof Error ? error.message : String(error) });
          }
          this.#owner.setLinkFromLoop(accountId, { state, lastError: code, nextRetryAt: iso(clock.now() + delay) });
          this.#settle();
          await this.#sleep(delay);
        }
      }
      return 'stopped';
    } finally {
      this.#controller = null;
      this.#settle();
      for (const resolve of this.#waiting.splice(0)) resolve();
    }
  }

  #nextWaitSeconds(): number {
    const waitSeconds = this.#owner.holdFor(this.#account.serverUrl).nextHoldSeconds();
    const above = this.#spreadAbove;
    if (above === null) return waitSeconds;
    this.#spreadAbove = null;
    // At least two seconds: an answer within a second counts as one that did not wait.
    const shortest = Math.min(Math.max(2, above), waitSeconds);
    return shortest + Math.floor(this.#deps.random() * (waitSeconds - shortest + 1));
  }

  #settle(): void {
    for (const resolve of this.#inFlight.splice(0)) resolve();
  }

  #sleep(ms: number): Promise<void> {
    if (this.#stopped || this.#pollAtOnce) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = this.#deps.clock.setTimeout(() => {
        this.#wake = null;
        resolve();
      }, ms);
      this.#wake = () => {
        timer.cancel();
        this.#wake = null;
        resolve();
      };
    });
  }
}
