/**
 * What the app's log tells support about one person's whole journey, line by line: each step named, with the
 * account's, device's and request's identifiers and the error codes of what was refused, and never a secret (the
 * secret code, an activation code, the approval code) nor a key.
 */
import { expect, it } from 'vitest';
import { defaultPersistedState, type PersistedStateT } from '../../../main/core/state';
import type { TestServer } from '../../harness/server';
import {
  approveWaitingPortal, bridgeError, clockOf, createCoreUnderTest, memoryStore, pendingArrival, recordingLogger, referenceServerForFile, spyVault, TEST_APPROVAL_CODE,
} from './support';

let server: TestServer;
referenceServerForFile((started) => (server = started));

function otherDigits(code: string): string {
  return [...code].map((digit) => String((Number(digit) + 1) % 10)).join('');
}

it('the log names every step of a journey by identifiers and error codes, and holds no secret', async () => {
  const logger = recordingLogger();
  const vault = spyVault();
  const admin = await server.readyPrimaryAdmin();
  const tested = await createCoreUnderTest({ clock: clockOf(server), logger, vault, store: memoryStore<PersistedStateT>(defaultPersistedState()) });
  const { bridge } = tested;
  const serverUrl = server.baseUrl;

  expect(await bridgeError(bridge.startActivation({ serverUrl, identifier: admin.identifier, secretCode: otherDigits(admin.secretCode) }))).toMatchObject({ code: 'invalid_credentials' });
  const started = await bridge.startActivation({ serverUrl, identifier: admin.identifier, secretCode: admin.secretCode });
  const accountId = started.id;
  await bridge.nameDevice({ accountId, deviceName: 'PC compta' });
  await bridge.requestActivationCode({ accountId, channel: 'voice' });
  const activationCode = await server.latestCode('activation_code', admin.securityPhone ?? undefined);
  expect(await bridgeError(bridge.submitActivationCode({ accountId, code: otherDigits(activationCode) }))).toMatchObject({ code: 'activation_code_invalid' });
  const active = await bridge.submitActivationCode({ accountId, code: activationCode });
  await bridge.setApprovalCode({ accountId, code: TEST_APPROVAL_CODE });
  await approveWaitingPortal(bridge, accountId, admin.portal);
  const login = tested.logger.lines.find((line) => line.message === 'validation received')?.fields?.validationId;

  const { operation } = await admin.portal.call('createTransfer', { body: { amount: '950.00', currency: 'EUR', payeeName: 'Imprimerie Vasseur', iban: 'FR76 3000 6000 0112 3456 7890 189', reference: 'F12' } });
  await pendingArrival(tested, operation.id);
  expect(await bridgeError(bridge.decide({ accountId, validationId: operation.id, decision: 'approve', numberChoice: null, approvalCode: '730518' }))).toMatchObject({ code: 'approval_code_invalid' });
  await bridge.decide({ accountId, validationId: operation.id, decision: 'reject', numberChoice: null, approvalCode: null });
  await bridge.changeApprovalCode({ accountId, currentCode: TEST_APPROVAL_CODE, newCode: '730518' });
  await bridge.removeAccount({ accountId });
  await tested.stop();

  expect(logger.lines).toEqual([
    { level: 'info', message: 'sign-in for activation refused', fields: { server: serverUrl, error: 'invalid_credentials' } },
    { level: 'info', message: 'activation started', fields: { accountId, server: serverUrl, delivery: 'security_phone' } },
    { level: 'info', message: 'device named', fields: { accountId } },
    { level: 'info', message: 'activation code requested', fields: { accountId, delivery: 'security_phone', channel: 'voice' } },
    { level: 'info', message: 'activation code refused', fields: { accountId, error: 'activation_code_invalid' } },
    { level: 'info', message: 'device activated', fields: { accountId, deviceId: active.deviceId } },
    { level: 'info', message: 'approval code set', fields: { accountId } },
    { level: 'info', message: 'validation received', fields: { accountId, validationId: login, kind: 'login' } },
    { level: 'info', message: 'decision recorded', fields: { accountId, validationId: login, decision: 'approve', status: 'approved' } },
    { level: 'info', message: 'validation received', fields: { accountId, validationId: operation.id, kind: 'transfer' } },
    { level: 'info', message: 'decision refused', fields: { accountId, validationId: operation.id, error: 'approval_code_invalid', attemptsLeft: 4 } },
    { level: 'info', message: 'decision recorded', fields: { accountId, validationId: operation.id, decision: 'reject', status: 'rejected' } },
    { level: 'info', message: 'approval code changed', fields: { accountId } },
    { level: 'info', message: 'device deactivated on the server', fields: { accountId } },
    { level: 'info', message: 'account removed from this computer', fields: { accountId, reason: 'removed by the user' } },
  ]);
  const text = logger.text();
  for (const secret of [admin.secretCode, activationCode, TEST_APPROVAL_CODE, '730518', ...vault.storedKeys.map((key) => Buffer.from(key).toString('base64url'))]) {
    expect(text).not.toContain(secret);
  }
});
