/**
 * Company and users (rules 1–5): subscription, secondary users, the first connection, Secure Access at every
 * login, and the temporary lock after five wrong secret codes.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ROUTES, type RouteName } from '../../../protocol/index';
import type * as ServerCrypto from '../../../server/crypto';
import { OPS_TOKEN, startTestServer, type TestServer } from '../../harness/server';
import {
  DATABASES, MINUTE, PAYEE_IBAN, SAMPLE_TRANSFER, adminWithDevice, approveLogin, auditRows, expectCode, loginWithSecureAccess, nextWaiter,
  pendingValidation, raw, rejection, secondaryWithDevice, startEnrolment, userIdOf, HOLD_SECONDS, wokenBy,
} from './helpers';

const SUBSCRIPTIONS = '/api/ops/v1/subscriptions';

/** Every scrypt check of a Code Secret the in-process servers make (the rule is about how many are made). */
const secretChecks = vi.hoisted(() => ({ count: 0 }));
vi.mock('../../../server/crypto', async (importOriginal) => {
  const original = await importOriginal<typeof ServerCrypto>();
  return {
    ...original,
    verifySecret: (...args: Parameters<typeof original.verifySecret>) => {
      secretChecks.count += 1;
      return original.verifySecret(...args);
    },
  };
});

describe.each(DATABASES)('company and users (%s)', (database) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ database, limits: { codeRequestsPerIp: 1000 } });
  });
  afterAll(async () => {
    await server.close();
  });

  function subscribe(body: unknown, authorization: string | null = `Bearer ${OPS_TOKEN}`) {
    return raw(server.baseUrl, 'POST', SUBSCRIPTIONS, {
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      body: JSON.stringify(body),
    });
  }

  it('rule 1: a company subscription cannot be created without a Security Phone for its primary administrator', async () => {
    const refused = await subscribe({ companyName: 'Sans Téléphone SA', primaryAdmin: { displayName: 'Paul Sans' } });
    expect(refused.status).toBe(400);
    expect(refused.json).toMatchObject({ code: 'security_phone_required', field: 'primaryAdmin.securityPhone' });
    const companies = await server.server.ctx.db.selectFrom('companies').select('id').where('name', '=', 'Sans Téléphone SA').execute();
    expect(companies).toEqual([]);

    const notAPhone = await subscribe({ companyName: 'Mauvais Numéro SA', primaryAdmin: { displayName: 'Paul', securityPhone: '0612345678' } });
    expect(notAPhone.status).toBe(400);

    const created = await subscribe({ companyName: 'Avec Téléphone SA', primaryAdmin: { displayName: 'Anne Avec', securityPhone: '+33612340001' } });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ primaryAdmin: { role: 'primary_admin', mustChangeSecret: true, status: 'active' } });
  });

  it('rule 1: the back-office subscription API refuses a missing or wrong bearer token', async () => {
    const body = { companyName: 'Intrus SA', primaryAdmin: { displayName: 'Eve Intrus', securityPhone: '+33612340002' } };
    for (const authorization of [null, 'Bearer wrong-token', OPS_TOKEN, `Basic ${OPS_TOKEN}`]) {
      const answer = await subscribe(body, authorization);
      expect(answer.status).toBe(403);
      expect(answer.json).toMatchObject({ code: 'forbidden' });
    }
    const companies = await server.server.ctx.db.selectFrom('companies').select('id').where('name', '=', 'Intrus SA').execute();
    expect(companies).toEqual([]);
  });

  it('rule 2: the administrator creates secondary users; identifier and temporary code are shown once and only an scrypt hash is stored', async () => {
    const { user: admin } = await adminWithDevice(server);
    const created = await admin.portal.call('createUser', { body: { displayName: 'Julie Martin' } });
    expect(created.user).toMatchObject({ displayName: 'Julie Martin', role: 'user', mustChangeSecret: true, activeDevices: 0 });
    expect(created.user.identifier).toMatch(/^[a-z0-9]+$/);
    expect(created.temporarySecretCode).toMatch(/^[0-9]{8}$/);

    const chosen = await admin.portal.call('createUser', { body: { displayName: 'Hugo Admin', identifier: `hugo.${Date.now()}`, role: 'admin' } });
    expect(chosen.user.role).toBe('admin');

    // Shown once: the list never carries a secret.
    const { users } = await admin.portal.call('listUsers');
    expect(users.map((u) => u.identifier)).toEqual(expect.arrayContaining([created.user.identifier, chosen.user.identifier]));
    expect(JSON.stringify(users)).not.toContain(created.temporarySecretCode);

    const row = await server.server.ctx.db.selectFrom('users').select(['secret_hash', 'must_change_secret']).where('id', '=', created.user.id).executeTakeFirstOrThrow();
    expect(row.secret_hash.startsWith('scrypt$')).toBe(true);
    expect(row.secret_hash).not.toContain(created.temporarySecretCode);
    expect(row.must_change_secret).toBe(1);

    // The same identifier cannot be given twice.
    await expectCode(admin.portal.call('createUser', { body: { displayName: 'Autre Hugo', identifier: chosen.user.identifier.toUpperCase() } }), 'identifier_taken');

    // The temporary code works once, to log in and change it.
    const portal = server.portal();
    const session = await portal.call('login', { body: { identifier: created.user.identifier, secretCode: created.temporarySecretCode } });
    expect(session.step).toBe('change_secret');
  });

  it('rule 2: one identifier chosen ten times at once makes one user; the same for a subscription leaves no company without its administrator', async () => {
    const { user: admin } = await adminWithDevice(server);
    const identifier = `paul.${Date.now()}`;
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, (_, index) => admin.portal.call('createUser', { body: { displayName: `Paul ${index}`, identifier } })));
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    for (const outcome of outcomes) if (outcome.status === 'rejected') expect(outcome.reason).toMatchObject({ code: 'identifier_taken', facts: { field: 'identifier' } });
    const rows = await server.server.ctx.db.selectFrom('users').select('id').where('identifier_key', '=', identifier).execute();
    expect(rows).toHaveLength(1);

    const taken = await subscribe({ companyName: 'Doublon SA', primaryAdmin: { displayName: 'Paul Doublon', identifier: identifier.toUpperCase(), securityPhone: '+33612340003' } });
    expect(taken.json).toMatchObject({ code: 'identifier_taken', field: 'identifier' });
    const companies = await server.server.ctx.db.selectFrom('companies').select('id').where('name', '=', 'Doublon SA').execute();
    expect(companies).toEqual([]);
  });

  it('rule 2: generated identifiers that collide at once are drawn again: ten users of one name, ten identifiers', async () => {
    const { user: admin } = await adminWithDevice(server);
    // Every creation's first draw is the same number, as if ten administrators were unlucky at once.
    const real = Math.random.bind(Math);
    let draws = 0;
    const random = vi.spyOn(Math, 'random').mockImplementation(() => (++draws <= 10 ? 0.5 : real()));
    try {
      const created = await Promise.all(Array.from({ length: 10 }, () => admin.portal.call('createUser', { body: { displayName: 'Léa Moreau' } })));
      const identifiers = created.map((answer) => answer.user.identifier);
      expect(new Set(identifiers).size).toBe(10);
      for (const identifier of identifiers) expect(identifier).toMatch(/^leamoreau\d{4}$/);
      expect(identifiers).toContain('leamoreau5500');
    } finally {
      random.mockRestore();
    }
  });

  it('rule 2: a user who is not an administrator cannot create users (forbidden)', async () => {
    const { user: admin } = await adminWithDevice(server);
    const { user: secondary } = await secondaryWithDevice(server, admin.portal);
    expect((await secondary.portal.call('getSession')).step).toBe('authenticated');
    await expectCode(secondary.portal.call('createUser', { body: { displayName: 'Pirate' } }), 'forbidden');
    await expectCode(secondary.portal.call('listUsers'), 'forbidden');
    await expectCode(secondary.portal.call('listActivations'), 'forbidden');
    const { users } = await admin.portal.call('listUsers');
    expect(users.some((u) => u.displayName === 'Pirate')).toBe(false);
  });

  it('rule 2: the administrator suspends and reinstates a user of the company, and can lift a temporary lock', async () => {
    const { user: admin } = await adminWithDevice(server);
    const { user: marc, device: marcDevice } = await secondaryWithDevice(server, admin.portal, 'Marc Petit');
    const marcId = marc.portal.session!.holder.userId;

    const suspended = await admin.portal.call('lockUser', { params: { id: marcId } });
    expect(suspended.user.status).toBe('suspended');
    // His open session ends and he cannot log in or enrol.
    await expectCode(marc.portal.call('accounts'), 'session_required');
    const refused = await expectCode(server.portal().call('login', { body: { identifier: marc.identifier, secretCode: marc.secretCode } }), 'account_locked');
    expect(refused.facts.lockedUntil).toBeNull();
    await expectCode(startEnrolment(server, marc), 'account_locked');

    expect((await admin.portal.call('unlockUser', { params: { id: marcId } })).user.status).toBe('active');
    await loginWithSecureAccess(server, marc, marcDevice);

    // A temporary lock after wrong codes can be lifted by the administrator too.
    for (let i = 0; i < 5; i++) await rejection(server.portal().call('login', { body: { identifier: marc.identifier, secretCode: 'Mauvais2026' } }));
    await expectCode(server.portal().call('login', { body: { identifier: marc.identifier, secretCode: marc.secretCode } }), 'account_locked');
    expect((await admin.portal.call('listUsers')).users.find((u) => u.id === marcId)?.status).toBe('locked');
    await admin.portal.call('unlockUser', { params: { id: marcId } });
    await loginWithSecureAccess(server, marc, marcDevice);

    // Never a user of another company, never oneself.
    const { user: stranger } = await adminWithDevice(server);
    await expectCode(stranger.portal.call('lockUser', { params: { id: marcId } }), 'user_not_found');
    await expectCode(admin.portal.call('lockUser', { params: { id: admin.portal.session!.holder.userId } }), 'forbidden');
  });

  it('rule 2: a secondary administrator suspends and reinstates users of the company, but never the primary administrator', async () => {
    const { user: admin } = await adminWithDevice(server);
    const primaryId = admin.portal.session!.holder.userId;
    const hugo = await server.readySecondaryUser(admin.portal, 'Hugo Second', 'admin');
    const hugoPortal = await loginWithSecureAccess(server, hugo, await server.activateDevice(hugo, { deviceName: 'PC de Hugo', adminPortal: admin.portal }));
    const { user: marc } = await secondaryWithDevice(server, admin.portal, 'Marc Petit');
    const marcId = marc.portal.session!.holder.userId;

    expect((await hugoPortal.call('lockUser', { params: { id: marcId } })).user.status).toBe('suspended');
    expect((await hugoPortal.call('unlockUser', { params: { id: marcId } })).user.status).toBe('active');
    await expectCode(hugoPortal.call('lockUser', { params: { id: primaryId } }), 'forbidden');
    await expectCode(hugoPortal.call('unlockUser', { params: { id: primaryId } }), 'forbidden');
    // The primary administrator is untouched: still active, still logged in, nothing audited against them.
    expect((await admin.portal.call('getSession')).step).toBe('authenticated');
    expect((await admin.portal.call('listUsers')).users.find((u) => u.id === primaryId)?.status).toBe('active');
    expect(await auditRows(server, 'account_suspended', primaryId)).toEqual([]);
    // Marc's suspension and reinstatement are audited as Hugo's.
    const hugoId = hugoPortal.session!.holder.userId;
    expect((await auditRows(server, 'account_suspended', marcId)).map((row) => JSON.parse(row.details_json) as object)).toEqual([{ by: hugoId }]);
  });

  it('portal sessions: the cookie is HttpOnly, Secure and SameSite=Strict; a change without the CSRF token is refused', async () => {
    const { user: admin, device } = await adminWithDevice(server);
    const response = await fetch(server.baseUrl + ROUTES.login.path, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ identifier: admin.identifier, secretCode: admin.secretCode }),
    });
    const setCookie = response.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^sa_session=[A-Za-z0-9_-]{40,};/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/Secure/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    const session = (await response.json()) as { csrfToken: string; loginValidation: { id: string; number: number } };
    const validation = await pendingValidation(device, session.loginValidation.id);
    await device.call('decide', { params: { id: validation.id }, body: device.decisionBody(validation, 'approve', session.loginValidation.number) });

    const cookie = setCookie.split(';')[0]!;
    const body = JSON.stringify({ ...SAMPLE_TRANSFER });
    for (const csrf of [undefined, 'forged', `${session.csrfToken}x`]) {
      const answer = await raw(server.baseUrl, 'POST', ROUTES.createTransfer.path, { headers: { 'content-type': 'application/json', cookie, ...(csrf ? { 'x-csrf-token': csrf } : {}) }, body });
      expect(answer.status).toBe(403);
      expect(answer.json).toMatchObject({ code: 'csrf_invalid' });
    }
    const accepted = await raw(server.baseUrl, 'POST', ROUTES.createTransfer.path, { headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': session.csrfToken }, body });
    expect(accepted.status).toBe(201);
  });

  it('rule 3: first connection of a primary administrator: Security Code by SMS, change of the temporary code, then installation', async () => {
    const { admin } = await server.createCompany();
    const portal = server.portal();
    const first = await portal.call('login', { body: { identifier: admin.identifier, secretCode: admin.temporarySecretCode } });
    expect(first.step).toBe('security_code');
    expect(first.securityCode).toBeNull();
    expect(first.securityPhoneMasked).not.toContain(admin.securityPhone.slice(3, -2));
    expect(first.securityPhoneMasked?.endsWith(admin.securityPhone.slice(-2))).toBe(true);

    // Nothing else before the Security Code, not even the change of the secret code.
    await expectCode(portal.call('changeSecret', { body: { currentSecretCode: admin.temporarySecretCode, newSecretCode: 'Nouveau2026' } }), 'step_required');
    await expectCode(portal.call('verifySecurityCode', { body: { code: '12345678' } }), 'security_code_not_requested');

    const sent = await portal.call('sendSecurityCode', { body: { channel: 'sms' } });
    expect(sent.securityCode).toMatchObject({ channel: 'sms', attemptsLeft: 5 });
    expect(Date.parse(sent.securityCode!.expiresAt) - Date.parse(sent.securityCode!.sentAt)).toBe(5 * MINUTE);
    const code = await server.latestCode('security_code', admin.securityPhone);
    expect(code).toMatch(/^[0-9]{8}$/);

    const wrong = await expectCode(portal.call('verifySecurityCode', { body: { code: code === '00000000' ? '11111111' : '00000000' } }), 'security_code_invalid');
    expect(wrong.facts.attemptsLeft).toBe(4);

    const verified = await portal.call('verifySecurityCode', { body: { code } });
    expect(verified.step).toBe('change_secret');

    const weak = await expectCode(portal.call('changeSecret', { body: { currentSecretCode: admin.temporarySecretCode, newSecretCode: 'motdepasse' } }), 'secret_code_too_weak');
    expect(weak.facts.field).toBe('newSecretCode');
    await expectCode(portal.call('changeSecret', { body: { currentSecretCode: admin.temporarySecretCode, newSecretCode: '1234567890' } }), 'secret_code_too_weak');
    await expectCode(portal.call('changeSecret', { body: { currentSecretCode: '99999999', newSecretCode: 'Nouveau2026' } }), 'invalid_credentials');

    const changed = await portal.call('changeSecret', { body: { currentSecretCode: admin.temporarySecretCode, newSecretCode: 'Nouveau2026' } });
    expect(changed.step).toBe('install');

    // The old temporary code no longer opens anything; the new one does.
    await expectCode(server.portal().call('login', { body: { identifier: admin.identifier, secretCode: admin.temporarySecretCode } }), 'invalid_credentials');
    const again = await server.portal().call('login', { body: { identifier: admin.identifier, secretCode: 'Nouveau2026' } });
    expect(again.step).toBe('security_code');
  });

  it('rule 3: the Security Code can be sent by voice call, digit by digit', async () => {
    const { admin } = await server.createCompany();
    const portal = server.portal();
    await portal.call('login', { body: { identifier: admin.identifier, secretCode: admin.temporarySecretCode } });
    const sent = await portal.call('sendSecurityCode', { body: { channel: 'voice' } });
    expect(sent.securityCode?.channel).toBe('voice');
    const message = await server.server.ctx.db.selectFrom('outbox').selectAll().where('to_phone', '=', admin.securityPhone).orderBy('at', 'desc').executeTakeFirstOrThrow();
    expect(message.channel).toBe('voice');
    expect(message.text).toMatch(/: [0-9]( [0-9]){7}\./);
    const verified = await portal.call('verifySecurityCode', { body: { code: await server.latestCode('security_code', admin.securityPhone) } });
    expect(verified.step).toBe('change_secret');
  });

  it('rule 3: a Security Code expires after 5 minutes', async () => {
    const { admin } = await server.createCompany();
    const portal = server.portal();
    await portal.call('login', { body: { identifier: admin.identifier, secretCode: admin.temporarySecretCode } });
    await portal.call('sendSecurityCode', { body: { channel: 'sms' } });
    const code = await server.latestCode('security_code', admin.securityPhone);
    server.clock.advance(5 * MINUTE);
    await expectCode(portal.call('verifySecurityCode', { body: { code } }), 'security_code_expired');

    // A new code works.
    await portal.call('sendSecurityCode', { body: { channel: 'sms' } });
    server.clock.advance(5 * MINUTE - 1000);
    const verified = await portal.call('verifySecurityCode', { body: { code: await server.latestCode('security_code', admin.securityPhone) } });
    expect(verified.step).toBe('change_secret');
  });

  it('rule 3: five wrong Security Codes end the session, even with a new code', async () => {
    const { admin } = await server.createCompany();
    const portal = server.portal();
    await portal.call('login', { body: { identifier: admin.identifier, secretCode: admin.temporarySecretCode } });
    await portal.call('sendSecurityCode', { body: { channel: 'sms' } });
    const first = await server.latestCode('security_code', admin.securityPhone);
    const wrongCode = first === '00000000' ? '11111111' : '00000000';
    for (const attemptsLeft of [4, 3]) {
      expect((await expectCode(portal.call('verifySecurityCode', { body: { code: wrongCode } }), 'security_code_invalid')).facts.attemptsLeft).toBe(attemptsLeft);
    }
    // Asking for a new code does not give new attempts.
    const resent = await portal.call('sendSecurityCode', { body: { channel: 'sms' } });
    expect(resent.securityCode?.attemptsLeft).toBe(3);
    const code = await server.latestCode('security_code', admin.securityPhone);
    const otherWrong = code === '00000000' ? '11111111' : '00000000';
    for (const attemptsLeft of [2, 1]) {
      expect((await expectCode(portal.call('verifySecurityCode', { body: { code: otherWrong } }), 'security_code_invalid')).facts.attemptsLeft).toBe(attemptsLeft);
    }
    const exhausted = await expectCode(portal.call('verifySecurityCode', { body: { code: otherWrong } }), 'security_code_attempts_exhausted');
    expect(exhausted.facts.attemptsLeft).toBe(0);
    // The session is over: even the right code is refused.
    await expectCode(portal.call('verifySecurityCode', { body: { code } }), 'session_required');
  });

  it('rule 3: at the installation step every other portal and administration route answers step_required', async () => {
    const admin = await server.readyPrimaryAdmin();
    expect(admin.portal.session?.step).toBe('install');
    const samples: Partial<Record<RouteName, { params?: { id: string }; body?: Record<string, unknown> }>> = {
      sendSecurityCode: { body: { channel: 'sms' } },
      verifySecurityCode: { body: { code: '12345678' } },
      changeSecret: { body: { currentSecretCode: admin.secretCode, newSecretCode: 'Nouveau2027code' } },
      getOperation: { params: { id: 'val_AAAAAAAAAAAAAAAAAAAAAA' } },
      createTransfer: { body: { ...SAMPLE_TRANSFER } },
      createBeneficiary: { body: { name: 'Fournitures Martin', iban: PAYEE_IBAN } },
      checkPayee: { body: { name: 'Fournitures Martin', iban: PAYEE_IBAN } },
      revokeMyDevice: { params: { id: 'dev_AAAAAAAAAAAAAAAAAAAAAA' } },
      createUser: { body: { displayName: 'Julie Martin' } },
      lockUser: { params: { id: 'usr_AAAAAAAAAAAAAAAAAAAAAA' } },
      unlockUser: { params: { id: 'usr_AAAAAAAAAAAAAAAAAAAAAA' } },
      generateActivationCode: { params: { id: 'enr_AAAAAAAAAAAAAAAAAAAAAA' } },
      renameDevice: { params: { id: 'dev_AAAAAAAAAAAAAAAAAAAAAA' }, body: { name: 'Nouveau nom' } },
      revokeDevice: { params: { id: 'dev_AAAAAAAAAAAAAAAAAAAAAA' } },
    };
    const guarded = (Object.keys(ROUTES) as RouteName[]).filter((name) => {
      const spec = ROUTES[name] as { auth: string; steps?: readonly string[] };
      return (spec.auth === 'session' || spec.auth === 'admin') && !(spec.steps ?? ['authenticated']).includes('install');
    });
    expect(guarded.length).toBeGreaterThan(10);
    for (const name of guarded) {
      // The sample inputs are built for each route by hand; the union of every route's input cannot be spelled here.
      const input = (samples[name] ?? {}) as Parameters<typeof admin.portal.call>[1];
      const error = await expectCode(admin.portal.call(name, input), 'step_required').catch((cause: unknown) => {
        throw new Error(`${name}: ${String(cause)}`);
      });
      expect(error.status).toBe(403);
    }
    // What the installation step needs still works.
    expect((await admin.portal.call('getSession')).step).toBe('install');
  });

  it('rule 3: the installation step moves on by itself when a device becomes active (long-poll on the session)', async () => {
    const admin = await server.readyPrimaryAdmin();
    const known = admin.portal.session!;
    const userId = known.holder.userId;
    const waiting = nextWaiter(server, userId);
    const longPoll = admin.portal.call('getSession', { query: { knownState: known.stateKey, waitSeconds: HOLD_SECONDS } });
    await waiting;
    const since = Date.now();
    await server.activateDevice({ ...admin, portal: server.portal() });
    const moved = await wokenBy(longPoll, since);
    // Activated: this session too must now be approved on Secure Access, with number matching.
    expect(moved).toMatchObject({ step: 'secure_access', activeDevices: 1, loginValidation: null });
    expect(moved.stateKey).not.toBe(known.stateKey);
  });

  it('rule 4: a session opened with the Code Secret alone before the activation is not authenticated by it: it passes Secure Access like any login', async () => {
    const admin = await server.readyPrimaryAdmin();
    // Someone else holding the Code Secret logs in while the user has no device yet: the session waits at "install".
    const intruder = server.portal();
    expect((await intruder.call('login', { body: { identifier: admin.identifier, secretCode: admin.secretCode } })).step).toBe('security_code');
    const device = await server.activateDevice(admin);
    expect((await admin.portal.call('getSession')).step).toBe('authenticated');

    // The intruder's session stands at Secure Access, without access to anything.
    expect(await intruder.call('getSession')).toMatchObject({ step: 'secure_access', loginValidation: null });
    for (const name of ['accounts', 'operations', 'myDevices'] as const) await expectCode(intruder.call(name), 'step_required');
    await expectCode(intruder.call('createTransfer', { body: SAMPLE_TRANSFER }), 'step_required');

    // It may ask for its approval, once: the user sees a login request they did not make, and rejects it.
    const asked = await Promise.all(Array.from({ length: 5 }, () => intruder.call('startSecureAccessLogin')));
    const ids = new Set(asked.map((view) => view.loginValidation?.id));
    expect(ids.size).toBe(1);
    const login = asked[0]!.loginValidation!;
    const pending = (await device.call('pendingValidations', { query: {} })).validations.filter((validation) => validation.kind === 'login');
    expect(pending.map((validation) => validation.id)).toEqual([login.id]);
    await device.call('decide', { params: { id: login.id }, body: device.decisionBody(pending[0]!, 'reject', null) });
    expect(await intruder.call('getSession')).toMatchObject({ step: 'secure_access', loginValidation: { status: 'rejected' } });
    expect((await intruder.call('startSecureAccessLogin')).loginValidation?.id).toBe(login.id);
    await expectCode(intruder.call('accounts'), 'step_required');
  });

  it('rule 3: a secondary user changes the temporary code (no Security Code) and reaches the installation step', async () => {
    const { user: admin } = await adminWithDevice(server);
    const created = await admin.portal.call('createUser', { body: { displayName: 'Léa Durand' } });
    const portal = server.portal();
    const first = await portal.call('login', { body: { identifier: created.user.identifier, secretCode: created.temporarySecretCode } });
    expect(first.step).toBe('change_secret');
    expect(first.securityPhoneMasked).toBeNull();
    await expectCode(portal.call('sendSecurityCode', { body: { channel: 'sms' } }), 'step_required');
    await expectCode(portal.call('accounts'), 'step_required');
    const changed = await portal.call('changeSecret', { body: { currentSecretCode: created.temporarySecretCode, newSecretCode: 'Comptable2026' } });
    expect(changed.step).toBe('install');
    await expectCode(portal.call('operations'), 'step_required');
  });

  it('a change of Code Secret ends the user’s other portal sessions, not the one that made it', async () => {
    const { user: admin, device } = await adminWithDevice(server);
    const elsewhere = await loginWithSecureAccess(server, admin, device);
    const waiting = server.portal();
    await waiting.call('login', { body: { identifier: admin.identifier, secretCode: admin.secretCode } });
    await admin.portal.call('changeSecret', { body: { currentSecretCode: admin.secretCode, newSecretCode: 'Nouveau2027code' } });
    await expectCode(elsewhere.call('accounts'), 'session_required');
    await expectCode(waiting.call('getSession'), 'session_required');
    expect((await admin.portal.call('accounts')).accounts.length).toBeGreaterThan(0);
  });

  it('rule 3: the secret code cannot be "changed" to the same one', async () => {
    const { user: admin } = await adminWithDevice(server);
    await expectCode(admin.portal.call('changeSecret', { body: { currentSecretCode: admin.secretCode, newSecretCode: admin.secretCode } }), 'secret_code_unchanged');
    const changed = await admin.portal.call('changeSecret', { body: { currentSecretCode: admin.secretCode, newSecretCode: 'Autre2027code' } });
    expect(changed.step).toBe('authenticated');
  });

  it('rule 4: with an active device every login needs Secure Access, with number matching; the right number authenticates', async () => {
    const { user: admin, device } = await adminWithDevice(server);
    const portal = server.portal();
    const session = await portal.call('login', { body: { identifier: admin.identifier, secretCode: admin.secretCode } });
    expect(session.step).toBe('secure_access');
    const login = session.loginValidation!;
    expect(login.status).toBe('pending');
    expect(login.number).toBeGreaterThanOrEqual(10);
    expect(login.number).toBeLessThanOrEqual(99);
    await expectCode(portal.call('accounts'), 'step_required');

    const validation = await pendingValidation(device, login.id);
    expect(validation.kind).toBe('login');
    expect(validation.details).toMatchObject({ type: 'login', channel: 'portal', ipAddress: '127.0.0.1' });
    expect(validation.numberChoices).toHaveLength(3);
    expect(new Set(validation.numberChoices).size).toBe(3);
    expect(validation.numberChoices).toContain(login.number);

    const known = session.stateKey;
    const waiting = nextWaiter(server, session.holder.userId);
    const longPoll = portal.call('getSession', { query: { knownState: known, waitSeconds: HOLD_SECONDS } });
    await waiting;
    const since = Date.now();
    const decided = await device.call('decide', { params: { id: login.id }, body: device.decisionBody(validation, 'approve', login.number) });
    expect(decided.status).toBe('approved');
    const after = await wokenBy(longPoll, since);
    expect(after.step).toBe('authenticated');
    expect(after.loginValidation?.status).toBe('approved');
    expect((await portal.call('accounts')).accounts.map((account) => account.name)).toEqual(['Compte courant', 'Compte de trésorerie']);
  });

  it('rule 4: picking a wrong number refuses the login (number_mismatch)', async () => {
    const { user: admin, device } = await adminWithDevice(server);
    const portal = server.portal();
    const session = await portal.call('login', { body: { identifier: admin.identifier, secretCode: admin.secretCode } });
    const validation = await pendingValidation(device, session.loginValidation!.id);
    const wrongNumber = validation.numberChoices!.find((n) => n !== session.loginValidation!.number)!;
    await expectCode(device.call('decide', { params: { id: validation.id }, body: device.decisionBody(validation, 'approve', wrongNumber) }), 'number_mismatch');
    const after = await portal.call('getSession');
    expect(after.step).toBe('secure_access');
    expect(after.loginValidation?.status).toBe('rejected');
    await expectCode(portal.call('accounts'), 'step_required');
    // The refused login cannot be approved afterwards.
    await expectCode(device.call('decide', { params: { id: validation.id }, body: device.decisionBody(validation, 'approve', session.loginValidation!.number) }), 'validation_already_decided');
  });

  it('rule 4: a login rejected on the device stays refused', async () => {
    const { user: admin, device } = await adminWithDevice(server);
    const portal = server.portal();
    const session = await portal.call('login', { body: { identifier: admin.identifier, secretCode: admin.secretCode } });
    const validation = await pendingValidation(device, session.loginValidation!.id);
    const decided = await device.call('decide', { params: { id: validation.id }, body: device.decisionBody(validation, 'reject', null) });
    expect(decided.status).toBe('rejected');
    const after = await portal.call('getSession');
    expect(after.loginValidation?.status).toBe('rejected');
    expect(after.step).toBe('secure_access');
    await expectCode(portal.call('operations'), 'step_required');
    // A new login is needed, with a new number.
    const again = await loginWithSecureAccess(server, admin, device);
    expect(again.session?.loginValidation?.id).not.toBe(validation.id);
  });

  it('rule 4: a secondary user with a device also validates every login on Secure Access', async () => {
    const { user: admin } = await adminWithDevice(server);
    const { user: secondary, device } = await secondaryWithDevice(server, admin.portal, 'Nina Roux');
    const portal = server.portal();
    const session = await portal.call('login', { body: { identifier: secondary.identifier, secretCode: secondary.secretCode } });
    expect(session.step).toBe('secure_access');
    await approveLogin(device, portal);
    expect((await portal.call('getSession')).step).toBe('authenticated');
  });

  it('rule 5: five consecutive wrong secret codes lock the account temporarily, say so, and log it', async () => {
    const { user: admin, device } = await adminWithDevice(server);
    const userId = await userIdOf(server, admin.identifier);
    const portal = server.portal();
    for (const attemptsLeft of [4, 3, 2, 1]) {
      const error = await expectCode(portal.call('login', { body: { identifier: admin.identifier, secretCode: 'Mauvais2026' } }), 'invalid_credentials');
      expect(error.facts.attemptsLeft).toBe(attemptsLeft);
    }
    const locked = await expectCode(portal.call('login', { body: { identifier: admin.identifier, secretCode: 'Mauvais2026' } }), 'account_locked');
    expect(locked.status).toBe(423);
    const lockedUntil = Date.parse(locked.facts.lockedUntil!);
    expect(lockedUntil).toBe(server.clock.now() + server.server.ctx.limits.lockMinutes * MINUTE);

    // Locked: the right code is refused too, and an enrolment cannot get around it.
    await expectCode(portal.call('login', { body: { identifier: admin.identifier, secretCode: admin.secretCode } }), 'account_locked');
    await expectCode(startEnrolment(server, admin), 'account_locked');

    const lockRows = await auditRows(server, 'account_locked', userId);
    expect(lockRows).toHaveLength(1);
    expect(lockRows[0]).toMatchObject({ ip: '127.0.0.1', at: server.clock.now() });
    expect((await auditRows(server, 'login_failed', userId)).length).toBe(5);

    // The administrator's view says so.
    const { users } = await admin.portal.call('listUsers');
    expect(users.find((u) => u.id === userId)?.status).toBe('locked');

    // The lock lifts after the lock time.
    server.clock.set(lockedUntil - 1000);
    await expectCode(portal.call('login', { body: { identifier: admin.identifier, secretCode: admin.secretCode } }), 'account_locked');
    server.clock.set(lockedUntil);
    const reopened = await loginWithSecureAccess(server, admin, device);
    expect(reopened.session?.step).toBe('authenticated');
    // And the count starts again from five.
    const fresh = await expectCode(server.portal().call('login', { body: { identifier: admin.identifier, secretCode: 'Mauvais2026' } }), 'invalid_credentials');
    expect(fresh.facts.attemptsLeft).toBe(4);
  });

  it('rule 5: a correct secret code resets the count of wrong ones', async () => {
    const { user: admin, device } = await adminWithDevice(server);
    const portal = server.portal();
    for (let i = 0; i < 4; i++) await expectCode(portal.call('login', { body: { identifier: admin.identifier, secretCode: 'Mauvais2026' } }), 'invalid_credentials');
    await loginWithSecureAccess(server, admin, device);
    const error = await expectCode(portal.call('login', { body: { identifier: admin.identifier, secretCode: 'Mauvais2026' } }), 'invalid_credentials');
    expect(error.facts.attemptsLeft).toBe(4);
  });

  it('rule 5: wrong secret codes sent all at once still lock the account after five', async () => {
    const { user: admin } = await adminWithDevice(server);
    const attempts = await Promise.allSettled(Array.from({ length: 12 }, () => server.portal().call('login', { body: { identifier: admin.identifier, secretCode: 'Mauvais2026' } })));
    const codes = attempts.map((attempt) => (attempt.status === 'rejected' ? (attempt.reason as { code: string }).code : 'accepted'));
    expect(codes.filter((code) => code === 'invalid_credentials').length).toBeLessThanOrEqual(4);
    expect(codes.filter((code) => code === 'account_locked').length).toBeGreaterThanOrEqual(8);
    await expectCode(server.portal().call('login', { body: { identifier: admin.identifier, secretCode: admin.secretCode } }), 'account_locked');
  });

  it.each(['portal login', 'app sign-in'] as const)('rule 5 (%s): after two wrong codes, a hundred wrong ones and the right one at once check at most three, and the lock stays', async (path) => {
    const { user: admin } = await adminWithDevice(server);
    const userId = await userIdOf(server, admin.identifier);
    const attempt = (secretCode: string) => (path === 'portal login'
      ? server.portal().call('login', { body: { identifier: admin.identifier, secretCode } })
      : startEnrolment(server, { identifier: admin.identifier, secretCode }));
    for (const attemptsLeft of [4, 3]) expect((await expectCode(attempt('Mauvais2026'), 'invalid_credentials')).facts.attemptsLeft).toBe(attemptsLeft);

    const burst = [...Array.from({ length: 100 }, () => 'Mauvais2026'), admin.secretCode].sort(() => Math.random() - 0.5);
    const checksBefore = secretChecks.count;
    const outcomes = await Promise.allSettled(burst.map((code) => attempt(code)));
    const accepted = outcomes.filter((outcome) => outcome.status === 'fulfilled').length;
    const codes = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [(outcome.reason as { code: string }).code] : []));
    expect(codes.every((code) => code === 'invalid_credentials' || code === 'account_locked')).toBe(true);
    // Five codes in a row at most: three more after the two, however many arrive at once.
    expect(secretChecks.count - checksBefore).toBeLessThanOrEqual(3);
    const wrongChecked = (await auditRows(server, 'login_failed', userId)).length - 2;
    expect(wrongChecked + accepted).toBeLessThanOrEqual(3);
    // The account is locked, and no right code sent with the wrong ones erased the lock.
    const row = await server.server.ctx.db.selectFrom('users').select(['locked_until']).where('id', '=', userId).executeTakeFirstOrThrow();
    expect(row.locked_until).toBe(server.clock.now() + server.server.ctx.limits.lockMinutes * MINUTE);
    await expectCode(attempt(admin.secretCode), 'account_locked');
  });

  /** A new company's primary administrator, signed in with the temporary code, whose Security Code was sent by SMS. */
  async function atSecurityCodeStep() {
    const { admin } = await server.createCompany();
    const portal = server.portal();
    await portal.call('login', { body: { identifier: admin.identifier, secretCode: admin.temporarySecretCode } });
    await portal.call('sendSecurityCode', { body: { channel: 'sms' } });
    return { portal, code: await server.latestCode('security_code', admin.securityPhone), userId: await userIdOf(server, admin.identifier) };
  }

  it('rule 3: two hundred Security Codes at once, the right one among them: five are compared at most, then the session is over', async () => {
    const { portal, code, userId } = await atSecurityCodeStep();
    const wrong = (i: number) => String((Number(code) + 1 + i) % 100_000_000).padStart(8, '0');
    const burst = [...Array.from({ length: 199 }, (_, i) => wrong(i)), code].sort(() => Math.random() - 0.5);
    const outcomes = await Promise.allSettled(burst.map((typed) => portal.call('verifySecurityCode', { body: { code: typed } })));
    const accepted = outcomes.filter((outcome) => outcome.status === 'fulfilled').length;
    const wrongChecked = (await auditRows(server, 'security_code_failed', userId)).length;
    expect(wrongChecked + accepted).toBeLessThanOrEqual(5);
    const session = await server.server.ctx.db.selectFrom('portal_sessions').selectAll().where('user_id', '=', userId).executeTakeFirstOrThrow();
    expect(session.security_code_attempts).toBeLessThanOrEqual(5);
    if (accepted === 0) {
      // The right code came too late: the session ended with the fifth wrong one, and stays ended.
      expect(session.ended_at).not.toBeNull();
      await expectCode(portal.call('verifySecurityCode', { body: { code } }), 'session_required');
    } else {
      expect(session.security_code_verified_at).not.toBeNull();
      expect(session.ended_at).toBeNull();
    }
  });

  it('rule 3: the right Security Code sent ten times at once passes once, and no attempt is counted wrong', async () => {
    const { portal, code, userId } = await atSecurityCodeStep();
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => portal.call('verifySecurityCode', { body: { code } })));
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    // A copy that finds the session verified is told the step is done. One that arrives while the five slots are
    // still being checked gets no slot and is told to log in again, though the session passes: a wording limit,
    // not a security one (no code is compared beyond five, none is counted wrong).
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') expect(['step_required', 'security_code_attempts_exhausted']).toContain((outcome.reason as { code: string }).code);
    }
    expect(await auditRows(server, 'security_code_failed', userId)).toEqual([]);
    expect(await auditRows(server, 'security_code_verified', userId)).toHaveLength(1);
    expect((await portal.call('getSession')).step).toBe('change_secret');
  });

  it('rule 5: the answer for an unknown identifier is indistinguishable from a wrong secret code', async () => {
    const { user: admin } = await adminWithDevice(server);
    const unknown = `inconnu${Date.now()}`;
    for (let attempt = 1; attempt <= 6; attempt++) {
      const known = await attemptLogin(admin.identifier);
      const ghost = await attemptLogin(unknown);
      expect(ghost).toEqual(known);
    }
    // Both lift at the same time, and count again from five.
    server.clock.advance(server.server.ctx.limits.lockMinutes * MINUTE);
    const known = await attemptLogin(admin.identifier);
    const ghost = await attemptLogin(unknown);
    expect(known).toMatchObject({ status: 401, body: { code: 'invalid_credentials', attemptsLeft: 4 } });
    expect(ghost).toEqual(known);

    async function attemptLogin(identifier: string) {
      const answer = await raw(server.baseUrl, 'POST', ROUTES.login.path, { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ identifier, secretCode: 'Mauvais2026' }) });
      return { status: answer.status, body: answer.json };
    }
  });

  it('rule 5: an unknown identifier keeps the same countdown as a known one when the failures straddle minutes', async () => {
    const { user: admin } = await adminWithDevice(server);
    const unknown = `fantome${Date.now()}`;
    const answers: { known: unknown; ghost: unknown }[] = [];
    for (let attempt = 1; attempt <= 6; attempt++) {
      // Failures spread over time: a fixed window must not reset the count of one and not the other.
      server.clock.advance(4 * MINUTE);
      const [known, ghost] = await Promise.all([admin.identifier, unknown].map(async (identifier) => {
        const answer = await raw(server.baseUrl, 'POST', ROUTES.login.path, { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ identifier, secretCode: 'Mauvais2026' }) });
        return { status: answer.status, body: answer.json };
      }));
      answers.push({ known, ghost });
    }
    for (const { known, ghost } of answers) expect(ghost).toEqual(known);
  });
});
