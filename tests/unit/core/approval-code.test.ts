/**
 * The approval code in the core, through the bridge and against the real reference server: chosen after activation
 * (rules checked, IT's minimum length), needed by every approval and by no rejection, wrong codes answered with the
 * attempts left, five of them locking the account's approvals (its person activates again, which removes the locked
 * device), an account from before approval codes asked for one before its next approval, and the change proven with
 * the current code. Plus the rules themselves, and the approval key's buffers wiped once it has signed.
 */
import { describe, expect, it } from 'vitest';
import {
  APPROVAL_CODE_RULES, approvalCodeChecks, approvalCodeProblem, approvalSigningBytes, fromBase64Url, isApprovalCodeFormat, publicKeyOf,
  toBase64Url, utf8, verifyMessage, type DecisionBodyT,
} from '../../../protocol/index';
import { createApprovalKey, withApprovalKey, type ApprovalSigner } from '../../../main/core/approval-key';
import type { KeyVault } from '../../../main/core/ports';
import type { PersistedStateT } from '../../../main/core/state';
import type { TestServer } from '../../harness/server';
import { NO_POLICY } from '../../../main/core/authenticator';
import {
  TEST_APPROVAL_CODE, TEST_APPROVAL_KDF, activateThroughBridge, bridgeError, clockOf, createCoreUnderTest, pendingArrival, memoryStore, recordingTransport,
  referenceServerForFile, stopAll, type CoreUnderTest,
} from './support';

let server: TestServer;
const running: CoreUnderTest[] = [];
referenceServerForFile((started) => (server = started), () => stopAll(running));

const TRANSFER = { amount: '18250.00', currency: 'EUR', payeeName: 'Transports Bernard', iban: 'FR76 3000 6000 0112 3456 7890 189', reference: 'Facture 77' } as const;

async function installation(options: { policyMinLength?: number; store?: ReturnType<typeof memoryStore<PersistedStateT>>; vault?: KeyVault } = {}) {
  const transport = recordingTransport();
  const policy = options.policyMinLength ? { ...NO_POLICY, source: '/etc/secure-access/policy.json', approvalCodeMinLength: options.policyMinLength } : undefined;
  const tested = await createCoreUnderTest({ clock: clockOf(server), transport, policy, store: options.store, vault: options.vault });
  running.push(tested);
  return { ...tested, transport };
}

describe('the rules of a new approval code', () => {
  const context = { minLength: 6, identifier: 'claire.durand2026' };

  it.each([
    ['', 'length'], ['48291', 'length'], ['4829150000123', 'length'], ['48 2915', 'digits'], ['48291a', 'digits'],
    ['000000', 'repetition'], ['121212', 'repetition'], ['123123', 'repetition'], ['123456', 'sequence'], ['654321', 'sequence'],
    ['890123', 'sequence'], ['210987', 'sequence'], ['202611', 'identifier'], ['882026', 'identifier'],
  ])('refuses "%s": %s', (code, rule) => {
    expect(approvalCodeProblem(code, context)).toBe(rule);
  });

  it('accepts a code that breaks none, and shows every rule as met', () => {
    expect(approvalCodeProblem('482915', context)).toBeNull();
    expect(approvalCodeChecks('482915', context)).toEqual(Object.fromEntries(APPROVAL_CODE_RULES.map((rule) => [rule, true])));
    // An identifier without three digits in a row takes nothing away.
    expect(approvalCodeProblem('482915', { minLength: 6, identifier: 'cdurand12' })).toBeNull();
  });

  it('an empty field meets no rule yet; IT’s minimum applies, within 6 to 12', () => {
    expect(Object.values(approvalCodeChecks('', context)).some(Boolean)).toBe(false);
    expect(approvalCodeProblem('482915', { ...context, minLength: 8 })).toBe('length');
    expect(approvalCodeProblem('48291573', { ...context, minLength: 8 })).toBeNull();
    expect(approvalCodeProblem('48291', { ...context, minLength: 2 })).toBe('length');
    expect(isApprovalCodeFormat('482915')).toBe(true);
    expect(isApprovalCodeFormat('48291')).toBe(false);
    expect(isApprovalCodeFormat('4829x5')).toBe(false);
  });
});

describe('the approval key', () => {
  it('keeps no public key and no signature; every code unmasks a key; the right one is the registered one', async () => {
    const created = await createApprovalKey('482915', 'dev_AAAAAAAAAAAAAAAAAAAAAA', '2030-03-04T09:00:00.000Z', TEST_APPROVAL_KDF);
    expect(Object.keys(created.record).sort()).toEqual(['kdf', 'maskedSeed', 'salt', 'setAt']);
    expect(JSON.stringify(created.record)).not.toContain(created.publicKey);
    const message = utf8('secure-access/v1/approval\ntest');
    const right = await withApprovalKey(created.record, '482915', (sign) => sign(message));
    const wrong = await withApprovalKey(created.record, '482916', (sign) => sign(message));
    expect(verifyMessage(right, message, fromBase64Url(created.publicKey))).toBe(true);
    expect(verifyMessage(wrong, message, fromBase64Url(created.publicKey))).toBe(false);
  });

  it('signs only while it is handed over: after that the unmasked key is gone', async () => {
    const created = await createApprovalKey('482915', 'dev_AAAAAAAAAAAAAAAAAAAAAA', '2030-03-04T09:00:00.000Z', TEST_APPROVAL_KDF);
    let kept: ApprovalSigner | null = null;
    await withApprovalKey(created.record, '482915', (sign) => {
      kept = sign;
    });
    expect(() => kept!(utf8('later'))).toThrow('the approval key is no longer available');
  });
});

describe('the approval code in the app', () => {
  it('is chosen after activation: rules and IT’s minimum checked, once; then it shows on the account', async () => {
    const { bridge } = await installation({ policyMinLength: 8 });
    const admin = await server.readyPrimaryAdmin();
    const active = await activateThroughBridge(bridge, server, admin, { approvalCode: null });
    expect(active).toMatchObject({ status: 'active', approvalCodeSet: false });
    expect(await bridgeError(bridge.setApprovalCode({ accountId: active.id, code: '482915' }))).toMatchObject({ code: 'approval_code_too_weak', field: 'length' });
    expect(await bridgeError(bridge.setApprovalCode({ accountId: active.id, code: '12345678' }))).toMatchObject({ code: 'approval_code_too_weak', field: 'sequence' });
    expect(await bridgeError(bridge.setApprovalCode({ accountId: active.id, code: '4829 1573' }))).toMatchObject({ code: 'invalid_input', field: 'code' });
    const set = await bridge.setApprovalCode({ accountId: active.id, code: '48291573' });
    expect(set.approvalCodeSet).toBe(true);
    expect(await bridgeError(bridge.setApprovalCode({ accountId: active.id, code: '73849261' }))).toMatchObject({ code: 'approval_code_already_set' });
  });

  it('every approval needs it, no rejection does; a wrong one leaves the request pending with the attempts left', async () => {
    const { bridge, core, transport } = await installation();
    const admin = await server.readyPrimaryAdmin();
    const account = await activateThroughBridge(bridge, server, admin);
    const { operation } = await admin.portal.call('createTransfer', { body: TRANSFER });
    await pendingArrival({ core }, operation.id);

    const decide = (approvalCode: string | null, decision: 'approve' | 'reject' = 'approve') =>
      bridge.decide({ accountId: account.id, validationId: operation.id, decision, numberChoice: null, approvalCode });
    expect(await bridgeError(decide(null))).toMatchObject({ code: 'invalid_input', field: 'approvalCode' });
    expect(await bridgeError(decide('48291'))).toMatchObject({ code: 'invalid_input', field: 'approvalCode' });
    expect(await bridgeError(decide(TEST_APPROVAL_CODE, 'reject'))).toMatchObject({ code: 'invalid_input', field: 'approvalCode' });
    // Typos caught in the app cost no attempt; a wrong code does.
    expect(await bridgeError(decide('739164'))).toMatchObject({ code: 'approval_code_invalid', attemptsLeft: 4 });
    expect(core.pendingNow().map((validation) => validation.id)).toEqual([operation.id]);
    expect(await decide(TEST_APPROVAL_CODE)).toMatchObject({ status: 'approved' });

    // On the wire: the approval key's signature over the approval bytes, under the key registered at activation.
    const registration = JSON.parse(transport.exchanges.find((exchange) => exchange.request.url.endsWith('/devices/self/approval-key'))!.request.body!) as { publicKey: string };
    const decisions = transport.exchanges.filter((exchange) => exchange.request.url.endsWith(`/validations/${operation.id}/decision`));
    const approved = JSON.parse(decisions.at(-1)!.request.body!) as DecisionBodyT;
    const bytes = approvalSigningBytes({
      validationId: operation.id, validationNonce: (await server.server.ctx.db.selectFrom('validations').select('nonce').where('id', '=', operation.id).executeTakeFirstOrThrow()).nonce,
      detailsHash: approved.detailsHash, deviceId: account.deviceId!, decidedAt: approved.decidedAt, numberChoice: null,
    });
    expect(verifyMessage(fromBase64Url(approved.approvalSignature!), bytes, fromBase64Url(registration.publicKey))).toBe(true);
    const { operation: rejected } = await admin.portal.call('createTransfer', { body: { ...TRANSFER, payeeName: 'Société Inconnue' } });
    await pendingArrival({ core }, rejected.id);
    await bridge.decide({ accountId: account.id, validationId: rejected.id, decision: 'reject', numberChoice: null, approvalCode: null });
    const rejection = JSON.parse(transport.exchanges.find((exchange) => exchange.request.url.endsWith(`/validations/${rejected.id}/decision`))!.request.body!) as DecisionBodyT;
    expect(rejection.approvalSignature).toBeUndefined();
  });

  it('five wrong codes lock the account’s approvals; activating again removes the locked device and starts afresh', async () => {
    const tested = await installation();
    const { bridge, core, vault } = tested;
    const admin = await server.readyPrimaryAdmin();
    const account = await activateThroughBridge(bridge, server, admin);
    const { operation } = await admin.portal.call('createTransfer', { body: TRANSFER });
    await pendingArrival(tested, operation.id);
    const decide = (approvalCode: string) => bridge.decide({ accountId: account.id, validationId: operation.id, decision: 'approve', numberChoice: null, approvalCode });
    for (const left of [4, 3, 2, 1]) expect(await bridgeError(decide('739164'))).toMatchObject({ code: 'approval_code_invalid', attemptsLeft: left });
    expect(await bridgeError(decide('739164'))).toMatchObject({ code: 'approval_code_locked' });

    const snapshot = await bridge.getSnapshot();
    expect(snapshot.accounts).toMatchObject([{ id: account.id, status: 'locked' }]);
    expect(snapshot.pending).toEqual([]);
    expect(await bridgeError(decide(TEST_APPROVAL_CODE))).toMatchObject({ code: 'approval_code_locked' });
    expect(await vault.has(account.id), 'the device key stays, to remove the locked device from the server').toBe(true);

    const again = await bridge.startActivation({ serverUrl: server.baseUrl, identifier: admin.identifier, secretCode: admin.secretCode });
    expect((await bridge.getSnapshot()).accounts.map((entry) => [entry.id, entry.status])).toEqual([[again.id, 'activating']]);
    expect(await vault.has(account.id)).toBe(false);
    const device = await server.server.ctx.db.selectFrom('devices').select('status').where('id', '=', account.deviceId!).executeTakeFirstOrThrow();
    expect(device.status).toBe('revoked');
    // The primary administrator has no active device left: the guide's Security Phone path.
    expect(again.activation?.codeDelivery).toBe('security_phone');
    expect(core.pendingNow()).toEqual([]);
  });

  it('an account activated before approval codes keeps working and chooses its code before its next approval', async () => {
    const admin = await server.readyPrimaryAdmin();
    const first = await installation();
    const account = await activateThroughBridge(first.bridge, server, admin, { approvalCode: null });
    await first.stop();
    // The settings file of a version without approval codes: the account has no approvalKey field at all.
    const saved = structuredClone(first.store.read());
    for (const stored of saved.accounts) delete (stored as { approvalKey?: unknown }).approvalKey;
    const reopened = await installation({ store: memoryStore(saved), vault: first.vault });
    const [restored] = (await reopened.bridge.getSnapshot()).accounts;
    expect(restored).toMatchObject({ id: account.id, status: 'active', approvalCodeSet: false });

    // Its next approval is the Espace Client's login, which waited at the installation step: refused without a code.
    const login = (await admin.portal.call('startSecureAccessLogin')).loginValidation!;
    await pendingArrival(reopened, login.id);
    const approveLogin = () => reopened.bridge.decide({ accountId: account.id, validationId: login.id, decision: 'approve', numberChoice: login.number, approvalCode: TEST_APPROVAL_CODE });
    expect(await bridgeError(approveLogin())).toMatchObject({ code: 'approval_code_not_set' });
    await reopened.bridge.setApprovalCode({ accountId: account.id, code: TEST_APPROVAL_CODE });
    expect(await approveLogin()).toMatchObject({ status: 'approved' });
    expect((await admin.portal.call('getSession')).step).toBe('authenticated');

    const { operation } = await admin.portal.call('createTransfer', { body: TRANSFER });
    await pendingArrival(reopened, operation.id);
    expect(await reopened.bridge.decide({ accountId: account.id, validationId: operation.id, decision: 'approve', numberChoice: null, approvalCode: TEST_APPROVAL_CODE }))
      .toMatchObject({ status: 'approved' });
  });

  it('is changed with the current one: a wrong current code is counted, the same code refused; the new one approves, the old no longer', async () => {
    const tested = await installation();
    const { bridge } = tested;
    const admin = await server.readyPrimaryAdmin();
    const account = await activateThroughBridge(bridge, server, admin);
    expect(await bridgeError(bridge.changeApprovalCode({ accountId: account.id, currentCode: '739164', newCode: '605182' }))).toMatchObject({ code: 'approval_code_invalid', attemptsLeft: 4 });
    expect(await bridgeError(bridge.changeApprovalCode({ accountId: account.id, currentCode: TEST_APPROVAL_CODE, newCode: TEST_APPROVAL_CODE }))).toMatchObject({ code: 'invalid_input', field: 'newCode' });
    expect(await bridgeError(bridge.changeApprovalCode({ accountId: account.id, currentCode: TEST_APPROVAL_CODE, newCode: '111111' }))).toMatchObject({ code: 'approval_code_too_weak', field: 'repetition' });
    const before = structuredClone(tested.store.read().accounts[0]!.approvalKey);
    await bridge.changeApprovalCode({ accountId: account.id, currentCode: TEST_APPROVAL_CODE, newCode: '605182' });
    expect(tested.store.read().accounts[0]!.approvalKey).not.toEqual(before);

    const { operation } = await admin.portal.call('createTransfer', { body: TRANSFER });
    await pendingArrival(tested, operation.id);
    const decide = (approvalCode: string) => bridge.decide({ accountId: account.id, validationId: operation.id, decision: 'approve', numberChoice: null, approvalCode });
    expect(await bridgeError(decide(TEST_APPROVAL_CODE))).toMatchObject({ code: 'approval_code_invalid', attemptsLeft: 4 });
    expect(await decide('605182')).toMatchObject({ status: 'approved' });
  });

  it('two accounts on one computer: each has its own code, and the other’s never approves', async () => {
    const tested = await installation();
    const { bridge } = tested;
    const admin = await server.readyPrimaryAdmin();
    const adminAccount = await activateThroughBridge(bridge, server, admin, { approvalCode: '739164' });
    const colleague = await server.readySecondaryUser(admin.portal);
    await activateThroughBridge(bridge, server, colleague, { administrator: admin.portal, approvalCode: '605182' });
    const { operation } = await admin.portal.call('createTransfer', { body: TRANSFER });
    await pendingArrival(tested, operation.id);
    expect(await bridgeError(bridge.decide({ accountId: adminAccount.id, validationId: operation.id, decision: 'approve', numberChoice: null, approvalCode: '605182' })))
      .toMatchObject({ code: 'approval_code_invalid', attemptsLeft: 4 });
    expect(await bridge.decide({ accountId: adminAccount.id, validationId: operation.id, decision: 'approve', numberChoice: null, approvalCode: '739164' }))
      .toMatchObject({ status: 'approved' });
    // Two keys that have nothing in common.
    const keys = tested.store.read().accounts.map((stored) => stored.approvalKey!);
    expect(keys[0]!.salt).not.toBe(keys[1]!.salt);
    expect(toBase64Url(publicKeyOf(fromBase64Url(keys[0]!.maskedSeed)))).not.toBe(toBase64Url(publicKeyOf(fromBase64Url(keys[1]!.maskedSeed))));
  });
});
