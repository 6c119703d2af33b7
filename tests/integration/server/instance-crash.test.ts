/**
 * An instance killed with `kill -9` right after committing (issue 17): on one PostgreSQL database, instance A is a
 * real server process and instance B runs here. Ten devices are revoked through A under load, and A is killed at
 * the first answer — some revocations are then committed and never answered, their instance gone before it could say
 * anything. B must refuse every revoked device at once after, whatever it kept in memory: its token, its waiting
 * long-poll, its decision. Repeated, so that the window between a commit and what follows it is hit; and once more
 * with A killing itself exactly there (a test fault), so that it is hit every time.
 *
 * B's own safety net (confirming what it keeps against the database every few seconds) is off here: what is tested
 * is that the commit itself tells B.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PendingResponseT } from '../../../protocol/index';
import { provision, type ProvisionedUser } from '../../../bench/provisioning';
import { SESSION_COOKIE } from '../../../server/http/app';
import { STATE_CONFIRMATION } from '../../../server/user-state-cache';
import type { TestDevice } from '../../harness/http-client';
import { OPS_TOKEN, TestClock, startTestServer, type TestServer } from '../../harness/server';
import { HOLD_SECONDS, SAMPLE_TRANSFER, expectCode, nextWaiter, pathOf, pendingValidation, raw, rejection, startServerProcess, type RawAnswer } from './helpers';

/** A server process runs on the wall clock: so does B, for signed timestamps and tokens to agree. */
class WallClock extends TestClock {
  override now = (): number => Date.now();
}

const DEVICES = 10;
/** Rounds at least; then more, until a revocation was committed and never answered (about every other round does). */
const ROUNDS = 3;
const MAX_ROUNDS = 12;
/** Concurrent transfer creations on A while it revokes. */
const WRITERS = 30;
const WITHIN_BOUND = { timeout: STATE_CONFIRMATION.maxUnconfirmedMs + 1_000, interval: 50 };

interface Holder {
  user: ProvisionedUser;
  device: TestDevice;
  validationId: string;
}

describe('an instance killed with kill -9 right after committing revocations (postgres, two server processes)', () => {
  let b: TestServer;
  beforeAll(async () => {
    b = await startTestServer({ database: 'postgres', clock: new WallClock(), faults: { withoutStateConfirmation: true } });
  });
  afterAll(async () => {
    await b.close();
  });

  function sessionHeaders(user: ProvisionedUser, body?: string): Record<string, string> {
    return { cookie: `${SESSION_COOKIE}=${user.sessionToken}`, 'x-csrf-token': user.csrfToken, ...(body ? { 'content-type': 'application/json' } : {}) };
  }

  /** Users of one company, one device each, each with a transfer pending; B keeps their states in memory. */
  async function holdersOf(name: string, count: number): Promise<Holder[]> {
    const devices = Array.from({ length: count }, () => b.device());
    const { pools } = await provision(b.server.ctx, { pools: [{ name, publicKeys: devices.map((device) => device.publicKey) }] });
    const holders: Holder[] = [];
    for (const [index, user] of pools[0]!.users.entries()) {
      const device = devices[index]!;
      device.keyId = user.deviceId;
      // The approval code chosen, as the app does right after activation: its approvals are then accepted.
      await device.registerApprovalKey();
      const body = JSON.stringify({ ...SAMPLE_TRANSFER, reference: `${name} ${index}` });
      const created = await raw(b.baseUrl, 'POST', pathOf('createTransfer'), { headers: sessionHeaders(user, body), body });
      const validationId = (created.json as { operation: { id: string } }).operation.id;
      expect((await device.callWithToken('pendingValidations', { query: {} })).validations.map((v) => v.id)).toEqual([validationId]);
      holders.push({ user, device, validationId });
    }
    return holders;
  }

  function revokeThroughPortal(baseUrl: string, holder: Holder): Promise<RawAnswer> {
    return raw(baseUrl, 'POST', pathOf('revokeMyDevice', { id: holder.user.deviceId }), { headers: sessionHeaders(holder.user) });
  }

  /** A long-poll of this device waiting on B, parked before anything happens (its rejection handled later). */
  async function waitOnB(holder: Holder, signal: AbortSignal): Promise<{ answer: Promise<PendingResponseT> }> {
    const { cursor } = await holder.device.callWithToken('pendingValidations', { query: {} });
    const parked = nextWaiter(b, holder.user.userId);
    const wait = holder.device.callWithToken('pendingValidations', { query: { cursor, waitSeconds: HOLD_SECONDS } }, { signal });
    wait.catch(() => undefined);
    await parked;
    return { answer: wait };
  }

  /** Every device the database says is revoked, B refuses: token, waiting long-poll, decision. The others go on. */
  async function expectRefusedOnB(holders: Holder[], waits: Map<string, Promise<PendingResponseT>>): Promise<number> {
    const rows = await b.server.ctx.db.selectFrom('devices').select(['id', 'status']).where('id', 'in', holders.map((h) => h.user.deviceId)).execute();
    const revoked = new Set(rows.filter((row) => row.status === 'revoked').map((row) => row.id));
    for (const holder of holders) {
      const audited = await b.server.ctx.db.selectFrom('audit_log').select('id').where('event', '=', 'device_revoked').where('device_id', '=', holder.user.deviceId).execute();
      if (!revoked.has(holder.user.deviceId)) {
        // Not committed before A died: nothing of it remains, and the device goes on.
        expect(audited).toEqual([]);
        expect((await holder.device.callWithToken('getSelf')).device.status).toBe('active');
        continue;
      }
      // Committed: its audit entry with it, and B knows.
      expect(audited).toHaveLength(1);
      expect((await rejection(waits.get(holder.user.deviceId)!)).code).toBe('device_revoked');
      await vi.waitFor(() => expectCode(holder.device.callWithToken('getSelf'), 'device_revoked'), WITHIN_BOUND);
      await expectCode(holder.device.callWithToken('pendingValidations', { query: {} }), 'device_revoked');
    }
    return revoked.size;
  }

  it('ten devices revoked through A under load, A killed at the first answer: B refuses every revoked one, round after round', async () => {
    let committedUnanswered = 0;
    for (let round = 1; round <= ROUNDS || (committedUnanswered === 0 && round <= MAX_ROUNDS); round += 1) {
      // Ten devices to revoke, and one more user whose transfers and long-polls load A meanwhile.
      const [loader, ...holders] = (await holdersOf(`crash${round}`, DEVICES + 1)) as [Holder, ...Holder[]];
      // What a decision needs, fetched while the devices are active.
      const validations = new Map(await Promise.all(holders.map(async (h) => [h.user.deviceId, await pendingValidation(h.device, h.validationId)] as const)));
      const a = await startServerProcess({ DATABASE_URL: b.databaseUrl, SA_DEMO: '0', SA_OTP_GATEWAY_URL: 'http://127.0.0.1:9/never-called', SA_OPS_TOKEN: OPS_TOKEN, PGAPPNAME: 'instance-a' });
      const aborted = new AbortController();
      const waits = new Map<string, Promise<PendingResponseT>>();
      try {
        for (const holder of holders) waits.set(holder.user.deviceId, (await waitOnB(holder, aborted.signal)).answer);
        // Load on A until it dies: the ten devices asking, another user's transfers created and delivered.
        let loaded = true;
        const loaderOnA = loader.device.at(a.baseUrl);
        const load = Promise.allSettled([
          ...holders.map(async (holder) => {
            const onA = holder.device.at(a.baseUrl);
            while (loaded) await onA.callWithToken('getSelf');
          }),
          // More writers than A has database connections: what follows a commit queues for one.
          ...Array.from({ length: WRITERS }, async () => {
            while (loaded) {
              const body = JSON.stringify({ ...SAMPLE_TRANSFER, reference: 'Charge' });
              await raw(a.baseUrl, 'POST', pathOf('createTransfer'), { headers: sessionHeaders(loader.user, body), body });
              await loaderOnA.callWithToken('pendingValidations', { query: {} });
            }
          }),
        ]);

        const revocations = holders.map((holder) => revokeThroughPortal(a.baseUrl, holder));
        await Promise.race(revocations.map((revocation) => revocation.catch(() => undefined)));
        await a.kill();
        loaded = false;
        const answers = await Promise.allSettled(revocations);
        await load;
        // A's connections are gone: whatever it committed is committed, the rest rolled back.
        await vi.waitFor(async () => expect(await backendsOf('instance-a')).toBe(0), { timeout: 10_000, interval: 50 });

        const revoked = await expectRefusedOnB(holders, waits);
        const answered = answers.filter((answer) => answer.status === 'fulfilled' && answer.value.status === 200).length;
        expect(revoked).toBeGreaterThanOrEqual(answered);
        committedUnanswered += revoked - answered;
        console.log(`round ${round}: ${answered} revocations answered before the kill, ${revoked} committed`);

        for (const holder of holders) {
          const validation = validations.get(holder.user.deviceId)!;
          // Read before deciding: a refused decision left waiting behind a query would be an unhandled rejection.
          const stillActive = (await b.server.ctx.db.selectFrom('devices').select('status').where('id', '=', holder.user.deviceId).executeTakeFirstOrThrow()).status === 'active';
          const decided = holder.device.callWithToken('decide', { params: { id: holder.validationId }, body: holder.device.decisionBody(validation, 'approve', null) });
          if (stillActive) expect((await decided).status).toBe('approved');
          else await expectCode(decided, 'device_revoked');
        }
        const decidedByRevoked = await b.server.ctx.db.selectFrom('validations').innerJoin('devices', 'devices.id', 'validations.decided_by_device')
          .select('validations.id').where('devices.status', '=', 'revoked').where('validations.id', 'in', holders.map((h) => h.validationId)).execute();
        expect(decidedByRevoked).toEqual([]);
      } finally {
        aborted.abort();
        await a.kill();
      }
    }
    // Without a revocation committed and never answered, this test would have proved nothing.
    expect(committedUnanswered).toBeGreaterThan(0);
  }, MAX_ROUNDS * 30_000);

  it('A kills itself right after committing a revocation, before answering: B refuses the device', async () => {
    const [victim] = (await holdersOf('self-kill', 1)) as [Holder];
    const validation = await pendingValidation(victim.device, victim.validationId);
    const a = await startServerProcess({ DATABASE_URL: b.databaseUrl, SA_OPS_TOKEN: OPS_TOKEN, SA_TEST_KILL_AFTER_COMMIT_OF: victim.user.userId }, 'tests/harness/server-killed-after-commit.ts');
    const aborted = new AbortController();
    try {
      const { answer: wait } = await waitOnB(victim, aborted.signal);
      // Never answered: A is gone before it can say anything.
      await expect(revokeThroughPortal(a.baseUrl, victim)).rejects.toThrow(TypeError);
      expect(await a.exited).toBe('SIGKILL');
      expect((await b.server.ctx.db.selectFrom('devices').select('status').where('id', '=', victim.user.deviceId).executeTakeFirstOrThrow()).status).toBe('revoked');

      expect((await rejection(wait)).code).toBe('device_revoked');
      await expectCode(victim.device.callWithToken('getSelf'), 'device_revoked');
      await expectCode(victim.device.callWithToken('decide', { params: { id: victim.validationId }, body: victim.device.decisionBody(validation, 'approve', null) }), 'device_revoked');
      expect((await b.server.ctx.db.selectFrom('validations').select('status').where('id', '=', victim.validationId).executeTakeFirstOrThrow()).status).toBe('pending');
    } finally {
      aborted.abort();
      await a.kill();
    }
  }, 60_000);

  /** Connections the instance with this application name still has to the database. */
  async function backendsOf(applicationName: string): Promise<number> {
    const { rows } = await sql<{ n: string }>`SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = ${applicationName}`.execute(b.server.ctx.db);
    return Number(rows[0]?.n);
  }
});
