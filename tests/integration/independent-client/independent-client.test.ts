/**
 * The best proof that the protocol's documents are complete: a client written from them alone (client.ts: fetch
 * and node:crypto, nothing of protocol/, main/ or server/) walks "A whole story on the wire" of docs/protocol.md
 * against the real server — subscription, first connection, activation, login with number matching, a transfer
 * approved, a beneficiary rejected — and reproduces protocol/vectors.json. The server runs on a clock set to another
 * day than this machine's, so only a client that takes the server's time from the answers, as documented, can work.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPS_TOKEN, startTestServer, type TestServer } from '../../harness/server';
import {
  Device, Portal, ProtocolError, approvalKeyLines, approvalLines, canonicalJson, decisionLines, detailsHash, outboxCode, requestLines, sha256, type Json, type Validation,
} from './client';

const DATABASES = ['sqlite', 'postgres'] as const;

/** protocol/vectors.json, read as any integrator would read it: as data. */
const vectors = JSON.parse(readFileSync('protocol/vectors.json', 'utf8')) as {
  canonicalJson: { value: Json; canonicalJson: string }[];
  details: { details: Json; canonicalJson: string; detailsHash: string }[];
  messages: { canonical: string; body?: string; input: Record<string, unknown> }[];
  approvalMessages: { canonical: string; input: Record<string, unknown> }[];
};

async function refusal(promise: Promise<unknown>): Promise<ProtocolError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ProtocolError) return error;
    throw error;
  }
  throw new Error('expected an error answer');
}

describe('a client written from the documents alone', () => {
  it('reproduces every canonical JSON text, details hash and signed text of protocol/vectors.json', () => {
    for (const vector of vectors.canonicalJson) expect(canonicalJson(vector.value)).toBe(vector.canonicalJson);
    for (const vector of vectors.details) {
      expect(canonicalJson(vector.details)).toBe(vector.canonicalJson);
      expect(detailsHash(vector.details)).toBe(vector.detailsHash);
    }
    for (const message of vectors.messages) {
      const input = message.input;
      const text = message.canonical.startsWith('secure-access/v1/request\n')
        ? requestLines(input.keyId as string, input.method as string, input.path as string, input.timestamp as number, input.nonce as string, message.body as string)
        : decisionLines({
          id: input.validationId as string, nonce: input.validationNonce as string, decision: input.decision as string, detailsHash: input.detailsHash as string,
          deviceId: input.deviceId as string, decidedAt: input.decidedAt as number, numberChoice: input.numberChoice as number | null,
        });
      expect(text).toBe(message.canonical);
    }
    // The approval code's texts this client signs: an approval, and the registration of an approval key.
    const approvalTexts = vectors.approvalMessages.filter((message) => !message.canonical.startsWith('secure-access/v1/approval-key-change\n'));
    expect(approvalTexts.length).toBeGreaterThanOrEqual(3);
    for (const message of approvalTexts) {
      const input = message.input;
      const text = message.canonical.startsWith('secure-access/v1/approval-key\n')
        ? approvalKeyLines(input.deviceId as string, input.publicKey as string)
        : approvalLines({
          id: input.validationId as string, nonce: input.validationNonce as string, detailsHash: input.detailsHash as string,
          deviceId: input.deviceId as string, decidedAt: input.decidedAt as number, numberChoice: input.numberChoice as number | null,
        });
      expect(text).toBe(message.canonical);
    }
    expect(sha256('')).toBe('47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU');
  });
});

describe.each(DATABASES)('a client written from the documents alone, against the real server (%s)', (database) => {
  let server: TestServer;
  beforeAll(async () => {
    // Another day than today's: a client that signs with its own clock is refused.
    server = await startTestServer({ database, startAt: Date.UTC(2026, 10, 27, 9, 0, 0) });
  });
  afterAll(async () => {
    await server.close();
  });

  it('walks the whole story: subscription, first connection, activation, login with number matching, a transfer approved, a beneficiary rejected', async () => {
    const base = server.baseUrl;
    const phone = '+33612345678';

    // 0. The bank opens the subscription.
    const opened = await fetch(`${base}/api/ops/v1/subscriptions`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${OPS_TOKEN}` },
      body: JSON.stringify({ companyName: 'Durand Industrie SAS', primaryAdmin: { displayName: 'Claire Durand', securityPhone: phone } }),
    });
    expect(opened.status).toBe(201);
    const subscription = (await opened.json()) as { primaryAdmin: { identifier: string }; temporarySecretCode: string };
    const identifier = subscription.primaryAdmin.identifier;

    // 1. First connection: Code Sécurité, new Code Secret, then the installation step.
    const portal = new Portal(base);
    let session = (await portal.call('POST', '/api/portal/v1/session', { identifier, secretCode: subscription.temporarySecretCode })).json;
    expect(session.step).toBe('security_code');
    session = (await portal.call('POST', '/api/portal/v1/session/security-code', { channel: 'sms' })).json;
    session = (await portal.call('POST', '/api/portal/v1/session/security-code/verify', { code: await outboxCode(base, phone, 'security_code') })).json;
    expect(session.step).toBe('change_secret');
    const weak = await refusal(portal.call('POST', '/api/portal/v1/session/secret-code', { currentSecretCode: subscription.temporarySecretCode, newSecretCode: '12345678' }));
    expect(weak.body).toMatchObject({ code: 'secret_code_too_weak', field: 'newSecretCode' });
    const secretCode = 'Tresorerie2026';
    session = (await portal.call('POST', '/api/portal/v1/session/secret-code', { currentSecretCode: subscription.temporarySecretCode, newSecretCode: secretCode })).json;
    expect(session.step).toBe('install');
    const installed = portal.call('GET', `/api/portal/v1/session?knownState=${encodeURIComponent(session.stateKey as string)}&waitSeconds=25`);

    // 2. Activation: enrolment, then requests signed by the enrolment key.
    const device = new Device(base);
    const missing = await refusal(device.call('POST', '/api/authenticator/v1/enrolments', { auth: 'none', body: { identifier, secretCode, deviceName: 'PC de Claire', publicKey: device.publicKey, platform: 'linux' } }));
    expect(missing.body).toMatchObject({ code: 'bad_request', field: 'appVersion' });
    const enrolled = await device.call('POST', '/api/authenticator/v1/enrolments', {
      auth: 'none', body: { identifier, secretCode, deviceName: 'PC de Claire', publicKey: device.publicKey, platform: 'linux', appVersion: '1.0.0' },
    });
    expect(enrolled.status).toBe(201);
    const enrolment = enrolled.json.enrolment as { id: string; state: string; codeDelivery: string };
    expect(enrolment).toMatchObject({ state: 'awaiting_code_request', codeDelivery: 'security_phone' });
    device.keyId = enrolment.id;
    const requested = await device.call('POST', `/api/authenticator/v1/enrolments/${enrolment.id}/code`, { auth: 'signed', body: { channel: 'sms' } });
    expect((requested.json.enrolment as { state: string }).state).toBe('code_sent');
    const activated = await device.call('POST', `/api/authenticator/v1/enrolments/${enrolment.id}/activate`, {
      auth: 'signed', body: { code: await outboxCode(base, phone, 'activation_code') },
    });
    expect((activated.json.enrolment as { state: string }).state).toBe('active');
    device.keyId = (activated.json.device as { id: string }).id;
    // The approval code chosen: its key registered once, with the device key.
    expect((await device.registerApprovalKey()).json.device).toMatchObject({ id: device.keyId, status: 'active' });

    // 3. The waiting session moves to secure_access (never straight to authenticated: it was opened with the Code
    // Secret alone) and asks for its login validation; the device buys its token, finds it and approves it.
    const waited = (await installed).json;
    expect(waited).toMatchObject({ step: 'secure_access', loginValidation: null });
    session = (await portal.call('POST', '/api/portal/v1/session/secure-access')).json;
    const firstLogin = session.loginValidation as { id: string; number: number; status: string };
    expect(firstLogin.status).toBe('pending');
    const first = await device.pending();
    expect(first.validations.map((validation) => validation.id)).toEqual([firstLogin.id]);
    expect((await device.decide(first.validations[0] as Validation, 'approve', firstLogin.number)).json).toMatchObject({ status: 'approved' });
    expect((await portal.call('GET', '/api/portal/v1/session')).json.step).toBe('authenticated');
    const settled = await device.pending(first.cursor);
    expect(settled.validations).toEqual([]);

    // 4. Logging in again, with number matching.
    const waitingForLogin = device.pending(settled.cursor, 25);
    await portal.call('DELETE', '/api/portal/v1/session');
    const again = new Portal(base);
    session = (await again.call('POST', '/api/portal/v1/session', { identifier, secretCode })).json;
    expect(session.step).toBe('secure_access');
    const shown = (session.loginValidation as { id: string; number: number }).number;
    const approvedLogin = again.call('GET', `/api/portal/v1/session?knownState=${encodeURIComponent(session.stateKey as string)}&waitSeconds=25`);
    const delivered = await waitingForLogin;
    expect(delivered.cursor).not.toBe(settled.cursor);
    const login = delivered.validations.find((validation) => validation.kind === 'login') as Validation;
    expect(login.id).toBe((session.loginValidation as { id: string }).id);
    expect(login.numberChoices).toContain(shown);
    // A rejection carries no number; the number belongs to the approval.
    expect((await refusal(device.decide(login, 'reject', shown))).body).toMatchObject({ code: 'bad_request', field: 'numberChoice' });
    expect((await device.decide(login, 'approve', shown)).json).toMatchObject({ id: login.id, status: 'approved' });
    expect((await approvedLogin).json).toMatchObject({ step: 'authenticated', loginValidation: { status: 'approved' } });

    // After its own decision, the device's next poll (same cursor) answers with a moved cursor and nothing new.
    const afterDecision = await device.pending(delivered.cursor, 25);
    expect(afterDecision.cursor).not.toBe(delivered.cursor);
    expect(afterDecision.validations).toEqual([]);

    // 5. A transfer, typed with a spaced lower-case IBAN and a whole amount: the device hashes what it receives.
    const { accounts } = (await again.call('GET', '/api/portal/v1/accounts')).json as { accounts: { id: string; iban: string }[] };
    const debit = accounts[accounts.length - 1] as { id: string; iban: string };
    const sent = { amount: '1500', currency: 'EUR', payeeName: 'Fournitures Martin', iban: 'fr76 3000 6000 0112 3456 7890 189', reference: 'Facture 118', debitAccountId: debit.id };
    const created = await again.call('POST', '/api/portal/v1/operations/transfers', sent);
    expect(created.status).toBe(201);
    const operation = created.json.operation as { id: string; status: string; details: { [key: string]: Json } };
    expect(operation.status).toBe('pending');
    expect(operation.details).toMatchObject({ type: 'transfer', amount: '1500.00', iban: 'FR7630006000011234567890189', debitAccountIban: debit.iban });
    const decidedInPortal = again.call('GET', `/api/portal/v1/operations/${operation.id}?knownStatus=pending&waitSeconds=25`);
    const transfer = (await device.pending(afterDecision.cursor, 25)).validations.find((validation) => validation.id === operation.id) as Validation;
    expect(transfer.numberChoices).toBeNull();
    expect(transfer.details).toEqual(operation.details);
    expect(detailsHash(transfer.details)).toBe(transfer.detailsHash);
    const { debitAccountId: _byId, ...typed } = sent;
    expect(detailsHash({ type: 'transfer', channel: 'portal', ...typed, requestedAt: transfer.details.requestedAt as string })).not.toBe(transfer.detailsHash);
    expect((await refusal(device.decide(transfer, 'approve', 47))).body).toMatchObject({ code: 'bad_request', field: 'numberChoice' });
    expect((await device.decide(transfer, 'approve', null)).json).toMatchObject({ id: operation.id, status: 'approved' });
    expect((await decidedInPortal).json.operation).toMatchObject({ id: operation.id, status: 'approved', decidedByDevice: 'PC de Claire' });

    // 6. A new beneficiary, rejected ("-" in place of the number). A second later, so "newest first" has a meaning.
    server.clock.advance(1000);
    const beneficiary = (await again.call('POST', '/api/portal/v1/operations/beneficiaries', { name: 'Imprimerie Roux', iban: 'DE89 3704 0044 0532 0130 00' })).json.operation as { id: string };
    const listed = await device.pending();
    const toReject = listed.validations.find((validation) => validation.id === beneficiary.id) as Validation;
    expect((await device.decide(toReject, 'reject', null)).json).toMatchObject({ status: 'rejected' });
    const { operations } = (await again.call('GET', '/api/portal/v1/operations')).json as { operations: { id: string; status: string }[] };
    expect(operations.map((entry) => [entry.id, entry.status])).toEqual([[beneficiary.id, 'rejected'], [operation.id, 'approved']]);
  });

  it("signs with the server's clock, not its own: a request timed by this machine's clock is refused", async () => {
    const admin = await server.readyPrimaryAdmin({ securityPhone: '+33698765432' });
    const device = new Device(server.baseUrl);
    const { json } = await device.call('POST', '/api/authenticator/v1/enrolments', {
      auth: 'none', body: { identifier: admin.identifier, secretCode: admin.secretCode, deviceName: 'Portable', publicKey: device.publicKey, platform: 'mac', appVersion: '1.0.0' },
    });
    device.keyId = (json.enrolment as { id: string }).id;
    const path = `/api/authenticator/v1/enrolments/${device.keyId}`;
    // This machine's clock is days away from the server's: refused, as protocol.md says.
    const timestamp = Date.now();
    expect(Math.abs(timestamp - server.clock.now())).toBeGreaterThan(60_000);
    const nonce = 'bG9jYWwtY2xvY2stbm9uY2U';
    const answer = await fetch(server.baseUrl + path, {
      headers: { 'x-sa-key-id': device.keyId, 'x-sa-timestamp': String(timestamp), 'x-sa-nonce': nonce, 'x-sa-signature': device.signText(requestLines(device.keyId, 'GET', path, timestamp, nonce, '')) },
    });
    expect(answer.status).toBe(401);
    expect(((await answer.json()) as { code: string }).code).toBe('auth_timestamp_out_of_window');
    // The same request timed by the server's clock, learnt from the Date header, goes through.
    expect((await device.call('GET', path, { auth: 'signed' })).json.enrolment).toMatchObject({ id: device.keyId, state: 'awaiting_code_request' });
  });
});
