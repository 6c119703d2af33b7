/**
 * The server as an operations team runs it: readiness, metrics, request logs and the graceful shutdown, on both
 * databases, over real HTTP. (The command line — configuration, migrate, refusals — is in cli.test.ts; the production
 * install in production-install.test.ts; the log's secret scan over a whole story in tests/e2e/story.)
 */
import http from 'node:http';
import net from 'node:net';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sweepExpiredValidations } from '../../../server/services/expiry';
import { captureLog } from '../../harness/log-capture';
import { OPS_TOKEN, startTestServer, type TestServer } from '../../harness/server';
import { SmsGateway } from '../../harness/sms-gateway';
import { firstConnectionOverHttp } from '../../harness/story-over-http';
import { adminWithDevice, DATABASES, pendingValidation, raw, SAMPLE_TRANSFER, signedHeaders } from './helpers';

/** A Prometheus text exposition, as name{labels} → value. */
function samples(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    values.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return values;
}

async function metricsOf(server: TestServer): Promise<Map<string, number>> {
  const answer = await raw(server.baseUrl, 'GET', '/metrics', { headers: { authorization: `Bearer ${OPS_TOKEN}` } });
  expect(answer.status).toBe(200);
  expect(answer.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  return samples(answer.text);
}

/** Waits until the server holds `count` long-polls of the authenticator API (its own gauge says so). */
async function untilWaiting(server: TestServer, count: number): Promise<void> {
  for (;;) {
    const text = await server.server.ctx.metrics.text();
    if (samples(text).get('sa_long_polls_waiting{api="authenticator"}') === count) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Whether a new TCP connection to this port is accepted. */
function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

let servers: TestServer[] = [];
afterEach(async () => {
  for (const server of servers) await server.close();
  servers = [];
});
async function start(...args: Parameters<typeof startTestServer>): Promise<TestServer> {
  const server = await startTestServer(...args);
  servers.push(server);
  return server;
}

describe.each(DATABASES)('operations on %s', (database) => {
  it('/healthz says the process lives; /readyz is ready when the database answers and every migration is applied', async () => {
    const server = await start({ database });
    expect((await raw(server.baseUrl, 'GET', '/healthz')).json).toEqual({ ok: true, database });
    const ready = await raw(server.baseUrl, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.json).toEqual({
      status: 'ready', database, reasons: [],
      checks: { database: 'ok', migrations: 'ok', listen: database === 'postgres' ? 'ok' : 'not_applicable', shutdown: 'ok' },
    });

    // A migration this code needs is missing from the database: not ready, and it says which.
    await sql`DELETE FROM kysely_migration WHERE name = '2026-12-01T09-00-validations-expiry'`.execute(server.server.ctx.db);
    const behind = await raw(server.baseUrl, 'GET', '/readyz');
    expect(behind.status).toBe(503);
    expect(behind.json).toMatchObject({ status: 'not_ready', checks: { migrations: 'failing', database: 'ok' }, reasons: ['Migrations not applied: 2026-12-01T09-00-validations-expiry (run the migrate command).'] });
  });

  it('/metrics is refused without the operations token, and counts validations, decisions, codes, waiting long-polls and wake-ups', async () => {
    const server = await start({ database, startAt: Date.now() });
    expect((await raw(server.baseUrl, 'GET', '/metrics')).status).toBe(401);
    expect((await raw(server.baseUrl, 'GET', '/metrics', { headers: { authorization: `Bearer ${OPS_TOKEN}x` } })).status).toBe(401);
    expect((await raw(server.baseUrl, 'GET', '/metrics', { headers: { authorization: OPS_TOKEN } })).status).toBe(401);

    const { user, device } = await adminWithDevice(server);
    const { cursor } = await device.call('pendingValidations', { query: {} });
    const waiting = device.call('pendingValidations', { query: { cursor, waitSeconds: 20 } });
    await untilWaiting(server, 1);
    expect((await metricsOf(server)).get('sa_long_polls_waiting{api="authenticator"}')).toBe(1);
    const { operation } = await user.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER } });
    expect((await waiting).validations.map((validation) => validation.id)).toEqual([operation.id]);
    const validation = await pendingValidation(device, operation.id);
    await device.call('decide', { params: { id: operation.id }, body: device.decisionBody(validation, 'approve', null) });
    // Five wrong secret codes lock the account (rule 2).
    for (let attempt = 0; attempt < 5; attempt++) {
      await user.portal.call('login', { body: { identifier: user.identifier, secretCode: 'Wrong-Code-2026' } }).catch(() => undefined);
    }

    const metrics = await metricsOf(server);
    expect(metrics.get('sa_long_polls_waiting{api="authenticator"}')).toBe(0);
    expect(metrics.get('sa_validations_created_total{kind="transfer"}')).toBe(1);
    expect(metrics.get('sa_validations_decided_total{kind="transfer",outcome="approved"}')).toBe(1);
    // The administrator's Code Sécurité and activation code, both by SMS (readyPrimaryAdmin, activateDevice).
    expect(metrics.get('sa_codes_sent_total{purpose="security_code",channel="sms"}')).toBe(1);
    expect(metrics.get('sa_codes_sent_total{purpose="activation_code",channel="sms"}')).toBe(1);
    expect(metrics.get('sa_security_events_total{event="account_locked"}')).toBe(1);
    expect(metrics.get('sa_http_errors_total{code="account_locked"}')).toBeGreaterThanOrEqual(1);
    expect(metrics.get('sa_http_errors_total{code="invalid_credentials"}')).toBe(4);
    expect(metrics.get('sa_wakeup_latency_seconds_count')).toBe(1);
    expect(metrics.get('sa_http_request_duration_seconds_count{method="POST",route="/api/portal/v1/operations/transfers",status="201"}')).toBe(1);
    expect(metrics.get('sa_draining')).toBe(0);
    if (database === 'postgres') {
      expect(metrics.get('sa_listen_connected')).toBe(1);
      expect(metrics.get('sa_db_pool_connections{state="idle"}')).toBeGreaterThanOrEqual(1);
      expect(metrics.get('sa_db_pool_waiting')).toBe(0);
    } else {
      expect(metrics.has('sa_listen_connected')).toBe(false);
    }
  });

  it('a validation left undecided past its time is marked expired once and counted by type', async () => {
    const server = await start({ database });
    const { user, device } = await adminWithDevice(server);
    const { operation: decided } = await user.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER, reference: 'Approuvé' } });
    server.clock.advance(1000);
    await user.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER } });
    const validation = await pendingValidation(device, decided.id);
    await device.call('decide', { params: { id: decided.id }, body: device.decisionBody(validation, 'approve', null) });
    await server.portal().call('login', { body: { identifier: user.identifier, secretCode: user.secretCode } });
    server.clock.advance(2 * 60_000 - 1);
    expect(await sweepExpiredValidations(server.server.ctx)).toEqual({});
    server.clock.advance(1);
    expect(await sweepExpiredValidations(server.server.ctx)).toEqual({ login: 1 });
    server.clock.advance(3 * 60_000);
    // Two instances sweeping at once: each row is marked (and counted) by one of them only.
    const [first, second] = await Promise.all([sweepExpiredValidations(server.server.ctx), sweepExpiredValidations(server.server.ctx)]);
    expect((first.transfer ?? 0) + (second.transfer ?? 0)).toBe(1);
    expect({ ...first, ...second }).toEqual({ transfer: 1 });
    // Decided in time, it stays as it was decided.
    const { operations } = await user.portal.call('operations');
    expect(operations.map((operation) => operation.status)).toEqual(['expired', 'approved']);
  });
});

describe('request logs', () => {
  it('one JSON line per request: request id (the balancer\'s when it sends one), route, path without query, status, duration, user and device', async () => {
    const log = captureLog();
    const server = await start({ logger: log.logger });
    const { device } = await adminWithDevice(server);
    const before = log.entries().length;
    await device.call('pendingValidations', { query: { waitSeconds: 0 } });
    const response = await fetch(`${server.baseUrl}/api/portal/v1/session?waitSeconds=0`, { headers: { 'x-request-id': 'lb-7f3a' } });
    expect(response.headers.get('x-request-id')).toBe('lb-7f3a');
    const odd = await fetch(`${server.baseUrl}/healthz`, { headers: { 'x-request-id': 'not ok{"' } });
    expect(odd.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

    const lines = log.entries().slice(before).filter((entry) => entry.msg === 'request');
    const poll = lines.find((entry) => entry.route === '/api/authenticator/v1/validations/pending');
    expect(poll).toMatchObject({
      level: 'info', method: 'GET', path: '/api/authenticator/v1/validations/pending', status: 200,
      deviceId: device.keyId, userId: expect.stringMatching(/^usr_/), reqId: expect.any(String), durationMs: expect.any(Number), ip: '127.0.0.1',
    });
    expect(lines.find((entry) => entry.reqId === 'lb-7f3a')).toMatchObject({ route: '/api/portal/v1/session', path: '/api/portal/v1/session', status: 401, errorCode: 'session_required' });
    // Probes are logged at debug only.
    expect(lines.some((entry) => entry.route === '/healthz')).toBe(false);
    expect(log.text()).not.toContain('waitSeconds=0');
  });
});

/** Two companies' first connections (scrypt, on two shared cores) before the subject of the test. */
const SETUP_HEAVY_MS = 120_000;

describe('graceful shutdown', () => {
  let gateway: SmsGateway;
  beforeEach(async () => {
    gateway = await SmsGateway.start();
  });
  afterEach(async () => gateway.close());

  /** A server sending its SMS through the test's provider, with a primary administrator and his active device. */
  async function serverWithDevice() {
    const server = await start({ startAt: Date.now(), otpGateway: { url: gateway.url, timeoutMs: 60_000 } });
    const story = await firstConnectionOverHttp({
      baseUrl: server.baseUrl, now: server.clock.now, opsToken: OPS_TOKEN, securityPhone: '+33612340001', readCode: (phone) => gateway.latestCode(phone),
    });
    return { server, ...story };
  }

  /** A second administrator whose Code Sécurité request is stuck at the provider: a request in flight. */
  async function requestInFlight(server: TestServer): Promise<{ answer: Promise<unknown> }> {
    const { admin } = await server.createCompany({ companyName: 'Martin SA', securityPhone: '+33612340002' });
    const portal = server.portal();
    await portal.call('login', { body: { identifier: admin.identifier, secretCode: admin.temporarySecretCode } });
    const arrived = gateway.holdNext();
    const answer = portal.call('sendSecurityCode', { body: { channel: 'sms' } }).then((value) => value, (error: unknown) => error);
    await arrived;
    // Wrapped: an async function returning the promise itself would wait for it.
    return { answer };
  }

  it('answers waiting long-polls at once with server_restarting and Connection: close, finishes the request in flight, then stops listening', async () => {
    const { server, device } = await serverWithDevice();
    const inFlight = await requestInFlight(server);
    const { cursor } = await device.call('pendingValidations', { query: {} });
    const waitingPath = `/api/authenticator/v1/validations/pending?cursor=${cursor}&waitSeconds=25`;
    const headers = await signedHeaders(device, device.keyId as string, 'GET', waitingPath, '', { timestamp: server.clock.now() });
    const poll = fetch(server.baseUrl + waitingPath, { headers });
    await untilWaiting(server, 1);

    const shutdown = server.server.shutdown({ timeoutMs: 60_000 });
    const answer = await poll;
    expect(answer.status).toBe(503);
    expect(answer.headers.get('connection')).toBe('close');
    expect(answer.headers.get('retry-after')).toBe('0');
    expect(await answer.json()).toEqual({ code: 'server_restarting', message: 'This server instance is restarting: send the request again (it was not processed).' });
    // No new connection is accepted any more (a load balancer moves on to another instance).
    expect(await connects(server.port)).toBe(false);
    // The request in flight is finished, not cut.
    gateway.release();
    expect(await inFlight.answer).toMatchObject({ step: 'security_code' });
    expect(await shutdown).toMatchObject({ answeredLongPolls: 1, otherRequestsInFlight: 1, cutRequests: 0 });
  }, SETUP_HEAVY_MS);

  it('a request sent on a kept-alive connection as the instance stops is answered server_restarting, not reset', async () => {
    const server = await start();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const get = (path: string) => new Promise<{ status: number; connection: string | undefined; body: string }>((resolve, reject) => {
      http.get(`${server.baseUrl}${path}`, { agent }, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, connection: response.headers.connection, body }));
      }).on('error', reject);
    });
    try {
      expect((await get('/healthz')).connection).toBe('keep-alive');
      const shutdown = server.server.shutdown({ idleGraceMs: 10_000, timeoutMs: 10_000 });
      const refused = await get('/api/portal/v1/session');
      expect(refused).toEqual({ status: 503, connection: 'close', body: JSON.stringify({ code: 'server_restarting', message: 'This server instance is restarting: send the request again (it was not processed).' }) });
      expect(await shutdown).toMatchObject({ answeredLongPolls: 0, cutRequests: 0 });
    } finally {
      agent.destroy();
    }
  }, SETUP_HEAVY_MS);

  it('while the balancer takes it out (the delay) it still serves, says it is not ready and closes each connection after its answer; past the timeout it cuts what is left', async () => {
    const { server, portal } = await serverWithDevice();
    const stuck = await requestInFlight(server);

    server.server.beginShutdown();
    const readyz = await fetch(`${server.baseUrl}/readyz`);
    expect(readyz.status).toBe(503);
    expect(readyz.headers.get('connection')).toBe('close');
    expect(await readyz.json()).toMatchObject({ status: 'not_ready', checks: { shutdown: 'failing', database: 'ok' }, reasons: ['The instance is shutting down.'] });
    expect((await portal.call('getSession')).step).toBe('authenticated');
    expect((await metricsOf(server)).get('sa_draining')).toBe(1);

    const report = await server.server.shutdown({ timeoutMs: 300 });
    expect(report).toMatchObject({ answeredLongPolls: 0, otherRequestsInFlight: 1, cutRequests: 1 });
    // Cut: the client of the stuck request sees its connection end without an answer.
    expect(await stuck.answer).toBeInstanceOf(Error);
  }, SETUP_HEAVY_MS);
});
