/**
 * SMS and voice delivery (rule 20): one interface, two real implementations — the development outbox (readable
 * at a development-only endpoint) and an HTTP gateway POSTing to the bank's provider, here a real local HTTP
 * server. The Security Phone is shown masked everywhere.
 */
import { createServer as createHttpServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PortalClient } from '../../harness/http-client';
import { createTestDatabase, freePort } from '../../harness/postgres';
import { OPS_TOKEN, startTestServer, type TestServer } from '../../harness/server';
import { DATABASES, adminWithDevice, expectCode, raw, startEnrolment, startServerProcess } from './helpers';

interface ProviderRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: { to?: unknown; channel?: unknown; text?: unknown };
}

/** A bank's SMS/voice provider: records what it receives; answers 200, 500, or never, as told. */
class FakeProvider {
  readonly received: ProviderRequest[] = [];
  mode: 'ok' | 'fail' | 'hang' = 'ok';
  private constructor(private readonly http: Server, readonly url: string) {}

  static async start(): Promise<FakeProvider> {
    const http = createHttpServer();
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const provider = new FakeProvider(http, `http://127.0.0.1:${(http.address() as AddressInfo).port}/v1/messages`);
    http.on('request', (request, response) => {
      let text = '';
      request.on('data', (chunk: Buffer) => (text += chunk.toString()));
      request.on('end', () => {
        provider.received.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body: JSON.parse(text || '{}') as ProviderRequest['body'] });
        if (provider.mode === 'hang') return;
        response.writeHead(provider.mode === 'ok' ? 202 : 500, { 'content-type': 'application/json' }).end(provider.mode === 'ok' ? '{"id":"msg-1"}' : '{"error":"down"}');
      });
    });
    return provider;
  }

  /** The 8-digit code in the last message, as the person would read it. */
  lastCode(): string {
    const text = String(this.received.at(-1)?.body.text ?? '');
    const match = /:\s*([0-9](?: ?[0-9]){7})\./.exec(text);
    if (!match?.[1]) throw new Error(`no code in "${text}"`);
    return match[1].replace(/ /g, '');
  }

  async close(): Promise<void> {
    this.http.closeAllConnections();
    await new Promise((resolve) => this.http.close(resolve));
  }
}

describe.each(DATABASES)('SMS and voice delivery (%s)', (database) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ database });
  });
  afterAll(async () => {
    await server.close();
  });

  it('rule 20: the development outbox: in demo mode the codes sent are readable at GET /api/dev/v1/outbox', async () => {
    const { admin } = await server.createCompany();
    const portal = server.portal();
    await portal.call('login', { body: { identifier: admin.identifier, secretCode: admin.temporarySecretCode } });
    server.clock.advance(1000);
    await portal.call('sendSecurityCode', { body: { channel: 'sms' } });

    const answer = await raw(server.baseUrl, 'GET', '/api/dev/v1/outbox');
    expect(answer.status).toBe(200);
    const { messages } = answer.json as { messages: { to: string; channel: string; purpose: string; text: string; at: string }[] };
    const mine = messages.filter((message) => message.to === admin.securityPhone);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ channel: 'sms', purpose: 'security_code', at: new Date(server.clock.now()).toISOString() });
    const code = /: ([0-9]{8})\./.exec(mine[0]!.text)?.[1];
    expect(code).toBeDefined();
    expect((await portal.call('verifySecurityCode', { body: { code: code! } })).step).toBe('change_secret');
  });

  it('rule 20: outside demo mode the development outbox endpoint does not exist (not_found)', async () => {
    const production = await startTestServer({ database, demo: false });
    try {
      const answer = await raw(production.baseUrl, 'GET', '/api/dev/v1/outbox');
      expect(answer.status).toBe(404);
      expect(answer.json).toMatchObject({ code: 'not_found' });
    } finally {
      await production.close();
    }
  });

  it('rule 20: `npm run server` in demo mode shows the codes it sends in the development outbox, and its log says so without the code or the full Security Phone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sa-cli-'));
    const databaseUrl = database === 'postgres' ? await createTestDatabase() : `sqlite:${join(dir, 'secure-access.db')}`;
    const cli = await startServerProcess({ DATABASE_URL: databaseUrl, SA_DEMO: '1', SA_OPS_TOKEN: OPS_TOKEN });
    try {
      await vi.waitFor(() => expect(cli.output()).toMatch(/temporary secret code: [0-9]+/), { timeout: 10_000 });
      const identifier = /identifier: (\S+)/.exec(cli.output())?.[1];
      const temporary = /temporary secret code: ([0-9]+)/.exec(cli.output())?.[1];
      expect(identifier && temporary).toBeTruthy();
      const portal = new PortalClient(cli.baseUrl);
      await portal.call('login', { body: { identifier: identifier!, secretCode: temporary! } });
      await portal.call('sendSecurityCode', { body: { channel: 'sms' } });
      await vi.waitFor(() => expect(cli.output()).toContain('[development outbox] SMS to +33 6 •• •• •• 78: a Code Sécurité, on the development outbox page'), { timeout: 10_000 });
      const outbox = await raw(cli.baseUrl, 'GET', '/api/dev/v1/outbox');
      const code = /Code Sécurité Espace Client : ([0-9]{8})\./.exec(JSON.stringify(outbox.json))?.[1];
      expect(code).toMatch(/^[0-9]{8}$/);
      expect(cli.output()).not.toContain(code!);
      expect((await portal.call('verifySecurityCode', { body: { code: code! } })).step).toBe('change_secret');
      expect(cli.output()).not.toContain('612345678');
    } finally {
      await cli.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rule 20: the Security Phone is shown masked in every view, and never logged', async () => {
    const { user: admin, device } = await adminWithDevice(server);
    const phone = admin.securityPhone!;
    const digits = phone.slice(1);
    const views: unknown[] = [
      await admin.portal.call('getSession'),
      await admin.portal.call('listUsers'),
      await admin.portal.call('listCompanyDevices'),
      await device.call('getSelf'),
      (await startEnrolment(server, admin, 'Portable')).enrolment,
    ];
    const masked = (await admin.portal.call('getSession')).securityPhoneMasked!;
    expect(masked).toBe(`+33 6 •• •• •• ${phone.slice(-2)}`);
    for (const view of views) expect(JSON.stringify(view)).not.toContain(digits);
    const audit = await server.server.ctx.db.selectFrom('audit_log').select('details_json').execute();
    expect(JSON.stringify(audit)).not.toContain(digits);
  });
});

describe.each(DATABASES)('SMS and voice through the HTTP gateway (%s)', (database) => {
  let provider: FakeProvider;
  let server: TestServer;
  beforeAll(async () => {
    provider = await FakeProvider.start();
    server = await startTestServer({ database, otpGateway: { url: provider.url, token: 'provider-secret', timeoutMs: 1000 } });
  });
  afterAll(async () => {
    await server.close();
    await provider.close();
  });

  it("rule 20: the HTTP gateway POSTs {to, channel, text} with the provider's bearer token, for SMS and voice", async () => {
    provider.mode = 'ok';
    const { admin } = await server.createCompany();
    const portal = server.portal();
    await portal.call('login', { body: { identifier: admin.identifier, secretCode: admin.temporarySecretCode } });
    const before = provider.received.length;
    await portal.call('sendSecurityCode', { body: { channel: 'sms' } });
    expect(provider.received).toHaveLength(before + 1);
    const sms = provider.received.at(-1)!;
    expect(sms).toMatchObject({ method: 'POST', url: '/v1/messages', headers: { authorization: 'Bearer provider-secret', 'content-type': 'application/json' } });
    expect(sms.body).toMatchObject({ to: admin.securityPhone, channel: 'sms' });
    expect(sms.body.text).toMatch(/^Code Sécurité Espace Client : [0-9]{8}\. Valable 5 minutes\./);
    await portal.call('verifySecurityCode', { body: { code: provider.lastCode() } });
    await portal.call('changeSecret', { body: { currentSecretCode: admin.temporarySecretCode, newSecretCode: 'Tresorerie2026' } });

    const { device, enrolment } = await startEnrolment(server, { identifier: admin.identifier, secretCode: 'Tresorerie2026' });
    await device.call('requestActivationCode', { params: { id: enrolment.id }, body: { channel: 'voice' } }, enrolment.id);
    const call = provider.received.at(-1)!;
    expect(call.body).toMatchObject({ to: admin.securityPhone, channel: 'voice' });
    expect(call.body.text).toMatch(/^Code d'activation Secure Access : [0-9]( [0-9]){7}\./);
    const activated = await device.call('activate', { params: { id: enrolment.id }, body: { code: provider.lastCode() } }, enrolment.id);
    expect(activated.device.status).toBe('active');

    // Through the gateway, nothing goes to the development outbox.
    const outbox = await server.server.ctx.db.selectFrom('outbox').select('id').where('to_phone', '=', admin.securityPhone).execute();
    expect(outbox).toEqual([]);
  });

  it('rule 20: a provider that fails, cannot be reached or does not answer gives service_unavailable, and no code is left pending', async () => {
    const { admin } = await server.createCompany();
    const portal = server.portal();
    await portal.call('login', { body: { identifier: admin.identifier, secretCode: admin.temporarySecretCode } });

    provider.mode = 'fail';
    const failed = await expectCode(portal.call('sendSecurityCode', { body: { channel: 'sms' } }), 'service_unavailable');
    expect(failed.status).toBe(503);
    expect(failed.message).not.toContain('provider-secret');
    expect((await portal.call('getSession')).securityCode).toBeNull();

    provider.mode = 'hang';
    await expectCode(portal.call('sendSecurityCode', { body: { channel: 'voice' } }), 'service_unavailable');
    expect((await portal.call('getSession')).securityCode).toBeNull();

    // Back to normal: the code arrives and works.
    provider.mode = 'ok';
    await portal.call('sendSecurityCode', { body: { channel: 'sms' } });
    expect((await portal.call('verifySecurityCode', { body: { code: provider.lastCode() } })).step).toBe('change_secret');
    await portal.call('changeSecret', { body: { currentSecretCode: admin.temporarySecretCode, newSecretCode: 'Tresorerie2026' } });

    // The activation code: refused by the provider, the enrolment is still waiting for a code.
    provider.mode = 'fail';
    const { device, enrolment } = await startEnrolment(server, { identifier: admin.identifier, secretCode: 'Tresorerie2026' });
    await expectCode(device.call('requestActivationCode', { params: { id: enrolment.id }, body: { channel: 'sms' } }, enrolment.id), 'service_unavailable');
    expect((await device.call('getEnrolment', { params: { id: enrolment.id } }, enrolment.id)).enrolment).toMatchObject({ state: 'awaiting_code_request', codeExpiresAt: null });
    provider.mode = 'ok';
  });

  it('rule 20: an unreachable provider gives service_unavailable', async () => {
    const unreachable = await startTestServer({ database, otpGateway: { url: `http://127.0.0.1:${await freePort()}/sms`, token: 't', timeoutMs: 1000 } });
    try {
      const { admin } = await unreachable.createCompany();
      const portal = unreachable.portal();
      await portal.call('login', { body: { identifier: admin.identifier, secretCode: admin.temporarySecretCode } });
      await expectCode(portal.call('sendSecurityCode', { body: { channel: 'sms' } }), 'service_unavailable');
      // The server keeps serving.
      expect((await raw(unreachable.baseUrl, 'GET', '/healthz')).status).toBe(200);
    } finally {
      await unreachable.close();
    }
  });

  it('rule 1 through the gateway: the back office still refuses a subscription without a Security Phone', async () => {
    const answer = await raw(server.baseUrl, 'POST', '/api/ops/v1/subscriptions', {
      headers: { 'content-type': 'application/json', authorization: `Bearer ${OPS_TOKEN}` },
      body: JSON.stringify({ companyName: 'Sans Téléphone', primaryAdmin: { displayName: 'Paul' } }),
    });
    expect(answer.json).toMatchObject({ code: 'security_phone_required' });
  });
});
