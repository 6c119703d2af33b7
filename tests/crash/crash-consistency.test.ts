/**
 * Crash consistency: the server process is killed with SIGKILL (no shutdown, nothing flushed by hand) in the middle
 * of a burst of decisions, transfers and activations, on SQLite and on PostgreSQL; a new process is started on the
 * same database. Then every decision answered 200 is recorded, none is applied twice (even when every decision is
 * sent again), no debit is half-applied (the balance is exactly the start minus the approved transfers), and every
 * device the server said was activated is active.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { routePath, type ValidationForDeviceT } from '../../protocol/index';
import { openDatabase } from '../../server/db/database';
import { PortalClient, TestDevice } from '../harness/http-client';
import { createTestDatabase } from '../harness/postgres';
import { OPS_TOKEN } from '../harness/server';
import { DATABASES, raw, signedHeaders, startServerProcess, type ServerProcess } from '../integration/server/helpers';

const TRANSFERS = 40;
const ENROLMENTS = 8;
const CRASH_TIMEOUT_MS = 240_000;

/** The newest code sent to a phone, read in the demo outbox as a person reads the SMS. */
async function latestCode(baseUrl: string, phone: string, purpose: 'security_code' | 'activation_code'): Promise<string> {
  const answer = await fetch(`${baseUrl}${routePath('devOutbox')}`);
  const { messages } = (await answer.json()) as { messages: { to: string; text: string; purpose: string }[] };
  const text = messages.find((message) => message.to === phone && message.purpose === purpose)?.text ?? '';
  const match = /:\s*([0-9](?: ?[0-9]){7})\./.exec(text);
  if (!match?.[1]) throw new Error(`no ${purpose} for ${phone}`);
  return match[1].replace(/ /g, '');
}

/** Sends a request and tells what came back: the status, or null when the connection died with the server. */
async function attempt(request: () => Promise<{ status: number }>): Promise<number | null> {
  try {
    return (await request()).status;
  } catch {
    return null;
  }
}

interface World {
  baseUrl: string;
  admin: PortalClient;
  device: TestDevice;
  validations: ValidationForDeviceT[];
  enrolments: { device: TestDevice; id: string; code: string }[];
  debitAccountId: string;
  startBalance: number;
}

/** A primary administrator with an active device, TRANSFERS transfers to approve and ENROLMENTS devices to activate. */
async function prepare(baseUrl: string): Promise<World> {
  const phone = `+3361${String(process.pid % 10000).padStart(4, '0')}${String(Date.now() % 1000).padStart(3, '0')}`;
  const created = await fetch(`${baseUrl}/api/ops/v1/subscriptions`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${OPS_TOKEN}` },
    body: JSON.stringify({ companyName: 'Crash SA', primaryAdmin: { displayName: 'Claire Durand', securityPhone: phone } }),
  });
  const { primaryAdmin, temporarySecretCode } = (await created.json()) as { primaryAdmin: { identifier: string }; temporarySecretCode: string };
  const admin = new PortalClient(baseUrl);
  await admin.call('login', { body: { identifier: primaryAdmin.identifier, secretCode: temporarySecretCode } });
  await admin.call('sendSecurityCode', { body: { channel: 'sms' } });
  await admin.call('verifySecurityCode', { body: { code: await latestCode(baseUrl, phone, 'security_code') } });
  const secretCode = 'Tresorerie2026';
  await admin.call('changeSecret', { body: { currentSecretCode: temporarySecretCode, newSecretCode: secretCode } });
  const user = { identifier: primaryAdmin.identifier, secretCode };

  const device = new TestDevice(baseUrl, Date.now);
  const enrol = async (enrolled: TestDevice, name: string) => (await enrolled.call('createEnrolment', { body: { ...user, deviceName: name, publicKey: enrolled.publicKey, platform: 'linux', appVersion: 'test' } })).enrolment.id;
  const first = await enrol(device, 'PC de Claire');
  await device.call('requestActivationCode', { params: { id: first }, body: { channel: 'sms' } }, first);
  device.keyId = (await device.call('activate', { params: { id: first }, body: { code: await latestCode(baseUrl, phone, 'activation_code') } }, first)).device.id;
  // The approval code chosen, as the app does right after activation: its approvals are then accepted.
  await device.registerApprovalKey();
  // The session that waited at the installation step passes Secure Access.
  const login = (await admin.call('startSecureAccessLogin')).loginValidation!;
  const pending = (await device.call('pendingValidations', { query: {} })).validations.find((validation) => validation.id === login.id)!;
  await device.call('decide', { params: { id: login.id }, body: device.decisionBody(pending, 'approve', login.number) });

  const { accounts } = await admin.call('accounts');
  const account = accounts.find((candidate) => candidate.name === 'Compte courant')!;
  for (let i = 0; i < TRANSFERS; i++) {
    await admin.call('createTransfer', { body: { amount: `${i + 1}.${String(i + 1).padStart(2, '0')}`, currency: 'EUR', payeeName: `Fournisseur ${i}`, iban: 'FR7630006000011234567890189', reference: `Facture ${i}`, debitAccountId: account.id } });
  }
  const validations = (await device.call('pendingValidations', { query: {} })).validations.filter((validation) => validation.kind === 'transfer');
  const enrolments: World['enrolments'] = [];
  for (let i = 0; i < ENROLMENTS; i++) {
    const further = new TestDevice(baseUrl, Date.now);
    const id = await enrol(further, `Appareil ${i}`);
    await further.call('requestActivationCode', { params: { id }, body: {} }, id);
    const code = (await admin.call('listActivations')).activations.find((activation) => activation.enrolmentId === id)?.code as string;
    enrolments.push({ device: further, id, code });
  }
  return { baseUrl, admin, device, validations, enrolments, debitAccountId: account.id, startBalance: Math.round(Number(account.balance) * 100) };
}

/** A decision, signed over the exact request, sent to this base URL (the device key does not care which process). */
async function decide(baseUrl: string, device: TestDevice, validation: ValidationForDeviceT) {
  const path = routePath('decide', { id: validation.id });
  const body = JSON.stringify(device.decisionBody(validation, 'approve', null));
  const headers = { 'content-type': 'application/json', ...(await signedHeaders(device, device.keyId as string, 'POST', path, body)) };
  return raw(baseUrl, 'POST', path, { headers, body });
}

async function activate(baseUrl: string, enrolment: World['enrolments'][number]) {
  const path = routePath('activate', { id: enrolment.id });
  const body = JSON.stringify({ code: enrolment.code });
  const headers = { 'content-type': 'application/json', ...(await signedHeaders(enrolment.device, enrolment.id, 'POST', path, body)) };
  return raw(baseUrl, 'POST', path, { headers, body });
}

describe.each(DATABASES)('a server killed during a burst (%s)', (database) => {
  const cleanups: (() => void)[] = [];
  afterAll(() => {
    for (const cleanup of cleanups) cleanup();
  });

  it('loses no answered decision or activation, applies none twice, half-applies no debit', async () => {
    let databaseUrl: string;
    if (database === 'postgres') {
      databaseUrl = await createTestDatabase('crash');
    } else {
      const dir = mkdtempSync(join(tmpdir(), 'sa-crash-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      databaseUrl = `sqlite:${join(dir, 'secure-access.db')}`;
    }
    const environment = { DATABASE_URL: databaseUrl, SA_DEMO: '1', SA_OPS_TOKEN: OPS_TOKEN };
    const first: ServerProcess = await startServerProcess(environment);
    const world = await prepare(first.baseUrl);

    // The burst: every decision, every activation and more transfers at once; the process is killed once a few
    // answers are back, while the others are still on their way or being written.
    let answered = 0;
    let killed: Promise<void> | null = null;
    const killAfter = Math.floor((TRANSFERS + ENROLMENTS) / 4);
    const counted = <T extends { status: number }>(request: () => Promise<T>) => attempt(async () => {
      const answer = await request();
      answered += 1;
      if (answered === killAfter) killed = first.kill();
      return answer;
    });
    const decisions = world.validations.map((validation) => counted(() => decide(world.baseUrl, world.device, validation)));
    const activations = world.enrolments.map((enrolment) => counted(() => activate(world.baseUrl, enrolment)));
    const transfers = Array.from({ length: 10 }, (_, i) => attempt(() => world.admin.call('createTransfer', {
      body: { amount: '1.00', currency: 'EUR', payeeName: `Pendant la panne ${i}`, iban: 'FR7630006000011234567890189', reference: '', debitAccountId: world.debitAccountId },
    }).then(() => ({ status: 201 }))));
    const decisionStatuses = await Promise.all(decisions);
    const activationStatuses = await Promise.all(activations);
    await Promise.all(transfers);
    await (killed ?? first.kill());
    expect(decisionStatuses.some((status) => status === null), 'the kill cut some requests short').toBe(true);

    // A new process on the same database; every decision sent again.
    const second = await startServerProcess(environment);
    try {
      const retried = await Promise.all(world.validations.map((validation) => decide(second.baseUrl, world.device, validation)));
      world.validations.forEach((validation, index) => {
        const before = decisionStatuses[index];
        const again = retried[index]!;
        // Answered 200 before the crash: recorded, so the same decision now is "already decided".
        if (before === 200) expect(again.json, validation.id).toMatchObject({ code: 'validation_already_decided' });
        else expect([200, 409], validation.id).toContain(again.status);
      });
    } finally {
      await second.stop();
    }

    const opened = await openDatabase(databaseUrl);
    try {
      const { db } = opened;
      const ids = world.validations.map((validation) => validation.id);
      const rows = await db.selectFrom('validations').select(['id', 'status', 'details_json']).where('id', 'in', ids).execute();
      expect(rows.every((row) => row.status === 'approved'), 'every decision recorded in the end').toBe(true);
      world.validations.forEach((validation, index) => {
        if (decisionStatuses[index] === 200) expect(rows.find((row) => row.id === validation.id)?.status).toBe('approved');
      });
      // Applied once: one decision in the audit log per validation, and the balance is exactly the sum of the debits.
      const decided = await db.selectFrom('audit_log').select('details_json').where('event', '=', 'validation_decided').execute();
      for (const id of ids) expect(decided.filter((row) => row.details_json.includes(id)), id).toHaveLength(1);
      const approvedMinor = rows.reduce((sum, row) => sum + Math.round(Number((JSON.parse(row.details_json) as { amount: string }).amount) * 100), 0);
      const account = await db.selectFrom('bank_accounts').select('balance_minor').where('id', '=', world.debitAccountId).executeTakeFirstOrThrow();
      expect(account.balance_minor).toBe(world.startBalance - approvedMinor);

      // Every device the server said it activated is active; never more than five.
      const devices = await db.selectFrom('devices').select(['enrolment_id', 'status']).where('enrolment_id', 'in', world.enrolments.map((enrolment) => enrolment.id)).execute();
      world.enrolments.forEach((enrolment, index) => {
        if (activationStatuses[index] === 200) expect(devices.find((device) => device.enrolment_id === enrolment.id)?.status, enrolment.id).toBe('active');
      });
      expect(devices.length).toBeLessThanOrEqual(4);
      const states = await db.selectFrom('enrolments').select(['id', 'state', 'device_id']).where('id', 'in', world.enrolments.map((enrolment) => enrolment.id)).execute();
      for (const state of states) expect(state.state === 'active', state.id).toBe(devices.some((device) => device.enrolment_id === state.id));
    } finally {
      await opened.close();
    }
  }, CRASH_TIMEOUT_MS);
});
