/**
 * The activation state machine, driven through the bridge as the screens drive it, against the real reference
 * server (SQLite). Keys in the in-memory vault: the keychain is the integration tests' business.
 */
import { describe, expect, it } from 'vitest';
import type { TestServer } from '../../harness/server';
import { refusingUrl } from '../../harness/network';
import type { PersistedStateT } from '../../../main/core/state';
import { createMemoryVault } from '../../../main/platform/memory-vault';
import { createNodeTransport } from '../../../main/platform/node-transport';
import { NO_POLICY } from '../../../main/core/authenticator';
import { approveWaitingPortal, bridgeError, clockOf, createCoreUnderTest, memoryStore, referenceServerForFile, stopAll, type CoreUnderTest, TEST_APPROVAL_CODE } from './support';

let server: TestServer;
const running: CoreUnderTest[] = [];
referenceServerForFile((started) => (server = started), () => stopAll(running));

async function newCore(options: Partial<Parameters<typeof createCoreUnderTest>[0]> = {}): Promise<CoreUnderTest> {
  const core = await createCoreUnderTest({ clock: clockOf(server), ...options });
  running.push(core);
  return core;
}

const minutes = (n: number) => n * 60_000;

describe('the server address a packaged app accepts', () => {
  it('refuses a plain-http server, even on this computer, outside a development build; the same server is fine in one', async () => {
    const admin = await server.readyPrimaryAdmin();
    expect(server.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const packaged = await newCore({ allowLoopbackHttp: false });
    const refused = await bridgeError(packaged.bridge.startActivation({ serverUrl: server.baseUrl, identifier: admin.identifier, secretCode: admin.secretCode }));
    expect(refused).toMatchObject({ code: 'invalid_input', field: 'serverUrl' });
    await expect(packaged.bridge.updateSettings({ defaultServerUrl: server.baseUrl })).rejects.toMatchObject({ code: 'invalid_input' });
    expect((await packaged.bridge.getSnapshot()).accounts).toEqual([]);

    const development = await newCore({ allowLoopbackHttp: true });
    expect(await development.bridge.startActivation({ serverUrl: server.baseUrl, identifier: admin.identifier, secretCode: admin.secretCode }))
      .toMatchObject({ status: 'activating', identifier: admin.identifier });
  });
});

describe('activation: a primary administrator’s first device, code by SMS', () => {
  it('goes sign in → name the device → SMS code (5 minutes) → active, each step telling the next screen', async () => {
    const admin = await server.readyPrimaryAdmin();
    const { bridge, store } = await newCore();

    const signedIn = await bridge.startActivation({ serverUrl: server.baseUrl, identifier: admin.identifier, secretCode: admin.secretCode });
    expect(signedIn).toMatchObject({
      status: 'activating', identifier: admin.identifier, companyName: 'Durand Industrie SAS', role: 'primary_admin', deviceId: null,
      deviceName: 'amartin – PC-COMPTA-04',
      activation: { step: 'name_device', enrolmentState: 'awaiting_code_request', codeDelivery: 'security_phone', codeFormat: 'digits8', channel: null },
    });
    expect(signedIn.activation?.securityPhoneMasked).toMatch(/•/);

    const named = await bridge.nameDevice({ accountId: signedIn.id, deviceName: '  Poste trésorerie  ' });
    expect(named).toMatchObject({ deviceName: 'Poste trésorerie', activation: { step: 'request_code' } });

    const sent = await bridge.requestActivationCode({ accountId: signedIn.id, channel: 'sms' });
    expect(sent.activation).toMatchObject({
      step: 'enter_code', enrolmentState: 'code_sent', channel: 'sms', codeValiditySeconds: 300, attemptsLeft: 5,
      codeExpiresAt: new Date(server.clock.now() + minutes(5)).toISOString(),
    });

    const wrong = await bridgeError(bridge.submitActivationCode({ accountId: signedIn.id, code: '00000000' }));
    expect(wrong).toMatchObject({ code: 'activation_code_invalid', attemptsLeft: 4 });
    const [afterWrong] = (await bridge.getSnapshot()).accounts;
    expect(afterWrong?.activation?.attemptsLeft).toBe(4);

    const code = await server.latestCode('activation_code', admin.securityPhone ?? undefined);
    const active = await bridge.submitActivationCode({ accountId: signedIn.id, code: `${code.slice(0, 4)} ${code.slice(4)}` });
    expect(active).toMatchObject({ status: 'active', activation: null, deviceName: 'Poste trésorerie', activeDevices: 1, maxDevices: 5 });
    expect(active.deviceId).toMatch(/^dev_/);
    // The portal session that waited at the installation step now asks Secure Access, and the app approves it once
    // the person has chosen their approval code.
    expect(await admin.portal.call('getSession')).toMatchObject({ step: 'secure_access', loginValidation: null });
    await bridge.setApprovalCode({ accountId: signedIn.id, code: TEST_APPROVAL_CODE });
    await approveWaitingPortal(bridge, signedIn.id, admin.portal, TEST_APPROVAL_CODE);
    expect((await admin.portal.call('getSession')).step).toBe('authenticated');

    const saved = (store as ReturnType<typeof memoryStore<PersistedStateT>>).saved;
    expect(saved?.accounts).toEqual([expect.objectContaining({ id: signedIn.id, status: 'active', deviceId: active.deviceId, enrolment: null })]);
  });

  it('a typo in the code format costs no attempt', async () => {
    const admin = await server.readyPrimaryAdmin();
    const { bridge } = await newCore();
    const account = await bridge.startActivation({ serverUrl: server.baseUrl, identifier: admin.identifier, secretCode: admin.secretCode });
    await bridge.requestActivationCode({ accountId: account.id, channel: 'voice' });
    const typo = await bridgeError(bridge.submitActivationCode({ accountId: account.id, code: '1234567' }));
    expect(typo).toMatchObject({ code: 'invalid_input', field: 'code' });
    const [after] = (await bridge.getSnapshot()).accounts;
    expect(after?.activation).toMatchObject({ attemptsLeft: 5, channel: 'voice', step: 'enter_code' });
  });

  it('an expired SMS code is refused, and a new one can be asked for', async () => {
    const admin = await server.readyPrimaryAdmin();
    const { bridge } = await newCore();
    const account = await bridge.startActivation({ serverUrl: server.baseUrl, identifier: admin.identifier, secretCode: admin.secretCode });
    await bridge.requestActivationCode({ accountId: account.id, channel: 'sms' });
    const stale = await server.latestCode('activation_code', admin.securityPhone ?? undefined);
    server.clock.advance(minutes(5) + 1_000);
    expect(await bridgeError(bridge.submitActivationCode({ accountId: account.id, code: stale }))).toMatchObject({ code: 'activation_code_expired' });
    const again = await bridge.requestActivationCode({ accountId: account.id, channel: 'sms' });
    expect(again.activation?.codeExpiresAt).toBe(new Date(server.clock.now() + minutes(5)).toISOString());
    const fresh = await server.latestCode('activation_code', admin.securityPhone ?? undefined);
    expect((await bridge.submitActivationCode({ accountId: account.id, code: fresh })).status).toBe('active');
  });

  it('five wrong codes end the activation: the step becomes "failed", and signing in again starts over', async () => {
    const admin = await server.readyPrimaryAdmin();
    const { bridge } = await newCore();
    const account = await bridge.startActivation({ serverUrl: server.baseUrl, identifier: admin.identifier, secretCode: admin.secretCode });
    await bridge.requestActivationCode({ accountId: account.id, channel: 'sms' });
    for (let attempt = 4; attempt >= 1; attempt--) {
      expect(await bridgeError(bridge.submitActivationCode({ accountId: account.id, code: '11111111' }))).toMatchObject({ code: 'activation_code_invalid', attemptsLeft: attempt });
    }
    expect(await bridgeError(bridge.submitActivationCode({ accountId: account.id, code: '11111111' }))).toMatchObject({ code: 'activation_attempts_exhausted', attemptsLeft: 0 });
    const [failed] = (await bridge.getSnapshot()).accounts;
    expect(failed?.activation).toMatchObject({ step: 'failed', enrolmentState: 'failed', attemptsLeft: 0 });

    const restarted = await bridge.startActivation({ serverUrl: server.baseUrl, identifier: admin.identifier, secretCode: admin.secretCode });
    const { accounts } = await bridge.getSnapshot();
    expect(accounts.map((candidate) => candidate.id)).toEqual([restarted.id]);
    expect(restarted.activation?.step).toBe('name_device');
  });

  it('resumes where it stopped after the app restarts', async () => {
    const admin = await server.readyPrimaryAdmin();
    const vault = createMemoryVault();
    const store = memoryStore<PersistedStateT>();
    const first = await newCore({ vault, store });
    const account = await first.bridge.startActivation({ serverUrl: server.baseUrl, identifier: admin.identifier, secretCode: admin.secretCode });
    await first.bridge.nameDevice({ accountId: account.id, deviceName: 'Portable direction' });
    await first.bridge.requestActivationCode({ accountId: account.id, channel: 'sms' });
    await first.stop();

    const second = await newCore({ vault, store });
    const [resumed] = (await second.bridge.getSnapshot()).accounts;
    expect(resumed).toMatchObject({ id: account.id, status: 'activating', deviceName: 'Portable direction', activation: { step: 'enter_code', enrolmentState: 'code_sent' } });
    const code = await server.latestCode('activation_code', admin.securityPhone ?? undefined);
    expect((await second.bridge.submitActivationCode({ accountId: account.id, code })).status).toBe('active');
  });
});

describe('activation: a connection cut at the worst moment', () => {
  it('an activation whose answer was lost on the way back is completed when the code is sent again', async () => {
    const admin = await server.readyPrimaryAdmin();
    const network = createNodeTransport();
    let cutNextActivation = true;
    const { bridge } = await newCore({
      transport: {
        async send(request) {
          const response = await network.send(request);
          if (cutNextActivation && request.url.endsWith('/activate')) {
            cutNextActivation = false;
            throw new TypeError('fetch failed: socket hang up'); // the server did activate; we never hear it
          }
          return response;
        },
      },
    });
    const account = await bridge.startActivation({ serverUrl: server.baseUrl, identifier: admin.identifier, secretCode: admin.secretCode });
    await bridge.requestActivationCode({ accountId: account.id, channel: 'sms' });
    const code = await server.latestCode('activation_code', admin.securityPhone ?? undefined);
    expect(await bridgeError(bridge.submitActivationCode({ accountId: account.id, code }))).toMatchObject({ code: 'server_unreachable' });
    expect((await bridge.getSnapshot()).accounts[0]?.status).toBe('activating');

    const retried = await bridge.submitActivationCode({ accountId: account.id, code });
    expect(retried).toMatchObject({ status: 'active', activation: null });
    expect(retried.deviceId).toMatch(/^dev_/);
    expect((await admin.portal.call('getSession')).activeDevices).toBe(1);
  });
});

describe('activation: further devices and secondary users', () => {
  it('a secondary user’s request goes to the administrator; the code appears once generated and is valid 24 hours', async () => {
    const admin = await server.readyPrimaryAdmin();
    await server.activateDevice(admin);
    const user = await server.readySecondaryUser(admin.portal);
    const { bridge } = await newCore();
    const account = await bridge.startActivation({ serverUrl: server.baseUrl, identifier: user.identifier, secretCode: user.secretCode });
    expect(account.activation).toMatchObject({ codeDelivery: 'administrator', codeFormat: 'grouped', securityPhoneMasked: null });

    // SMS is not a way for this user: refused before anything is sent.
    expect(await bridgeError(bridge.requestActivationCode({ accountId: account.id, channel: 'sms' }))).toMatchObject({ code: 'invalid_input', field: 'channel' });
    const requested = await bridge.requestActivationCode({ accountId: account.id, channel: null });
    expect(requested.activation).toMatchObject({ step: 'enter_code', enrolmentState: 'awaiting_administrator', codeExpiresAt: null });
    expect(await bridgeError(bridge.submitActivationCode({ accountId: account.id, code: 'ABCD-EFGH-JKLM' }))).toMatchObject({ code: 'activation_code_not_issued' });

    const { activations } = await admin.portal.call('listActivations');
    const request = activations.find((activation) => activation.user.identifier === user.identifier);
    expect(request?.deviceName).toBe('amartin – PC-COMPTA-04');
    const { activation } = await admin.portal.call('generateActivationCode', { params: { id: request!.enrolmentId } });

    const refreshed = await bridge.refreshActivation({ accountId: account.id });
    expect(refreshed.activation).toMatchObject({
      enrolmentState: 'code_available', codeValiditySeconds: 86_400, codeExpiresAt: new Date(server.clock.now() + 24 * 60 * minutes(1)).toISOString(),
    });
    const active = await bridge.submitActivationCode({ accountId: account.id, code: activation.code!.toLowerCase() });
    expect(active).toMatchObject({ status: 'active', role: 'user' });
  });

  it('an administrator’s further device gets its code from Administration at once', async () => {
    const admin = await server.readyPrimaryAdmin();
    await server.activateDevice(admin);
    const { bridge } = await newCore();
    const account = await bridge.startActivation({ serverUrl: server.baseUrl, identifier: admin.identifier, secretCode: admin.secretCode });
    expect(account.activation?.codeDelivery).toBe('administration');
    const requested = await bridge.requestActivationCode({ accountId: account.id, channel: null });
    expect(requested.activation).toMatchObject({ step: 'enter_code', enrolmentState: 'code_available', codeValiditySeconds: 86_400 });
    const { activations } = await admin.portal.call('listActivations');
    const code = activations.find((activation) => activation.enrolmentId === requested.activation?.enrolmentId)?.code;
    expect((await bridge.submitActivationCode({ accountId: account.id, code: code! })).activeDevices).toBe(2);
  });
});

describe('activation: the path changes while the app waits', () => {
  /** An administrator's further installation, started on the Administration path; the other device is then revoked. */
  async function otherDeviceRevokedWhileWaiting() {
    const admin = await server.readyPrimaryAdmin();
    const other = await server.activateDevice(admin);
    const { bridge } = await newCore();
    const account = await bridge.startActivation({ serverUrl: server.baseUrl, identifier: admin.identifier, secretCode: admin.secretCode });
    expect(account.activation?.codeDelivery).toBe('administration');
    await admin.portal.call('revokeMyDevice', { params: { id: other.keyId! } });
    return { admin, bridge, account };
  }

  it('the administrator’s other device is revoked before the code is asked for: told so, the SMS/voice screen shows, and SMS then works', async () => {
    const { admin, bridge, account } = await otherDeviceRevokedWhileWaiting();

    // The screen still shows the Administration path and asks for its code: the bank refuses, the person is told
    // the path changed, and the account now shows the Security Phone path.
    expect(await bridgeError(bridge.requestActivationCode({ accountId: account.id, channel: null }))).toMatchObject({ code: 'activation_path_changed', field: 'channel' });
    const [shown] = (await bridge.getSnapshot()).accounts;
    expect(shown?.activation).toMatchObject({ enrolmentState: 'awaiting_code_request', codeDelivery: 'security_phone', codeFormat: 'digits8' });

    server.clock.advance(1000); // the other device's code went to the same phone: "newest" must be this one
    const sent = await bridge.requestActivationCode({ accountId: account.id, channel: 'voice' });
    expect(sent.activation).toMatchObject({ step: 'enter_code', codeDelivery: 'security_phone', channel: 'voice', codeValiditySeconds: 300 });
    const code = await server.latestCode('activation_code', admin.securityPhone ?? undefined);
    expect((await bridge.submitActivationCode({ accountId: account.id, code })).status).toBe('active');
  });

  it('SMS chosen while this app still holds the Administration path: it asks the bank for the path first, then sends', async () => {
    const { bridge, account } = await otherDeviceRevokedWhileWaiting();
    server.clock.advance(1000);
    const sent = await bridge.requestActivationCode({ accountId: account.id, channel: 'sms' });
    expect(sent.activation).toMatchObject({ step: 'enter_code', codeDelivery: 'security_phone', channel: 'sms' });
  });

  it('an SMS asked for after the path moved to Administration: told so, the Administration screen shows, and its code works', async () => {
    const admin = await server.readyPrimaryAdmin();
    const { bridge } = await newCore();
    const account = await bridge.startActivation({ serverUrl: server.baseUrl, identifier: admin.identifier, secretCode: admin.secretCode });
    expect(account.activation?.codeDelivery).toBe('security_phone');
    await server.activateDevice(admin);

    expect(await bridgeError(bridge.requestActivationCode({ accountId: account.id, channel: 'sms' }))).toMatchObject({ code: 'activation_path_changed', field: 'channel' });
    const [shown] = (await bridge.getSnapshot()).accounts;
    expect(shown?.activation).toMatchObject({ enrolmentState: 'awaiting_code_request', codeDelivery: 'administration', codeFormat: 'grouped' });

    const requested = await bridge.requestActivationCode({ accountId: account.id, channel: null });
    expect(requested.activation).toMatchObject({ step: 'enter_code', codeDelivery: 'administration', enrolmentState: 'code_available', channel: null });
    const { activations } = await admin.portal.call('listActivations');
    const code = activations.find((activation) => activation.enrolmentId === requested.activation?.enrolmentId)?.code;
    expect((await bridge.submitActivationCode({ accountId: account.id, code: code! })).activeDevices).toBe(2);
  });
});

describe('activation: what is refused', () => {
  it('a wrong secret code: invalid_credentials with the attempts left, and no key is kept', async () => {
    const admin = await server.readyPrimaryAdmin();
    const vault = createMemoryVault();
    const { bridge } = await newCore({ vault });
    const refused = await bridgeError(bridge.startActivation({ serverUrl: server.baseUrl, identifier: admin.identifier, secretCode: 'NotTheCode1' }));
    expect(refused.code).toBe('invalid_credentials');
    // Five wrong codes in a row lock the access: one spent, four left.
    expect(refused.attemptsLeft).toBe(4);
    expect(await vault.list()).toEqual([]);
    expect((await bridge.getSnapshot()).accounts).toEqual([]);
  });

  it('an unreachable server: server_unreachable, and no key is kept', async () => {
    const vault = createMemoryVault();
    const { bridge } = await newCore({ vault });
    const refused = await bridgeError(bridge.startActivation({ serverUrl: await refusingUrl(), identifier: 'amartin', secretCode: 'Tresorerie2026' }));
    expect(refused.code).toBe('server_unreachable');
    expect(await vault.list()).toEqual([]);
  });

  it('a server address in clear over the network, or one the policy does not allow', async () => {
    const { bridge } = await newCore();
    expect(await bridgeError(bridge.startActivation({ serverUrl: 'http://bank.example', identifier: 'amartin', secretCode: 'Tresorerie2026' })))
      .toMatchObject({ code: 'invalid_input', field: 'serverUrl' });
    const locked = await newCore({ policy: { ...NO_POLICY, source: '/etc/secure-access/policy.json', serverUrl: 'https://secure-access.bank.example', serverUrlLocked: true } });
    expect(await bridgeError(locked.bridge.startActivation({ serverUrl: server.baseUrl, identifier: 'amartin', secretCode: 'Tresorerie2026' })))
      .toMatchObject({ code: 'not_allowed_by_policy', field: 'serverUrl' });
    expect(await bridgeError(locked.bridge.updateSettings({ defaultServerUrl: 'https://other.example' }))).toMatchObject({ code: 'not_allowed_by_policy' });
    expect((await locked.bridge.getSnapshot()).settings.defaultServerUrl).toBe('https://secure-access.bank.example');
  });

  it('the same account twice on one computer', async () => {
    const admin = await server.readyPrimaryAdmin();
    const { bridge } = await newCore();
    const account = await bridge.startActivation({ serverUrl: server.baseUrl, identifier: admin.identifier, secretCode: admin.secretCode });
    await bridge.requestActivationCode({ accountId: account.id, channel: 'sms' });
    await bridge.submitActivationCode({ accountId: account.id, code: await server.latestCode('activation_code', admin.securityPhone ?? undefined) });
    expect(await bridgeError(bridge.startActivation({ serverUrl: `${server.baseUrl}/`, identifier: admin.identifier.toUpperCase(), secretCode: admin.secretCode })))
      .toMatchObject({ code: 'account_already_added' });
  });

  it('inputs the contract does not allow', async () => {
    const { bridge } = await newCore();
    const cases: [() => Promise<unknown>, string | undefined][] = [
      [() => bridge.startActivation({ serverUrl: server.baseUrl, identifier: 'a b', secretCode: 'x' } as never), 'identifier'],
      [() => bridge.nameDevice({ accountId: 'acc_doesnotexist', deviceName: 'PC\u0007' }), 'deviceName'],
      [() => bridge.nameDevice({ accountId: 'acc_doesnotexist', deviceName: 'x'.repeat(65) }), 'deviceName'],
      [() => bridge.decide({ accountId: 'acc_doesnotexist', validationId: 'val_0123456789', decision: 'approve', numberChoice: 7, approvalCode: TEST_APPROVAL_CODE }), 'numberChoice'],
      [() => bridge.decide({ accountId: 'acc_doesnotexist', validationId: 'val_0123456789', decision: 'approve', numberChoice: null, approvalCode: TEST_APPROVAL_CODE, details: {} } as never), 'details'],
      [() => bridge.updateSettings({ language: 'de' } as never), 'language'],
      [() => (bridge.removeAccount as (input: unknown) => Promise<void>)(null), undefined],
    ];
    for (const [call, field] of cases) {
      const error = await bridgeError(call());
      expect(error.code).toBe('invalid_input');
      expect(error.field).toBe(field);
    }
    expect(await bridgeError(bridge.nameDevice({ accountId: 'acc_doesnotexist', deviceName: 'PC' }))).toMatchObject({ code: 'account_not_found' });
  });
});
