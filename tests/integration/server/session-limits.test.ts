/**
 * The portal session's two time limits, decided by the server on its own (injected) clock: the logout after
 * 5 minutes without activity and the 8-hour maximum, whatever the page's timers do. A request records activity;
 * a long-poll does not (a page left open on a screen is not a person using it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../../server/config';
import type { PortalClient } from '../../harness/http-client';
import { startTestServer, type TestServer } from '../../harness/server';
import { DATABASES, HOUR, MINUTE, SAMPLE_TRANSFER, adminWithDevice, expectCode, loginWithSecureAccess, type UserWithDevice } from './helpers';

const IDLE = 5 * MINUTE;
const MAX = 8 * HOUR;

describe.each(DATABASES)('portal session limits on the server (%s)', (database) => {
  let server: TestServer;
  let admin: UserWithDevice;

  beforeAll(async () => {
    server = await startTestServer({ database });
    admin = await adminWithDevice(server);
  });
  afterAll(async () => {
    await server.close();
  });

  it('the limits in force are the installation guide\'s: 5 minutes of inactivity, 8 hours in all', () => {
    expect(DEFAULT_LIMITS.sessionIdleSeconds * 1000).toBe(IDLE);
    expect(DEFAULT_LIMITS.sessionMaxSeconds * 1000).toBe(MAX);
  });

  /** The `ended_at` the server recorded for the session of this portal (null while it lives). */
  async function endedAt(portal: PortalClient): Promise<number | null> {
    const rows = await server.server.ctx.db.selectFrom('portal_sessions').select(['ended_at', 'csrf_token']).execute();
    const row = rows.find((candidate) => candidate.csrf_token === portal.session?.csrfToken);
    if (!row) throw new Error('no session row for this portal');
    return row.ended_at;
  }

  it('a session idle for exactly 5 minutes still works, and each request starts the 5 minutes again', async () => {
    const portal = await loginWithSecureAccess(server, admin.user, admin.device);
    for (let i = 0; i < 3; i += 1) {
      server.clock.advance(IDLE);
      expect((await portal.call('getSession')).step).toBe('authenticated');
    }
    // A request of another kind (a POST with its CSRF token) counts as activity too.
    server.clock.advance(IDLE);
    await portal.call('createTransfer', { body: SAMPLE_TRANSFER });
    server.clock.advance(IDLE);
    expect((await portal.call('accounts')).accounts.map((account) => account.name)).toEqual(['Compte courant', 'Compte de trésorerie']);
    expect(await endedAt(portal)).toBeNull();
  });

  it('one millisecond past 5 minutes without activity the session ends: session_expired, then session_required', async () => {
    const portal = await loginWithSecureAccess(server, admin.user, admin.device);
    server.clock.advance(IDLE + 1);
    const expired = await expectCode(portal.call('getSession'), 'session_expired');
    expect(expired.message).toBe('Your session has ended after 5 minutes without activity. Please log in again.');
    expect(await endedAt(portal)).toBe(server.clock.now());
    // Ended for good: the cookie opens nothing any more, not even with activity right away.
    await expectCode(portal.call('getSession'), 'session_required');
    await expectCode(portal.call('accounts'), 'session_required');
  });

  it('an expired session refuses a write as well as a read, and the write does not happen', async () => {
    const portal = await loginWithSecureAccess(server, admin.user, admin.device);
    const transfers = () => server.server.ctx.db.selectFrom('validations').select('id').where('kind', '=', 'transfer').execute();
    const before = await transfers();
    server.clock.advance(IDLE + 1);
    await expectCode(portal.call('createTransfer', { body: SAMPLE_TRANSFER }), 'session_expired');
    expect(await transfers()).toEqual(before);
  });

  it('a long-poll is not activity: a page that only waits is logged out after 5 minutes', async () => {
    const portal = await loginWithSecureAccess(server, admin.user, admin.device);
    server.clock.advance(4 * MINUTE);
    // A wait whose known state is already out of date answers at once, but it is a long-poll all the same.
    expect((await portal.call('getSession', { query: { knownState: 'outdated', waitSeconds: 25 } })).step).toBe('authenticated');
    server.clock.advance(MINUTE + 1);
    await expectCode(portal.call('getSession', { query: { knownState: 'outdated', waitSeconds: 25 } }), 'session_expired');
    await expectCode(portal.call('getSession'), 'session_required');
  });

  it('a long-poll within the 5 minutes is answered, and a request after it still counts from the last activity', async () => {
    const portal = await loginWithSecureAccess(server, admin.user, admin.device);
    server.clock.advance(IDLE);
    expect((await portal.call('getSession', { query: { knownState: 'outdated', waitSeconds: 25 } })).step).toBe('authenticated');
    expect((await portal.call('getSession')).step).toBe('authenticated');
    server.clock.advance(IDLE);
    expect((await portal.call('getSession')).step).toBe('authenticated');
  });

  it('a session kept active ends after 8 hours all the same', async () => {
    const portal = await loginWithSecureAccess(server, admin.user, admin.device);
    const loggedInAt = server.clock.now();
    // A request every 5 minutes (the longest pause allowed) up to exactly 8 hours after the login.
    while (server.clock.now() - loggedInAt < MAX) {
      server.clock.advance(Math.min(IDLE, MAX - (server.clock.now() - loggedInAt)));
      expect((await portal.call('getSession')).step).toBe('authenticated');
    }
    expect(server.clock.now() - loggedInAt).toBe(MAX);
    server.clock.advance(1);
    const expired = await expectCode(portal.call('getSession'), 'session_expired');
    expect(expired.message).toBe('Your session has reached its maximum length of 8 hours. Please log in again.');
    expect(await endedAt(portal)).toBe(server.clock.now());
    await expectCode(portal.call('getSession'), 'session_required');
  });

  it('a long-poll after 8 hours is refused too, and a new login opens a new session', async () => {
    const portal = await loginWithSecureAccess(server, admin.user, admin.device);
    const loggedInAt = server.clock.now();
    while (server.clock.now() + 4 * MINUTE - loggedInAt <= MAX) {
      server.clock.advance(4 * MINUTE);
      await portal.call('getSession');
    }
    // At exactly 8 hours, less than 5 minutes after the last request: a long-poll (which records no activity) still lives.
    server.clock.set(loggedInAt + MAX);
    expect((await portal.call('getSession', { query: { knownState: 'outdated', waitSeconds: 25 } })).step).toBe('authenticated');
    // Less than 5 minutes after the last request, but past the 8 hours.
    server.clock.set(loggedInAt + MAX + 1);
    await expectCode(portal.call('getSession', { query: { knownState: 'outdated', waitSeconds: 25 } }), 'session_expired');
    const again = await loginWithSecureAccess(server, admin.user, admin.device);
    expect((await again.call('getSession')).step).toBe('authenticated');
  });

  it('a user suspended while a session is open is refused at its next request, even if the session was not ended', async () => {
    const suspendedLater = await adminWithDevice(server);
    const portal = await loginWithSecureAccess(server, suspendedLater.user, suspendedLater.device);
    const userId = portal.session!.holder.userId;
    // The row changed behind the session's back (a back-office tool, another instance mid-suspension): the session
    // row alone would still say it lives.
    await server.server.ctx.db.updateTable('users').set({ suspended: 1 }).where('id', '=', userId).execute();
    await expectCode(portal.call('accounts'), 'account_locked');
    await expectCode(portal.call('getSession', { query: { knownState: 'outdated', waitSeconds: 25 } }), 'account_locked');
    await expectCode(portal.call('createTransfer', { body: SAMPLE_TRANSFER }), 'account_locked');
  });

  it('the limits follow the configuration: a bank may shorten them', async () => {
    const strict = await startTestServer({ database, limits: { sessionIdleSeconds: 60, sessionMaxSeconds: 180 } });
    try {
      const user = await adminWithDevice(strict);
      const portal = await loginWithSecureAccess(strict, user.user, user.device);
      expect(portal.session?.idleTimeoutSeconds).toBe(60);
      strict.clock.advance(MINUTE);
      expect((await portal.call('getSession')).step).toBe('authenticated');
      strict.clock.advance(MINUTE + 1);
      await expectCode(portal.call('getSession'), 'session_expired');

      const kept = await loginWithSecureAccess(strict, user.user, user.device);
      for (let i = 0; i < 3; i += 1) {
        strict.clock.advance(MINUTE);
        expect((await kept.call('getSession')).step).toBe('authenticated');
      }
      strict.clock.advance(1);
      const tooLong = await expectCode(kept.call('getSession'), 'session_expired');
      expect(tooLong.message).toBe('Your session has reached its maximum length of 3 minutes. Please log in again.');
    } finally {
      await strict.close();
    }
  });
});
