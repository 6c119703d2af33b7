/**
 * The reference server installed as docs/operations.md tells a bank to: the compiled server with its package.json and
 * shrinkwrap in a folder of its own, `npm ci --omit=dev` (no development dependency, no TypeScript, no repository
 * around it), `migrate`, then plain `node dist/cli.js` on PostgreSQL in production mode (SMS through a provider,
 * operations token). It serves the story — subscription, first connection, activation, a login approved with number
 * matching, a transfer approved — then stops on SIGTERM. Its whole output is JSON lines, and holds none of the
 * secrets that went through it.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../harness/postgres';
import { PortalClient } from '../../harness/http-client';
import { SmsGateway } from '../../harness/sms-gateway';
import { firstConnectionOverHttp } from '../../harness/story-over-http';
import { SAMPLE_TRANSFER } from './helpers';

const root = resolve(import.meta.dirname, '../../..');
/** npm ci compiles better-sqlite3 from source where no prebuilt binary can be downloaded: minutes on two shared cores. */
const INSTALL_MS = 15 * 60_000;

interface Installed {
  dir: string;
  run(args: string[], env: Record<string, string>): ChildProcess;
}

function packagesIn(nodeModules: string): string[] {
  return readdirSync(nodeModules).filter((name) => !name.startsWith('.')).flatMap((name) => (name.startsWith('@')
    ? readdirSync(join(nodeModules, name)).map((inner) => `${name}/${inner}`)
    : [name]));
}

describe('the production install of the server', () => {
  let installed: Installed;
  let gateway: SmsGateway;
  let output = '';
  let server: ChildProcess | null = null;

  beforeAll(async () => {
    if (!existsSync(join(root, 'server/portal/dist/index.html'))) throw new Error('The portal is not built: run `npm run build` first.');
    const dir = mkdtempSync(join(tmpdir(), 'sa-production-'));
    writeFileSync(join(dir, 'package.json'), readFileSync(join(root, 'server/package.json')));
    writeFileSync(join(dir, 'npm-shrinkwrap.json'), readFileSync(join(root, 'server/npm-shrinkwrap.json')));
    execFileSync(process.execPath, [join(root, 'scripts/build-server.mjs'), '--outdir', join(dir, 'dist')], { stdio: 'pipe' });
    cpSync(join(root, 'server/portal/dist'), join(dir, 'portal/dist'), { recursive: true });
    execFileSync('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: dir, stdio: 'pipe', timeout: INSTALL_MS });
    installed = {
      dir,
      run: (args, env) => spawn(process.execPath, ['dist/cli.js', ...args], { cwd: dir, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] }),
    };
    gateway = await SmsGateway.start();
  }, INSTALL_MS);

  afterAll(async () => {
    if (server?.exitCode === null) server.kill('SIGKILL');
    await gateway?.close();
    if (installed) rmSync(installed.dir, { recursive: true, force: true });
  });

  it('installs exactly the packages of its shrinkwrap: no development tool, nothing of the desktop app', () => {
    const shrinkwrap = JSON.parse(readFileSync(join(root, 'server/npm-shrinkwrap.json'), 'utf8')) as { packages: Record<string, unknown> };
    const expected = Object.keys(shrinkwrap.packages).filter((path) => /^node_modules\/(@[^/]+\/)?[^/]+$/.test(path)).map((path) => path.slice('node_modules/'.length));
    const present = packagesIn(join(installed.dir, 'node_modules'));
    expect(present.sort()).toEqual(expected.sort());
    for (const tool of ['typescript', 'tsx', 'vitest', 'esbuild', 'vite', 'electron', 'keytar', 'react', 'playwright-core']) expect(present).not.toContain(tool);
    expect(existsSync(join(installed.dir, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'))).toBe(true);
  });

  it('migrates, serves the story on PostgreSQL with plain node, stops on SIGTERM, and logs JSON lines without a secret', async () => {
    const password = 'Db-Pa55word-9d1f';
    const database = new URL(await createTestDatabase());
    database.username = 'postgres';
    database.password = password;
    const opsToken = 'ops-token-for-the-production-test-7c2e';
    const gatewayToken = 'sms-provider-token-5b8a';
    const env = {
      DATABASE_URL: database.toString(), SA_DEMO: '0', SA_OTP_GATEWAY_URL: gateway.url, SA_OTP_GATEWAY_TOKEN: gatewayToken, SA_OPS_TOKEN: opsToken,
      PORT: '0', HOST: '127.0.0.1', SA_LOG_LEVEL: 'debug', SA_SHUTDOWN_TIMEOUT_SECONDS: '5',
    };
    const finished = (child: ChildProcess) => new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    const collect = (child: ChildProcess) => {
      child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    };

    const migrate = installed.run(['migrate'], env);
    collect(migrate);
    expect(await finished(migrate)).toBe(0);

    server = installed.run([], env);
    collect(server);
    const exited = finished(server);
    const baseUrl = await new Promise<string>((done, fail) => {
      const look = () => {
        const match = /"msg":"Secure Access reference server on (http:\/\/127\.0\.0\.1:\d+)"/.exec(output);
        if (match?.[1]) done(match[1]);
      };
      server?.stdout?.on('data', look);
      void exited.then((code) => fail(new Error(`the server exited (${code}):\n${output}`)));
    });

    // The story: the bank subscribes the company; Claire's first connection and first device; SMS through the provider.
    const story = await firstConnectionOverHttp({
      baseUrl, now: Date.now, opsToken, securityPhone: '+33612349876', readCode: (phone) => gateway.latestCode(phone),
    });
    expect(gateway.messages.every((message) => message.authorization === `Bearer ${gatewayToken}`)).toBe(true);
    expect(gateway.messages.map((message) => message.purpose)).toEqual(['security_code', 'activation_code']);
    const { device } = story;
    const secrets = [...story.secrets, password, gatewayToken];

    // The portal is served by the installed server.
    const page = await fetch(`${baseUrl}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');

    // A later login, approved on the device with the number the portal shows.
    const portal = new PortalClient(baseUrl);
    await portal.call('login', { body: { identifier: story.identifier, secretCode: story.secretCode } });
    const login = portal.session?.loginValidation;
    if (!login) throw new Error('no login validation');
    const pending = await device.call('pendingValidations', { query: {} });
    const loginValidation = pending.validations.find((validation) => validation.id === login.id);
    if (!loginValidation) throw new Error('the login did not reach the device');
    const loginDecision = device.decisionBody(loginValidation, 'approve', login.number);
    secrets.push(loginDecision.signature);
    await device.call('decide', { params: { id: login.id }, body: loginDecision });
    const session = await portal.call('getSession');
    expect(session.step).toBe('authenticated');
    secrets.push(session.csrfToken, (portal.cookie ?? '').split('=')[1] ?? '');

    // A transfer, delivered to the waiting device (with a device token, as the app waits) and approved.
    const { token } = await device.call('issueDeviceToken');
    secrets.push(token);
    const { cursor } = await device.call('pendingValidations', { query: {} });
    const waiting = fetch(`${baseUrl}/api/authenticator/v1/validations/pending?cursor=${cursor}&waitSeconds=20`, { headers: { authorization: `Bearer ${token}` } });
    const { operation } = await portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER } });
    const delivered = (await (await waiting).json()) as { validations: { id: string }[] };
    expect(delivered.validations.map((validation) => validation.id)).toContain(operation.id);
    const transfer = (await device.call('pendingValidations', { query: {} })).validations.find((validation) => validation.id === operation.id);
    if (!transfer) throw new Error('the transfer did not reach the device');
    const decision = device.decisionBody(transfer, 'approve', null);
    secrets.push(decision.signature);
    expect(await device.call('decide', { params: { id: operation.id }, body: decision })).toMatchObject({ status: 'approved' });

    expect((await fetch(`${baseUrl}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${baseUrl}/metrics`, { headers: { authorization: `Bearer ${opsToken}` } })).text();
    expect(metrics).toContain('sa_validations_decided_total{kind="transfer",outcome="approved"} 1');
    expect(metrics).toContain('sa_codes_sent_total{purpose="activation_code",channel="sms"} 1');

    server.kill('SIGTERM');
    expect(await exited).toBe(0);

    // Every line is JSON; the requests are there, with who made them; no secret anywhere.
    const lines = output.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.some((line) => line.msg === 'shut down')).toBe(true);
    const decided = lines.find((line) => line.msg === 'request' && line.route === '/api/authenticator/v1/validations/:id/decision' && line.path === `/api/authenticator/v1/validations/${operation.id}/decision`);
    expect(decided).toMatchObject({ status: 200, deviceId: device.keyId, userId: expect.stringMatching(/^usr_/), reqId: expect.any(String), durationMs: expect.any(Number) });
    const serverSecrets = await serverSecretsOf(database.toString());
    for (const secret of [...secrets, ...serverSecrets]) {
      expect(secret.length).toBeGreaterThanOrEqual(8);
      expect(output.includes(secret), `a secret (${secret.slice(0, 3)}…) is in the log`).toBe(false);
    }
    expect(output).not.toMatch(/authorization|cookie|x-sa-signature|sat1\./i);
  }, 180_000);
});

/** The HMAC keys every instance shares (codes, device tokens), read from the database. */
async function serverSecretsOf(databaseUrl: string): Promise<string[]> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ value: string }>('SELECT value FROM server_secrets');
    return rows.map((row) => row.value);
  } finally {
    await client.end();
  }
}
