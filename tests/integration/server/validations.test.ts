/**
 * Validations (rules 15 and 18): logins and operations with their details and expiry, and the signed decision
 * recorded once — what the user saw is what is signed, and the portal sees approved, rejected or expired.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  REQUEST_TIME_WINDOW_MS, ROUTES, decisionSigningBytes, detailsHash, routePath, signMessage, toBase64Url, type CanonicalValue, type TransferDetailsT,
  type ValidationForDeviceT,
} from '../../../protocol/index';
import { verifyEd25519 } from '../../../server/crypto';
import type { PortalClient, TestDevice } from '../../harness/http-client';
import { startTestServer, type TestServer } from '../../harness/server';
import {
  DATABASES, MINUTE, PAYEE_IBAN, SAMPLE_TRANSFER, adminWithDevice, expectCode, nextWaiter, pendingValidation, raw, rawPortalSession, secondaryWithDevice,
  sessionHeaders, signedHeaders, HOLD_SECONDS, wokenBy,
} from './helpers';

describe.each(DATABASES)('validations (%s)', (database) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ database, limits: { codeRequestsPerIp: 1000 } });
  });
  afterAll(async () => {
    await server.close();
  });

  async function transferFor(portal: PortalClient, device: TestDevice, body: Record<string, unknown> = {}) {
    const { operation } = await portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER, ...body } });
    return { operation, validation: await pendingValidation(device, operation.id) };
  }

  it('rule 15: a login validation expires after 2 minutes', async () => {
    const { user: admin, device } = await adminWithDevice(server);
    const portal = server.portal();
    const session = await portal.call('login', { body: { identifier: admin.identifier, secretCode: admin.secretCode } });
    const login = session.loginValidation!;
    expect(Date.parse(login.expiresAt) - server.clock.now()).toBe(2 * MINUTE);
    const validation = await pendingValidation(device, login.id);

    server.clock.advance(2 * MINUTE - 1000);
    expect((await device.call('pendingValidations', { query: {} })).validations.map((v) => v.id)).toContain(login.id);
    server.clock.advance(1000);
    expect((await device.call('pendingValidations', { query: {} })).validations.map((v) => v.id)).not.toContain(login.id);
    const after = await portal.call('getSession');
    expect(after).toMatchObject({ step: 'secure_access', loginValidation: { status: 'expired' } });
    await expectCode(device.call('decide', { params: { id: login.id }, body: device.decisionBody(validation, 'approve', login.number) }), 'validation_expired');
    expect((await portal.call('getSession')).loginValidation?.status).toBe('expired');
  });

  it('rule 15: an operation expires after 5 minutes', async () => {
    const { user: admin, device } = await adminWithDevice(server);
    const { operation, validation } = await transferFor(admin.portal, device);
    expect(Date.parse(operation.expiresAt) - Date.parse(operation.createdAt)).toBe(5 * MINUTE);
    expect(validation.expiresAt).toBe(operation.expiresAt);

    server.clock.advance(5 * MINUTE - 1000);
    expect((await device.call('pendingValidations', { query: {} })).validations.map((v) => v.id)).toEqual([operation.id]);
    // The portal session would have idled out in 5 minutes: keep it alive, as a person on the page would.
    expect((await admin.portal.call('getOperation', { params: { id: operation.id } })).operation.status).toBe('pending');
    server.clock.advance(1000);
    expect((await device.call('pendingValidations', { query: {} })).validations).toEqual([]);
    expect((await admin.portal.call('getOperation', { params: { id: operation.id } })).operation.status).toBe('expired');
    await expectCode(device.call('decide', { params: { id: operation.id }, body: device.decisionBody(validation, 'approve', null) }), 'validation_expired');
  });

  it('rule 15: a transfer carries amount, currency, payee name, IBAN and reference, and each is required', async () => {
    const { user: admin, device } = await adminWithDevice(server);
    for (const missing of ['amount', 'currency', 'payeeName', 'iban', 'reference'] as const) {
      const { [missing]: _left, ...body } = SAMPLE_TRANSFER;
      const error = await expectCode(admin.portal.call('createTransfer', { body }), 'bad_request');
      expect(error.message).toContain(missing);
    }
    await expectCode(admin.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER, currency: 'XAU' } }), 'bad_request');
    await expectCode(admin.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER, payeeName: '' } }), 'bad_request');
    await expectCode(admin.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER, payeeName: '   ' } }), 'bad_request');
    await expectCode(admin.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER, reference: 'ligne 1\nligne 2' } }), 'bad_request');
    await expectCode(admin.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER, debitAccountId: 'acc_autreSociete000000' } }), 'bad_request');
    expect((await device.call('pendingValidations', { query: {} })).validations).toEqual([]);

    const { accounts } = await admin.portal.call('accounts');
    const { operation, validation } = await transferFor(admin.portal, device, { payeeName: '  Fournitures Martin ', iban: 'fr76 3000 6000 0112 3456 7890 189', debitAccountId: accounts[1]!.id });
    expect(operation).toMatchObject({ kind: 'transfer', status: 'pending', createdBy: admin.identifier, decidedAt: null, decidedByDevice: null });
    expect(validation.details).toEqual({
      type: 'transfer', channel: 'portal', userDisplayName: 'Claire Durand', companyName: admin.portal.session!.holder.companyName,
      initiatorDisplayName: 'Claire Durand', amount: '12345.67', currency: 'EUR', payeeName: 'Fournitures Martin', iban: 'FR7630006000011234567890189',
      payeeCountry: 'FR', payeeCheck: { result: 'match', registeredName: null }, reference: 'Facture 118', debitAccountName: accounts[1]!.name,
      debitAccountIban: accounts[1]!.iban, executionDate: new Date(server.clock.now()).toISOString().slice(0, 10),
      requestedAt: new Date(server.clock.now()).toISOString(),
    });
    expect(validation.detailsHash).toBe(detailsHash(validation.details as unknown as CanonicalValue));
    expect(validation.numberChoices).toBeNull();
    expect(operation.details).toEqual(validation.details);
  });

  it('rule 15: a new beneficiary needs a name and a valid IBAN', async () => {
    const { user: admin, device } = await adminWithDevice(server);
    await expectCode(admin.portal.call('createBeneficiary', { body: { iban: PAYEE_IBAN } }), 'bad_request');
    await expectCode(admin.portal.call('createBeneficiary', { body: { name: 'Imprimerie Roux' } }), 'bad_request');
    await expectCode(admin.portal.call('createBeneficiary', { body: { name: ' ', iban: PAYEE_IBAN } }), 'bad_request');
    const invalid = await expectCode(admin.portal.call('createBeneficiary', { body: { name: 'Imprimerie Roux', iban: 'FR7630006000011234567890188' } }), 'invalid_iban');
    expect(invalid.facts.field).toBe('iban');
    const { operation } = await admin.portal.call('createBeneficiary', { body: { name: 'Imprimerie Roux', iban: 'DE89 3704 0044 0532 0130 00' } });
    const validation = await pendingValidation(device, operation.id);
    expect(validation).toMatchObject({
      kind: 'beneficiary',
      details: {
        type: 'beneficiary', channel: 'portal', initiatorDisplayName: 'Claire Durand', name: 'Imprimerie Roux', iban: 'DE89370400440532013000', payeeCountry: 'DE',
        payeeCheck: { result: 'no_match', registeredName: null },
      },
    });
  });

  it('rule 15: absurd amounts are refused (invalid_amount or bad_request)', async () => {
    const { user: admin, device } = await adminWithDevice(server);
    for (const amount of ['0', '0.00', '0.0', '1000000000.01', '9999999999', '9999999999.99']) {
      const error = await expectCode(admin.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER, amount } }), 'invalid_amount').catch((cause: unknown) => {
        throw new Error(`${amount}: ${String(cause)}`);
      });
      expect(error.facts.field).toBe('amount');
    }
    for (const amount of ['1.234', '-5', '1e3', ' 5', '5,00', '', '00.5', '+5', '12345678901', 'NaN', 'Infinity', '٣']) {
      await expectCode(admin.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER, amount } }), 'bad_request').catch((cause: unknown) => {
        throw new Error(`"${amount}": ${String(cause)}`);
      });
    }
    // Numbers instead of decimal strings, including one JSON.parse turns into Infinity.
    const session = await rawPortalSession(server, admin, device);
    for (const amount of ['1e400', '12.5', '-0', '1e-400', '100']) {
      const body = JSON.stringify({ ...SAMPLE_TRANSFER, amount: '__AMOUNT__' }).replace('"__AMOUNT__"', amount);
      const answer = await raw(server.baseUrl, 'POST', ROUTES.createTransfer.path, {
        headers: { 'content-type': 'application/json', ...sessionHeaders(session) },
        body,
      });
      expect(answer.status, amount).toBe(400);
      expect(answer.json).toMatchObject({ code: 'bad_request' });
    }
    expect((await device.call('pendingValidations', { query: {} })).validations).toEqual([]);
    // The bounds themselves are valid amounts: the smallest goes through, the largest is more than the account holds.
    const { operation } = await admin.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER, amount: '0.01' } });
    expect(operation.details.type === 'transfer' && operation.details.amount).toBe('0.01');
    for (const amount of ['1000000000.00', '1000000000']) {
      expect((await expectCode(admin.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER, amount } }), 'insufficient_funds')).facts.field).toBe('amount');
    }
  });

  it('the reference bank: no transfer beyond the available balance, none in another currency than the debited account’s, and an approval never overdraws', async () => {
    const { user: admin, device } = await adminWithDevice(server);
    const { accounts } = await admin.portal.call('accounts');
    const account = accounts.find((candidate) => candidate.name === 'Compte courant')!;
    const balance = account.balance;
    const over = `${(Number(balance.replace('.', '')) + 1) / 100}`;
    expect((await expectCode(admin.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER, amount: over, debitAccountId: account.id } }), 'insufficient_funds')).facts.field).toBe('amount');
    for (const currency of ['USD', 'GBP', 'CHF'] as const) {
      const error = await expectCode(admin.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER, currency, debitAccountId: account.id } }), 'currency_mismatch');
      expect(error.facts.field).toBe('currency');
    }
    // Two transfers of the whole balance, each covered when created: the second approval would overdraw, and records nothing.
    const first = (await admin.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER, amount: balance, debitAccountId: account.id } })).operation;
    const second = (await admin.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER, amount: balance, debitAccountId: account.id } })).operation;
    for (const operation of [first, second]) {
      const validation = await pendingValidation(device, operation.id);
      const decision = device.call('decide', { params: { id: operation.id }, body: device.decisionBody(validation, 'approve', null) });
      if (operation === first) expect((await decision).status).toBe('approved');
      else await expectCode(decision, 'insufficient_funds');
    }
    expect((await admin.portal.call('accounts')).accounts.find((candidate) => candidate.id === account.id)?.balance).toBe('0.00');
    expect((await admin.portal.call('getOperation', { params: { id: second.id } })).operation.status).toBe('pending');
  });

  it('rule 18: payee names, references and beneficiary names that would not read as they are signed are refused (unsafe_text)', async () => {
    const { user: admin, device } = await adminWithDevice(server);
    const cases: [Record<string, string>, string][] = [
      [{ payeeName: 'Fournitures \u202Eecnarf' }, 'payeeName'], // right-to-left override
      [{ payeeName: 'Fournitures \u2067Martin\u2069' }, 'payeeName'], // an isolate
      [{ payeeName: 'Fournitures\u200BMartin' }, 'payeeName'], // zero-width space
      [{ payeeName: 'Fournitures\u0085Martin' }, 'payeeName'], // NEL (C1)
      [{ reference: 'Facture\u200E118' }, 'reference'], // left-to-right mark
      [{ reference: 'Facture\u009B118' }, 'reference'], // CSI (C1)
      [{ reference: 'Facture\u2028118' }, 'reference'], // line separator
    ];
    for (const [change, field] of cases) {
      const error = await expectCode(admin.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER, ...change } }), 'unsafe_text');
      expect(error.facts.field, JSON.stringify(change)).toBe(field);
    }
    for (const name of ['\uFEFFFournitures Martin', 'Fournitures\u200DMartin', 'Fournitures \u202BMartin']) {
      expect((await expectCode(admin.portal.call('createBeneficiary', { body: { name, iban: PAYEE_IBAN } }), 'unsafe_text')).facts.field).toBe('name');
    }
    expect((await device.call('pendingValidations', { query: {} })).validations).toEqual([]);
    // Names in other scripts, accents and typography are welcome.
    for (const payeeName of ['مؤسسة النور', 'שמואל בע״מ', 'Société Générale d’Équipement — n° 7', '東京商事株式会社']) {
      expect((await admin.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER, amount: '1.00', payeeName } })).operation.status).toBe('pending');
    }
  });

  it('rule 15: an invalid IBAN is refused (invalid_iban)', async () => {
    const { user: admin } = await adminWithDevice(server);
    const ibans = {
      'wrong check digits': 'FR7630006000011234567890188',
      'wrong length for France': 'FR763000600001123456789018',
      'unknown country with a bad checksum': 'ZZ00123456789012345',
      // Right check digits, but no such IBAN country.
      'no such country (XX)': 'XX9030006000011234567890189',
      'a country without IBANs (US)': 'US70021000021123456789',
      'a national format outside the IBAN registry (MA)': 'MA64011519000001205000534921',
      'letters where digits belong': 'FRAB30006000011234567890189',
    };
    for (const [name, iban] of Object.entries(ibans)) {
      const error = await expectCode(admin.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER, iban } }), 'invalid_iban').catch((cause: unknown) => {
        throw new Error(`${name}: ${String(cause)}`);
      });
      expect(error.facts.field).toBe('iban');
    }
    // Not even shaped like one: refused by the schema.
    for (const iban of ['FR76-3000-6000', 'FR76 3000 6000 0112 3456 7890 189 ; DROP TABLE', 'x'.repeat(43)]) {
      await expectCode(admin.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER, iban } }), 'bad_request');
    }
  });

  it('rule 15: the expiry times are configurable', async () => {
    const custom = await startTestServer({ database, limits: { loginValidationSeconds: 30, operationValidationSeconds: 90 } });
    try {
      const { user: admin, device } = await adminWithDevice(custom);
      const { operation } = await admin.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER } });
      expect(Date.parse(operation.expiresAt) - Date.parse(operation.createdAt)).toBe(90_000);
      const session = await custom.portal().call('login', { body: { identifier: admin.identifier, secretCode: admin.secretCode } });
      expect(Date.parse(session.loginValidation!.expiresAt) - custom.clock.now()).toBe(30_000);
      custom.clock.advance(30_000);
      expect((await device.call('pendingValidations', { query: {} })).validations.map((v) => v.kind)).toEqual(['transfer']);
    } finally {
      await custom.close();
    }
  });

  it('rule 18: an approval is signed over the canonical bytes, recorded, and the waiting portal sees approved', async () => {
    const { user: admin, device } = await adminWithDevice(server, 'PC de Claire');
    const before = (await admin.portal.call('accounts')).accounts;
    const { operation, validation } = await transferFor(admin.portal, device, { amount: '1500.25' });

    const waiting = nextWaiter(server, admin.portal.session!.holder.userId);
    const portalView = admin.portal.call('getOperation', { params: { id: operation.id }, query: { knownStatus: 'pending', waitSeconds: HOLD_SECONDS } });
    await waiting;
    const body = device.decisionBody(validation, 'approve', null);
    const since = Date.now();
    const decided = await device.call('decide', { params: { id: operation.id }, body });
    expect(decided).toEqual({ id: operation.id, status: 'approved', decidedAt: new Date(server.clock.now()).toISOString() });
    const seen = (await wokenBy(portalView, since)).operation;
    expect(seen).toMatchObject({ status: 'approved', decidedByDevice: 'PC de Claire', decidedAt: decided.decidedAt });

    // The stored signature is evidence anyone can check against the device key and the canonical bytes.
    const row = await server.server.ctx.db.selectFrom('validations').selectAll().where('id', '=', operation.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'approved', decided_by_device: device.keyId, decision_signature: body.signature });
    const bytes = decisionSigningBytes({
      validationId: row.id, validationNonce: row.nonce, decision: 'approve', detailsHash: row.details_hash, deviceId: device.keyId!, decidedAt: body.decidedAt, numberChoice: null,
    });
    expect(verifyEd25519(device.publicKey, bytes, row.decision_signature!)).toBe(true);

    const after = (await admin.portal.call('accounts')).accounts;
    const details = validation.details as TransferDetailsT;
    const debited = before.find((account) => account.iban === details.debitAccountIban)!;
    expect(Number(after.find((account) => account.id === debited.id)!.balance)).toBeCloseTo(Number(debited.balance) - 1500.25, 2);
  });

  it('rule 18: a rejection is recorded; the portal sees rejected and no money moves', async () => {
    const { user: admin, device } = await adminWithDevice(server);
    const before = (await admin.portal.call('accounts')).accounts;
    const { operation, validation } = await transferFor(admin.portal, device);
    const waiting = nextWaiter(server, admin.portal.session!.holder.userId);
    const portalView = admin.portal.call('getOperation', { params: { id: operation.id }, query: { knownStatus: 'pending', waitSeconds: HOLD_SECONDS } });
    await waiting;
    const since = Date.now();
    expect((await device.call('decide', { params: { id: operation.id }, body: device.decisionBody(validation, 'reject', null) })).status).toBe('rejected');
    expect((await wokenBy(portalView, since)).operation.status).toBe('rejected');
    expect((await admin.portal.call('accounts')).accounts).toEqual(before);
  });

  it('rule 18: the waiting portal sees expired when nobody decides in time', async () => {
    const { user: admin, device } = await adminWithDevice(server);
    const { operation } = await transferFor(admin.portal, device);
    const waiting = nextWaiter(server, admin.portal.session!.holder.userId);
    const portalView = admin.portal.call('getOperation', { params: { id: operation.id }, query: { knownStatus: 'pending', waitSeconds: HOLD_SECONDS } });
    await waiting;
    const since = Date.now();
    server.clock.advance(5 * MINUTE);
    expect((await wokenBy(portalView, since)).operation.status).toBe('expired');
  });

  it('rule 18: a changed amount or payee breaks it: a correctly signed decision over other details gives details_mismatch', async () => {
    const { user: admin, device } = await adminWithDevice(server);
    const { operation, validation } = await transferFor(admin.portal, device);
    const tamperings: Record<string, unknown>[] = [{ amount: '99999.99' }, { payeeName: 'Escroc SARL' }, { iban: 'DE89370400440532013000' }, { reference: 'Autre' }];
    for (const change of tamperings) {
      const shown = { ...validation.details, ...change } as unknown as CanonicalValue;
      const error = await expectCode(device.call('decide', { params: { id: operation.id }, body: device.decisionBody(validation, 'approve', null, detailsHash(shown)) }), 'details_mismatch');
      expect(error.status).toBe(409);
    }
    expect((await admin.portal.call('getOperation', { params: { id: operation.id } })).operation.status).toBe('pending');
    // The genuine details still go through.
    expect((await device.call('decide', { params: { id: operation.id }, body: device.decisionBody(validation, 'approve', null) })).status).toBe('approved');
  });

  it('rule 18: numberChoice is null for an operation and for a login rejection, required for a login approval (bad_request, nothing recorded)', async () => {
    const { user: admin, device } = await adminWithDevice(server);
    const { operation, validation } = await transferFor(admin.portal, device);
    for (const decision of ['approve', 'reject'] as const) {
      const error = await expectCode(device.call('decide', { params: { id: operation.id }, body: device.decisionBody(validation, decision, validation.numberChoices?.[0] ?? 47) }), 'bad_request');
      expect(error.facts.field).toBe('numberChoice');
    }
    const portal = server.portal();
    const session = await portal.call('login', { body: { identifier: admin.identifier, secretCode: admin.secretCode } });
    const login = await pendingValidation(device, session.loginValidation!.id);
    expect((await expectCode(device.call('decide', { params: { id: login.id }, body: device.decisionBody(login, 'reject', session.loginValidation!.number) }), 'bad_request')).facts.field).toBe('numberChoice');
    expect((await expectCode(device.call('decide', { params: { id: login.id }, body: device.decisionBody(login, 'approve', null) }), 'bad_request')).facts.field).toBe('numberChoice');

    // Nothing was recorded: both are still pending, and decide as they should.
    expect((await admin.portal.call('getOperation', { params: { id: operation.id } })).operation.status).toBe('pending');
    expect((await portal.call('getSession')).loginValidation?.status).toBe('pending');
    expect((await device.call('decide', { params: { id: operation.id }, body: device.decisionBody(validation, 'reject', null) })).status).toBe('rejected');
    expect((await device.call('decide', { params: { id: login.id }, body: device.decisionBody(login, 'approve', session.loginValidation!.number) })).status).toBe('approved');
  });

  it('rule 18: a decision signed by another device, for another validation or another decision is refused (decision_signature_invalid)', async () => {
    const { user: admin, device } = await adminWithDevice(server);
    const other = await server.activateDevice(admin, { deviceName: 'Portable' });
    const { operation, validation } = await transferFor(admin.portal, device);
    const { validation: second } = await transferFor(admin.portal, device, { reference: 'Facture 119' });

    const signedBy = (signer: TestDevice, target: ValidationForDeviceT, decision: 'approve' | 'reject', deviceId: string) => {
      const decidedAt = server.clock.now();
      const signature = toBase64Url(signMessage(decisionSigningBytes({
        validationId: target.id, validationNonce: target.nonce, decision, detailsHash: target.detailsHash, deviceId, decidedAt, numberChoice: null,
      }), signer.secretKey));
      return { decision: 'approve' as const, detailsHash: validation.detailsHash, decidedAt, numberChoice: null, signature };
    };
    // The other device's key, claiming to be this device.
    await expectCode(device.call('decide', { params: { id: operation.id }, body: signedBy(other, validation, 'approve', device.keyId!) }), 'decision_signature_invalid');
    // This device's signature, sent by the other device.
    await expectCode(other.call('decide', { params: { id: operation.id }, body: signedBy(device, validation, 'approve', device.keyId!) }), 'decision_signature_invalid');
    // A signature over the second validation, replayed on the first.
    await expectCode(device.call('decide', { params: { id: operation.id }, body: signedBy(device, second, 'approve', device.keyId!) }), 'decision_signature_invalid');
    // A rejection's signature presented as an approval.
    await expectCode(device.call('decide', { params: { id: operation.id }, body: signedBy(device, validation, 'reject', device.keyId!) }), 'decision_signature_invalid');
    // A decision time other than the one signed.
    const body = device.decisionBody(validation, 'approve', null);
    await expectCode(device.call('decide', { params: { id: operation.id }, body: { ...body, decidedAt: body.decidedAt + 1 } }), 'decision_signature_invalid');
    expect((await admin.portal.call('getOperation', { params: { id: operation.id } })).operation.status).toBe('pending');
  });

  it('rule 18: a decision signed at a time far from the server clock is refused', async () => {
    const { user: admin, device } = await adminWithDevice(server);
    const { operation, validation } = await transferFor(admin.portal, device);
    const stale = device.decisionBody(validation, 'approve', null);
    server.clock.advance(2 * MINUTE);
    await expectCode(device.call('decide', { params: { id: operation.id }, body: stale }), 'auth_timestamp_out_of_window');
    expect((await device.call('decide', { params: { id: operation.id }, body: device.decisionBody(validation, 'approve', null) })).status).toBe('approved');
  });

  it("rule 18: a decision dated up to one minute either side of the server's clock is accepted, a millisecond more is not", async () => {
    const { user: admin, device } = await adminWithDevice(server);
    /** An approval as the device would send it, dated `offset` ms from the server's clock. */
    const approvalDated = (validation: ValidationForDeviceT, offset: number) =>
      device.decisionBody(validation, 'approve', null, validation.detailsHash, device.approvalSecretKey, server.clock.now() + offset);
    for (const offset of [REQUEST_TIME_WINDOW_MS, -REQUEST_TIME_WINDOW_MS]) {
      const { operation, validation } = await transferFor(admin.portal, device, { reference: `Limite ${offset}` });
      for (const beyond of [offset + Math.sign(offset), offset * 10]) {
        await expectCode(device.call('decide', { params: { id: operation.id }, body: approvalDated(validation, beyond) }), 'auth_timestamp_out_of_window');
      }
      expect((await admin.portal.call('getOperation', { params: { id: operation.id } })).operation.status).toBe('pending');
      expect((await device.call('decide', { params: { id: operation.id }, body: approvalDated(validation, offset) })).status).toBe('approved');
    }
  });

  it("the history: the company's operations, newest first, without logins, another company's or more than the latest 200", async () => {
    const { user: admin, device } = await adminWithDevice(server);
    const { user: secondary } = await secondaryWithDevice(server, admin.portal, 'Marc Petit');
    const { user: stranger } = await adminWithDevice(server);
    const created: string[] = [];
    const entered = async (portal: PortalClient, kind: 'transfer' | 'beneficiary', reference: string) => {
      server.clock.advance(1000);
      const { operation } = kind === 'transfer'
        ? await portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER, amount: '1.00', reference } })
        : await portal.call('createBeneficiary', { body: { name: reference, iban: PAYEE_IBAN } });
      return operation.id;
    };
    created.push(await entered(admin.portal, 'transfer', 'Facture 1'));
    created.push(await entered(secondary.portal, 'beneficiary', 'Fournisseur Marc'));
    created.push(await entered(admin.portal, 'beneficiary', 'Fournisseur Claire'));
    const strangers = await entered(stranger.portal, 'transfer', 'Ailleurs');
    server.clock.advance(1000);
    const login = (await server.portal().call('login', { body: { identifier: admin.identifier, secretCode: admin.secretCode } })).loginValidation!;
    await pendingValidation(device, login.id);

    const { operations } = await admin.portal.call('operations');
    expect(operations.map((operation) => operation.id)).toEqual([...created].reverse());
    expect(operations.map((operation) => operation.createdBy)).toEqual([admin.identifier, secondary.identifier, admin.identifier]);
    expect((await stranger.portal.call('operations')).operations.map((operation) => operation.id)).toEqual([strangers]);
    // One operation at a time: another company's, and a login, are no operation of this company's.
    for (const id of [strangers, login.id]) await expectCode(admin.portal.call('getOperation', { params: { id } }), 'validation_not_found');
    expect((await admin.portal.call('getOperation', { params: { id: created[1]! } })).operation.id).toBe(created[1]);

    for (let batch = 0; batch < 20; batch++) {
      const ids = await Promise.all(Array.from({ length: 10 }, (_, index) => admin.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER, amount: '1.00', reference: `Lot ${batch}-${index}` } })));
      created.push(...ids.map(({ operation }) => operation.id));
      server.clock.advance(1000);
    }
    const latest = (await admin.portal.call('operations')).operations;
    expect(latest).toHaveLength(200);
    expect(new Set(latest.map((operation) => operation.id))).toEqual(new Set(created.slice(-200)));
    expect(latest.map((operation) => operation.id)).not.toContain(created[2]);
  }, 60_000);

  it('a login shows the browser it came from on one line: control characters go, and at most 200 characters', async () => {
    const { user: admin, device } = await adminWithDevice(server);
    const login = async (userAgent: string) => {
      const answer = await raw(server.baseUrl, 'POST', ROUTES.login.path, {
        headers: { 'content-type': 'application/json', 'user-agent': userAgent }, body: JSON.stringify({ identifier: admin.identifier, secretCode: admin.secretCode }),
      });
      const { loginValidation } = answer.json as { loginValidation: { id: string } };
      return (await pendingValidation(device, loginValidation.id)).details;
    };
    expect(await login('Mozilla/5.0 (X11;\tLinux) Chrome/131')).toMatchObject({ type: 'login', userAgent: 'Mozilla/5.0 (X11;Linux) Chrome/131', ipAddress: '127.0.0.1' });
    expect(await login(`Mozilla/5.0 ${'x'.repeat(300)}`)).toMatchObject({ userAgent: `Mozilla/5.0 ${'x'.repeat(188)}` });
  });

  it("rule 16: a device's list is its user's open requests, oldest first — by when they were made, not stored — without decided or expired ones", async () => {
    const { user: admin, device } = await adminWithDevice(server);
    const { user: secondary, device: secondaryDevice } = await secondaryWithDevice(server, admin.portal, 'Marc Petit');
    const first = (await transferFor(admin.portal, device, { reference: 'Facture 1' })).operation.id;
    server.clock.advance(1000);
    const login = (await server.portal().call('login', { body: { identifier: admin.identifier, secretCode: admin.secretCode } })).loginValidation!.id;
    // A server clock stepped back (NTP) makes the next request older than the ones stored before it.
    server.clock.advance(-10_000);
    const older = (await admin.portal.call('createBeneficiary', { body: { name: 'Fournisseur Martin', iban: PAYEE_IBAN } })).operation.id;
    server.clock.advance(10_000);
    const secondarys = (await transferFor(secondary.portal, secondaryDevice, { reference: 'Facture Marc' })).operation.id;

    const listed = async (of: TestDevice) => (await of.call('pendingValidations', { query: {} })).validations.map((validation) => validation.id);
    expect(await listed(device)).toEqual([older, first, login]);
    expect(await listed(secondaryDevice)).toEqual([secondarys]);
    const decided = await pendingValidation(device, first);
    await device.call('decide', { params: { id: first }, body: device.decisionBody(decided, 'reject', null) });
    expect(await listed(device)).toEqual([older, login]);
    server.clock.advance(2 * MINUTE);
    expect(await listed(device)).toEqual([older]);
  });

  it('rule 18: a validation is decided once (validation_already_decided)', async () => {
    const { user: admin, device } = await adminWithDevice(server);
    const { operation, validation } = await transferFor(admin.portal, device);
    await device.call('decide', { params: { id: operation.id }, body: device.decisionBody(validation, 'approve', null) });
    server.clock.advance(1000);
    await expectCode(device.call('decide', { params: { id: operation.id }, body: device.decisionBody(validation, 'reject', null) }), 'validation_already_decided');
    await expectCode(device.call('decide', { params: { id: operation.id }, body: device.decisionBody(validation, 'approve', null) }), 'validation_already_decided');
    expect((await admin.portal.call('getOperation', { params: { id: operation.id } })).operation.status).toBe('approved');
  });

  it('rule 18: an expired validation cannot be decided (validation_expired)', async () => {
    const { user: admin, device } = await adminWithDevice(server);
    const { operation, validation } = await transferFor(admin.portal, device);
    server.clock.advance(5 * MINUTE);
    await expectCode(device.call('decide', { params: { id: operation.id }, body: device.decisionBody(validation, 'approve', null) }), 'validation_expired');
    const row = await server.server.ctx.db.selectFrom('validations').select(['status', 'decided_at']).where('id', '=', operation.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'pending', decided_at: null });
  });

  it('rule 18: two devices deciding at once record exactly one decision', async () => {
    const { user: admin, device } = await adminWithDevice(server, 'PC de Claire');
    const other = await server.activateDevice(admin, { deviceName: 'Portable de Claire' });
    for (let round = 0; round < 6; round++) {
      const { operation, validation } = await transferFor(admin.portal, device, { reference: `Course ${round}` });
      const [first, second] = round % 2 === 0 ? [device, other] : [other, device];
      const outcomes = await Promise.allSettled([
        first.call('decide', { params: { id: operation.id }, body: first.decisionBody(validation, 'approve', null) }),
        second.call('decide', { params: { id: operation.id }, body: second.decisionBody(validation, 'reject', null) }),
      ]);
      const won = outcomes.flatMap((outcome, index) => (outcome.status === 'fulfilled' ? [{ index, status: outcome.value.status }] : []));
      const lost = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [(outcome.reason as { code: string }).code] : []));
      expect(won).toHaveLength(1);
      expect(lost).toEqual(['validation_already_decided']);

      const winner = [first, second][won[0]!.index]!;
      const row = await server.server.ctx.db.selectFrom('validations').select(['status', 'decided_by_device']).where('id', '=', operation.id).executeTakeFirstOrThrow();
      expect(row).toEqual({ status: won[0]!.status, decided_by_device: winner.keyId });
      const decisions = await server.server.ctx.db.selectFrom('audit_log').select('details_json').where('event', '=', 'validation_decided').execute();
      expect(decisions.filter((entry) => entry.details_json.includes(operation.id))).toHaveLength(1);
      expect((await admin.portal.call('getOperation', { params: { id: operation.id } })).operation.status).toBe(won[0]!.status);
    }
  });

  it("rule 18: the decision route refuses another user's validation and unknown ids", async () => {
    const { user: admin, device } = await adminWithDevice(server);
    const { device: strangerDevice } = await adminWithDevice(server);
    const { operation, validation } = await transferFor(admin.portal, device);
    await expectCode(strangerDevice.call('decide', { params: { id: operation.id }, body: strangerDevice.decisionBody(validation, 'approve', null) }), 'validation_not_found');
    const path = routePath('decide', { id: 'val_doesNotExist00000' });
    const body = JSON.stringify(device.decisionBody(validation, 'approve', null));
    const answer = await raw(server.baseUrl, 'POST', path, {
      headers: { 'content-type': 'application/json', ...(await signedHeaders(device, device.keyId!, 'POST', path, body, { timestamp: server.clock.now() })) },
      body,
    });
    expect(answer.json).toMatchObject({ code: 'validation_not_found' });
  });
});
