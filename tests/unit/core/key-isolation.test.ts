/**
 * "The private key never crosses the bridge, never lands in settings, logs, errors or events."
 * A whole life on one shared computer — two people activate, choose their approval codes, approve, reject, fail,
 * remove — while everything that leaves the core is recorded; then every recording is searched for each key in every
 * usual spelling, for the secret, activation and approval codes that were typed, and for what only the server may
 * hold of an approval key: its public half and the signatures it made (either would let a guess be checked).
 */
import { describe, expect, it, vi } from 'vitest';
import { toBase64Url, toHex } from '../../../protocol/index';
import type { TestServer } from '../../harness/server';
import type { PersistedStateT } from '../../../main/core/state';
import {
  activateThroughBridge, approveWaitingPortal, bridgeError, clockOf, createCoreUnderTest, memoryStore, recordingLogger, recordingTransport, referenceServerForFile, spyVault,
} from './support';

/** Longer than the people of the other tests choose, so that finding it by chance in a recording is out of the question. */
const ADMIN_CODE = '739164205837';
const COLLEAGUE_CODE = '518302947761';

let server: TestServer;
referenceServerForFile((started) => (server = started));

function spellings(key: Uint8Array): string[] {
  const base64 = Buffer.from(key).toString('base64');
  return [
    toHex(key),
    toHex(key).toUpperCase(),
    toBase64Url(key),
    base64,
    base64.replace(/=+$/, ''),
    Array.from(key).join(','),
    // JSON.stringify of a Uint8Array: {"0":12,"1":34,...}
    JSON.stringify(Object.fromEntries(Array.from(key.slice(0, 4), (byte, index) => [String(index), byte]))).slice(1, -1),
  ];
}

describe('key material never leaves the vault', () => {
  it('is in no bridge result, error, event, log line or saved state after a whole flow', async () => {
    const vault = spyVault();
    const store = memoryStore<PersistedStateT>();
    const logger = recordingLogger();
    const savedStates: string[] = [];
    const recordingStore = { ...store, location: store.location, read: () => store.read(), write: (value: PersistedStateT) => { savedStates.push(JSON.stringify(value)); store.write(value); } };
    const transport = recordingTransport();
    const tested = await createCoreUnderTest({ clock: clockOf(server), vault, store: recordingStore, logger, transport });
    const { bridge, core } = tested;
    const typedSecrets: string[] = [];

    try {
      // The administrator: a wrong secret code first, then the activation with a wrong SMS code on the way.
      const admin = await server.readyPrimaryAdmin();
      typedSecrets.push(admin.secretCode);
      await bridgeError(bridge.startActivation({ serverUrl: server.baseUrl, identifier: admin.identifier, secretCode: 'WrongCode123' }));
      const adminAccount = await bridge.startActivation({ serverUrl: server.baseUrl, identifier: admin.identifier, secretCode: admin.secretCode });
      await bridge.nameDevice({ accountId: adminAccount.id, deviceName: 'Poste trésorerie' });
      await bridge.requestActivationCode({ accountId: adminAccount.id, channel: 'sms' });
      await bridgeError(bridge.submitActivationCode({ accountId: adminAccount.id, code: '00000000' }));
      const smsCode = await server.latestCode('activation_code', admin.securityPhone ?? undefined);
      typedSecrets.push(smsCode);
      await bridge.submitActivationCode({ accountId: adminAccount.id, code: smsCode });
      await bridgeError(bridge.setApprovalCode({ accountId: adminAccount.id, code: '123456' }));
      await bridge.setApprovalCode({ accountId: adminAccount.id, code: ADMIN_CODE });
      typedSecrets.push(ADMIN_CODE);
      // The Espace Client session that waited at the installation step passes Secure Access, with the approval code.
      await approveWaitingPortal(bridge, adminAccount.id, admin.portal, ADMIN_CODE);

      // A colleague on the same computer.
      const colleague = await server.readySecondaryUser(admin.portal);
      typedSecrets.push(colleague.secretCode, COLLEAGUE_CODE);
      const colleagueAccount = await activateThroughBridge(bridge, server, colleague, { administrator: admin.portal, approvalCode: COLLEAGUE_CODE });

      // A login with number matching, a transfer approved, one rejected.
      const browser = server.portal();
      const session = await browser.call('login', { body: { identifier: admin.identifier, secretCode: admin.secretCode } });
      await vi.waitFor(() => expect(core.pendingNow().map((validation) => validation.id)).toContain(session.loginValidation!.id), { timeout: 10_000 });
      // The colleague's code, typed for the administrator's login: wrong, and counted by the server.
      await bridgeError(bridge.decide({ accountId: adminAccount.id, validationId: session.loginValidation!.id, decision: 'approve', numberChoice: session.loginValidation!.number, approvalCode: COLLEAGUE_CODE }));
      await bridge.decide({ accountId: adminAccount.id, validationId: session.loginValidation!.id, decision: 'approve', numberChoice: session.loginValidation!.number, approvalCode: ADMIN_CODE });
      const approved = (await admin.portal.call('createTransfer', { body: { amount: '250000.00', currency: 'EUR', payeeName: 'Fournitures Lemoine SARL', iban: 'FR7630006000011234567890189', reference: 'Facture 118' } })).operation;
      const rejected = (await admin.portal.call('createTransfer', { body: { amount: '990.00', currency: 'EUR', payeeName: 'Inconnu', iban: 'FR7630006000011234567890189', reference: '' } })).operation;
      await vi.waitFor(() => expect(core.pendingNow()).toHaveLength(2), { timeout: 10_000 });
      await bridge.decide({ accountId: adminAccount.id, validationId: approved.id, decision: 'approve', numberChoice: null, approvalCode: ADMIN_CODE });
      await bridge.decide({ accountId: adminAccount.id, validationId: rejected.id, decision: 'reject', numberChoice: null, approvalCode: null });
      await bridgeError(bridge.decide({ accountId: adminAccount.id, validationId: rejected.id, decision: 'approve', numberChoice: null, approvalCode: ADMIN_CODE }));
      const changed = '604917352816';
      await bridge.changeApprovalCode({ accountId: adminAccount.id, currentCode: ADMIN_CODE, newCode: changed });
      typedSecrets.push(changed);

      await bridge.updateSettings({ language: 'en', notifications: false });
      await bridge.checkNow();
      await bridge.getSnapshot();
      await bridge.removeAccount({ accountId: colleagueAccount.id });
      await bridge.getSnapshot();
    } finally {
      await tested.stop();
    }

    expect(vault.storedKeys).toHaveLength(3);
    expect(tested.results.length).toBeGreaterThan(15);
    expect(tested.events.map((entry) => entry.event)).toEqual(expect.arrayContaining(['onAccountsChanged', 'onPendingChanged', 'onConnectivityChanged', 'onSettingsChanged']));
    const recordings = {
      'bridge results and errors': JSON.stringify(tested.results),
      events: JSON.stringify(tested.events),
      'log lines': logger.text(),
      'saved state': savedStates.join('\n'),
    };
    for (const key of vault.storedKeys) {
      expect(key.some((byte) => byte !== 0)).toBe(true);
      for (const [where, text] of Object.entries(recordings)) {
        for (const spelling of spellings(key)) expect(text.includes(spelling), `a key found in ${where}`).toBe(false);
      }
    }
    for (const secret of typedSecrets) {
      for (const [where, text] of Object.entries(recordings)) expect(text.includes(secret), `a typed secret found in ${where}`).toBe(false);
    }

    // What was sent of the approval keys, and only sent: their public halves (registration, change) and signatures.
    const sentToServer = transport.exchanges.flatMap(({ request }) => {
      if (!request.body) return [];
      const body = JSON.parse(request.body) as { publicKey?: string; approvalSignature?: string; signature?: string; previousSignature?: string };
      if (request.url.includes('/approval-key')) return [body.publicKey, body.signature, body.previousSignature];
      return [body.approvalSignature];
    }).filter((value): value is string => typeof value === 'string');
    expect(sentToServer.length).toBeGreaterThanOrEqual(3 + 3 + 2);
    for (const value of sentToServer) {
      for (const [where, text] of Object.entries(recordings)) expect(text.includes(value), `an approval key's public half or signature found in ${where}`).toBe(false);
    }
  });
});
