/**
 * The approval code (issue 12), as the server enforces it: every approval carries a second signature, by the
 * device's approval key, which only the right code unmasks on the device; the server tells a right code from a
 * wrong one, counts wrong ones on the device's row, and locks its approvals at the fifth in a row — however many are
 * sent at once, on SQLite and PostgreSQL, and across two PostgreSQL instances. A locked device no longer counts
 * among the user's 5. The code is registered once (a device activated before codes existed sets it with its device
 * key) and changed only with the current one. Every wrong code, lock and change is in the audit log.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  approvalKeyChangeSigningBytes, approvalKeySigningBytes, generateSecretKey, publicKeyOf, signMessage, toBase64Url, type ErrorCode,
  type ValidationForDeviceT,
} from '../../../protocol/index';
import { TestDevice, type PortalClient } from '../../harness/http-client';
import { startTestServer, type ReadyUser, type TestServer } from '../../harness/server';
import {
  DATABASES, MINUTE, SAMPLE_TRANSFER, adminWithDevice, auditRows, expectCode, pendingValidation, secondaryWithDevice, userIdOf,
  useTwoPostgresInstances,
} from './helpers';

type Outcome = { ok: true; status: string } | { ok: false; code: ErrorCode; attemptsLeft?: number };

async function outcomeOf(promise: Promise<{ status: string }>): Promise<Outcome> {
  try {
    return { ok: true, status: (await promise).status };
  } catch (error) {
    const { code, facts } = error as { code: ErrorCode; facts: { attemptsLeft?: number } };
    return { ok: false, code, attemptsLeft: facts.attemptsLeft };
  }
}

async function newTransfer(portal: PortalClient, device: TestDevice): Promise<ValidationForDeviceT> {
  const { operation } = await portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER } });
  return pendingValidation(device, operation.id);
}

/** An approval sent with what a code unmasks: the right code's key, or another. */
function approve(device: TestDevice, validation: ValidationForDeviceT, approvalKey: Uint8Array | null, numberChoice: number | null = null) {
  return device.call('decide', { params: { id: validation.id }, body: device.decisionBody(validation, 'approve', numberChoice, validation.detailsHash, approvalKey) });
}

async function deviceRow(server: TestServer, deviceId: string) {
  return server.server.ctx.db.selectFrom('devices').selectAll().where('id', '=', deviceId).executeTakeFirstOrThrow();
}

function changeBody(device: TestDevice, currentKey: Uint8Array, nextKey: Uint8Array, signedAt: number) {
  const deviceId = device.keyId!;
  const publicKey = toBase64Url(publicKeyOf(nextKey));
  return {
    publicKey,
    signature: toBase64Url(signMessage(approvalKeySigningBytes({ deviceId, publicKey }), nextKey)),
    signedAt,
    previousSignature: toBase64Url(signMessage(approvalKeyChangeSigningBytes({ deviceId, publicKey, signedAt }), currentKey)),
  };
}

/**
 * 100 approvals of one transfer sent at once, 99 with wrong codes and the right one among them (at a random place),
 * split over the given servers. Returns every answer and the right one's.
 */
async function burst(servers: TestServer[], device: TestDevice, validation: ValidationForDeviceT) {
  const rightAt = Math.floor(Math.random() * 100);
  const clients = servers.map((server) => device.at(server.baseUrl));
  const outcomes = await Promise.all(Array.from({ length: 100 }, (_, index) => {
    const client = clients[index % clients.length]!;
    return outcomeOf(approve(client, validation, index === rightAt ? device.approvalSecretKey : TestDevice.wrongApprovalKey()));
  }));
  return { outcomes, right: outcomes[rightAt]! };
}

/** What a burst may answer, whatever the order the attempts were evaluated in: never more than 5 wrong codes evaluated. */
async function expectAtMostFiveEvaluated(server: TestServer, userId: string, deviceId: string, validationId: string, outcomes: Outcome[], right: Outcome) {
  const approved = outcomes.filter((outcome) => outcome.ok);
  const invalid = outcomes.filter((outcome): outcome is Extract<Outcome, { ok: false }> => !outcome.ok && outcome.code === 'approval_code_invalid');
  const locked = outcomes.filter((outcome) => !outcome.ok && outcome.code === 'approval_code_locked');
  const decided = outcomes.filter((outcome) => !outcome.ok && outcome.code === 'validation_already_decided');
  expect(approved.length + invalid.length + locked.length + decided.length, 'no other answer').toBe(100);
  // Each wrong code evaluated saw the count its predecessor left: 4, 3, 2, 1 — never twice the same.
  const left = invalid.map((outcome) => outcome.attemptsLeft).sort().reverse();
  expect(left).toEqual([4, 3, 2, 1].slice(0, invalid.length));
  const failures = (await auditRows(server, 'approval_code_failed', userId)).filter((row) => row.device_id === deviceId);
  const row = await deviceRow(server, deviceId);
  const validation = await server.server.ctx.db.selectFrom('validations').selectAll().where('id', '=', validationId).executeTakeFirstOrThrow();
  if (right.ok) {
    // The right code came before a fifth wrong one: approved once; what came after it was not evaluated.
    expect(approved).toHaveLength(1);
    expect(locked).toHaveLength(0);
    expect(failures).toHaveLength(invalid.length);
    expect(failures.length).toBeLessThanOrEqual(4);
    expect(row).toMatchObject({ status: 'active', approval_failures: 0 });
    expect(validation.status).toBe('approved');
  } else {
    // Five wrong codes came first: the fifth locked the device, the right one was never evaluated.
    expect(right).toMatchObject({ ok: false, code: 'approval_code_locked' });
    expect(approved).toHaveLength(0);
    expect(invalid).toHaveLength(4);
    expect(failures).toHaveLength(5);
    expect(row).toMatchObject({ status: 'locked', approval_failures: 5 });
    expect(validation.status).toBe('pending');
    expect(await auditRows(server, 'approvals_locked', userId)).toHaveLength(1);
  }
  return right.ok ? 'approved' : 'locked';
}

describe.each(DATABASES)('approval code (%s)', (database) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ database, limits: { codeRequestsPerIp: 1000 } });
  });
  afterAll(async () => {
    await server.close();
  });

  it('an approval needs the approval key’s signature; a rejection needs none and may carry none', async () => {
    const { user, device } = await adminWithDevice(server);
    const validation = await newTransfer(user.portal, device);
    const missing = await expectCode(approve(device, validation, null), 'bad_request');
    expect(missing.facts.field).toBe('approvalSignature');
    // The device key's signature alone, however valid, approves nothing.
    await expectCode(approve(device, validation, device.secretKey), 'approval_code_invalid');
    const withApproval = device.decisionBody(validation, 'approve', null);
    await expectCode(device.call('decide', { params: { id: validation.id }, body: { ...withApproval, decision: 'reject' } }), 'decision_signature_invalid');
    const rejection = { ...device.decisionBody(validation, 'reject', null), approvalSignature: withApproval.approvalSignature };
    expect((await expectCode(device.call('decide', { params: { id: validation.id }, body: rejection }), 'bad_request')).facts.field).toBe('approvalSignature');
    expect((await device.call('decide', { params: { id: validation.id }, body: device.decisionBody(validation, 'reject', null) })).status).toBe('rejected');

    const next = await newTransfer(user.portal, device);
    expect((await approve(device, next, device.approvalSecretKey)).status).toBe('approved');
    // Both signatures are kept as evidence of the approval: possession (device key) and knowledge (approval key).
    const stored = await server.server.ctx.db.selectFrom('validations').select(['decision_signature', 'approval_signature']).where('id', '=', next.id).executeTakeFirstOrThrow();
    const sent = device.decisionBody(next, 'approve', null);
    expect(stored).toEqual({ decision_signature: sent.signature, approval_signature: sent.approvalSignature });
  });

  it('a wrong code is refused with the attempts left; the validation stays open; a right code resets the count', async () => {
    const { user, device } = await adminWithDevice(server);
    const userId = await userIdOf(server, user.identifier);
    const validation = await newTransfer(user.portal, device);
    for (const left of [4, 3, 2]) {
      const error = await expectCode(approve(device, validation, TestDevice.wrongApprovalKey()), 'approval_code_invalid');
      expect(error.facts.attemptsLeft).toBe(left);
    }
    expect((await pendingValidation(device, validation.id)).id).toBe(validation.id);
    expect((await approve(device, validation, device.approvalSecretKey)).status).toBe('approved');
    expect((await deviceRow(server, device.keyId!)).approval_failures).toBe(0);
    // A fresh count of 5 in a row.
    const next = await newTransfer(user.portal, device);
    for (const left of [4, 3, 2, 1]) expect((await expectCode(approve(device, next, TestDevice.wrongApprovalKey()), 'approval_code_invalid')).facts.attemptsLeft).toBe(left);
    expect((await approve(device, next, device.approvalSecretKey)).status).toBe('approved');

    const failed = await auditRows(server, 'approval_code_failed', userId);
    const order = (entry: { attemptsLeft: number; validationId: string }) => `${entry.validationId} ${5 - entry.attemptsLeft}`;
    const logged = failed.map((row) => JSON.parse(row.details_json) as { attemptsLeft: number; validationId: string });
    expect(logged.sort((a, b) => order(a).localeCompare(order(b)))).toEqual([
      ...[4, 3, 2].map((attemptsLeft) => ({ validationId: validation.id, attemptsLeft })),
      ...[4, 3, 2, 1].map((attemptsLeft) => ({ validationId: next.id, attemptsLeft })),
    ].sort((a, b) => order(a).localeCompare(order(b))));
    expect(failed.every((row) => row.device_id === device.keyId && row.ip === '127.0.0.1')).toBe(true);
  });

  it('five wrong codes in a row lock the device: it approves nothing more, is listed as locked and no longer counts among the 5', async () => {
    const { user, device } = await adminWithDevice(server);
    const userId = await userIdOf(server, user.identifier);
    const phone = await server.activateDevice(user, { deviceName: 'Téléphone' });
    const validation = await newTransfer(user.portal, device);
    for (let attempt = 1; attempt <= 4; attempt++) await expectCode(approve(device, validation, TestDevice.wrongApprovalKey()), 'approval_code_invalid');
    await expectCode(approve(device, validation, TestDevice.wrongApprovalKey()), 'approval_code_locked');

    // The right code no longer helps; nor does anything else this device asks, except removing itself.
    await expectCode(approve(device, validation, device.approvalSecretKey), 'approval_code_locked');
    await expectCode(device.call('decide', { params: { id: validation.id }, body: device.decisionBody(validation, 'reject', null) }), 'approval_code_locked');
    await expectCode(device.call('pendingValidations', { query: {} }), 'approval_code_locked');
    await expectCode(device.call('getSelf'), 'approval_code_locked');
    await expectCode(device.call('issueDeviceToken'), 'approval_code_locked');
    // The validation is still open to the user's other device.
    expect((await approve(phone, await pendingValidation(phone, validation.id), phone.approvalSecretKey)).status).toBe('approved');

    const row = await deviceRow(server, device.keyId!);
    expect(row).toMatchObject({ status: 'locked', approval_failures: 5, locked_at: server.clock.now() });
    const { devices } = await user.portal.call('myDevices');
    expect(devices.find((candidate) => candidate.id === device.keyId)).toMatchObject({ status: 'locked', lockedAt: new Date(server.clock.now()).toISOString() });
    const company = await user.portal.call('listCompanyDevices');
    expect(company.users.find((entry) => entry.user.id === userId)?.user.activeDevices).toBe(1);
    expect((await phone.call('pendingValidations', { query: {} })).activeDevices).toBe(1);
    expect(await auditRows(server, 'approvals_locked', userId)).toHaveLength(1);

    // Not among the 5: three more devices, then a fifth active one, are accepted.
    for (const name of ['Tablette', 'PC domicile', 'Portable']) await server.activateDevice(user, { deviceName: name });
    const fifth = await server.activateDevice(user, { deviceName: 'Cinquième' });
    expect((await fifth.call('getSelf')).activeDevices).toBe(5);
    // Its user re-activates on that computer: the app removes the locked device first.
    expect(await device.call('removeSelf')).toEqual({ ok: true });
    expect((await deviceRow(server, device.keyId!)).status).toBe('revoked');
  });

  it('a locked device holding the only activation sends its user back to the installation guide’s activation path', async () => {
    const { user, device } = await adminWithDevice(server);
    const validation = await newTransfer(user.portal, device);
    for (let attempt = 1; attempt <= 5; attempt++) await approve(device, validation, TestDevice.wrongApprovalKey()).catch(() => undefined);
    expect((await deviceRow(server, device.keyId!)).status).toBe('locked');
    const portal = server.portal();
    const session = await portal.call('login', { body: { identifier: user.identifier, secretCode: user.secretCode } });
    // No active device: no login validation for the locked one; the guide's first-device path (Code Sécurité first).
    expect(session).toMatchObject({ step: 'security_code', loginValidation: null, activeDevices: 0 });
    const again = server.device();
    const { enrolment } = await again.call('createEnrolment', {
      body: { identifier: user.identifier, secretCode: user.secretCode, deviceName: 'PC de Claire', publicKey: again.publicKey, platform: 'linux', appVersion: 'test' },
    });
    expect(enrolment.codeDelivery).toBe('security_phone');
  });

  it('a wrong number, an expired or a decided request: the code is not evaluated, and nothing is counted', async () => {
    const { user, device } = await adminWithDevice(server);
    const portal = server.portal();
    const session = await portal.call('login', { body: { identifier: user.identifier, secretCode: user.secretCode } });
    const login = await pendingValidation(device, session.loginValidation!.id);
    const wrongNumber = login.numberChoices!.find((choice) => choice !== session.loginValidation!.number)!;
    await expectCode(approve(device, login, TestDevice.wrongApprovalKey(), wrongNumber), 'number_mismatch');

    const expired = await newTransfer(user.portal, device);
    const decided = await newTransfer(user.portal, device);
    expect((await approve(device, decided, device.approvalSecretKey)).status).toBe('approved');
    await expectCode(approve(device, decided, TestDevice.wrongApprovalKey()), 'validation_already_decided');
    await user.portal.call('getOperation', { params: { id: expired.id } });
    server.clock.advance(5 * MINUTE);
    await expectCode(approve(device, expired, TestDevice.wrongApprovalKey()), 'validation_expired');
    expect((await deviceRow(server, device.keyId!)).approval_failures).toBe(0);
  });

  it('another user’s code never approves: on a shared computer, Marc’s key cannot approve Claire’s transfer', async () => {
    const { user: claire, device: claireDevice } = await adminWithDevice(server);
    const { device: marcDevice } = await secondaryWithDevice(server, claire.portal);
    const validation = await newTransfer(claire.portal, claireDevice);
    // With Claire's device key and Marc's approval key (Marc at Claire's account on the shared computer).
    expect((await expectCode(approve(claireDevice, validation, marcDevice.approvalSecretKey), 'approval_code_invalid')).facts.attemptsLeft).toBe(4);
    // With Marc's own device: not his request at all.
    await expectCode(approve(marcDevice, validation, marcDevice.approvalSecretKey), 'validation_not_found');
    expect((await approve(claireDevice, validation, claireDevice.approvalSecretKey)).status).toBe('approved');
  });

  it('a device activated before approval codes sets its code once, with its device key; then approvals need it', async () => {
    const ready = await server.readyPrimaryAdmin();
    // The first device, with its code, lets the portal session pass Secure Access (a session needs an approved login,
    // and a device without a code approves nothing); the second is the one from before approval codes.
    await server.activateDevice(ready);
    const device = await server.activateDevice(ready, { deviceName: 'PC ancien', approvalCode: false });
    const userId = await userIdOf(server, ready.identifier);
    expect((await device.call('getSelf')).device.approvalCodeSetAt).toBeNull();
    const validation = await newTransfer(ready.portal, device);
    // Without a key registered there is nothing to evaluate a code against.
    await expectCode(approve(device, validation, TestDevice.wrongApprovalKey()), 'approval_code_not_set');
    await expectCode(approve(device, validation, null), 'approval_code_not_set');
    expect((await device.call('decide', { params: { id: validation.id }, body: device.decisionBody(validation, 'reject', null) })).status).toBe('rejected');

    // A registration must be signed by the new key, and the new key is not the device key.
    const key = generateSecretKey();
    const publicKey = toBase64Url(publicKeyOf(key));
    const other = generateSecretKey();
    const forged = toBase64Url(signMessage(approvalKeySigningBytes({ deviceId: device.keyId!, publicKey }), other));
    expect((await expectCode(device.call('registerApprovalKey', { body: { publicKey, signature: forged } }), 'bad_request')).facts.field).toBe('signature');
    const deviceKeyAsApproval = toBase64Url(signMessage(approvalKeySigningBytes({ deviceId: device.keyId!, publicKey: device.publicKey }), device.secretKey));
    expect((await expectCode(device.call('registerApprovalKey', { body: { publicKey: device.publicKey, signature: deviceKeyAsApproval } }), 'bad_request')).facts.field).toBe('publicKey');

    const registered = await device.registerApprovalKey(key);
    expect(registered.device.approvalCodeSetAt).toBe(new Date(server.clock.now()).toISOString());
    // Once: a second registration (someone else holding the device key, say) is refused.
    await expectCode(device.registerApprovalKey(), 'approval_code_already_set');
    expect(device.approvalSecretKey).toBe(key);
    const next = await newTransfer(ready.portal, device);
    expect((await approve(device, next, key)).status).toBe('approved');
    // One for each device: the first one's, and this one's, once.
    expect((await auditRows(server, 'approval_code_set', userId)).map((row) => row.device_id).filter((id) => id === device.keyId)).toHaveLength(1);
  });

  it('the code is changed with the current one (counted like any code), the new key registered in the same step', async () => {
    const { user, device } = await adminWithDevice(server);
    const userId = await userIdOf(server, user.identifier);
    const current = device.approvalSecretKey!;
    const next = generateSecretKey();
    const wrong = await expectCode(device.call('changeApprovalKey', { body: changeBody(device, TestDevice.wrongApprovalKey(), next, server.clock.now()) }), 'approval_code_invalid');
    expect(wrong.facts.attemptsLeft).toBe(4);
    await expectCode(device.call('changeApprovalKey', { body: changeBody(device, current, next, server.clock.now() - 2 * MINUTE) }), 'auth_timestamp_out_of_window');
    const badProof = { ...changeBody(device, current, next, server.clock.now()), signature: changeBody(device, current, generateSecretKey(), server.clock.now()).signature };
    await expectCode(device.call('changeApprovalKey', { body: badProof }), 'bad_request');

    server.clock.advance(1000);
    const changed = await device.call('changeApprovalKey', { body: changeBody(device, current, next, server.clock.now()) });
    expect(changed.device.approvalCodeSetAt).toBe(new Date(server.clock.now()).toISOString());
    expect((await deviceRow(server, device.keyId!)).approval_failures).toBe(0);
    const validation = await newTransfer(user.portal, device);
    await expectCode(approve(device, validation, current), 'approval_code_invalid');
    expect((await approve(device, validation, next)).status).toBe('approved');
    expect(await auditRows(server, 'approval_code_changed', userId)).toHaveLength(1);
    expect((await auditRows(server, 'approval_code_failed', userId)).map((row) => JSON.parse(row.details_json) as object)).toEqual([
      { purpose: 'change', attemptsLeft: 4 }, { validationId: validation.id, attemptsLeft: 4 },
    ]);

    // Guessing through the change counts toward the same lock.
    for (let attempt = 1; attempt <= 3; attempt++) await expectCode(device.call('changeApprovalKey', { body: changeBody(device, TestDevice.wrongApprovalKey(), generateSecretKey(), server.clock.now()) }), 'approval_code_invalid');
    await expectCode(device.call('changeApprovalKey', { body: changeBody(device, TestDevice.wrongApprovalKey(), generateSecretKey(), server.clock.now()) }), 'approval_code_invalid');
    await expectCode(device.call('changeApprovalKey', { body: changeBody(device, TestDevice.wrongApprovalKey(), generateSecretKey(), server.clock.now()) }), 'approval_code_locked');
    expect((await deviceRow(server, device.keyId!)).status).toBe('locked');
  });

  it('100 approvals at once, the right code among them: never more than 5 wrong codes evaluated, one decision at most', async () => {
    const outcomes: string[] = [];
    // The right code lands at a random place each time: run it until both endings were seen (or three times).
    for (let round = 0; round < 3 && new Set(outcomes).size < 2; round++) {
      const { user, device } = await adminWithDevice(server);
      const validation = await newTransfer(user.portal, device);
      const { outcomes: answers, right } = await burst([server], device, validation);
      outcomes.push(await expectAtMostFiveEvaluated(server, await userIdOf(server, user.identifier), device.keyId!, validation.id, answers, right));
    }
  });

  it('a device revoked while it approves: each approval is recorded or refused as revoked, never a deadlock', async () => {
    // An approval locks the device's row, then moves its user's cursor; a revocation takes both rows too. Taken in
    // opposite orders, PostgreSQL would abort one of them (a 500) when they cross.
    const { user } = await adminWithDevice(server);
    for (let round = 0; round < 4; round++) {
      const device = await server.activateDevice(user, { deviceName: `Portable ${round}` });
      const ids: string[] = [];
      for (let index = 0; index < 5; index++) ids.push((await user.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER } })).operation.id);
      // Waits for all five on the new device (its user's state may be answered from memory until the change is heard).
      const validations = await vi.waitFor(async () => {
        const { validations: pending } = await device.call('pendingValidations', { query: {} });
        const mine = pending.filter((validation) => ids.includes(validation.id));
        expect(mine).toHaveLength(5);
        return mine;
      }, { timeout: 10_000, interval: 50 });
      const [revoked, ...outcomes] = await Promise.all([
        outcomeOf(user.portal.call('revokeMyDevice', { params: { id: device.keyId! } }).then(({ device: view }) => ({ status: view.status }))),
        ...validations.map((validation) => outcomeOf(approve(device, validation, device.approvalSecretKey))),
      ]);
      expect(revoked).toEqual({ ok: true, status: 'revoked' });
      for (const outcome of outcomes) expect([outcome.ok ? outcome.status : outcome.code]).toEqual([expect.stringMatching(/^(approved|device_revoked)$/)]);
    }
  });

  it('100 wrong codes at once on 100 different requests: exactly 5 evaluated, then the device is locked', async () => {
    const { user, device } = await adminWithDevice(server);
    const userId = await userIdOf(server, user.identifier);
    const validations: ValidationForDeviceT[] = [];
    for (let index = 0; index < 100; index++) {
      const { operation } = await user.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER, reference: `Facture ${index}` } });
      validations.push({ id: operation.id } as ValidationForDeviceT);
    }
    const { validations: delivered } = await device.call('pendingValidations', { query: {} });
    expect(delivered).toHaveLength(100);
    const outcomes = await Promise.all(delivered.map((validation) => outcomeOf(approve(device, validation, TestDevice.wrongApprovalKey()))));
    const codes = outcomes.map((outcome) => (outcome.ok ? outcome.status : outcome.code));
    expect(codes.filter((code) => code === 'approval_code_invalid')).toHaveLength(4);
    expect(codes.filter((code) => code === 'approval_code_locked')).toHaveLength(96);
    expect(await auditRows(server, 'approval_code_failed', userId)).toHaveLength(5);
    expect((await server.server.ctx.db.selectFrom('validations').select('status').where('user_id', '=', userId).where('kind', '=', 'transfer').execute())
      .every((row) => row.status === 'pending')).toBe(true);
  });
});

describe('approval code across two PostgreSQL instances', () => {
  const instances = useTwoPostgresInstances();

  it('100 approvals at once, split over both instances, the right code among them: never more than 5 wrong codes evaluated', async () => {
    const { first, second } = instances;
    const outcomes: string[] = [];
    for (let round = 0; round < 3 && new Set(outcomes).size < 2; round++) {
      const { user, device } = await adminWithDevice(first);
      const validation = await newTransfer(user.portal, device);
      const { outcomes: answers, right } = await burst([first, second], device, validation);
      outcomes.push(await expectAtMostFiveEvaluated(first, await userIdOf(first, user.identifier), device.keyId!, validation.id, answers, right));
    }
  });

  it('a device locked through one instance is refused by the other at once', async () => {
    const { first, second } = instances;
    const { user, device }: { user: ReadyUser; device: TestDevice } = await adminWithDevice(first);
    const validation = await newTransfer(user.portal, device);
    const onSecond = device.at(second.baseUrl);
    // The second instance has this user's state in memory.
    expect((await onSecond.call('pendingValidations', { query: {} })).validations.map((v) => v.id)).toEqual([validation.id]);
    for (let attempt = 1; attempt <= 5; attempt++) await approve(device, validation, TestDevice.wrongApprovalKey()).catch(() => undefined);
    await expectCode(onSecond.call('pendingValidations', { query: {} }), 'approval_code_locked');
    await expectCode(approve(onSecond, validation, device.approvalSecretKey), 'approval_code_locked');
  });
});
