/**
 * Pending validations and decisions, end to end below the screens: the core with the real OS keychain, against the
 * real reference server. Run inside the keyring session (`sh scripts/with-keyring.sh npx vitest run tests/integration/core`).
 */
import { describe, expect, it, vi } from 'vitest';
import { detailsHash, type DecisionBodyT, type PendingResponseT, type TransferDetailsT } from '../../../protocol/index';
import type { HttpRequest, HttpTransport } from '../../../main/core/ports';
import { createNodeTransport } from '../../../main/platform/node-transport';
import type { ReadyUser, TestServer } from '../../harness/server';
import { activateThroughBridge, bridgeError, clockOf, createCoreUnderTest, referenceServerForFile, TEST_APPROVAL_CODE } from '../../unit/core/support';
import { closeAllInstallations, installApp, registeredPublicKey, type Installation } from './support';

let server: TestServer;
referenceServerForFile((started) => (server = started), closeAllInstallations);

const TRANSFER = { amount: '250000.00', currency: 'EUR', payeeName: 'Fournitures Lemoine SARL', iban: 'FR76 3000 6000 0112 3456 7890 189', reference: 'Facture 2026-118' } as const;

async function activeAdministrator(): Promise<{ admin: ReadyUser; app: Installation; accountId: string }> {
  const admin = await server.readyPrimaryAdmin();
  const app = await installApp(server);
  const account = await activateThroughBridge(app.bridge, server, admin, { deviceName: 'PC trésorerie' });
  return { admin, app, accountId: account.id };
}

async function arrival(app: Pick<Installation, 'core'>, validationId: string) {
  await vi.waitFor(() => expect(app.core.pendingNow().map((validation) => validation.id)).toContain(validationId), { timeout: 10_000 });
  return app.core.pendingNow().find((validation) => validation.id === validationId)!;
}

describe('approving and rejecting on Secure Access', () => {
  it('a portal login is approved with number matching, and the portal session becomes authenticated', async () => {
    const { admin, app, accountId } = await activeAdministrator();
    const browser = server.portal();
    const session = await browser.call('login', { body: { identifier: admin.identifier, secretCode: admin.secretCode } });
    expect(session.step).toBe('secure_access');
    const login = await arrival(app, session.loginValidation!.id);
    expect(login).toMatchObject({ kind: 'login', details: { type: 'login', channel: 'portal' } });
    expect(login.numberChoices).toHaveLength(3);
    expect(login.numberChoices).toContain(session.loginValidation!.number);

    const result = await app.bridge.decide({ accountId, validationId: login.id, decision: 'approve', numberChoice: session.loginValidation!.number, approvalCode: TEST_APPROVAL_CODE });
    expect(result.status).toBe('approved');
    expect((await browser.call('getSession')).step).toBe('authenticated');
  });

  it('a transfer is approved, another rejected: the portal sees each outcome', async () => {
    const { admin, app, accountId } = await activeAdministrator();
    const toApprove = (await admin.portal.call('createTransfer', { body: TRANSFER })).operation;
    const toReject = (await admin.portal.call('createTransfer', { body: { ...TRANSFER, amount: '9800.00', payeeName: 'Société inconnue' } })).operation;
    const shown = await arrival(app, toApprove.id);
    await arrival(app, toReject.id);
    expect(shown.details).toEqual(toApprove.details);

    expect((await app.bridge.decide({ accountId, validationId: toApprove.id, decision: 'approve', numberChoice: null, approvalCode: TEST_APPROVAL_CODE })).status).toBe('approved');
    expect((await app.bridge.decide({ accountId, validationId: toReject.id, decision: 'reject', numberChoice: null, approvalCode: null })).status).toBe('rejected');
    const operations = await admin.portal.call('operations');
    expect(operations.operations.find((operation) => operation.id === toApprove.id)).toMatchObject({ status: 'approved', decidedByDevice: 'PC trésorerie' });
    expect(operations.operations.find((operation) => operation.id === toReject.id)).toMatchObject({ status: 'rejected' });
    expect(await app.bridge.listPending()).toEqual([]);
  });

  it('a validation expires: it leaves the list, the portal sees it expired, and approving it is refused', async () => {
    const { admin, app, accountId } = await activeAdministrator();
    const operation = (await admin.portal.call('createTransfer', { body: TRANSFER })).operation;
    await arrival(app, operation.id);
    const events = app.events.length;
    server.clock.advance(5 * 60_000 + 1);
    await vi.waitFor(() => expect(app.core.pendingNow()).toEqual([]), { timeout: 10_000 });
    expect(app.events.slice(events)).toContainEqual({ event: 'onPendingChanged', payload: [] });
    expect(await bridgeError(app.bridge.decide({ accountId, validationId: operation.id, decision: 'approve', numberChoice: null, approvalCode: TEST_APPROVAL_CODE }))).toMatchObject({ code: 'validation_expired' });
    const row = await server.server.ctx.db.selectFrom('validations').select(['status', 'decided_at']).where('id', '=', operation.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'pending', decided_at: null }); // undecided, past its expiry: "expired" for the portal
  });
});

/** A man in the middle on the device's connection: changes what the bank sent, or what the device sends back. */
function interceptingTransport(rewrite: { pending?: (answer: PendingResponseT) => PendingResponseT; request?: (request: HttpRequest) => HttpRequest }): HttpTransport {
  const inner = createNodeTransport();
  return {
    async send(request) {
      const response = await inner.send(rewrite.request ? rewrite.request(request) : request);
      if (rewrite.pending && request.url.includes('/validations/pending') && response.status === 200) {
        return { ...response, text: JSON.stringify(rewrite.pending(JSON.parse(response.text) as PendingResponseT)) };
      }
      return response;
    },
  };
}

describe('what the user sees is what is signed', () => {
  it('an amount changed on the wire (with a matching hash) is shown, signed, and refused by the bank: nothing is recorded', async () => {
    const admin = await server.readyPrimaryAdmin();
    const honest = await installApp(server);
    await activateThroughBridge(honest.bridge, server, admin);
    await honest.close();

    // The same person on another computer whose connection is tampered with: 250 000 € becomes 2 500 €.
    const tampered = await createCoreUnderTest({
      clock: clockOf(server),
      transport: interceptingTransport({
        pending: (answer) => ({
          ...answer,
          validations: answer.validations.map((validation) => {
            if (validation.details.type !== 'transfer') return validation;
            const details: TransferDetailsT = { ...validation.details, amount: '2500.00' };
            return { ...validation, details, detailsHash: detailsHash(details) };
          }),
        }),
      }),
    });
    try {
      const account = await activateThroughBridge(tampered.bridge, server, admin);
      const operation = (await admin.portal.call('createTransfer', { body: TRANSFER })).operation;
      const shown = await arrival(tampered, operation.id);
      expect(shown.details).toMatchObject({ amount: '2500.00' });
      const refused = await bridgeError(tampered.bridge.decide({ accountId: account.id, validationId: operation.id, decision: 'approve', numberChoice: null, approvalCode: TEST_APPROVAL_CODE }));
      expect(refused.code).toBe('details_mismatch');
      const after = (await admin.portal.call('getOperation', { params: { id: operation.id } })).operation;
      expect(after).toMatchObject({ status: 'pending', decidedAt: null, details: { amount: '250000.00' } });
    } finally {
      await tampered.stop();
    }
  });

  it('a decision changed on its way to the bank is refused: the device signed the details it approved', async () => {
    const admin = await server.readyPrimaryAdmin();
    // From the first transfer on: the approval of the portal session waiting at the installation step goes through.
    let tampering = false;
    const tampered = await createCoreUnderTest({
      clock: clockOf(server),
      transport: interceptingTransport({
        request: (request) => {
          if (!tampering || !request.url.endsWith('/decision') || !request.body) return request;
          const body = JSON.parse(request.body) as DecisionBodyT;
          return { ...request, body: JSON.stringify({ ...body, detailsHash: detailsHash({ amount: '1.00' }) }) };
        },
      }),
    });
    try {
      const account = await activateThroughBridge(tampered.bridge, server, admin);
      tampering = true;
      const operation = (await admin.portal.call('createTransfer', { body: TRANSFER })).operation;
      await arrival(tampered, operation.id);
      const refused = await bridgeError(tampered.bridge.decide({ accountId: account.id, validationId: operation.id, decision: 'approve', numberChoice: null, approvalCode: TEST_APPROVAL_CODE }));
      // The decision travels with the device token; its own signature (over the details hash among the rest) is what breaks.
      expect(refused.code).toBe('decision_signature_invalid');
      expect((await admin.portal.call('getOperation', { params: { id: operation.id } })).operation.status).toBe('pending');
    } finally {
      await tampered.stop();
    }
  });
});

describe('a device revoked from the Espace Client', () => {
  it('is wiped on this computer: key deleted from the keychain, account shown revoked, its requests gone', async () => {
    const { admin, app, accountId } = await activeAdministrator();
    const operation = (await admin.portal.call('createTransfer', { body: TRANSFER })).operation;
    await arrival(app, operation.id);
    const { accounts } = await app.bridge.getSnapshot();
    const deviceId = accounts[0]!.deviceId!;
    expect(await app.keychainPublicKey(accountId)).toBe(await registeredPublicKey(server, deviceId));

    await admin.portal.call('revokeDevice', { params: { id: deviceId } });
    // The account is shown revoked as soon as the server says so; the key's deletion from the keychain follows, and
    // the app announces the revoked account once the key is gone.
    const announced = () => app.events.filter((entry) => entry.event === 'onAccountsChanged').at(-1)?.payload;
    await vi.waitFor(async () => {
      expect((await app.bridge.getSnapshot()).accounts[0]?.status).toBe('revoked');
      expect(await app.keychainEntry(accountId)).toBeNull();
      expect(announced()).toEqual([expect.objectContaining({ id: accountId, status: 'revoked' })]);
    }, { timeout: 15_000 });
    expect(await app.bridge.listPending()).toEqual([]);
    expect((await app.bridge.getSnapshot()).connectivity).toEqual({ overall: 'idle', accounts: [] });
    expect(await bridgeError(app.bridge.decide({ accountId, validationId: operation.id, decision: 'approve', numberChoice: null, approvalCode: TEST_APPROVAL_CODE }))).toMatchObject({ code: 'device_revoked' });

    // Removing it from the computer afterwards leaves nothing behind.
    await app.bridge.removeAccount({ accountId });
    expect((await app.bridge.getSnapshot()).accounts).toEqual([]);
    expect(await app.vault.list()).toEqual([]);
  });

  it('removing an active account deactivates the device on the server and deletes its key', async () => {
    const { admin, app, accountId } = await activeAdministrator();
    const deviceId = (await app.bridge.getSnapshot()).accounts[0]!.deviceId!;
    await app.bridge.removeAccount({ accountId });
    expect(await app.keychainEntry(accountId)).toBeNull();
    // It was the only device: the Espace Client is back at "install Secure Access".
    expect(await admin.portal.call('getSession')).toMatchObject({ step: 'install', activeDevices: 0 });
    const device = await server.server.ctx.db.selectFrom('devices').select(['status', 'revoked_by']).where('id', '=', deviceId).executeTakeFirstOrThrow();
    expect(device.status).toBe('revoked');
  });
});
