/**
 * Small fakes of the core's ports for unit tests: a clock whose time and timers the test moves, a transport that
 * answers the pending-validations route from a script, a logger that records every line. The integration tests
 * use the real server, keychain and network instead.
 */
import { afterAll, afterEach, beforeAll, expect, vi } from 'vitest';
import { detailsHash, randomNonce, type PendingResponseT, type ValidationDetailsT, type ValidationForDeviceT } from '../../../protocol/index';
import { createAuthenticator } from '../../../main/core/authenticator';
import type { ApprovalKdf } from '../../../main/core/approval-key';
import type { AuthenticatorCore } from '../../../main/core/api';
import { invokeCore } from '../../../main/core/invoke';
import { systemClock, type Clock, type HttpRequest, type HttpResponse, type HttpTransport, type KeyVault, type Logger, type SettingsStore } from '../../../main/core/ports';
import type { PersistedStateT } from '../../../main/core/state';
import { createMemoryVault } from '../../../main/platform/memory-vault';
import { createNodeTransport } from '../../../main/platform/node-transport';
import { BridgeError, createBridge } from '../../../preload/bridge';
import type { PortalClient } from '../../harness/http-client';
import type { TestServer } from '../../harness/server';
import { BRIDGE_EVENTS, type AccountSummary, type BridgeEventName, type InvokeResult, type PendingValidation, type PolicyInForce, type SecureAccessBridge } from '../../../preload/contract';

export const T0 = Date.parse('2030-03-04T09:00:00.000Z');

interface Timer {
  at: number;
  delay: number;
  seq: number;
  callback: () => void;
  cancelled: boolean;
}

/** Time stands still until the test moves it; timers fire only when their time comes. */
export class ManualClock implements Clock {
  time: number;
  #timers: Timer[] = [];
  #seq = 0;

  constructor(start = T0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): { cancel(): void } {
    const timer: Timer = { at: this.time + Math.max(0, ms), delay: ms, seq: this.#seq++, callback, cancelled: false };
    this.#timers.push(timer);
    return { cancel: () => void (timer.cancelled = true) };
  }

  /** Delays of the timers still waiting, in the order they were set. */
  pendingDelays(): number[] {
    return this.#live().map((timer) => timer.delay);
  }

  #live(): Timer[] {
    this.#timers = this.#timers.filter((timer) => !timer.cancelled);
    return this.#timers;
  }

  /** Moves time forward, firing every timer that falls due on the way, in order. */
  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    for (;;) {
      const next = this.#live().filter((timer) => timer.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next) break;
      this.time = Math.max(this.time, next.at);
      next.cancelled = true;
      next.callback();
      await settle();
    }
    this.time = target;
    await settle();
  }

  /** Jumps to the next timer that matches and fires it; returns its delay. */
  async fireNext(match: (delay: number) => boolean = () => true): Promise<number> {
    const next = this.#live().filter((timer) => match(timer.delay)).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
    if (!next) throw new Error('no timer to fire');
    this.time = Math.max(this.time, next.at);
    next.cancelled = true;
    next.callback();
    await settle();
    return next.delay;
  }
}

/** Lets every promise chain that can move, move. */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export interface PendingCall {
  request: HttpRequest;
  query: URLSearchParams;
  /** Answers the call; the call stays open until then (a long-poll). */
  answer(response: PendingResponseT): void;
  answerError(status: number, body: unknown): void;
  fail(error?: Error): void;
  readonly settled: boolean;
}

/** The device token the scripted server hands out: inbox tests are not about tokens, so it never expires. */
export const SCRIPTED_DEVICE_TOKEN = 'sat1.scripted-device-token-for-inbox-tests';

/**
 * Answers GET /validations/pending by handing each call to the test, which answers it when it likes
 * (or from `autoAnswer`). A device token is given at once to whoever asks; other routes are refused.
 */
export class ScriptedPendingServer implements HttpTransport {
  readonly calls: PendingCall[] = [];
  tokensIssued = 0;
  autoAnswer: ((call: PendingCall) => void) | null = null;

  async send(request: HttpRequest): Promise<HttpResponse> {
    const url = new URL(request.url);
    if (url.pathname.endsWith('/devices/self/token')) {
      this.tokensIssued += 1;
      return { status: 200, headers: {}, text: JSON.stringify({ token: SCRIPTED_DEVICE_TOKEN, expiresAt: '2100-01-01T00:00:00.000Z' }) };
    }
    if (!url.pathname.endsWith('/validations/pending')) throw new Error(`unexpected request ${request.method} ${url.pathname}`);
    if (request.headers.authorization !== `Bearer ${SCRIPTED_DEVICE_TOKEN}`) throw new Error('the long-poll came without the device token');
    return new Promise<HttpResponse>((resolve, reject) => {
      let settled = false;
      const finish = (run: () => void) => {
        if (settled) return;
        settled = true;
        run();
      };
      const call: PendingCall = {
        request,
        query: url.searchParams,
        answer: (response) => finish(() => resolve({ status: 200, headers: { 'content-type': 'application/json' }, text: JSON.stringify(response) })),
        answerError: (status, body) => finish(() => resolve({ status, headers: {}, text: JSON.stringify(body) })),
        fail: (error = new Error('connect ECONNREFUSED 127.0.0.1:1')) => finish(() => reject(error)),
        get settled() {
          return settled;
        },
      };
      request.signal?.addEventListener('abort', () => finish(() => reject(new DOMException('aborted', 'AbortError'))), { once: true });
      this.calls.push(call);
      this.autoAnswer?.(call);
    });
  }

  /** The calls still waiting for an answer. */
  open(): PendingCall[] {
    return this.calls.filter((call) => !call.settled);
  }

  last(): PendingCall {
    const call = this.calls.at(-1);
    if (!call) throw new Error('no call yet');
    return call;
  }
}

export interface RecordedLine {
  level: 'info' | 'warn' | 'error';
  message: string;
  fields?: Record<string, unknown>;
}

export function recordingLogger(): Logger & { lines: RecordedLine[]; text(): string } {
  const lines: RecordedLine[] = [];
  const record = (level: RecordedLine['level']) => (message: string, fields?: Record<string, unknown>) => void lines.push({ level, message, fields });
  return { lines, info: record('info'), warn: record('warn'), error: record('error'), text: () => JSON.stringify(lines) };
}

let validationCounter = 0;

export function transferDetails(overrides: Partial<Extract<ValidationDetailsT, { type: 'transfer' }>> = {}): ValidationDetailsT {
  return {
    type: 'transfer',
    channel: 'portal',
    userDisplayName: 'Alice Martin',
    companyName: 'Durand Industrie',
    initiatorDisplayName: 'Alice Martin',
    amount: '250000.00',
    currency: 'EUR',
    payeeName: 'Fournitures Lemoine SARL',
    iban: 'FR7630006000011234567890189',
    payeeCountry: 'FR',
    payeeCheck: { result: 'no_match', registeredName: null },
    reference: 'Facture 2030-118',
    debitAccountName: 'Compte courant',
    debitAccountIban: 'FR7610107001011234567890129',
    executionDate: new Date(T0).toISOString().slice(0, 10),
    requestedAt: new Date(T0).toISOString(),
    ...overrides,
  };
}

export function loginDetails(): ValidationDetailsT {
  return { type: 'login', channel: 'portal', userDisplayName: 'Alice Martin', companyName: 'Durand Industrie', ipAddress: '198.51.100.24', userAgent: 'Mozilla/5.0 (X11; Linux x86_64)', requestedAt: new Date(T0).toISOString() };
}

/** A validation as the server delivers it, expiring `ttlMs` after `createdAt`. */
export function deliveredValidation(options: { createdAt?: number; ttlMs?: number; details?: ValidationDetailsT; numberChoices?: number[] | null } = {}): ValidationForDeviceT {
  const details = options.details ?? transferDetails();
  const createdAt = options.createdAt ?? T0;
  validationCounter += 1;
  return {
    id: `val_test${String(validationCounter).padStart(8, '0')}`,
    nonce: randomNonce(),
    kind: details.type,
    details,
    detailsHash: detailsHash(details),
    numberChoices: options.numberChoices ?? (details.type === 'login' ? [12, 47, 83] : null),
    createdAt: new Date(createdAt).toISOString(),
    expiresAt: new Date(createdAt + (options.ttlMs ?? 5 * 60_000)).toISOString(),
  };
}

export function pendingAnswer(clock: Clock, cursor: string, validations: ValidationForDeviceT[]): PendingResponseT {
  return { cursor, validations, serverTime: new Date(clock.now()).toISOString(), activeDevices: 1 };
}

// ---------------------------------------------------------------------------- a core over the bridge, for flow tests

/** A SettingsStore in memory (unit tests only; the conf-backed one is tested in tests/integration/platform). */
export function memoryStore<T extends object>(initial?: T): SettingsStore<T> & { saved: T | undefined; writes: number } {
  const store = {
    saved: initial === undefined ? undefined : structuredClone(initial),
    writes: 0,
    location: 'memory',
    read(): T {
      if (store.saved === undefined) return {} as T;
      return structuredClone(store.saved);
    },
    write(value: T) {
      store.writes += 1;
      store.saved = structuredClone(value);
    },
  };
  return store;
}

/** The core's clock in tests against the server: the server's injected time, real timers. */
export function clockOf(server: { clock: { now(): number } }): Clock {
  return { now: () => server.clock.now(), setTimeout: systemClock.setTimeout };
}

/** A vault that keeps a copy of every key it is given, so a test can look for the key where it must not be. */
export function spyVault(inner: KeyVault = createMemoryVault()): KeyVault & { storedKeys: Uint8Array[] } {
  const storedKeys: Uint8Array[] = [];
  return {
    storedKeys,
    async store(accountId, secretKey) {
      storedKeys.push(Uint8Array.from(secretKey));
      return inner.store(accountId, secretKey);
    },
    sign: (accountId, message) => inner.sign(accountId, message),
    has: (accountId) => inner.has(accountId),
    remove: (accountId) => inner.remove(accountId),
    list: () => inner.list(),
  };
}

export function recordingTransport(inner: HttpTransport = createNodeTransport()): HttpTransport & { exchanges: { request: HttpRequest; response?: HttpResponse }[] } {
  const exchanges: { request: HttpRequest; response?: HttpResponse }[] = [];
  return {
    exchanges,
    async send(request) {
      const exchange: { request: HttpRequest; response?: HttpResponse } = { request };
      exchanges.push(exchange);
      exchange.response = await inner.send(request);
      return exchange.response;
    },
  };
}

export interface CoreUnderTest {
  core: AuthenticatorCore;
  /** The same object the renderer gets: createBridge over a transport bound to the core. */
  bridge: SecureAccessBridge;
  /** Every InvokeResult that crossed the bridge. */
  results: InvokeResult<unknown>[];
  /** Every event payload that crossed the bridge. */
  events: { event: BridgeEventName; payload: unknown }[];
  logger: ReturnType<typeof recordingLogger>;
  vault: KeyVault;
  store: SettingsStore<PersistedStateT>;
  stop(): Promise<void>;
}

export const TEST_APP_INFO = { version: '1.0.0-test', platform: 'linux', defaultDeviceName: 'amartin – PC-COMPTA-04' } as const;

/** The approval code the test people choose (it meets every rule). */
export const TEST_APPROVAL_CODE = '482915';
/**
 * The flow tests derive the approval key at a lower cost than the app (2^10 instead of 2^15): the cost changes how
 * long a guess takes, not what is stored or signed. The storage test (tests/integration/core) uses the app's own.
 */
export const TEST_APPROVAL_KDF: ApprovalKdf = { name: 'scrypt', N: 2 ** 10, r: 8, p: 1 };

export async function createCoreUnderTest(options: {
  clock: Clock;
  vault?: KeyVault;
  store?: SettingsStore<PersistedStateT>;
  transport?: HttpTransport;
  policy?: PolicyInForce;
  logger?: ReturnType<typeof recordingLogger>;
  start?: boolean;
  approvalKdf?: ApprovalKdf;
  /** The bank's server address built into the installer. */
  bankServerUrl?: string;
  /** As in a development build (the default here: the reference server under test is plain http on 127.0.0.1). */
  allowLoopbackHttp?: boolean;
}): Promise<CoreUnderTest> {
  const logger = options.logger ?? recordingLogger();
  const vault = options.vault ?? createMemoryVault();
  const store = options.store ?? memoryStore<PersistedStateT>();
  const core = createAuthenticator({
    vault, store, logger, clock: options.clock, transport: options.transport ?? createNodeTransport(),
    appInfo: { ...TEST_APP_INFO, bankServerUrl: options.bankServerUrl ?? null }, policy: options.policy,
    allowLoopbackHttp: options.allowLoopbackHttp ?? true, approvalKdf: options.approvalKdf ?? TEST_APPROVAL_KDF,
  });
  const results: InvokeResult<unknown>[] = [];
  const events: { event: BridgeEventName; payload: unknown }[] = [];
  const methodOf = (channel: string) => channel.slice('secure-access:invoke:'.length);
  const eventOf = (channel: string) => channel.slice('secure-access:event:'.length) as BridgeEventName;
  const bridge = createBridge({
    async invoke(channel, input) {
      // Through JSON both ways, as over IPC or a Playwright binding: nothing but data crosses.
      const result = await invokeCore(core, methodOf(channel), input === undefined ? undefined : JSON.parse(JSON.stringify(input)), logger);
      results.push(result);
      return JSON.parse(JSON.stringify(result)) as InvokeResult<unknown>;
    },
    subscribe(channel, listener) {
      const event = eventOf(channel);
      return core.on(event, (payload) => {
        events.push({ event, payload });
        listener(JSON.parse(JSON.stringify(payload)));
      });
    },
  });
  for (const event of BRIDGE_EVENTS) bridge[event](() => {});
  if (options.start !== false) await core.start();
  return { core, bridge, results, events, logger, vault, store, stop: () => core.stop() };
}

/** Waits until the request `id` has reached the core's list (its long-poll answered), and returns it as listed. */
export async function pendingArrival(tested: Pick<CoreUnderTest, 'core'>, id: string): Promise<PendingValidation> {
  await vi.waitFor(() => expect(tested.core.pendingNow().map((validation) => validation.id)).toContain(id), { timeout: 10_000 });
  return tested.core.pendingNow().find((validation) => validation.id === id)!;
}

/** The code and facts of a bridge call that must fail. */
export async function bridgeError(promise: Promise<unknown>): Promise<BridgeError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof BridgeError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

interface ReadyUserLike {
  identifier: string;
  secretCode: string;
  securityPhone: string | null;
  portal: Pick<PortalClient, 'call' | 'session'>;
}

interface ServerLike {
  baseUrl: string;
  latestCode(purpose: 'activation_code', phone?: string): Promise<string>;
}

/**
 * Walks one account through activation on the bridge, as a person would on the screens: SMS for a primary
 * administrator's first device, Administration for a further one, the administrator's code for a secondary user;
 * then the approval code is chosen (TEST_APPROVAL_CODE, or `approvalCode`; null: left for later).
 */
export async function activateThroughBridge(
  bridge: SecureAccessBridge,
  server: ServerLike,
  user: ReadyUserLike,
  options: {
    deviceName?: string;
    administrator?: { call(name: 'generateActivationCode', input: { params: { id: string } }): Promise<{ activation: { code: string | null } }> };
    approvalCode?: string | null;
  } = {},
): Promise<AccountSummary> {
  const account = await bridge.startActivation({ serverUrl: server.baseUrl, identifier: user.identifier, secretCode: user.secretCode });
  if (options.deviceName) await bridge.nameDevice({ accountId: account.id, deviceName: options.deviceName });
  const delivery = account.activation?.codeDelivery;
  const requested = await bridge.requestActivationCode({ accountId: account.id, channel: delivery === 'security_phone' ? 'sms' : null });
  const enrolmentId = requested.activation!.enrolmentId;
  let code: string | null | undefined;
  if (delivery === 'security_phone') {
    code = await server.latestCode('activation_code', user.securityPhone ?? undefined);
  } else if (delivery === 'administration') {
    code = (await user.portal.call('listActivations')).activations.find((activation) => activation.enrolmentId === enrolmentId)?.code;
  } else {
    if (!options.administrator) throw new Error('a secondary user needs an administrator to issue the code');
    code = (await options.administrator.call('generateActivationCode', { params: { id: enrolmentId } })).activation.code;
  }
  if (!code) throw new Error('no activation code found');
  const active = await bridge.submitActivationCode({ accountId: account.id, code });
  const approvalCode = options.approvalCode === undefined ? TEST_APPROVAL_CODE : options.approvalCode;
  if (approvalCode === null) return active;
  const ready = await bridge.setApprovalCode({ accountId: account.id, code: approvalCode });
  await approveWaitingPortal(bridge, account.id, user.portal, approvalCode);
  return ready;
}

/**
 * The user's portal session that waited at the installation step passes Secure Access once the device is active:
 * as the portal does, it asks for its login validation, and the person approves it on this installation with their
 * approval code.
 */
export async function approveWaitingPortal(
  bridge: Pick<SecureAccessBridge, 'listPending' | 'decide'>, accountId: string, portal: Pick<PortalClient, 'call' | 'session'>,
  approvalCode = TEST_APPROVAL_CODE,
): Promise<void> {
  if (!portal.session) return;
  const view = await portal.call('getSession');
  if (view.step !== 'secure_access' || view.loginValidation) return;
  const login = (await portal.call('startSecureAccessLogin')).loginValidation;
  if (!login) throw new Error('no login validation for the waiting portal session');
  await vi.waitFor(async () => {
    if (!(await bridge.listPending()).some((validation) => validation.id === login.id)) throw new Error('the login request has not reached the app yet');
  }, { timeout: 10_000, interval: 20 });
  await bridge.decide({ accountId, validationId: login.id, decision: 'approve', numberChoice: login.number, approvalCode });
  await portal.call('getSession');
}

/**
 * One reference server (SQLite) for a whole test file, closed at its end; `afterEachTest` cleans what a test started.
 * `onStarted` hands the server over once it runs, so test files keep a plain `let server`.
 */
export function referenceServerForFile(onStarted: (server: TestServer) => void, afterEachTest?: () => Promise<void>): void {
  let server: TestServer | undefined;
  beforeAll(async () => {
    // Loaded here, not at the top: the files that only use this module's fakes need not load the whole server.
    const { startTestServer } = await import('../../harness/server');
    server = await startTestServer({ database: 'sqlite' });
    onStarted(server);
  });
  afterAll(async () => {
    await server?.close();
  });
  if (afterEachTest) afterEach(afterEachTest);
}

/** For afterEach: stops every core a test started, and empties the list. */
export async function stopAll(cores: CoreUnderTest[]): Promise<void> {
  for (const core of cores.splice(0)) await core.stop();
}
