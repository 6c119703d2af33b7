/**
 * The authenticator's rules off the main path, through the bridge (and the real reference server where a rule needs
 * one): which server address is used and why, what a failing keychain or settings file does, the keys an interrupted
 * activation left behind, events sent once per change, a decided request's outcome, and the refusals of a decision or
 * a code change that never reach the server.
 */
import { describe, expect, it, vi } from 'vitest';
import { accountLabel, activationStep, NO_POLICY } from '../../../main/core/authenticator';
import type { KeyVault } from '../../../main/core/ports';
import { createMemoryVault } from '../../../main/platform/memory-vault';
import type { PersistedStateT } from '../../../main/core/state';
import type { TestServer } from '../../harness/server';
import {
  activateThroughBridge, approveWaitingPortal, bridgeError, clockOf, createCoreUnderTest, pendingArrival, ManualClock, memoryStore, recordingLogger, recordingTransport,
  referenceServerForFile, stopAll, TEST_APPROVAL_CODE, type CoreUnderTest,
} from './support';

let server: TestServer;
const running: CoreUnderTest[] = [];
referenceServerForFile((started) => (server = started), () => stopAll(running));

const POLICY_SOURCE = '/etc/secure-access/policy.json';

async function offline(options: Partial<Parameters<typeof createCoreUnderTest>[0]> = {}) {
  const tested = await createCoreUnderTest({ clock: new ManualClock(), ...options });
  running.push(tested);
  return tested;
}

describe('which server address a new account starts from', () => {
  it('without a policy: the person’s choice, else the installer’s bank address, else none', async () => {
    const withBank = await offline({ bankServerUrl: 'https://secure-access.bank.example/' });
    expect((await withBank.bridge.getSnapshot()).settings.defaultServerUrl).toBe('https://secure-access.bank.example');
    expect((await withBank.bridge.getSnapshot()).appInfo.bankServerUrl).toBe('https://secure-access.bank.example');
    await withBank.bridge.updateSettings({ defaultServerUrl: 'https://other.bank.example' });
    expect((await withBank.bridge.getSnapshot()).settings.defaultServerUrl).toBe('https://other.bank.example');
    await withBank.bridge.updateSettings({ defaultServerUrl: '' });
    expect((await withBank.bridge.getSnapshot()).settings.defaultServerUrl).toBe('https://secure-access.bank.example');
    const without = await offline();
    expect((await without.bridge.getSnapshot()).settings.defaultServerUrl).toBe('');
  });

  it('an unlocked policy address fills an empty choice only; a locked one wins over the choice', async () => {
    const unlocked = await offline({ policy: { ...NO_POLICY, source: POLICY_SOURCE, serverUrl: 'https://sa.corp.example' }, bankServerUrl: 'https://secure-access.bank.example' });
    expect((await unlocked.bridge.getSnapshot()).settings.defaultServerUrl).toBe('https://sa.corp.example');
    expect(await unlocked.bridge.updateSettings({ defaultServerUrl: 'https://other.bank.example' })).toMatchObject({ defaultServerUrl: 'https://other.bank.example' });

    const locked = await offline({ policy: { ...NO_POLICY, source: POLICY_SOURCE, serverUrl: 'https://sa.corp.example', serverUrlLocked: true } });
    expect(await bridgeError(locked.bridge.updateSettings({ defaultServerUrl: 'https://other.bank.example' }))).toMatchObject({ code: 'not_allowed_by_policy', message: 'The server address is set by your organisation.', field: 'defaultServerUrl' });
    expect(await locked.bridge.updateSettings({ defaultServerUrl: 'https://sa.corp.example/' })).toMatchObject({ defaultServerUrl: 'https://sa.corp.example' });
    expect((await locked.bridge.getSnapshot()).settings.defaultServerUrl).toBe('https://sa.corp.example');
  });

  it('an address in the policy or the installer that is not acceptable is ignored, and logged', async () => {
    const logger = recordingLogger();
    const tested = await offline({ logger, policy: { ...NO_POLICY, source: POLICY_SOURCE, serverUrl: 'ftp://sa.corp.example', serverUrlLocked: true }, bankServerUrl: 'javascript:alert(1)' });
    const snapshot = await tested.bridge.getSnapshot();
    expect(snapshot.settings.defaultServerUrl).toBe('');
    expect(snapshot.appInfo.bankServerUrl).toBeNull();
    expect(logger.lines.filter((line) => line.message.includes('address'))).toEqual([
      { level: 'warn', message: 'the policy server address is not acceptable and is ignored', fields: { serverUrl: 'ftp://sa.corp.example' } },
      { level: 'warn', message: 'the server address built into this installer is not acceptable and is ignored', fields: { serverUrl: 'javascript:alert(1)' } },
    ]);
    // The ignored locked address locks nothing.
    expect(await tested.bridge.updateSettings({ defaultServerUrl: 'https://other.bank.example' })).toMatchObject({ defaultServerUrl: 'https://other.bank.example' });
  });

  it('a server the policy does not allow, or an address that is not one, is refused before any key is made', async () => {
    const vault = createMemoryVault();
    const onlyPolicy = await offline({ vault, policy: { ...NO_POLICY, source: POLICY_SOURCE, serverUrl: 'https://sa.corp.example', allowAdditionalServers: false } });
    expect(await bridgeError(onlyPolicy.bridge.startActivation({ serverUrl: 'https://other.bank.example', identifier: 'amartin', secretCode: '12345678' })))
      .toMatchObject({ code: 'not_allowed_by_policy', message: 'Your organisation allows only its own server.', field: 'serverUrl' });
    expect(await bridgeError(onlyPolicy.bridge.startActivation({ serverUrl: 'not a url', identifier: 'amartin', secretCode: '12345678' })))
      .toMatchObject({ code: 'invalid_input', message: 'This is not a valid server address (https:// is required).', field: 'serverUrl' });
    expect(await vault.list()).toEqual([]);
  });

  it('an invalid default address is refused by name; the empty one clears the choice', async () => {
    const tested = await offline();
    expect(await bridgeError(tested.bridge.updateSettings({ defaultServerUrl: 'ftp://x.example' }))).toMatchObject({ code: 'invalid_input', message: 'This is not a valid server address.', field: 'defaultServerUrl' });
    expect(await tested.bridge.updateSettings({ defaultServerUrl: '' })).toMatchObject({ defaultServerUrl: '' });
  });
});

describe('settings', () => {
  it('each one is changed on its own and saved; an unchanged value sends no second event', async () => {
    const store = memoryStore<PersistedStateT>();
    const tested = await offline({ store });
    expect(await tested.bridge.updateSettings({ notifications: false })).toEqual({ language: 'fr', notifications: false, startAtLogin: true, defaultServerUrl: '' });
    expect(await tested.bridge.updateSettings({ startAtLogin: false })).toEqual({ language: 'fr', notifications: false, startAtLogin: false, defaultServerUrl: '' });
    expect(await tested.bridge.updateSettings({ startAtLogin: false })).toEqual({ language: 'fr', notifications: false, startAtLogin: false, defaultServerUrl: '' });
    expect(store.saved?.settings).toEqual({ language: 'fr', notifications: false, startAtLogin: false, defaultServerUrl: '' });
    expect(tested.events.filter((entry) => entry.event === 'onSettingsChanged')).toHaveLength(2);
  });

  it('a policy that sets start at login accepts the same value and shows its own', async () => {
    const tested = await offline({ policy: { ...NO_POLICY, source: POLICY_SOURCE, startAtLogin: false } });
    expect((await tested.bridge.getSnapshot()).settings.startAtLogin).toBe(false);
    expect(await tested.bridge.updateSettings({ startAtLogin: false })).toMatchObject({ startAtLogin: false });
  });

  it('a settings file that cannot be written is logged; the change still applies for this run', async () => {
    const logger = recordingLogger();
    const store = { location: '/read-only/state.json', read: () => ({}) as PersistedStateT, write: () => { throw new Error('EROFS: read-only file system'); } };
    const tested = await offline({ logger, store });
    expect(await tested.bridge.updateSettings({ language: 'en' })).toMatchObject({ language: 'en' });
    expect(logger.lines).toContainEqual({ level: 'error', message: 'could not save the state', fields: { location: '/read-only/state.json', message: 'EROFS: read-only file system' } });
  });
});

describe('the keychain', () => {
  it('keys that belong to no account (an interrupted activation) are deleted at start, and counted in the log', async () => {
    const vault = createMemoryVault();
    await vault.store('acc_leftover000001', new Uint8Array(32).fill(7));
    await vault.store('acc_leftover000002', new Uint8Array(32).fill(8));
    const logger = recordingLogger();
    await offline({ vault, logger });
    expect(await vault.list()).toEqual([]);
    expect(logger.lines).toContainEqual({ level: 'warn', message: 'deleted keys that belonged to no account (an interrupted activation)', fields: { count: 2 } });
  });

  it('a start with no leftover key logs nothing about keys; a keychain that cannot list is logged and the app starts', async () => {
    const quiet = recordingLogger();
    await offline({ logger: quiet });
    expect(quiet.text()).not.toContain('keys');
    const logger = recordingLogger();
    const vault: KeyVault = { ...createMemoryVault(), list: () => Promise.reject(new Error('org.freedesktop.Secret.Error.IsLocked')) };
    const tested = await offline({ vault, logger });
    expect(logger.lines).toContainEqual({ level: 'warn', message: 'could not look for leftover keys in the keychain', fields: { message: 'org.freedesktop.Secret.Error.IsLocked' } });
    expect((await tested.bridge.getSnapshot()).accounts).toEqual([]);
  });

  it('a keychain that refuses the new key stops the activation with keychain_unavailable, logged by the error’s name only', async () => {
    const logger = recordingLogger();
    const transport = recordingTransport();
    const vault: KeyVault = { ...createMemoryVault(), store: () => Promise.reject(new TypeError('secret text that must not be logged')) };
    const tested = await offline({ vault, logger, transport });
    expect(await bridgeError(tested.bridge.startActivation({ serverUrl: 'https://secure-access.bank.example', identifier: 'amartin', secretCode: '12345678' })))
      .toMatchObject({ code: 'keychain_unavailable', message: 'The system keychain is not available.' });
    expect(logger.lines).toContainEqual({ level: 'error', message: 'could not store a key in the keychain', fields: { name: 'TypeError' } });
    expect(logger.text()).not.toContain('secret text');
    expect(transport.exchanges).toEqual([]);
  });
});

describe('labels and steps', () => {
  it('a request is labelled with the person and the company, or what is known of them', () => {
    expect(accountLabel({ identifier: 'cdurand', displayName: 'Claire Durand', companyName: 'Durand Industrie SAS' })).toBe('Claire Durand · Durand Industrie SAS');
    expect(accountLabel({ identifier: 'cdurand', displayName: '', companyName: 'Durand Industrie SAS' })).toBe('cdurand · Durand Industrie SAS');
    expect(accountLabel({ identifier: 'cdurand', displayName: 'Claire Durand', companyName: '' })).toBe('Claire Durand');
  });

  it('the activation screen follows the enrolment’s state and whether the device was named', () => {
    expect(activationStep({ state: 'awaiting_code_request' }, false)).toBe('name_device');
    expect(activationStep({ state: 'awaiting_code_request' }, true)).toBe('request_code');
    expect(activationStep({ state: 'failed' }, true)).toBe('failed');
    expect(activationStep({ state: 'code_sent' }, false)).toBe('enter_code');
    expect(activationStep({ state: 'awaiting_administrator' }, true)).toBe('enter_code');
  });
});

describe('against the reference server', () => {
  async function activeAdministrator() {
    const admin = await server.readyPrimaryAdmin();
    const transport = recordingTransport();
    const tested = await createCoreUnderTest({ clock: clockOf(server), transport });
    running.push(tested);
    const account = await activateThroughBridge(tested.bridge, server, admin);
    return { ...tested, admin, account, transport };
  }

  const TRANSFER = { amount: '950.00', currency: 'EUR', payeeName: 'Imprimerie Vasseur', iban: 'FR76 3000 6000 0112 3456 7890 189', reference: 'Facture 12' } as const;

  it('a decided request’s outcome says who decided it and whether it was this computer', async () => {
    const tested = await activeAdministrator();
    const { operation } = await tested.admin.portal.call('createTransfer', { body: TRANSFER });
    await pendingArrival(tested, operation.id);
    expect(await tested.bridge.validationOutcome({ accountId: tested.account.id, validationId: operation.id })).toEqual({
      accountId: tested.account.id, validationId: operation.id, status: 'pending', decidedAt: null, deviceName: null, decidedHere: false,
    });
    const decided = await tested.bridge.decide({ accountId: tested.account.id, validationId: operation.id, decision: 'approve', numberChoice: null, approvalCode: TEST_APPROVAL_CODE });
    expect(await tested.bridge.validationOutcome({ accountId: tested.account.id, validationId: operation.id })).toEqual({
      accountId: tested.account.id, validationId: operation.id, status: 'approved', decidedAt: decided.decidedAt, deviceName: tested.account.deviceName, decidedHere: true,
    });
  });

  it('an account still activating has no outcome to ask for', async () => {
    const admin = await server.readyPrimaryAdmin();
    const tested = await createCoreUnderTest({ clock: clockOf(server) });
    running.push(tested);
    const account = await tested.bridge.startActivation({ serverUrl: server.baseUrl, identifier: admin.identifier, secretCode: admin.secretCode });
    expect(await bridgeError(tested.bridge.validationOutcome({ accountId: account.id, validationId: 'val_AAAAAAAAAAAAAAAAAAAAAA' }))).toMatchObject({ code: 'validation_not_pending', message: 'This account has no active device.' });
  });

  it('a decision the app can refuse by itself never reaches the server', async () => {
    const tested = await activeAdministrator();
    const { operation } = await tested.admin.portal.call('createTransfer', { body: TRANSFER });
    await pendingArrival(tested, operation.id);
    const sent = tested.transport.exchanges.length;
    const decide = (decision: 'approve' | 'reject', approvalCode: string | null, validationId: string = operation.id) =>
      bridgeError(tested.bridge.decide({ accountId: tested.account.id, validationId, decision, numberChoice: null, approvalCode }));
    expect(await decide('approve', null)).toMatchObject({ code: 'invalid_input', message: 'Type the approval code: 6 to 12 digits.', field: 'approvalCode' });
    expect(await decide('reject', TEST_APPROVAL_CODE)).toMatchObject({ code: 'invalid_input', message: 'A rejection needs no approval code.', field: 'approvalCode' });
    expect(await decide('approve', '48291')).toMatchObject({ code: 'invalid_input', field: 'approvalCode' });
    expect(await decide('approve', TEST_APPROVAL_CODE, 'val_AAAAAAAAAAAAAAAAAAAAAA')).toMatchObject({ code: 'validation_not_pending', message: 'This request is not pending.' });
    expect(tested.transport.exchanges.slice(sent).filter((exchange) => exchange.request.url.includes('/decision'))).toEqual([]);
    expect(tested.core.pendingNow().map((validation) => validation.id)).toContain(operation.id);
  });

  it('a code change the app can refuse by itself never reaches the server, and says which field', async () => {
    const tested = await activeAdministrator();
    const sent = tested.transport.exchanges.length;
    const change = (currentCode: string, newCode: string) => bridgeError(tested.bridge.changeApprovalCode({ accountId: tested.account.id, currentCode, newCode }));
    expect(await change('48291', '730518')).toMatchObject({ code: 'invalid_input', message: 'The current approval code has 6 to 12 digits.', field: 'currentCode' });
    expect(await change(TEST_APPROVAL_CODE, TEST_APPROVAL_CODE)).toMatchObject({ code: 'invalid_input', message: 'The new approval code must differ from the current one.', field: 'newCode' });
    expect(await change(TEST_APPROVAL_CODE, '123456')).toMatchObject({ code: 'approval_code_too_weak', message: 'This approval code breaks the rule "sequence".', field: 'sequence' });
    expect(tested.transport.exchanges.slice(sent).filter((exchange) => exchange.request.url.includes('approval-key'))).toEqual([]);
    expect(await tested.bridge.changeApprovalCode({ accountId: tested.account.id, currentCode: TEST_APPROVAL_CODE, newCode: '730518' })).toMatchObject({ approvalCodeSet: true });
  });

  it('a server that lost the device’s approval key (its records restored) has the code chosen again, then approves', async () => {
    const tested = await activeAdministrator();
    const { account, bridge } = tested;
    await server.server.ctx.db.updateTable('devices').set({ approval_public_key: null, approval_key_set_at: null }).where('id', '=', account.deviceId!).execute();
    const { operation } = await tested.admin.portal.call('createTransfer', { body: TRANSFER });
    await pendingArrival(tested, operation.id);
    const approve = () => bridge.decide({ accountId: account.id, validationId: operation.id, decision: 'approve', numberChoice: null, approvalCode: TEST_APPROVAL_CODE });
    expect(await bridgeError(approve())).toMatchObject({ code: 'approval_code_not_set', message: 'Choose an approval code for this device first.' });
    expect((await bridge.getSnapshot()).accounts[0]).toMatchObject({ status: 'active', approvalCodeSet: false });
    expect(tested.logger.lines).toContainEqual({
      level: 'warn', message: 'the server has no approval key for this device: the approval code must be chosen again', fields: { accountId: account.id },
    });
    expect(await bridgeError(approve())).toMatchObject({ code: 'approval_code_not_set', message: 'Choose the approval code of this account first.' });
    await bridge.setApprovalCode({ accountId: account.id, code: '730518' });
    expect(await bridge.decide({ accountId: account.id, validationId: operation.id, decision: 'approve', numberChoice: null, approvalCode: '730518' })).toMatchObject({ status: 'approved' });
  });

  it('a login is rejected without its number: a number sent with a rejection is dropped, not signed', async () => {
    const tested = await activeAdministrator();
    const browser = server.portal();
    const session = await browser.call('login', { body: { identifier: tested.admin.identifier, secretCode: tested.admin.secretCode } });
    const login = session.loginValidation!;
    await pendingArrival(tested, login.id);
    const rejected = await tested.bridge.decide({ accountId: tested.account.id, validationId: login.id, decision: 'reject', numberChoice: login.number, approvalCode: null });
    expect(rejected.status).toBe('rejected');
    const sent = tested.transport.exchanges.find((exchange) => exchange.request.url.endsWith(`/validations/${login.id}/decision`))!;
    expect(JSON.parse(sent.request.body!)).toMatchObject({ decision: 'reject', numberChoice: null });
    expect(await bridgeError(tested.bridge.decide({ accountId: tested.account.id, validationId: login.id, decision: 'reject', numberChoice: null, approvalCode: null })))
      .toMatchObject({ code: 'validation_already_decided', message: 'This request has already been dealt with.' });
  });

  it('the number rules of a login, each with its own message; an operation takes no number', async () => {
    const tested = await activeAdministrator();
    const browser = server.portal();
    const login = (await browser.call('login', { body: { identifier: tested.admin.identifier, secretCode: tested.admin.secretCode } })).loginValidation!;
    const { numberChoices: offered } = await pendingArrival(tested, login.id);
    const approve = (validationId: string, numberChoice: number | null) =>
      bridgeError(tested.bridge.decide({ accountId: tested.account.id, validationId, decision: 'approve', numberChoice, approvalCode: TEST_APPROVAL_CODE }));
    expect(await approve(login.id, null)).toMatchObject({ code: 'invalid_input', message: 'Pick the number shown in the Espace Client.', field: 'numberChoice' });
    const notOffered = [10, 11, 12, 13].find((candidate) => !offered!.includes(candidate))!;
    expect(await approve(login.id, notOffered)).toMatchObject({ code: 'invalid_input', message: 'This number was not offered.', field: 'numberChoice' });
    const { operation } = await tested.admin.portal.call('createTransfer', { body: TRANSFER });
    await pendingArrival(tested, operation.id);
    expect(await approve(operation.id, 42)).toMatchObject({ code: 'invalid_input', message: 'No number is needed here.', field: 'numberChoice' });
  });

  it('another device activated while the app runs shows in the device count with the server’s next answer', async () => {
    const tested = await activeAdministrator();
    expect(tested.account.activeDevices).toBe(1);
    await server.activateDevice(tested.admin, { deviceName: 'Portable' });
    const { operation } = await tested.admin.portal.call('createTransfer', { body: TRANSFER });
    await pendingArrival(tested, operation.id);
    await vi.waitFor(async () => expect((await tested.bridge.getSnapshot()).accounts[0]?.activeDevices).toBe(2), { timeout: 10_000 });
    expect(tested.events.filter((entry) => entry.event === 'onAccountsChanged').at(-1)?.payload).toEqual([expect.objectContaining({ activeDevices: 2 })]);
  });

  it('the same person again on this computer (identifier typed in capitals) is told the account is already active', async () => {
    const tested = await activeAdministrator();
    expect(await bridgeError(tested.bridge.startActivation({ serverUrl: server.baseUrl, identifier: tested.admin.identifier.toUpperCase(), secretCode: tested.admin.secretCode })))
      .toMatchObject({ code: 'account_already_added', message: 'This account is already active on this computer.' });
    expect((await tested.bridge.getSnapshot()).accounts).toHaveLength(1);
  });

  it('a computer whose clock is 7 minutes slow: the code’s end is shown in its own time, and activating and approving still work', async () => {
    const admin = await server.readyPrimaryAdmin();
    const slow = 7 * 60_000;
    const localClock = { now: () => server.clock.now() - slow, setTimeout: clockOf(server).setTimeout };
    const tested = await createCoreUnderTest({ clock: localClock });
    running.push(tested);
    const { bridge } = tested;
    const started = await bridge.startActivation({ serverUrl: server.baseUrl, identifier: admin.identifier, secretCode: admin.secretCode });
    const sent = await bridge.requestActivationCode({ accountId: started.id, channel: 'sms' });
    // The bank's end is its own time + 5 minutes; this computer shows its own time + 5 minutes, so the countdown is
    // right. The offset is learned from the Date header (whole seconds): within a second.
    const shownAgainstLocal = (time: string | null | undefined) => Date.parse(time ?? '') - localClock.now();
    expect(Math.abs(shownAgainstLocal(sent.activation?.codeExpiresAt) - 5 * 60_000)).toBeLessThanOrEqual(1_000);
    expect(Math.abs(shownAgainstLocal(sent.activation?.codeGeneratedAt))).toBeLessThanOrEqual(1_000);

    const code = await server.latestCode('activation_code', admin.securityPhone ?? undefined);
    expect((await bridge.submitActivationCode({ accountId: started.id, code })).status).toBe('active');
    await bridge.setApprovalCode({ accountId: started.id, code: TEST_APPROVAL_CODE });
    await approveWaitingPortal(bridge, started.id, admin.portal); // a login, signed with the bank's time
    const { operation } = await admin.portal.call('createTransfer', { body: TRANSFER });
    await pendingArrival(tested, operation.id);
    expect((await bridge.decide({ accountId: started.id, validationId: operation.id, decision: 'approve', numberChoice: null, approvalCode: TEST_APPROVAL_CODE })).status).toBe('approved');
  });
});
