/**
 * Starts the real reference server for a test, on SQLite (a temp file) or PostgreSQL (a fresh database on the
 * throwaway cluster), listening on a free loopback port, with an injected clock. Helpers walk users through the
 * installation guide's steps over real HTTP.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { routeErrorCodes, type ErrorCode, type RouteName } from '../../protocol/index';
import { createServer, type SecureAccessServer } from '../../server/app';
import type { Clock, Limits, OtpGatewayConfig, ServerFaults } from '../../server/config';
import type { Logger } from '../../server/ops/logging';
import type { MobileStoreLinks } from '../../server/services/installers';
import type { VopGatewayConfig } from '../../server/services/payee-verification';
import { createTestDatabase } from './postgres';
import { approveWaitingSession, PortalClient, TestDevice } from './http-client';

export type TestDatabase = 'sqlite' | 'postgres';

export class TestClock implements Clock {
  private current: number;
  private readonly listeners = new Set<() => void>();

  constructor(start = Date.UTC(2026, 10, 27, 9, 0, 0)) {
    this.current = start;
  }

  now = (): number => this.current;

  /** Moves time forward; waiters on the server re-read the database (expiry is not an event otherwise). */
  advance(ms: number): void {
    this.current += ms;
    for (const listener of this.listeners) listener();
  }

  set(ms: number): void {
    this.current = ms;
    for (const listener of this.listeners) listener();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** As long as SA_OPS_TOKEN must be (24 characters at least), so that server processes accept it too. */
export const OPS_TOKEN = 'test-ops-token-2f6c1d9e8b7a';

let phoneCounter = 0;
function uniquePhone(): string {
  phoneCounter += 1;
  return `+3361${String(process.pid % 10000).padStart(4, '0')}${String(phoneCounter).padStart(3, '0')}`;
}

export interface TestServerOptions {
  database?: TestDatabase;
  /** Start time of the injected clock (ms). Default: a fixed date; pass Date.now() when talking to code on the real clock. */
  startAt?: number;
  clock?: TestClock;
  limits?: Partial<Limits>;
  /** Re-open an existing database (e.g. to restart a server). */
  databaseUrl?: string;
  port?: number;
  /** Demo mode (the development outbox endpoint). Default: true. */
  demo?: boolean;
  /** SMS/voice through this HTTP provider instead of the development outbox (latestCode then finds nothing). */
  otpGateway?: OtpGatewayConfig;
  /** The server's log (default: warnings and errors on standard error). */
  logger?: Logger;
  /** Verification of Payee for other banks through this HTTP gateway instead of the demo directory. */
  vopGateway?: VopGatewayConfig;
  /** Self-install: the folder of installers the download page serves, and the mobile store links. */
  downloadsDir?: string;
  mobileStoreLinks?: MobileStoreLinks;
  /** Faults injected on purpose (see ServerFaults). */
  faults?: ServerFaults;
}

export interface ReadyUser {
  identifier: string;
  secretCode: string;
  securityPhone: string | null;
  portal: PortalClient;
}

export class TestServer {
  private constructor(
    readonly server: SecureAccessServer,
    readonly baseUrl: string,
    readonly clock: TestClock,
    readonly database: TestDatabase,
    readonly databaseUrl: string,
    private readonly cleanup: () => void,
    private readonly unsubscribeClock: () => void,
    private readonly undocumented: Set<string>,
  ) {}

  static async start(options: TestServerOptions = {}): Promise<TestServer> {
    const database = options.database ?? 'sqlite';
    let databaseUrl = options.databaseUrl;
    let cleanup = () => {};
    if (!databaseUrl) {
      if (database === 'postgres') {
        databaseUrl = await createTestDatabase();
      } else {
        const dir = mkdtempSync(join(tmpdir(), 'sa-sqlite-'));
        databaseUrl = `sqlite:${join(dir, 'secure-access.db')}`;
        cleanup = () => rmSync(dir, { recursive: true, force: true });
      }
    }
    const clock = options.clock ?? new TestClock(options.startAt);
    // docs/protocol-reference.md lists each route's error codes (protocol/routes.ts): an error answered that is not
    // among them fails the suite, so the reference cannot drift from what the server does.
    const undocumented = new Set<string>();
    const onRouteError = (route: RouteName, code: ErrorCode) => {
      if (!routeErrorCodes(route).includes(code)) undocumented.add(`${route} answered ${code}`);
    };
    const server = await createServer({
      databaseUrl, clock, demo: options.demo ?? true, otpGateway: options.otpGateway, vopGateway: options.vopGateway, downloadsDir: options.downloadsDir, mobileStoreLinks: options.mobileStoreLinks, opsToken: OPS_TOKEN, logger: options.logger ?? false, limits: options.limits, cookieSecure: true, faults: options.faults,
      onRouteError,
    });
    const baseUrl = await server.listen({ port: options.port ?? 0, host: '127.0.0.1' });
    const unsubscribe = clock.onChange(() => server.ctx.notifier.wakeAll());
    return new TestServer(server, baseUrl, clock, database, databaseUrl, cleanup, unsubscribe, undocumented);
  }

  /**
   * Stops the server; `keepData` leaves the database for a restart. Fails if a route answered an error code that
   * its entry in protocol/routes.ts does not list.
   */
  async close({ keepData = false } = {}): Promise<void> {
    this.unsubscribeClock();
    await this.server.close();
    if (!keepData) this.cleanup();
    if (this.undocumented.size) {
      throw new Error(`undocumented error codes — add each to its route's \`errors\` in protocol/routes.ts, then run npm run docs:protocol:\n${[...this.undocumented].sort().join('\n')}`);
    }
  }

  get port(): number {
    return Number(new URL(this.baseUrl).port);
  }

  portal(): PortalClient {
    return new PortalClient(this.baseUrl);
  }

  device(): TestDevice {
    return new TestDevice(this.baseUrl, this.clock.now);
  }

  /** A company subscription through the back-office API. */
  async createCompany(input: { companyName?: string; adminName?: string; securityPhone?: string } = {}) {
    const securityPhone = input.securityPhone ?? uniquePhone();
    const response = await fetch(`${this.baseUrl}/api/ops/v1/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${OPS_TOKEN}` },
      body: JSON.stringify({ companyName: input.companyName ?? 'Durand Industrie SAS', primaryAdmin: { displayName: input.adminName ?? 'Claire Durand', securityPhone } }),
    });
    if (response.status !== 201) throw new Error(`createCompany failed: ${response.status} ${await response.text()}`);
    const body = (await response.json()) as { companyId: string; primaryAdmin: { identifier: string }; temporarySecretCode: string };
    return { companyId: body.companyId, admin: { identifier: body.primaryAdmin.identifier, temporarySecretCode: body.temporarySecretCode, securityPhone } };
  }

  /** The newest code sent to a phone (development outbox), read as a person would read the SMS. */
  async latestCode(purpose: 'security_code' | 'activation_code', phone?: string): Promise<string> {
    const rows = await this.server.ctx.db.selectFrom('outbox').selectAll().where('purpose', '=', purpose)
      .$if(phone !== undefined, (query) => query.where('to_phone', '=', phone as string)).orderBy('at', 'desc').limit(1).execute();
    const text = rows[0]?.text;
    if (!text) throw new Error(`no ${purpose} in the outbox${phone ? ` for ${phone}` : ''}`);
    const match = /:\s*([0-9](?: ?[0-9]){7})\./.exec(text);
    if (!match?.[1]) throw new Error(`no code in "${text}"`);
    return match[1].replace(/ /g, '');
  }

  /** First connection of a primary administrator: login, Security Code by SMS, new secret code → step 'install'. */
  async readyPrimaryAdmin(input: { securityPhone?: string; companyName?: string } = {}): Promise<ReadyUser> {
    const { admin } = await this.createCompany(input);
    const portal = this.portal();
    await portal.call('login', { body: { identifier: admin.identifier, secretCode: admin.temporarySecretCode } });
    await portal.call('sendSecurityCode', { body: { channel: 'sms' } });
    await portal.call('verifySecurityCode', { body: { code: await this.latestCode('security_code', admin.securityPhone) } });
    const secretCode = 'Tresorerie2026';
    await portal.call('changeSecret', { body: { currentSecretCode: admin.temporarySecretCode, newSecretCode: secretCode } });
    return { identifier: admin.identifier, secretCode, securityPhone: admin.securityPhone, portal };
  }

  /** A secondary user created by the administrator, who logged in once and changed the temporary code → 'install'. */
  async readySecondaryUser(adminPortal: PortalClient, displayName = 'Marc Petit', role: 'user' | 'admin' = 'user'): Promise<ReadyUser> {
    const created = await adminPortal.call('createUser', { body: { displayName, role } });
    const portal = this.portal();
    await portal.call('login', { body: { identifier: created.user.identifier, secretCode: created.temporarySecretCode } });
    const secretCode = 'Comptable2026';
    await portal.call('changeSecret', { body: { currentSecretCode: created.temporarySecretCode, newSecretCode: secretCode } });
    return { identifier: created.user.identifier, secretCode, securityPhone: null, portal };
  }

  /**
   * Activates a TestDevice for a user over the authenticator API (for tests whose subject is elsewhere):
   * SMS code for a primary administrator's first device, Administration code otherwise (needs adminPortal
   * for a secondary user's request); then its approval key is registered, as the app does when the person chooses
   * the approval code (`approvalCode: false`: a device activated before approval codes existed).
   */
  async activateDevice(user: ReadyUser, options: { deviceName?: string; adminPortal?: PortalClient; approvalCode?: boolean } = {}): Promise<TestDevice> {
    const device = this.device();
    const { enrolment } = await device.call('createEnrolment', { body: {
      identifier: user.identifier, secretCode: user.secretCode, deviceName: options.deviceName ?? 'PC test', publicKey: device.publicKey, platform: 'linux', appVersion: 'test',
    } });
    const enrolmentId = enrolment.id;
    let code: string;
    if (enrolment.codeDelivery === 'security_phone') {
      await device.call('requestActivationCode', { params: { id: enrolmentId }, body: { channel: 'sms' } }, enrolmentId);
      code = await this.latestCode('activation_code', user.securityPhone ?? undefined);
    } else {
      const requested = await device.call('requestActivationCode', { params: { id: enrolmentId }, body: {} }, enrolmentId);
      if (requested.enrolment.codeDelivery === 'administrator') {
        if (!options.adminPortal) throw new Error('a secondary user needs adminPortal to get the code');
        const { activation } = await options.adminPortal.call('generateActivationCode', { params: { id: enrolmentId } });
        code = activation.code as string;
      } else {
        const { activations } = await user.portal.call('listActivations');
        code = activations.find((a) => a.enrolmentId === enrolmentId)?.code as string;
      }
    }
    const activated = await device.call('activate', { params: { id: enrolmentId }, body: { code } }, enrolmentId);
    device.keyId = activated.device.id;
    if (options.approvalCode !== false) {
      await device.registerApprovalKey();
      await approveWaitingSession(user.portal, device);
    }
    return device;
  }
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  return TestServer.start(options);
}
