/**
 * What a treasurer sees before approving, as the bank records it: Verification of Payee (match, close match with
 * the registered name, no match, unavailable) made when the operation is entered and signed with it; the user, the
 * company, who entered it, the debit account's name, the payee's country and the execution date; and how a request
 * ended, for "already approved on « PC Trésorerie » at 11:50". On both databases.
 */
import { createServer as createHttpServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detailsHash, type CanonicalValue, type TransferDetailsT } from '../../../protocol/index';
import { freePort } from '../../harness/postgres';
import { startTestServer, type TestServer } from '../../harness/server';
import { DATABASES, MINUTE, SAMPLE_TRANSFER, adminWithDevice, expectCode, pendingValidation, raw, secondaryWithDevice } from './helpers';

const MARTIN_IBAN = 'FR7630006000011234567890189'; // Fournitures Martin SA, in the demo directory of other banks
const UNKNOWN_BANK_IBAN = 'GB29NWBK60161331926819';

/** The bank's Verification of Payee gateway, as a real scheme would sit behind it: answers what it is told to. */
class FakeVopGateway {
  readonly received: { headers: IncomingHttpHeaders; body: { iban?: string; name?: string } }[] = [];
  answer: { status: number; body: string } | 'hang' = { status: 200, body: '{"result":"match"}' };
  private constructor(private readonly http: Server, readonly url: string) {}

  static async start(): Promise<FakeVopGateway> {
    const http = createHttpServer();
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const gateway = new FakeVopGateway(http, `http://127.0.0.1:${(http.address() as AddressInfo).port}/vop/v1/checks`);
    http.on('request', (request, response) => {
      let text = '';
      request.on('data', (chunk: Buffer) => (text += chunk.toString()));
      request.on('end', () => {
        gateway.received.push({ headers: request.headers, body: JSON.parse(text || '{}') as { iban?: string; name?: string } });
        if (gateway.answer === 'hang') return;
        response.writeHead(gateway.answer.status, { 'content-type': 'application/json' }).end(gateway.answer.body);
      });
    });
    return gateway;
  }

  async close(): Promise<void> {
    this.http.closeAllConnections();
    await new Promise((resolve) => this.http.close(resolve));
  }
}

describe.each(DATABASES)('Verification of Payee and the signed facts (%s)', (database) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ database, limits: { codeRequestsPerIp: 1000 } });
  });
  afterAll(async () => {
    await server.close();
  });

  it('the portal checks a payee before sending: match, close match with the registered name, no match, unavailable', async () => {
    const { user: admin } = await adminWithDevice(server);
    const check = (name: string, iban: string) => admin.portal.call('checkPayee', { body: { name, iban } });
    expect(await check('fournitures martin', 'FR76 3000 6000 0112 3456 7890 189')).toEqual({ check: { result: 'match', registeredName: null }, payeeCountry: 'FR' });
    expect(await check('Fournitures Martn', MARTIN_IBAN)).toEqual({ check: { result: 'close_match', registeredName: 'Fournitures Martin SA' }, payeeCountry: 'FR' });
    expect(await check('Société Inconnue', MARTIN_IBAN)).toEqual({ check: { result: 'no_match', registeredName: null }, payeeCountry: 'FR' });
    expect(await check('Anyone Ltd', UNKNOWN_BANK_IBAN)).toEqual({ check: { result: 'unavailable', registeredName: null }, payeeCountry: 'GB' });
    // The bank answers for its own accounts at home: their holder is the company.
    const other = await server.readyPrimaryAdmin({ companyName: 'Moulins Garnier SAS' });
    await server.activateDevice(other);
    const [garnierAccount] = (await other.portal.call('accounts')).accounts;
    expect(await check('Moulins Garnier', garnierAccount!.iban)).toEqual({ check: { result: 'match', registeredName: null }, payeeCountry: 'FR' });
    expect(await check('Moulin Garnier', garnierAccount!.iban)).toEqual({ check: { result: 'close_match', registeredName: 'Moulins Garnier SAS' }, payeeCountry: 'FR' });

    const invalid = await expectCode(check('Fournitures Martin', 'FR7630006000011234567890188'), 'invalid_iban');
    expect(invalid.facts.field).toBe('iban');
    await expectCode(check('', MARTIN_IBAN), 'bad_request');
    await expectCode(check('   ', MARTIN_IBAN), 'bad_request');
    // Only a person in their Espace Client may ask.
    const anonymous = await raw(server.baseUrl, 'POST', '/api/portal/v1/payee-check', {
      headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Fournitures Martin', iban: MARTIN_IBAN }),
    });
    expect(anonymous.json).toMatchObject({ code: 'session_required' });
  });

  it('a transfer records the check and every fact shown before approving, and they are what the device signs', async () => {
    const { user: admin, device } = await adminWithDevice(server);
    const { accounts } = await admin.portal.call('accounts');
    const { operation } = await admin.portal.call('createTransfer', {
      body: { ...SAMPLE_TRANSFER, payeeName: 'Société Inconnue', iban: MARTIN_IBAN, debitAccountId: accounts[0]!.id, executionDate: '2026-12-04' },
    });
    const validation = await pendingValidation(device, operation.id);
    const details = validation.details as TransferDetailsT;
    expect(details).toMatchObject({
      userDisplayName: 'Claire Durand', companyName: 'Durand Industrie SAS', initiatorDisplayName: 'Claire Durand', payeeName: 'Société Inconnue',
      payeeCountry: 'FR', payeeCheck: { result: 'no_match', registeredName: null }, debitAccountName: accounts[0]!.name,
      debitAccountIban: accounts[0]!.iban, executionDate: '2026-12-04',
    });
    expect(validation.detailsHash).toBe(detailsHash(details as unknown as CanonicalValue));
    // A decision signed over other facts (the check said to read "match") is refused: what is shown is what is signed.
    const forged = { ...details, payeeCheck: { result: 'match', registeredName: null } } as TransferDetailsT;
    const forgedHash = detailsHash(forged as unknown as CanonicalValue);
    expect(forgedHash).not.toBe(validation.detailsHash);
    await expectCode(device.call('decide', { params: { id: operation.id }, body: device.decisionBody(validation, 'approve', null, forgedHash) }), 'details_mismatch');
    // The portal shows the same facts.
    expect(operation.details).toEqual(details);
  });

  it('a new beneficiary records the check and the country; a close match carries the name the payee bank holds', async () => {
    const { user: admin, device } = await adminWithDevice(server);
    const { operation } = await admin.portal.call('createBeneficiary', { body: { name: 'Maschinenbau Keler', iban: 'DE89 3704 0044 0532 0130 00' } });
    const validation = await pendingValidation(device, operation.id);
    expect(validation.details).toMatchObject({
      type: 'beneficiary', userDisplayName: 'Claire Durand', initiatorDisplayName: 'Claire Durand', name: 'Maschinenbau Keler', payeeCountry: 'DE',
      payeeCheck: { result: 'close_match', registeredName: 'Maschinenbau Keller GmbH' },
    });
  });

  it('a login shows, and signs, who it is for', async () => {
    const { user: admin, device } = await adminWithDevice(server);
    const portal = server.portal();
    const session = await portal.call('login', { body: { identifier: admin.identifier, secretCode: admin.secretCode } });
    const validation = await pendingValidation(device, session.loginValidation!.id);
    expect(validation.details).toMatchObject({ type: 'login', userDisplayName: 'Claire Durand', companyName: 'Durand Industrie SAS' });
  });

  it('the execution date is today by default (in the bank’s time zone), a later day up to a year ahead, never past', async () => {
    // 23:57 in Paris on 27 November is 22:57 UTC.
    const late = await startTestServer({ database, startAt: Date.UTC(2026, 10, 27, 22, 57) });
    try {
      const { user: admin } = await adminWithDevice(late);
      const today = await admin.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER } });
      expect(today.operation.details).toMatchObject({ executionDate: '2026-11-27' });
      late.clock.advance(4 * MINUTE);
      const tomorrow = await admin.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER } });
      expect(tomorrow.operation.details).toMatchObject({ executionDate: '2026-11-28' });
      const later = await admin.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER, executionDate: '2027-11-28' } });
      expect(later.operation.details).toMatchObject({ executionDate: '2027-11-28' });
      // Today, chosen rather than left out, is the bank's today too.
      const chosenToday = await admin.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER, executionDate: '2026-11-28' } });
      expect(chosenToday.operation.details).toMatchObject({ executionDate: '2026-11-28' });

      for (const executionDate of ['2026-11-27', '2025-01-01', '2027-11-29', '2027-02-29', '2026-11-31']) {
        const error = await expectCode(admin.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER, executionDate } }), 'invalid_execution_date')
          .catch((cause: unknown) => {
            throw new Error(`${executionDate}: ${String(cause)}`);
          });
        expect(error.facts.field).toBe('executionDate');
      }
      for (const executionDate of ['28/11/2026', '2026-13-01', '2026-11-28T10:00:00Z', '']) {
        await expectCode(admin.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER, executionDate } }), 'bad_request');
      }
    } finally {
      await late.close();
    }
  });

  it('payee checks are limited per user, counted atomically: a burst gets exactly the allowance', async () => {
    const limited = await startTestServer({ database, limits: { payeeChecksPerUser: 5, payeeCheckWindowSeconds: 600 } });
    try {
      const { user: admin } = await adminWithDevice(limited);
      const answers = await Promise.allSettled(
        Array.from({ length: 12 }, (_, index) => admin.portal.call('checkPayee', { body: { name: index % 2 ? 'Fournitures Martin' : 'Société Inconnue', iban: MARTIN_IBAN } })),
      );
      expect(answers.filter((answer) => answer.status === 'fulfilled')).toHaveLength(5);
      const refused = answers.filter((answer): answer is PromiseRejectedResult => answer.status === 'rejected');
      expect(refused).toHaveLength(7);
      for (const answer of refused) expect(answer.reason).toMatchObject({ code: 'rate_limited' });
      // Another user of the same company has their own allowance.
      const { user: colleague } = await secondaryWithDevice(limited, admin.portal);
      expect((await colleague.portal.call('checkPayee', { body: { name: 'Fournitures Martin', iban: MARTIN_IBAN } })).check.result).toBe('match');
      // The next window, ten minutes on (the session kept alive meanwhile, as a person on the page does).
      for (let step = 0; step < 3; step++) {
        limited.clock.advance(4 * MINUTE);
        await admin.portal.call('accounts');
      }
      expect((await admin.portal.call('checkPayee', { body: { name: 'Fournitures Martin', iban: MARTIN_IBAN } })).check.result).toBe('match');
    } finally {
      await limited.close();
    }
  });

  it('how a request ended: the other device learns the status, the time and the device that decided', async () => {
    const { user: admin, device } = await adminWithDevice(server, 'PC Trésorerie');
    const phone = await server.activateDevice(admin, { deviceName: 'Téléphone de Claire' });
    const { operation } = await admin.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER } });
    expect(await phone.call('validationOutcome', { params: { id: operation.id } })).toEqual({ id: operation.id, status: 'pending', decidedAt: null, decidedByDevice: null });
    const validation = await pendingValidation(device, operation.id);
    const decided = await device.call('decide', { params: { id: operation.id }, body: device.decisionBody(validation, 'reject', null) });
    expect(await phone.call('validationOutcome', { params: { id: operation.id } })).toEqual({
      id: operation.id, status: 'rejected', decidedAt: decided.decidedAt, decidedByDevice: { id: device.keyId, name: 'PC Trésorerie' },
    });
    const expiring = await admin.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER } });
    server.clock.advance(5 * MINUTE);
    expect(await phone.call('validationOutcome', { params: { id: expiring.operation.id } })).toMatchObject({ status: 'expired', decidedByDevice: null });
    // Nobody else's requests.
    const { device: colleagueDevice } = await secondaryWithDevice(server, admin.portal, 'Julie Martin');
    await expectCode(colleagueDevice.call('validationOutcome', { params: { id: operation.id } }), 'validation_not_found');
  });

  it('an operation stored before the signed facts still shows in the history, and never reaches a device', async () => {
    const { user: admin, device } = await adminWithDevice(server);
    const { operation } = await admin.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER } });
    const legacy = {
      type: 'transfer', channel: 'portal', amount: '12345.67', currency: 'EUR', payeeName: 'Fournitures Martin', iban: MARTIN_IBAN, reference: 'Facture 118',
      debitAccountIban: (operation.details as TransferDetailsT).debitAccountIban, requestedAt: operation.createdAt,
    };
    await server.server.ctx.db.updateTable('validations').set({ details_json: JSON.stringify(legacy), details_hash: detailsHash(legacy) })
      .where('id', '=', operation.id).execute();
    // As a server restarted on an older database would: nothing of this user's is known in memory.
    server.server.ctx.notifier.heard(admin.portal.session!.holder.userId, null);
    const { operations } = await admin.portal.call('operations');
    expect(operations.find((candidate) => candidate.id === operation.id)?.details).toMatchObject({
      ...legacy, userDisplayName: 'Claire Durand', initiatorDisplayName: 'Claire Durand', payeeCountry: 'FR',
      payeeCheck: { result: 'unavailable', registeredName: null }, executionDate: operation.createdAt.slice(0, 10),
    });
    expect((await device.call('pendingValidations', { query: {} })).validations.map((validation) => validation.id)).not.toContain(operation.id);

    // A new beneficiary of then: the same facts, and none of a transfer's.
    const { operation: beneficiary } = await admin.portal.call('createBeneficiary', { body: { name: 'Fournitures Martin', iban: MARTIN_IBAN } });
    const legacyBeneficiary = { type: 'beneficiary', channel: 'portal', name: 'Fournitures Martin', iban: MARTIN_IBAN, requestedAt: beneficiary.createdAt };
    // And a transfer stored before debit accounts: no account to name.
    await server.server.ctx.db.updateTable('validations').set({ debit_account_id: null }).where('id', '=', operation.id).execute();
    await server.server.ctx.db.updateTable('validations').set({ details_json: JSON.stringify(legacyBeneficiary), details_hash: detailsHash(legacyBeneficiary) })
      .where('id', '=', beneficiary.id).execute();
    const history = (await admin.portal.call('operations')).operations;
    expect(history.find((candidate) => candidate.id === beneficiary.id)?.details).toEqual({
      ...legacyBeneficiary, userDisplayName: 'Claire Durand', companyName: 'Durand Industrie SAS', initiatorDisplayName: 'Claire Durand', payeeCountry: 'FR',
      payeeCheck: { result: 'unavailable', registeredName: null },
    });
    expect(history.find((candidate) => candidate.id === operation.id)?.details).toMatchObject({ debitAccountName: '' });
  });
});

describe.each(DATABASES)("Verification of Payee through the bank's scheme gateway (%s)", (database) => {
  let gateway: FakeVopGateway;
  let server: TestServer;
  beforeAll(async () => {
    gateway = await FakeVopGateway.start();
    server = await startTestServer({ database, vopGateway: { url: gateway.url, token: 'vop-secret', timeoutMs: 500 } });
  });
  afterAll(async () => {
    await server.close();
    await gateway.close();
  });

  it("asks the gateway for other banks' IBANs with its bearer token, and takes a well-formed answer", async () => {
    const { user: admin } = await adminWithDevice(server);
    gateway.answer = { status: 200, body: JSON.stringify({ result: 'close_match', registeredName: 'Keller Maschinenbau GmbH' }) };
    const answer = await admin.portal.call('checkPayee', { body: { name: 'Maschinenbau Keller', iban: 'DE89370400440532013000' } });
    expect(answer.check).toEqual({ result: 'close_match', registeredName: 'Keller Maschinenbau GmbH' });
    expect(gateway.received.at(-1)).toMatchObject({ headers: { authorization: 'Bearer vop-secret' }, body: { iban: 'DE89370400440532013000', name: 'Maschinenbau Keller' } });
    // The demo directory is not asked once a gateway is configured.
    gateway.answer = { status: 200, body: '{"result":"no_match"}' };
    expect((await admin.portal.call('checkPayee', { body: { name: 'Fournitures Martin', iban: MARTIN_IBAN } })).check.result).toBe('no_match');
  });

  it("answers for the bank's own accounts without asking the gateway", async () => {
    const { user: admin } = await adminWithDevice(server);
    const [own] = (await admin.portal.call('accounts')).accounts;
    const asked = gateway.received.length;
    expect((await admin.portal.call('checkPayee', { body: { name: 'Durand Industrie', iban: own!.iban } })).check.result).toBe('match');
    expect(gateway.received).toHaveLength(asked);
  });

  it('says "unavailable", never "match", when the gateway fails, hangs or talks nonsense; the transfer can still be entered', async () => {
    const { user: admin } = await adminWithDevice(server);
    for (const answer of [{ status: 503, body: '{}' }, { status: 200, body: 'not json' }, { status: 200, body: '{"result":"yes"}' }, 'hang'] as const) {
      gateway.answer = answer;
      const { check } = await admin.portal.call('checkPayee', { body: { name: 'Maschinenbau Keller', iban: 'DE89370400440532013000' } });
      expect(check, JSON.stringify(answer)).toEqual({ result: 'unavailable', registeredName: null });
    }
    const { operation } = await admin.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER, iban: 'DE89370400440532013000' } });
    expect(operation.details).toMatchObject({ payeeCountry: 'DE', payeeCheck: { result: 'unavailable', registeredName: null } });
  });

  it('an unreachable gateway is unavailable too', async () => {
    const unreachable = await startTestServer({ database, vopGateway: { url: `http://127.0.0.1:${await freePort()}/vop`, timeoutMs: 500 } });
    try {
      const { user: admin } = await adminWithDevice(unreachable);
      expect((await admin.portal.call('checkPayee', { body: { name: 'Fournitures Martin', iban: MARTIN_IBAN } })).check.result).toBe('unavailable');
    } finally {
      await unreachable.close();
    }
  });
});
