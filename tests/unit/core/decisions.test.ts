/**
 * Decisions, through the bridge, against the real reference server (SQLite): what is signed is the core's own copy
 * of the validation as delivered, logins need the number shown in the Espace Client, and late or repeated
 * decisions get clear errors.
 */
import { describe, expect, it, vi } from 'vitest';
import {
  decisionSigningBytes, detailsHash, fromBase64Url, publicKeyOf, verifyMessage, type DecisionBodyT, type ValidationForDeviceT,
} from '../../../protocol/index';
import type { HttpRequest, HttpResponse, HttpTransport } from '../../../main/core/ports';
import type { TestServer } from '../../harness/server';
import {
  activateThroughBridge, bridgeError, clockOf, createCoreUnderTest, pendingArrival, recordingTransport, referenceServerForFile, settle, spyVault, stopAll, type CoreUnderTest, TEST_APPROVAL_CODE,
} from './support';

let server: TestServer;
const running: CoreUnderTest[] = [];
referenceServerForFile((started) => (server = started), () => stopAll(running));

const TRANSFER = { amount: '250000.00', currency: 'EUR', payeeName: 'Fournitures Lemoine SARL', iban: 'FR76 3000 6000 0112 3456 7890 189', reference: 'Facture 2026-118' } as const;

/**
 * Once closed, holds every decision request until the test lets it through, one at a time; everything else passes
 * at once (open during the activation, which approves the portal's login).
 */
function gatedDecisions(inner: HttpTransport) {
  const held: { request: HttpRequest; release(): void }[] = [];
  let closed = false;
  const transport: HttpTransport = {
    async send(request: HttpRequest): Promise<HttpResponse> {
      if (closed && request.url.endsWith('/decision')) await new Promise<void>((release) => held.push({ request, release }));
      return inner.send(request);
    },
  };
  return {
    transport,
    held,
    close(): void {
      closed = true;
    },
    /** Waits until exactly `count` decision requests are held, then lets the oldest through. */
    async releaseNext(count = 1): Promise<HttpRequest> {
      await vi.waitFor(() => expect(held).toHaveLength(count), { timeout: 10_000 });
      const next = held.shift()!;
      next.release();
      return next.request;
    },
  };
}

async function activeAdministrator(wrap: (transport: HttpTransport) => HttpTransport = (transport) => transport) {
  const admin = await server.readyPrimaryAdmin();
  const vault = spyVault();
  const transport = recordingTransport();
  const tested = await createCoreUnderTest({ clock: clockOf(server), vault, transport: wrap(transport) });
  running.push(tested);
  const account = await activateThroughBridge(tested.bridge, server, admin);
  return { ...tested, admin, account, vault, transport };
}

describe('decisions', () => {
  it('a transfer is approved, signed over the details exactly as they were delivered and shown', async () => {
    const tested = await activeAdministrator();
    const { admin, account, bridge, vault, transport } = tested;
    const { operation } = await admin.portal.call('createTransfer', { body: TRANSFER });
    const shown = await pendingArrival(tested, operation.id);
    expect(shown).toMatchObject({ kind: 'transfer', accountId: account.id, numberChoices: null, details: { amount: '250000.00', payeeName: 'Fournitures Lemoine SARL', iban: 'FR7630006000011234567890189' } });

    const result = await bridge.decide({ accountId: account.id, validationId: operation.id, decision: 'approve', numberChoice: null, approvalCode: TEST_APPROVAL_CODE });
    expect(result).toMatchObject({ validationId: operation.id, accountId: account.id, decision: 'approve', status: 'approved' });
    expect((await admin.portal.call('getOperation', { params: { id: operation.id } })).operation.status).toBe('approved');
    expect(await bridge.listPending()).toEqual([]);

    // What went on the wire: the hash of the details as delivered, signed by this device's key.
    const delivered = transport.exchanges
      .filter((exchange) => exchange.request.url.includes('/validations/pending') && exchange.response?.status === 200) // the open long-poll has no answer yet
      .flatMap((exchange) => (JSON.parse(exchange.response!.text) as { validations: ValidationForDeviceT[] }).validations)
      .find((validation) => validation.id === operation.id)!;
    const decisionExchange = transport.exchanges.find((exchange) => exchange.request.url.endsWith(`/validations/${operation.id}/decision`))!;
    const body = JSON.parse(decisionExchange.request.body!) as DecisionBodyT;
    expect(body.detailsHash).toBe(detailsHash(delivered.details));
    const signed = decisionSigningBytes({
      validationId: operation.id, validationNonce: delivered.nonce, decision: 'approve', detailsHash: body.detailsHash,
      deviceId: account.deviceId!, decidedAt: body.decidedAt, numberChoice: null,
    });
    expect(verifyMessage(fromBase64Url(body.signature), signed, publicKeyOf(vault.storedKeys[0]!))).toBe(true);
  });

  it('a transfer is rejected', async () => {
    const tested = await activeAdministrator();
    const { operation } = await tested.admin.portal.call('createTransfer', { body: { ...TRANSFER, amount: '18.40' } });
    await pendingArrival(tested, operation.id);
    // An operation has no number: approving with one is a mistake of the caller.
    expect(await bridgeError(tested.bridge.decide({ accountId: tested.account.id, validationId: operation.id, decision: 'approve', numberChoice: 42, approvalCode: TEST_APPROVAL_CODE }))).toMatchObject({ code: 'invalid_input', field: 'numberChoice' });
    const result = await tested.bridge.decide({ accountId: tested.account.id, validationId: operation.id, decision: 'reject', numberChoice: null, approvalCode: null });
    expect(result.status).toBe('rejected');
    expect((await tested.admin.portal.call('getOperation', { params: { id: operation.id } })).operation.status).toBe('rejected');
  });

  it('a login is approved only with the number shown in the Espace Client', async () => {
    const tested = await activeAdministrator();
    const { account, bridge } = tested;
    const browser = server.portal();
    const session = await browser.call('login', { body: { identifier: tested.admin.identifier, secretCode: tested.admin.secretCode } });
    expect(session.step).toBe('secure_access');
    const shownInPortal = session.loginValidation!;
    const login = await pendingArrival(tested, shownInPortal.id);
    expect(login.kind).toBe('login');
    expect(login.numberChoices).toContain(shownInPortal.number);

    expect(await bridgeError(bridge.decide({ accountId: account.id, validationId: login.id, decision: 'approve', numberChoice: null, approvalCode: TEST_APPROVAL_CODE }))).toMatchObject({ code: 'invalid_input', field: 'numberChoice' });
    const notOffered = [10, 11, 12, 13].find((candidate) => !login.numberChoices!.includes(candidate))!;
    expect(await bridgeError(bridge.decide({ accountId: account.id, validationId: login.id, decision: 'approve', numberChoice: notOffered, approvalCode: TEST_APPROVAL_CODE }))).toMatchObject({ code: 'invalid_input', field: 'numberChoice' });

    const approved = await bridge.decide({ accountId: account.id, validationId: login.id, decision: 'approve', numberChoice: shownInPortal.number, approvalCode: TEST_APPROVAL_CODE });
    expect(approved.status).toBe('approved');
    expect((await browser.call('getSession')).step).toBe('authenticated');

    expect(await bridgeError(bridge.decide({ accountId: account.id, validationId: login.id, decision: 'approve', numberChoice: shownInPortal.number, approvalCode: TEST_APPROVAL_CODE }))).toMatchObject({ code: 'validation_already_decided' });
  });

  it('a wrong number (one of those offered) refuses the login: number_mismatch, and it leaves the list', async () => {
    const tested = await activeAdministrator();
    const browser = server.portal();
    const session = await browser.call('login', { body: { identifier: tested.admin.identifier, secretCode: tested.admin.secretCode } });
    const login = await pendingArrival(tested, session.loginValidation!.id);
    const wrong = login.numberChoices!.find((choice) => choice !== session.loginValidation!.number)!;
    expect(await bridgeError(tested.bridge.decide({ accountId: tested.account.id, validationId: login.id, decision: 'approve', numberChoice: wrong, approvalCode: TEST_APPROVAL_CODE }))).toMatchObject({ code: 'number_mismatch' });
    expect(await tested.bridge.listPending()).toEqual([]);
    expect((await browser.call('getSession')).loginValidation?.status).toBe('rejected');
  });

  it('a validation that expires leaves the list, and deciding it then says it expired', async () => {
    const tested = await activeAdministrator();
    const { operation } = await tested.admin.portal.call('createTransfer', { body: TRANSFER });
    await pendingArrival(tested, operation.id);
    server.clock.advance(5 * 60_000 + 1_000);
    expect(await tested.bridge.listPending()).toEqual([]);
    expect(await bridgeError(tested.bridge.decide({ accountId: tested.account.id, validationId: operation.id, decision: 'approve', numberChoice: null, approvalCode: TEST_APPROVAL_CODE }))).toMatchObject({ code: 'validation_expired' });
    // The bank holds it undecided (and so expired): nothing was recorded.
    const row = await server.server.ctx.db.selectFrom('validations').select(['status', 'decided_at']).where('id', '=', operation.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'pending', decided_at: null });
  });

  it('a decision on a validation that is not pending here', async () => {
    const tested = await activeAdministrator();
    expect(await bridgeError(tested.bridge.decide({ accountId: tested.account.id, validationId: 'val_neverdelivered0', decision: 'reject', numberChoice: null, approvalCode: null }))).toMatchObject({ code: 'validation_not_pending' });
  });

  it('one decision at a time per account: a double click sends one request, and a failed one does not block the next', async () => {
    let gate!: ReturnType<typeof gatedDecisions>;
    const tested = await activeAdministrator((transport) => (gate = gatedDecisions(transport)).transport);
    const { account, bridge, transport } = tested;
    const first = (await tested.admin.portal.call('createTransfer', { body: TRANSFER })).operation;
    const second = (await tested.admin.portal.call('createTransfer', { body: { ...TRANSFER, amount: '990.00' } })).operation;
    await pendingArrival(tested, first.id);
    await pendingArrival(tested, second.id);
    const approve = (validationId: string) => bridge.decide({ accountId: account.id, validationId, decision: 'approve', numberChoice: null, approvalCode: TEST_APPROVAL_CODE });
    gate.close();
    const decisionsBefore = transport.exchanges.filter((exchange) => exchange.request.url.endsWith('/decision')).length;

    const click = approve(first.id);
    const doubleClick = bridgeError(approve(first.id));
    const next = approve(second.id);
    // Only the first click's request is on its way; the other two wait their turn behind it.
    expect((await gate.releaseNext()).url).toContain(first.id);
    expect((await click).status).toBe('approved');
    // The double click ran after it, saw the request decided and sent nothing; its failure does not stop the next one.
    expect(await doubleClick).toMatchObject({ code: 'validation_already_decided' });
    await vi.waitFor(() => expect(gate.held).toHaveLength(1), { timeout: 10_000 });
    expect(gate.held[0]!.request.url).toContain(second.id);

    // A third click, while the second decision is still on its way, waits for it too.
    const settledOrder: string[] = [];
    const lateClick = bridgeError(approve(first.id)).then((error) => (settledOrder.push('late click'), error));
    void next.then(() => settledOrder.push('second'));
    await settle();
    expect(settledOrder).toEqual([]);
    await gate.releaseNext();
    expect((await next).status).toBe('approved');
    expect(await lateClick).toMatchObject({ code: 'validation_already_decided' });
    expect(settledOrder).toEqual(['second', 'late click']);

    const decisionRequests = transport.exchanges.filter((exchange) => exchange.request.url.endsWith('/decision')).slice(decisionsBefore).map((exchange) => exchange.request.url);
    expect(decisionRequests).toEqual([expect.stringContaining(first.id), expect.stringContaining(second.id)]);
  });
});
