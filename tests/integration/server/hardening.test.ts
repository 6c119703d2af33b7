/**
 * Rules the guide implies beyond its numbered list: a suspension stops the user's devices too, every path to
 * an activation code is rate-limited, only the primary administrator may revoke the primary administrator's
 * devices, and a production server refuses to start without a way to reach phones.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DatabaseInUseError } from '../../../server/db/database';
import { pruneExpired } from '../../../server/services/rate-limit';
import { startTestServer, type TestServer } from '../../harness/server';
import { DATABASES, SAMPLE_TRANSFER, adminWithDevice, expectCode, secondaryWithDevice, startEnrolment, startServerProcess, userIdOf } from './helpers';

describe.each(DATABASES)('hardening around the rules (%s)', (database) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ database, limits: { codeRequestsPerAccount: 3 } });
  });
  afterAll(async () => {
    await server.close();
  });

  it("a suspended user's device can no longer wait for or decide validations", async () => {
    const { user: admin } = await adminWithDevice(server);
    const { user: secondary, device } = await secondaryWithDevice(server, admin.portal);
    await secondary.portal.call('login', { body: { identifier: secondary.identifier, secretCode: secondary.secretCode } });
    const { validations } = await device.call('pendingValidations', { query: {} });
    expect(validations.map((v) => v.kind)).toEqual(['login']);
    const users = await admin.portal.call('listUsers');
    const secondaryId = users.users.find((u) => u.identifier === secondary.identifier)!.id;
    await admin.portal.call('lockUser', { params: { id: secondaryId } });
    await expectCode(device.call('pendingValidations', { query: {} }), 'account_locked');
    await expectCode(device.call('decide', { params: { id: validations[0]!.id }, body: device.decisionBody(validations[0]!, 'approve', validations[0]!.numberChoices![0]!) }), 'account_locked');
    await admin.portal.call('unlockUser', { params: { id: secondaryId } });
    // Unlocked, the device works again and still has the login to decide: the suspension decided nothing.
    expect((await device.call('pendingValidations', { query: {} })).validations.map((v) => v.id)).toEqual([validations[0]!.id]);
  });

  it("a suspended user's pending enrolment can neither get a code nor be activated, even with a code generated before", async () => {
    const { user: admin } = await adminWithDevice(server);
    const secondary = await server.readySecondaryUser(admin.portal, 'Zoé Suspendue');
    const { device, enrolment } = await startEnrolment(server, secondary, 'PC Zoé');
    await device.call('requestActivationCode', { params: { id: enrolment.id }, body: {} }, enrolment.id);
    const { activation } = await admin.portal.call('generateActivationCode', { params: { id: enrolment.id } });
    const userId = await userIdOf(server, secondary.identifier);
    await admin.portal.call('lockUser', { params: { id: userId } });

    const refused = await expectCode(device.call('activate', { params: { id: enrolment.id }, body: { code: activation.code! } }, enrolment.id), 'account_locked');
    expect(refused.facts.lockedUntil).toBeNull();
    await expectCode(device.call('requestActivationCode', { params: { id: enrolment.id }, body: {} }, enrolment.id), 'account_locked');
    const devices = await server.server.ctx.db.selectFrom('devices').select('id').where('user_id', '=', userId).execute();
    expect(devices).toEqual([]);

    // Reinstated, the same code still works: the suspension took nothing else away.
    await admin.portal.call('unlockUser', { params: { id: userId } });
    expect((await device.call('activate', { params: { id: enrolment.id }, body: { code: activation.code! } }, enrolment.id)).device.status).toBe('active');
  });

  it("a secondary user's requests to the administrator are rate-limited like every other code request", async () => {
    const { user: admin } = await adminWithDevice(server);
    const secondary = await server.readySecondaryUser(admin.portal);
    const device = server.device();
    const { enrolment } = await device.call('createEnrolment', { body: {
      identifier: secondary.identifier, secretCode: secondary.secretCode, deviceName: 'PC Marc', publicKey: device.publicKey, platform: 'linux', appVersion: 'test',
    } });
    for (let i = 0; i < 3; i++) await device.call('requestActivationCode', { params: { id: enrolment.id }, body: {} }, enrolment.id);
    const refused = await expectCode(device.call('requestActivationCode', { params: { id: enrolment.id }, body: {} }, enrolment.id), 'rate_limited');
    // Fixed 15-minute windows: try again when the current one ends.
    const window = 15 * 60_000;
    expect(refused.facts.retryAfterSeconds).toBe(Math.ceil((window - (server.clock.now() % window)) / 1000));
  });

  it('a code request limit holds under 20 requests at once, and the pruning of old windows resets nothing current', async () => {
    const { user: admin } = await adminWithDevice(server);
    const secondary = await server.readySecondaryUser(admin.portal);
    const userId = await userIdOf(server, secondary.identifier);
    const { device, enrolment } = await startEnrolment(server, secondary, 'PC Léa');
    const ask = () => device.call('requestActivationCode', { params: { id: enrolment.id }, body: {} }, enrolment.id);
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, ask));
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(3);
    for (const outcome of outcomes) if (outcome.status === 'rejected') expect(outcome.reason).toMatchObject({ code: 'rate_limited' });

    // A window from the day before, and this one: the pruning forgets the first only.
    const db = server.server.ctx.db;
    const dayAgo = server.clock.now() - 24 * 3600_000 - 15 * 60_000;
    await db.insertInto('rate_limits').values({ bucket: `code:user:${userId}`, window_start: dayAgo, count: 7 }).execute();
    await pruneExpired(server.server.ctx);
    const windows = await db.selectFrom('rate_limits').select(['window_start', 'count']).where('bucket', '=', `code:user:${userId}`).execute();
    expect(windows).toEqual([{ window_start: Math.floor(server.clock.now() / (15 * 60_000)) * 15 * 60_000, count: 20 }]);
    await expectCode(ask(), 'rate_limited');
  });

  it("an administrator other than the primary one can neither revoke nor rename the primary administrator's devices", async () => {
    const { user: primary, device: primaryDevice } = await adminWithDevice(server);
    const created = await primary.portal.call('createUser', { body: { displayName: 'Paul Admin', role: 'admin' } });
    const adminUser = server.portal();
    await adminUser.call('login', { body: { identifier: created.user.identifier, secretCode: created.temporarySecretCode } });
    await adminUser.call('changeSecret', { body: { currentSecretCode: created.temporarySecretCode, newSecretCode: 'Adjoint2026' } });
    await server.activateDevice({ identifier: created.user.identifier, secretCode: 'Adjoint2026', securityPhone: null, portal: adminUser }, { adminPortal: primary.portal });
    await expectCode(adminUser.call('revokeDevice', { params: { id: primaryDevice.keyId! } }), 'forbidden');
    await expectCode(adminUser.call('renameDevice', { params: { id: primaryDevice.keyId! }, body: { name: 'PC de personne' } }), 'forbidden');
    const row = await server.server.ctx.db.selectFrom('devices').select('name').where('id', '=', primaryDevice.keyId!).executeTakeFirstOrThrow();
    expect(row.name).toBe('PC de Claire');
    // The primary administrator renames their own device.
    expect((await primary.portal.call('renameDevice', { params: { id: primaryDevice.keyId! }, body: { name: 'PC trésorerie' } })).device.name).toBe('PC trésorerie');
    const { operation } = await primary.portal.call('createTransfer', { body: SAMPLE_TRANSFER });
    expect((await primaryDevice.call('pendingValidations', { query: {} })).validations.map((v) => v.id)).toContain(operation.id);
  });
});

/** These tests start several server processes one after the other (each loads the TypeScript sources). */
const SERVER_PROCESSES_TIMEOUT_MS = 120_000;

describe('starting the server for production', () => {
  function runCli(env: Record<string, string>) {
    return spawnSync(process.execPath, ['--import', 'tsx', 'server/cli.ts'], { env: { ...process.env, PORT: '0', ...env }, encoding: 'utf8', timeout: 60_000 });
  }

  it('refuses to start outside demo mode without an SMS/voice provider, and says why', () => {
    const run = runCli({ SA_DEMO: '0', SA_OTP_GATEWAY_URL: '', DATABASE_URL: 'sqlite::memory:' });
    // A configuration error (ops/environment.ts): exit status 2, before anything starts.
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('SA_DEMO=0 needs an SMS/voice provider: set SA_OTP_GATEWAY_URL');
  });

  it('demo mode listens on loopback only: another address is refused unless SA_DEMO_ALLOW_REMOTE=1, and the start says which', async () => {
    for (const host of ['0.0.0.0', '::']) {
      const refused = runCli({ SA_DEMO: '1', HOST: host, DATABASE_URL: 'sqlite::memory:' });
      expect(refused.status).toBe(2);
      expect(refused.stderr.trim().split('\n')).toEqual([
        `Configuration error: demo mode listens on loopback only (HOST=127.0.0.1): its development outbox shows every SMS/voice code to whoever asks. Set SA_DEMO_ALLOW_REMOTE=1 to listen on ${host} all the same, or SA_DEMO=0 with an SMS/voice provider.`,
      ]);
    }
    const loopback = await startServerProcess({ SA_DEMO: '1', DATABASE_URL: 'sqlite::memory:' });
    try {
      await vi.waitFor(() => expect(loopback.output()).toContain('listening on loopback only (this computer)'), { timeout: 10_000 });
    } finally {
      await loopback.stop();
    }

    const open = spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts'], {
      env: { ...process.env, PORT: '0', HOST: '0.0.0.0', SA_DEMO: '1', SA_DEMO_ALLOW_REMOTE: '1', DATABASE_URL: 'sqlite::memory:', SA_HTTP_LOG: '0' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const exited = new Promise((resolve) => open.once('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('demo mode open to the network')) resolve();
      };
      open.stdout.on('data', onData);
      open.stderr.on('data', onData);
      open.once('exit', (code) => reject(new Error(`exited (${code}): ${output}`)));
    });
    open.kill('SIGTERM');
    await exited;
    expect(output).toContain('demo mode open to the network (SA_DEMO_ALLOW_REMOTE=1): anyone who reaches this server can read every SMS/voice code on the development outbox page');
  }, SERVER_PROCESSES_TIMEOUT_MS);

  it('one server per SQLite file: a second one refuses to start with one line pointing to PostgreSQL; the lock dies with the process, even killed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sa-one-instance-'));
    const file = join(dir, 'secure-access.db');
    try {
      const first = await startServerProcess({ DATABASE_URL: `sqlite:${file}`, SA_DEMO: '1' });
      const second = runCli({ DATABASE_URL: `sqlite:${file}`, SA_DEMO: '1' });
      expect(second.status).toBe(1);
      expect(second.stderr.trim().split('\n')).toEqual([
        `The server could not start: another Secure Access server is already running on the SQLite file ${file}: one server per SQLite file (it keeps state in memory); run several instances on PostgreSQL (DATABASE_URL=postgres://…)`,
      ]);
      // In one process too.
      await expect(startTestServer({ databaseUrl: `sqlite:${file}` })).rejects.toThrow(DatabaseInUseError);

      await first.kill();
      const third = await startServerProcess({ DATABASE_URL: `sqlite:${file}`, SA_DEMO: '1' });
      expect((await fetch(`${third.baseUrl}/healthz`)).status).toBe(200);
      await third.stop();
      // Closed cleanly, it lets the next one in at once as well.
      const fourth = await startTestServer({ databaseUrl: `sqlite:${file}` });
      await fourth.close({ keepData: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, SERVER_PROCESSES_TIMEOUT_MS);
});
