/**
 * Shared steps of the server rule suite: the walk of the installation guide that many rules start from
 * (an administrator with an active device, a secondary user, a login approved on Secure Access), raw HTTP for
 * the tests whose subject is the wire itself, and a way to know that a long-poll is really waiting.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import {
  AUTH_HEADERS, LONG_POLL_MAX_SECONDS, ROUTES, SecureAccessError, routePath, signMessage, signedRequestHeaders, type ErrorCode, type RouteName,
  type SessionViewT, type ValidationForDeviceT,
} from '../../../protocol/index';
import type { PortalClient, TestDevice } from '../../harness/http-client';
import type { CommittedChange } from '../../../server/changes';
import type { ServerFaults } from '../../../server/config';
import { Hold, type Waiter } from '../../../server/holds';
import { startTestServer, type ReadyUser, type TestServer } from '../../harness/server';

/**
 * The databases every rule suite runs on: both, always, in `npm test`. SA_TEST_DATABASES=sqlite narrows a run to
 * one (the mutation runs use it, where the code under mutation does not depend on the dialect).
 */
export const DATABASES = databasesToTest(process.env.SA_TEST_DATABASES);

function databasesToTest(setting: string | undefined): readonly ('sqlite' | 'postgres')[] {
  const all = ['sqlite', 'postgres'] as const;
  if (!setting) return all;
  const chosen = all.filter((database) => setting.split(',').includes(database));
  if (chosen.length === 0) throw new Error(`SA_TEST_DATABASES=${setting} names no database (sqlite, postgres)`);
  return chosen;
}

/** A valid French IBAN (check digits correct) for transfers and beneficiaries. */
export const PAYEE_IBAN = 'FR76 3000 6000 0112 3456 7890 189';

export const SAMPLE_TRANSFER = {
  amount: '12345.67', currency: 'EUR', payeeName: 'Fournitures Martin', iban: PAYEE_IBAN, reference: 'Facture 118',
} as const;

/** The error answer of a call that must fail; fails the test if the call succeeds. */
export async function rejection(promise: Promise<unknown>): Promise<SecureAccessError> {
  let result: unknown;
  try {
    result = await promise;
  } catch (error) {
    if (error instanceof SecureAccessError) return error;
    throw error;
  }
  throw new Error(`expected an error answer, got ${JSON.stringify(result)}`);
}

/** Asserts the error code (and returns the error, for its facts). */
export async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<SecureAccessError> {
  const error = await rejection(promise);
  if (error.code !== code) throw new Error(`expected ${code}, got ${error.code}: ${error.message}`);
  return error;
}

export interface UserWithDevice {
  user: ReadyUser;
  device: TestDevice;
}

/** A primary administrator whose first device is active (SMS path); his portal session is authenticated. */
export async function adminWithDevice(server: TestServer, deviceName = 'PC de Claire'): Promise<UserWithDevice> {
  const user = await server.readyPrimaryAdmin();
  const device = await server.activateDevice(user, { deviceName });
  return { user, device };
}

/** A secondary user whose device was activated with the code the administrator generated. */
export async function secondaryWithDevice(server: TestServer, adminPortal: PortalClient, displayName = 'Marc Petit'): Promise<UserWithDevice> {
  const user = await server.readySecondaryUser(adminPortal, displayName);
  const device = await server.activateDevice(user, { deviceName: `PC de ${displayName}`, adminPortal });
  return { user, device };
}

/** The pending validation of that id, as the device receives it. */
export async function pendingValidation(device: TestDevice, validationId: string): Promise<ValidationForDeviceT> {
  const { validations } = await device.call('pendingValidations', { query: {} });
  const validation = validations.find((candidate) => candidate.id === validationId);
  if (!validation) throw new Error(`validation ${validationId} is not pending for this device`);
  return validation;
}

/** Approves a portal login on the device, picking the number the portal shows. */
export async function approveLogin(device: TestDevice, portal: PortalClient): Promise<void> {
  const login = portal.session?.loginValidation;
  if (!login) throw new Error('this session has no login validation');
  const validation = await pendingValidation(device, login.id);
  await device.call('decide', { params: { id: validation.id }, body: device.decisionBody(validation, 'approve', login.number) });
}

/** A fresh portal session for a user who already has an active device: login, then Secure Access approval. */
export async function loginWithSecureAccess(server: TestServer, user: { identifier: string; secretCode: string }, device: TestDevice): Promise<PortalClient> {
  const portal = server.portal();
  await portal.call('login', { body: { identifier: user.identifier, secretCode: user.secretCode } });
  await approveLogin(device, portal);
  const session = await portal.call('getSession');
  if (session.step !== 'authenticated') throw new Error(`login not authenticated: ${session.step}`);
  return portal;
}

/** Starts an enrolment with a new device key: identifier + secret code + device name + public key (rule 6). */
export async function startEnrolment(server: TestServer, user: { identifier: string; secretCode: string }, deviceName = 'PC bureau') {
  const device = server.device();
  const { enrolment } = await device.call('createEnrolment', {
    body: { identifier: user.identifier, secretCode: user.secretCode, deviceName, publicKey: device.publicKey, platform: 'linux', appVersion: '1.0.0' },
  });
  return { device, enrolment };
}

/** Headers of an authenticated portal session, for raw requests: the cookie and the CSRF token. */
export interface RawSession {
  cookie: string;
  csrfToken: string;
}

/** Logs in over raw HTTP (as a browser would) and approves the login on the device. */
export async function rawPortalSession(server: TestServer, user: { identifier: string; secretCode: string }, device: TestDevice): Promise<RawSession> {
  const response = await fetch(server.baseUrl + ROUTES.login.path, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ identifier: user.identifier, secretCode: user.secretCode }),
  });
  const session = (await response.json()) as SessionViewT;
  const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const login = session.loginValidation;
  if (!login || !cookie) throw new Error(`raw login failed: ${response.status}`);
  const validation = await pendingValidation(device, login.id);
  await device.call('decide', { params: { id: login.id }, body: device.decisionBody(validation, 'approve', login.number) });
  return { cookie, csrfToken: session.csrfToken };
}

export function sessionHeaders(session: RawSession): Record<string, string> {
  return { cookie: session.cookie, 'x-csrf-token': session.csrfToken };
}

export interface RawAnswer {
  status: number;
  contentType: string;
  text: string;
  json: unknown;
}

/** One HTTP exchange exactly as given: nothing added but what the caller passes. */
export async function raw(baseUrl: string, method: string, path: string, init: { headers?: Record<string, string>; body?: string } = {}): Promise<RawAnswer> {
  const response = await fetch(baseUrl + path, { method, headers: init.headers, body: init.body });
  const text = await response.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', text, json };
}

/** Signature headers of a request by this key (a device id or an enrolment id) over the exact path and body. */
export async function signedHeaders(
  device: TestDevice, keyId: string, method: string, path: string, body: string, overrides: { timestamp?: number; nonce?: string; secretKey?: Uint8Array } = {},
): Promise<Record<string, string>> {
  const secretKey = overrides.secretKey ?? device.secretKey;
  return signedRequestHeaders(
    { keyId, method, path, body, timestamp: overrides.timestamp ?? Date.now(), nonce: overrides.nonce },
    (message) => signMessage(message, secretKey),
  );
}

export function isSignedHeaders(headers: Record<string, string>): boolean {
  return Object.values(AUTH_HEADERS).every((name) => typeof headers[name] === 'string');
}

/** The path of a route with its parameters, as sent. */
export function pathOf(name: RouteName, params: Record<string, string> = {}, query = ''): string {
  return routePath(name, params) + (query ? `?${query}` : '');
}

export function methodOf(name: RouteName): string {
  return ROUTES[name].method;
}

/**
 * Resolves once a long-poll of this user's on this server is parked: subscribed to their changes, what it watches
 * read, waiting to be woken — so the test knows that what it does next can only reach it as a wake-up.
 */
export function nextWaiter(server: TestServer, userId: string): Promise<void> {
  return new Promise((resolve) => {
    const stop = server.server.ctx.notifier.onParked((parkedUserId) => {
      if (parkedUserId !== userId) return;
      stop();
      resolve();
    });
  });
}

/**
 * How long a test's long-poll asks to be held: the longest the protocol allows. A wait that a change must end "at
 * once" is answered long before (see wokenBy); answered only because its hold ran out, it fails.
 */
export const HOLD_SECONDS = LONG_POLL_MAX_SECONDS;

/** A third of the hold: plenty for a wake-up on a busy shared machine, far less than a hold running out. */
export const WOKEN_WITHIN_MS = (HOLD_SECONDS * 1000) / 3;

/**
 * The answer of a long-poll (held HOLD_SECONDS) that what the test did at `since` must wake: it must come within
 * WOKEN_WITHIN_MS of it — not when the hold ends, which answers too, but proves no wake-up.
 */
export async function wokenBy<T>(longPoll: Promise<T>, since: number): Promise<T> {
  const answer = await longPoll;
  const after = Date.now() - since;
  if (after >= WOKEN_WITHIN_MS) throw new Error(`answered ${after} ms after the change, not woken by it (held ${HOLD_SECONDS} s)`);
  return answer;
}

/**
 * nextWaiter, and whether that long-poll has stopped waiting since (woken, or its wait over): its hold ends in the
 * very step that wakes it, so this tells at once, without waiting to see if an answer comes.
 */
export function watchNextWaiter(server: TestServer, userId: string): { parked: Promise<void>; stoppedWaiting(): boolean } {
  const notifier = server.server.ctx.notifier;
  const original = notifier.hold;
  let watched: Waiter | null = null;
  // The long-poll holds first, then reads, then parks.
  notifier.hold = (heldUserId, timeoutMs, cancellation, ignoreDevice) => {
    const waiter = original.call(notifier, heldUserId, timeoutMs, cancellation, ignoreDevice);
    if (heldUserId !== userId) return waiter;
    notifier.hold = original;
    watched = waiter;
    return waiter;
  };
  return {
    parked: nextWaiter(server, userId),
    stoppedWaiting: () => {
      if (!(watched instanceof Hold)) throw new Error(`no long-poll of ${userId} is held on this instance yet`);
      return watched.settled;
    },
  };
}

/** Resolves when this instance next hears of a change of this user's (announced by itself or by another instance). */
export function nextAnnouncement(server: TestServer, userId: string): Promise<void> {
  return new Promise((resolve) => {
    const unsubscribe = server.server.ctx.notifier.subscribe(userId, (reason) => {
      if (reason !== 'user') return;
      unsubscribe();
      resolve();
    });
  });
}

/** Audit rows of one event for one user, oldest first. */
export async function auditRows(server: TestServer, event: string, userId: string) {
  return server.server.ctx.db.selectFrom('audit_log').selectAll().where('event', '=', event).where('user_id', '=', userId).orderBy('at').orderBy('id').execute();
}

/** The user id behind an identifier, read from the database. */
export async function userIdOf(server: TestServer, identifier: string): Promise<string> {
  const row = await server.server.ctx.db.selectFrom('users').select('id').where('identifier_key', '=', identifier.toLowerCase()).executeTakeFirstOrThrow();
  return row.id;
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

export interface ServerProcess {
  baseUrl: string;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** The process id (to check it is gone). */
  pid: number;
  /** Resolves with the signal that ended the process (null if it exited on its own). */
  readonly exited: Promise<NodeJS.Signals | null>;
  /** SIGTERM, then its end. */
  stop(): Promise<void>;
  /** `kill -9`: the process ends on the spot, with no chance to clean anything up. */
  kill(): Promise<void>;
  /** Its exit status once it ended (null before, or when a signal ended it). */
  exitCode(): number | null;
}

const EXIT_WITH_PARENT = pathToFileURL(fileURLToPath(new URL('../../harness/exit-with-parent.mjs', import.meta.url))).href;

/**
 * `npm run server` (server/cli.ts) as a separate process on a free port, with the given environment; or another
 * script that starts the server the same way and prints the same "reference server on <url>" line.
 */
export async function startServerProcess(env: Record<string, string>, script = 'server/cli.ts'): Promise<ServerProcess> {
  // Tied to this process's life (tests/harness/exit-with-parent.mjs): a killed test run leaves no server behind.
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', EXIT_WITH_PARENT, script], {
    cwd: process.cwd(),
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /reference server on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the server process exited (${code}): ${output}`)));
  });
  return {
    baseUrl,
    output: () => output,
    pid: child.pid as number,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    exitCode: () => child.exitCode,
  };
}

/**
 * Two server instances on one throwaway PostgreSQL database, sharing one clock, for the describe block that calls
 * this (started before its tests, closed after them), each with the faults given (objects a test may change).
 */
export function useTwoPostgresInstances(faults: { first?: ServerFaults; second?: ServerFaults } = {}): { readonly first: TestServer; readonly second: TestServer } {
  const instances = {} as { first: TestServer; second: TestServer };
  beforeAll(async () => {
    instances.first = await startTestServer({ database: 'postgres', faults: faults.first });
    instances.second = await startTestServer({ database: 'postgres', databaseUrl: instances.first.databaseUrl, clock: instances.first.clock, faults: faults.second });
  });
  afterAll(async () => {
    await instances.second?.close();
    await instances.first?.close();
  });
  return instances;
}

export interface Freeze {
  /** Resolves once a matching change has committed and the instance is stuck right after the commit. */
  readonly frozen: Promise<CommittedChange[]>;
  /** Lets the instance go on (its answer, its own view). */
  thaw(): void;
}

/**
 * Freezes the instance with these faults right after the next commit that announces a change of this user's, before
 * anything that follows the commit — as if it had died there, for everyone else.
 */
export function freezeAfterCommit(faults: ServerFaults, userId: string): Freeze {
  let thaw = () => {};
  const thawed = new Promise<void>((resolve) => {
    thaw = resolve;
  });
  const frozen = new Promise<CommittedChange[]>((resolve) => {
    faults.afterCommit = async (changes) => {
      if (!changes.some((change) => change.userId === userId)) return;
      faults.afterCommit = undefined;
      resolve(changes);
      await thawed;
    };
  });
  return { frozen, thaw };
}
