/**
 * No offline guessing of the approval code (issue 12, point 4), proven on exactly what is stored.
 *
 * An installation with the real keychain and a real settings file, the app's own key derivation (scrypt 2^15), two
 * accounts on one computer; approvals, a rejection, a wrong code and a change of code. Then, as an attacker who
 * copied everything the app keeps (the settings file, byte for byte, and every key-store entry of its service), and
 * separately as one who copied the server's database:
 * - the app's copy holds, per account, the device key (keychain) and the approval seed masked by the code (settings
 *   file); no approval public key, no signature made with an approval key, no code, no mask, no seed. Every guess
 *   unmasks a valid key and there is nothing to check it against: the right code's key is as absent as the others'.
 * - the database holds each approval public key and the approval signatures, but no salt, no masked seed and no
 *   code: without the masked seed a guess gives nothing to compare either.
 * Only both together would allow offline guessing (docs/protocol.md, threat model).
 * Run inside the keyring session: `sh scripts/with-keyring.sh npx vitest run tests/integration/core`.
 */
import { readFileSync } from 'node:fs';
import { findCredentialsAsync } from '@napi-rs/keyring';
import { describe, expect, it, vi } from 'vitest';
import { fromBase64Url, publicKeyOf, toBase64Url, utf8 } from '../../../protocol/index';
import { APPROVAL_KDF, deriveApprovalMask } from '../../../main/core/approval-key';
import type { PersistedStateT } from '../../../main/core/state';
import type { TestServer } from '../../harness/server';
import { activateThroughBridge, bridgeError, recordingTransport, referenceServerForFile } from '../../unit/core/support';
import { closeAllInstallations, installApp } from './support';

let server: TestServer;
referenceServerForFile((started) => (server = started), closeAllInstallations);

/** Ten digits: long enough that finding it by chance among the stored bytes is out of the question. */
const CLAIRE_CODE = '4829157306';
const CLAIRE_NEW_CODE = '7305918264';
const MARC_CODE = '6150274938';
const TRANSFER = { amount: '12345.67', currency: 'EUR', payeeName: 'Fournitures Martin', iban: 'FR76 3000 6000 0112 3456 7890 189', reference: 'Facture 118' } as const;

function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  return a.map((byte, index) => byte ^ (b[index] as number));
}

/** Every spelling a value could be stored under. */
function spellings(bytes: Uint8Array): string[] {
  const base64 = Buffer.from(bytes).toString('base64');
  return [toBase64Url(bytes), base64, base64.replace(/=+$/, ''), Buffer.from(bytes).toString('hex'), Buffer.from(bytes).toString('hex').toUpperCase()];
}

describe('no offline guessing of the approval code', () => {
  it('what the app keeps, and separately what the server keeps, cannot test a single guess', async () => {
    const transport = recordingTransport();
    const app = await installApp(server, { name: 'shared', approvalKdf: APPROVAL_KDF, transport });
    const claire = await server.readyPrimaryAdmin();
    const claireAccount = await activateThroughBridge(app.bridge, server, claire, { approvalCode: CLAIRE_CODE });
    const marc = await server.readySecondaryUser(claire.portal);
    const marcAccount = await activateThroughBridge(app.bridge, server, marc, { administrator: claire.portal, approvalCode: MARC_CODE });

    // A day's work: a wrong code, approvals, a rejection, and a change of code.
    const operations = [];
    for (const payeeName of ['Fournitures Martin', 'Transports Bernard', 'Société Inconnue']) {
      operations.push((await claire.portal.call('createTransfer', { body: { ...TRANSFER, payeeName } })).operation);
    }
    await vi.waitFor(() => expect(app.core.pendingNow()).toHaveLength(3), { timeout: 10_000 });
    const [first, second, third] = operations as [typeof operations[0], typeof operations[0], typeof operations[0]];
    const decide = (validationId: string, decision: 'approve' | 'reject', approvalCode: string | null) =>
      app.bridge.decide({ accountId: claireAccount.id, validationId, decision, numberChoice: null, approvalCode });
    expect(await bridgeError(decide(first.id, 'approve', MARC_CODE))).toMatchObject({ code: 'approval_code_invalid', attemptsLeft: 4 });
    await decide(first.id, 'approve', CLAIRE_CODE);
    await decide(third.id, 'reject', null);
    await app.bridge.changeApprovalCode({ accountId: claireAccount.id, currentCode: CLAIRE_CODE, newCode: CLAIRE_NEW_CODE });
    await decide(second.id, 'approve', CLAIRE_NEW_CODE);
    await app.close({ keep: true });

    // ------------------------------------------------------------------ what the server holds (its database, whole)
    const db = server.server.ctx.db;
    const devices = await db.selectFrom('devices').selectAll().where('id', 'in', [claireAccount.deviceId!, marcAccount.deviceId!]).execute();
    const approvalPublicKeys = devices.map((device) => device.approval_public_key!);
    const devicePublicKeys = devices.map((device) => device.public_key);
    expect(approvalPublicKeys.every((key) => /^[A-Za-z0-9_-]{43}$/.test(key))).toBe(true);
    const approvalSignatures = (await db.selectFrom('validations').select('approval_signature').where('approval_signature', 'is not', null).execute())
      .map((row) => row.approval_signature!);
    expect(approvalSignatures.length).toBeGreaterThanOrEqual(2);
    // Everything sent of an approval key: the public halves (the registrations, the change) and the signatures.
    const sent = transport.exchanges.flatMap(({ request }) => {
      const body = request.body ? (JSON.parse(request.body) as Record<string, unknown>) : {};
      return ['publicKey', 'signature', 'previousSignature', 'approvalSignature']
        .filter((field) => request.url.includes('/approval-key') || field === 'approvalSignature')
        .map((field) => body[field]).filter((value): value is string => typeof value === 'string');
    });
    const serverOnly = [...new Set([...approvalPublicKeys, ...approvalSignatures, ...sent])];
    expect(serverOnly.length).toBeGreaterThanOrEqual(8);

    // ------------------------------------------------------------------ what the app keeps: its settings file, its keychain entries
    const settingsText = readFileSync(app.store.location, 'utf8');
    const settings = JSON.parse(settingsText) as PersistedStateT;
    const credentials = await findCredentialsAsync(app.vault.service);
    const keychainText = JSON.stringify(credentials);
    const stored = `${settingsText}\n${keychainText}`;

    // The keychain: one entry per account, the device key (whose public half is the device's, not the approval key's).
    expect(credentials.map((credential) => credential.account).sort()).toEqual([claireAccount.id, marcAccount.id].sort());
    for (const credential of credentials) {
      const secret = fromBase64Url(credential.password);
      expect(secret).toHaveLength(32);
      expect(devicePublicKeys).toContain(toBase64Url(publicKeyOf(secret)));
    }
    // The settings file: per account, the masked seed, its salt and the derivation's cost; nothing else of the key.
    for (const account of settings.accounts) {
      expect(Object.keys(account.approvalKey ?? {}).sort()).toEqual(['kdf', 'maskedSeed', 'salt', 'setAt']);
      expect(account.approvalKey?.kdf).toEqual(APPROVAL_KDF);
    }
    // What only the server may know is nowhere in what the app keeps, nor in what it logged.
    for (const value of serverOnly) {
      expect(stored.includes(value), 'an approval public key or signature kept by the app').toBe(false);
      expect(app.logger.text().includes(value), 'an approval public key or signature in the log').toBe(false);
    }

    // The attacker's side, from the app's copy alone: for each account, try the right code and wrong ones.
    const people = [
      { account: settings.accounts.find((account) => account.id === claireAccount.id)!, right: CLAIRE_NEW_CODE, others: [CLAIRE_CODE, MARC_CODE] },
      { account: settings.accounts.find((account) => account.id === marcAccount.id)!, right: MARC_CODE, others: [CLAIRE_NEW_CODE, CLAIRE_CODE] },
    ];
    for (const { account, right, others } of people) {
      const salt = fromBase64Url(account.approvalKey!.salt);
      const masked = fromBase64Url(account.approvalKey!.maskedSeed);
      const guesses = [right, ...others, '5038271946', '9174620358'];
      const candidates: string[] = [];
      for (const guess of guesses) {
        const mask = await deriveApprovalMask(utf8(guess), salt, account.approvalKey!.kdf);
        const seed = xor(masked, mask);
        const publicKey = toBase64Url(publicKeyOf(seed));
        candidates.push(publicKey);
        // Every guess gives a valid key, and neither it nor the mask nor the code is anything the copy contains.
        for (const value of [publicKey, ...spellings(mask), ...spellings(seed), guess]) expect(stored.includes(value)).toBe(false);
      }
      expect(new Set(candidates).size).toBe(guesses.length);
      // The right guess is the registered key — something only the server can confirm.
      expect(approvalPublicKeys).toContain(candidates[0]);
      expect(candidates.slice(1).some((candidate) => approvalPublicKeys.includes(candidate))).toBe(false);
    }

    // ------------------------------------------------------------------ the server's copy, separately
    const tables = ['companies', 'users', 'enrolments', 'devices', 'validations', 'portal_sessions', 'request_nonces', 'rate_limits', 'audit_log', 'outbox', 'bank_accounts', 'server_secrets'] as const;
    let database = '';
    for (const table of tables) database += JSON.stringify(await db.selectFrom(table).selectAll().execute());
    for (const { account, right } of people) {
      const salt = fromBase64Url(account.approvalKey!.salt);
      const masked = fromBase64Url(account.approvalKey!.maskedSeed);
      const mask = await deriveApprovalMask(utf8(right), salt, account.approvalKey!.kdf);
      for (const value of [...spellings(salt), ...spellings(masked), ...spellings(mask), ...spellings(xor(masked, mask)), right]) {
        expect(database.includes(value), 'the database holds something derived from the code').toBe(false);
      }
    }
    for (const code of [CLAIRE_CODE, CLAIRE_NEW_CODE, MARC_CODE]) {
      expect(database.includes(code)).toBe(false);
      // Nor did the app ever send it, or the salt and masked seed it would need.
      expect(transport.exchanges.some(({ request }) => request.body?.includes(code) || request.url.includes(code))).toBe(false);
    }
    for (const { account } of people) {
      expect(transport.exchanges.some(({ request }) => request.body?.includes(account.approvalKey!.salt) || request.body?.includes(account.approvalKey!.maskedSeed))).toBe(false);
    }
  }, 120_000);
});
