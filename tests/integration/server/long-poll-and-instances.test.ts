/**
 * Long-polling (rule 16): a waiting device is woken by a new validation (a wake-up, not a timer), and with
 * PostgreSQL the wake-up crosses server instances through LISTEN/NOTIFY — two instances in this process, and a
 * second server process started with `server/cli.ts`, all on one database. Nothing an instance needs lives only
 * in another's memory: sessions, nonces and validations are shared through the database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEVICE_LONG_POLL_CEILING_SECONDS, READS_HEADER } from '../../../protocol/index';
import { PortalClient } from '../../harness/http-client';
import { OPS_TOKEN, startTestServer, type TestServer } from '../../harness/server';
import {
  DATABASES, HOLD_SECONDS, SAMPLE_TRANSFER, adminWithDevice, approveLogin, expectCode, loginWithSecureAccess, nextWaiter, pathOf, pendingValidation,
  raw, signedHeaders, startServerProcess, type ServerProcess, useTwoPostgresInstances, WOKEN_WITHIN_MS, wokenBy,
} from './helpers';

describe.each(DATABASES)('long-poll (%s)', (database) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ database });
  });
  afterAll(async () => {
    await server.close();
  });

  it('rule 16: a device waiting with its cursor is woken when a validation is created', async () => {
    const { user: admin, device } = await adminWithDevice(server);
    const userId = admin.portal.session!.holder.userId;
    const { cursor, validations } = await device.call('pendingValidations', { query: {} });
    expect(validations).toEqual([]);

    const parked = nextWaiter(server, userId);
    let answered = false;
    const longPoll = device.call('pendingValidations', { query: { cursor, waitSeconds: HOLD_SECONDS } }).finally(() => {
      answered = true;
    });
    await parked;
    expect(answered).toBe(false);
    const since = Date.now();
    const { operation } = await admin.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER } });
    const woken = await wokenBy(longPoll, since);
    expect(woken.validations.map((v) => v.id)).toEqual([operation.id]);
    expect(woken.cursor).not.toBe(cursor);
  });

  it('rule 16: the wait also ends when a validation leaves the list (decided on another device)', async () => {
    const { user: admin, device } = await adminWithDevice(server);
    const other = await server.activateDevice(admin, { deviceName: 'Portable' });
    const { operation } = await admin.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER } });
    const { cursor } = await device.call('pendingValidations', { query: {} });

    const validation = await pendingValidation(other, operation.id);
    const parked = nextWaiter(server, admin.portal.session!.holder.userId);
    const longPoll = device.call('pendingValidations', { query: { cursor, waitSeconds: HOLD_SECONDS } });
    await parked;
    const since = Date.now();
    await other.call('decide', { params: { id: operation.id }, body: other.decisionBody(validation, 'approve', null) });
    const woken = await wokenBy(longPoll, since);
    expect(woken.validations).toEqual([]);
    expect(woken.cursor).not.toBe(cursor);
  });

  it('rule 16: a stale cursor or none is answered at once with what is pending', async () => {
    const { user: admin, device } = await adminWithDevice(server);
    const { cursor } = await device.call('pendingValidations', { query: {} });
    const { operation } = await admin.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER } });
    const stale = await device.call('pendingValidations', { query: { cursor, waitSeconds: 25 } });
    expect(stale.validations.map((v) => v.id)).toEqual([operation.id]);
    const none = await device.call('pendingValidations', { query: { waitSeconds: 25 } });
    expect(none.validations.map((v) => v.id)).toEqual([operation.id]);
    expect(none.cursor).toBe(stale.cursor);
  });

  it('rule 16: with nothing new the wait ends after waitSeconds with the same cursor', async () => {
    const { device } = await adminWithDevice(server);
    const { cursor } = await device.call('pendingValidations', { query: {} });
    const quiet = await device.call('pendingValidations', { query: { cursor, waitSeconds: 1 } });
    expect(quiet).toMatchObject({ cursor, validations: [] });
  });

  it('rule 16: a device that goes away while it waits leaves nothing waiting behind it', async () => {
    const { user: admin, device } = await adminWithDevice(server);
    const userId = admin.portal.session!.holder.userId;
    const { cursor } = await device.call('pendingValidations', { query: {} });
    const notifier = server.server.ctx.notifier;
    const holdingBefore = notifier.holding;
    const path = `${pathOf('pendingValidations')}?cursor=${cursor}&waitSeconds=${HOLD_SECONDS}`;
    const headers = await signedHeaders(device, device.keyId!, 'GET', path, '', { timestamp: server.clock.now() });
    const leaving = new AbortController();
    const parked = nextWaiter(server, userId);
    const longPoll = fetch(server.baseUrl + path, { headers, signal: leaving.signal }).catch((error: unknown) => error);
    await parked;
    expect(notifier.holding).toBe(holdingBefore + 1);
    leaving.abort();
    expect(await longPoll).toBeInstanceOf(Error);
    // Its hold ends when its connection closes, not HOLD_SECONDS later.
    const deadline = Date.now() + WOKEN_WITHIN_MS;
    while (notifier.holding > holdingBefore && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(notifier.holding).toBe(holdingBefore);
  });

  it("rule 16: a change of one user's wakes only that user's waiters", async () => {
    const { user: admin } = await adminWithDevice(server);
    const { user: stranger } = await adminWithDevice(server);
    const strangerId = stranger.portal.session!.holder.userId;
    let strangerWakes = 0;
    const unsubscribe = server.server.ctx.notifier.subscribe(strangerId, () => {
      strangerWakes += 1;
    });
    try {
      // The instance that makes a change hears it as it commits (not when its own notification comes back): by the
      // time a call is answered, every wake-up it causes on this instance has happened.
      await admin.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER } });
      expect(strangerWakes).toBe(0);
      await stranger.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER } });
      expect(strangerWakes).toBe(1);
    } finally {
      unsubscribe();
    }
  });
});

describe('rule 16 across server instances on one PostgreSQL database', () => {
  const servers = useTwoPostgresInstances();

  it('rule 16: a device waiting on instance A is woken by a transfer created on instance B (LISTEN/NOTIFY)', async () => {
    const { user: admin, device } = await adminWithDevice(servers.first);
    const portalOnB = await loginWithSecureAccess(servers.second, admin, device);
    const { cursor } = await device.call('pendingValidations', { query: {} });

    const parked = nextWaiter(servers.first, admin.portal.session!.holder.userId);
    const longPoll = device.call('pendingValidations', { query: { cursor, waitSeconds: HOLD_SECONDS } });
    await parked;
    const since = Date.now();
    const { operation } = await portalOnB.call('createTransfer', { body: { ...SAMPLE_TRANSFER } });
    const woken = await wokenBy(longPoll, since);
    expect(woken.validations.map((v) => v.id)).toEqual([operation.id]);
  });

  it('rule 16: the portal waiting on instance B sees the decision made through instance A', async () => {
    const { user: admin, device } = await adminWithDevice(servers.first);
    const portalOnB = await loginWithSecureAccess(servers.second, admin, device);
    const { operation } = await portalOnB.call('createTransfer', { body: { ...SAMPLE_TRANSFER } });

    const validation = await pendingValidation(device, operation.id);
    const parked = nextWaiter(servers.second, admin.portal.session!.holder.userId);
    const portalView = portalOnB.call('getOperation', { params: { id: operation.id }, query: { knownStatus: 'pending', waitSeconds: HOLD_SECONDS } });
    await parked;
    const since = Date.now();
    await device.call('decide', { params: { id: operation.id }, body: device.decisionBody(validation, 'approve', null) });
    expect((await wokenBy(portalView, since)).operation.status).toBe('approved');
  });

  it('rule 16: a login waiting on instance B moves on when approved through instance A', async () => {
    const { user: admin, device } = await adminWithDevice(servers.first);
    const portalOnB = new PortalClient(servers.second.baseUrl);
    const session = await portalOnB.call('login', { body: { identifier: admin.identifier, secretCode: admin.secretCode } });
    const login = session.loginValidation!;
    const validation = await pendingValidation(device, login.id);
    const parked = nextWaiter(servers.second, session.holder.userId);
    const sessionView = portalOnB.call('getSession', { query: { knownState: session.stateKey, waitSeconds: HOLD_SECONDS } });
    await parked;
    const since = Date.now();
    await device.call('decide', { params: { id: login.id }, body: device.decisionBody(validation, 'approve', login.number) });
    expect((await wokenBy(sessionView, since)).step).toBe('authenticated');
  });

  it('rule 17 across instances: a request accepted by instance A is a replay for instance B', async () => {
    const { device } = await adminWithDevice(servers.first);
    const path = pathOf('getSelf');
    const headers = await signedHeaders(device, device.keyId!, 'GET', path, '', { timestamp: servers.first.clock.now() });
    expect((await raw(servers.first.baseUrl, 'GET', path, { headers })).status).toBe(200);
    expect((await raw(servers.second.baseUrl, 'GET', path, { headers })).json).toMatchObject({ code: 'auth_replayed' });
  });

  it('rule 14 across instances: a device revoked on instance B is refused by instance A', async () => {
    const { user: admin, device } = await adminWithDevice(servers.first);
    const extra = await servers.first.activateDevice(admin, { deviceName: 'Portable' });
    const portalOnB = await loginWithSecureAccess(servers.second, admin, device);
    await portalOnB.call('revokeMyDevice', { params: { id: extra.keyId! } });
    await expectCode(extra.call('getSelf'), 'device_revoked');
  });
});

describe('rule 16 across two server processes on one PostgreSQL database', () => {
  let inProcess: TestServer;
  let other: ServerProcess;
  beforeAll(async () => {
    // The other process runs on the real clock: so does this one, for signed timestamps to agree.
    inProcess = await startTestServer({ database: 'postgres', startAt: Date.now() });
    other = await startServerProcess({ DATABASE_URL: inProcess.databaseUrl, SA_DEMO: '0', SA_OTP_GATEWAY_URL: 'http://127.0.0.1:9/never-called', SA_OPS_TOKEN: OPS_TOKEN });
  });
  afterAll(async () => {
    await other?.stop();
    await inProcess.close();
  });

  it('rule 16: a device waiting on this process is woken by a transfer created through the other process', async () => {
    const health = await raw(other.baseUrl, 'GET', '/healthz');
    expect(health.json).toEqual({ ok: true, database: 'postgres' });

    const { user: admin, device } = await adminWithDevice(inProcess);
    const portalElsewhere = new PortalClient(other.baseUrl);
    await portalElsewhere.call('login', { body: { identifier: admin.identifier, secretCode: admin.secretCode } });
    await approveLogin(device, portalElsewhere);
    expect((await portalElsewhere.call('getSession')).step).toBe('authenticated');
    const { cursor } = await device.call('pendingValidations', { query: {} });

    const parked = nextWaiter(inProcess, admin.portal.session!.holder.userId);
    const longPoll = device.call('pendingValidations', { query: { cursor, waitSeconds: HOLD_SECONDS } });
    await parked;
    const createdAt = Date.now();
    const { operation } = await portalElsewhere.call('createTransfer', { body: { ...SAMPLE_TRANSFER } });
    expect((await wokenBy(longPoll, createdAt)).validations.map((v) => v.id)).toEqual([operation.id]);

    // And the other way round: the other process's portal hears of the decision made here. Nothing here shows when
    // its long-poll is parked there; in the rare run where the decision lands first, its first read sees it.
    const validation = await pendingValidation(device, operation.id);
    const portalView = portalElsewhere.call('getOperation', { params: { id: operation.id }, query: { knownStatus: 'pending', waitSeconds: HOLD_SECONDS } });
    const decidedAt = Date.now();
    await device.call('decide', { params: { id: operation.id }, body: device.decisionBody(validation, 'approve', null) });
    expect((await wokenBy(portalView, decidedAt)).operation.status).toBe('approved');
  });
});

describe.each(DATABASES)("the server's longest hold (%s)", (database) => {
  const LONGEST_SECONDS = 2;
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ database, limits: { longPollMaxSeconds: LONGEST_SECONDS } });
  });
  afterAll(async () => {
    await server.close();
  });

  async function pending(device: Awaited<ReturnType<typeof adminWithDevice>>['device'], query: string, extra: Record<string, string> = {}) {
    const path = pathOf('pendingValidations', {}, query);
    const headers = await signedHeaders(device, device.keyId!, 'GET', path, '', { timestamp: server.clock.now() });
    const startedAt = Date.now();
    const answer = await raw(server.baseUrl, 'GET', path, { headers: { ...headers, ...extra } });
    return { ...answer, tookMs: Date.now() - startedAt };
  }

  it('holds a longer ask as long as it grants, and says how long only to a client that reads it', async () => {
    const { device } = await adminWithDevice(server);
    const { cursor } = await device.call('pendingValidations', { query: {} });
    const told = await pending(device, `cursor=${cursor}&waitSeconds=300`, { [READS_HEADER]: 'serverTime, maxWaitSeconds' });
    expect(told.status).toBe(200);
    expect(told.json).toMatchObject({ cursor, validations: [], maxWaitSeconds: LONGEST_SECONDS });
    expect(told.tookMs).toBeGreaterThanOrEqual(LONGEST_SECONDS * 1000 - 100);
    expect(told.tookMs).toBeLessThan(LONGEST_SECONDS * 1000 + 5_000);
    // An app that predates the field refuses an answer with a field it does not know: it never gets it.
    const untold = await pending(device, `cursor=${cursor}&waitSeconds=1`);
    expect(untold.status).toBe(200);
    expect(untold.json).not.toHaveProperty('maxWaitSeconds');
  });

  it('refuses an ask beyond what any server grants', async () => {
    const { device } = await adminWithDevice(server);
    const beyond = await pending(device, `waitSeconds=${DEVICE_LONG_POLL_CEILING_SECONDS + 1}`);
    expect(beyond.status).toBe(400);
    expect(beyond.json).toMatchObject({ code: 'bad_request', field: 'waitSeconds' });
  });
});
