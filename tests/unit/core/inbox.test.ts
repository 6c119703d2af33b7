import { afterEach, describe, expect, it } from 'vitest';
import { generateSecretKey, type ValidationDetailsT } from '../../../protocol/index';
import { ApiClient } from '../../../main/core/api-client';
import { Inbox, type InboxAccount, type InboxOptions } from '../../../main/core/inbox';
import { createMemoryVault } from '../../../main/platform/memory-vault';
import type { PendingValidation } from '../../../preload/contract';
import {
  deliveredValidation, loginDetails, ManualClock, pendingAnswer, recordingLogger, ScriptedPendingServer, settle, T0, transferDetails,
} from './support';

const SERVER = 'https://secure-access.bank.example';

async function setUp(options: Partial<InboxOptions> = {}, random: () => number = () => 0.5) {
  const clock = new ManualClock();
  const server = new ScriptedPendingServer();
  const logger = recordingLogger();
  const vault = createMemoryVault();
  await vault.store('acc_inboxtest01', generateSecretKey());
  const api = new ApiClient({ transport: server, clock, logger });
  const pendingEvents: PendingValidation[][] = [];
  const revoked: string[] = [];
  const locked: string[] = [];
  const deviceCounts: number[] = [];
  let connectivityEvents = 0;
  const inbox: Inbox = new Inbox({
    api, clock, logger, random, options,
    onPendingChanged: () => pendingEvents.push(inbox.pending()),
    onConnectivityChanged: () => void (connectivityEvents += 1),
    onRevoked: (accountId) => void revoked.push(accountId),
    onLocked: (accountId) => void locked.push(accountId),
    onActiveDevices: (_accountId, activeDevices) => void deviceCounts.push(activeDevices),
  });
  const account: InboxAccount = {
    id: 'acc_inboxtest01', serverUrl: SERVER, label: 'amartin · Durand Industrie',
    signer: { keyId: 'dev_inboxtestdevice', sign: (message) => vault.sign('acc_inboxtest01', message) },
  };
  stopAfter.push(() => inbox.stopAll());
  return { clock, server, logger, inbox, account, pendingEvents, revoked, locked, deviceCounts, connectivity: () => connectivityEvents };
}

const stopAfter: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stopAfter.splice(0)) await stop();
});

describe('the inbox: one long-poll loop per active account', () => {
  it('asks at once without a cursor, then waits with the cursor it was given', async () => {
    const { clock, server, inbox, account } = await setUp();
    inbox.startAccount(account);
    await settle();
    expect(server.calls).toHaveLength(1);
    expect(server.last().query.get('cursor')).toBeNull();
    expect(server.last().query.get('waitSeconds')).toBe('0');
    server.last().answer(pendingAnswer(clock, '7', []));
    await settle();
    expect(server.calls).toHaveLength(2);
    expect(server.last().query.get('cursor')).toBe('7');
    // The first wait is a random part of the period (random() = 0.5 here): 2 + ⌊0.5 × 24⌋.
    expect(server.last().query.get('waitSeconds')).toBe('14');
    // One signed request bought the device token both long-polls carried (the scripted server checks it on each).
    expect(server.tokensIssued).toBe(1);
    expect(server.last().request.headers['x-sa-signature']).toBeUndefined();
    expect(inbox.connectivity()).toMatchObject({ overall: 'online', accounts: [{ accountId: account.id, state: 'online', lastError: null }] });
  });

  it('spreads devices that came online together: the first wait, and the first after a failure, is a random part of the period', async () => {
    let draw = 0;
    const { clock, server, inbox, account } = await setUp({}, () => draw);
    inbox.startAccount(account);
    await settle();
    server.last().answer(pendingAnswer(clock, '1', []));
    await settle();
    expect(server.last().query.get('waitSeconds')).toBe('2');
    clock.advance(2_000);
    server.last().answer(pendingAnswer(clock, '1', []));
    await settle();
    // Spread once, the device waits whole periods.
    expect(server.last().query.get('waitSeconds')).toBe('25');
    // After a failure, the retry waits 2 + ⌊0.25 × 24⌋ seconds.
    draw = 0.25;
    server.last().fail();
    await settle();
    await clock.advance(60_000);
    await settle();
    expect(server.last().query.get('cursor')).toBe('1');
    expect(server.last().query.get('waitSeconds')).toBe('8');
  });

  it('reports the number of active devices each answer carries (one activated or revoked elsewhere)', async () => {
    const { clock, server, inbox, account, deviceCounts } = await setUp();
    inbox.startAccount(account);
    await settle();
    server.last().answer({ ...pendingAnswer(clock, '7', []), activeDevices: 3 });
    await settle();
    expect(deviceCounts).toEqual([3]);
  });

  it('lists a validation delivered twice once, exactly as first delivered', async () => {
    const { clock, server, inbox, account, pendingEvents } = await setUp();
    const transfer = deliveredValidation();
    inbox.startAccount(account);
    await settle();
    server.last().answer(pendingAnswer(clock, '1', [transfer]));
    await settle();
    // The same id again, this time with another amount: the copy shown (and later signed) does not change.
    const redelivered = { ...transfer, details: transferDetails({ amount: '999999.00' }) };
    server.last().answer(pendingAnswer(clock, '2', [redelivered]));
    await settle();
    const pending = inbox.pending();
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({ id: transfer.id, accountId: account.id, accountLabel: 'amartin · Durand Industrie', details: { amount: '250000.00' } });
    expect(inbox.find(account.id, transfer.id)?.validation).toEqual(transfer);
    expect(pendingEvents).toHaveLength(1);
    // What the renderer gets has no nonce and no hash: nothing it could use to forge a decision.
    expect(Object.keys(pending[0]!).sort()).toEqual(['accountId', 'accountLabel', 'createdAt', 'details', 'expiresAt', 'id', 'kind', 'numberChoices', 'receivedAt']);
  });

  it('drops a validation that another device decided (it is no longer in the server list)', async () => {
    const { clock, server, inbox, account } = await setUp();
    const first = deliveredValidation();
    const second = deliveredValidation();
    inbox.startAccount(account);
    await settle();
    server.last().answer(pendingAnswer(clock, '1', [first, second]));
    await settle();
    server.last().answer(pendingAnswer(clock, '2', [second]));
    await settle();
    expect(inbox.pending().map((validation) => validation.id)).toEqual([second.id]);
    expect(inbox.closedReason(account.id, first.id)).toBe('gone');
  });

  it('drops an expired validation when its time comes, by a timer at the earliest expiry', async () => {
    const { clock, server, inbox, account, pendingEvents } = await setUp({ pollGraceMs: 60 * 60_000 });
    const login = deliveredValidation({ details: loginDetails(), ttlMs: 2 * 60_000 });
    const transfer = deliveredValidation({ ttlMs: 5 * 60_000 });
    inbox.startAccount(account);
    await settle();
    server.last().answer(pendingAnswer(clock, '1', [login, transfer]));
    await settle();
    expect(inbox.pending().map((validation) => validation.id)).toEqual([login.id, transfer.id]);

    await clock.advance(2 * 60_000 + 100);
    expect(pendingEvents.at(-1)?.map((validation) => validation.id)).toEqual([transfer.id]);
    expect(inbox.closedReason(account.id, login.id)).toBe('expired');

    await clock.advance(3 * 60_000);
    expect(pendingEvents.at(-1)).toEqual([]);
    expect(inbox.pending()).toEqual([]);
  });

  it('never shows a validation that arrives already expired, nor one whose details do not match their hash', async () => {
    const { clock, server, inbox, account, logger } = await setUp();
    const stale = deliveredValidation({ createdAt: clock.now() - 10 * 60_000, ttlMs: 5 * 60_000 });
    const tampered = { ...deliveredValidation(), details: transferDetails({ iban: 'FR7630004000031234567890143' }) };
    inbox.startAccount(account);
    await settle();
    server.last().answer(pendingAnswer(clock, '1', [stale, tampered]));
    await settle();
    expect(inbox.pending()).toEqual([]);
    expect(logger.lines.some((line) => line.message.includes('set aside') && line.fields?.problem === 'details hash does not match the details')).toBe(true);
  });

  it('never shows a payee name or a reference that would not read as it is signed: bidirectional overrides, zero-width and C1 control characters', async () => {
    const { clock, server, inbox, account, logger } = await setUp();
    const beneficiary = (name: string): ValidationDetailsT => ({
      type: 'beneficiary', channel: 'portal', userDisplayName: 'Alice Martin', companyName: 'Durand Industrie', initiatorDisplayName: 'Alice Martin', name,
      iban: 'FR7630006000011234567890189', payeeCountry: 'FR', payeeCheck: { result: 'match', registeredName: null }, requestedAt: new Date(T0).toISOString(),
    });
    const deceptive = [
      transferDetails({ payeeName: 'Fournitures \u202Eecnarf' }), // right-to-left override
      transferDetails({ payeeName: 'Fournitures\u2066 Martin\u2069' }), // an isolate chosen by the name itself
      transferDetails({ reference: 'Facture\u200B118' }), // zero-width space
      transferDetails({ reference: 'Facture\u0085118' }), // NEL, a C1 control
      beneficiary('Fournitures\u200DMartin'), // zero-width joiner
      beneficiary('\uFEFFFournitures Martin'), // byte-order mark
    ].map((details) => deliveredValidation({ details }));
    const fine = deliveredValidation({ details: beneficiary('مؤسسة النور — Fournitures Martin') });
    inbox.startAccount(account);
    await settle();
    server.last().answer(pendingAnswer(clock, '1', [...deceptive, fine]));
    await settle();
    expect(inbox.pending().map((validation) => validation.id)).toEqual([fine.id]);
    const problems = logger.lines.filter((line) => line.message.includes('set aside')).map((line) => line.fields?.problem);
    expect(problems).toEqual(['bidi', 'bidi', 'invisible', 'control', 'invisible', 'invisible'].map((kind) => `a text with a character that is not shown as it is (${kind})`));
  });

  it('follows the server clock for expiry, and shows times on this computer’s clock', async () => {
    const { clock, server, inbox, account } = await setUp();
    const serverBehindBy = 10 * 60_000;
    // The server's clock is 10 minutes behind ours: by our clock this validation "expired" 5 minutes ago.
    const transfer = deliveredValidation({ createdAt: clock.now() - serverBehindBy, ttlMs: 5 * 60_000 });
    inbox.startAccount(account);
    await settle();
    server.last().answer({ cursor: '1', validations: [transfer], serverTime: new Date(clock.now() - serverBehindBy).toISOString(), activeDevices: 1 });
    await settle();
    const [shown] = inbox.pending();
    expect(shown?.id).toBe(transfer.id);
    expect(shown?.expiresAt).toBe(new Date(clock.now() + 5 * 60_000).toISOString());
  });

  it('slows down a server that answers every long-poll at once with nothing new: no busy loop', async () => {
    const { clock, server, inbox, account } = await setUp();
    server.autoAnswer = (call) => call.answer(pendingAnswer(clock, '1', []));
    inbox.startAccount(account);
    await settle();
    // The first poll (no cursor) and one long-poll that came straight back; then the loop waits.
    expect(server.calls).toHaveLength(2);
    const delays: number[] = [];
    for (let round = 0; round < 8; round++) {
      expect(clock.pendingDelays()).toHaveLength(1);
      delays.push(await clock.fireNext());
      expect(server.calls).toHaveLength(3 + round);
    }
    expect(delays).toEqual([750, 1500, 3000, 6000, 12000, 22500, 22500, 22500]);
  });

  it('retries an unreachable server with growing, capped, jittered delays and reports it offline', async () => {
    const draws = [0, 0.999, 0.25, 0.75, 0, 0.999, 0.5, 0.1, 0.9, 0.3];
    let draw = 0;
    const { clock, server, inbox, account } = await setUp({}, () => draws[draw++ % draws.length]!);
    server.autoAnswer = (call) => call.fail();
    inbox.startAccount(account);
    await settle();
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 10; attempt++) {
      const [delay] = clock.pendingDelays();
      const link = inbox.connectivity().accounts[0];
      expect(link).toMatchObject({ state: 'offline', lastError: 'server_unreachable', nextRetryAt: new Date(clock.now() + delay!).toISOString() });
      delays.push(await clock.fireNext());
      expect(server.calls).toHaveLength(attempt + 1);
    }
    delays.forEach((delay, index) => {
      const base = Math.min(60_000, 1_000 * 2 ** index);
      expect(delay).toBeGreaterThanOrEqual(base / 2);
      expect(delay).toBeLessThanOrEqual(base);
    });
    expect(Math.max(...delays)).toBeLessThanOrEqual(60_000);
    expect(new Set(delays.slice(6)).size).toBeGreaterThan(1); // capped, yet still spread out
    expect(inbox.connectivity().overall).toBe('offline');
  });

  it('reports a server answering 503 as a server error, then online again once it answers', async () => {
    const { clock, server, inbox, account } = await setUp();
    inbox.startAccount(account);
    await settle();
    server.last().answerError(503, { code: 'service_unavailable', message: 'Maintenance' });
    await settle();
    expect(inbox.connectivity().accounts[0]).toMatchObject({ state: 'server_error', lastError: 'service_unavailable' });
    await clock.fireNext();
    server.last().answer(pendingAnswer(clock, '3', []));
    await settle();
    expect(inbox.connectivity().accounts[0]).toMatchObject({ state: 'online', lastError: null, nextRetryAt: null });
  });

  it('"check now" cuts a retry wait short and polls at once', async () => {
    const { clock, server, inbox, account } = await setUp();
    inbox.startAccount(account);
    await settle();
    server.last().fail();
    await settle();
    expect(server.calls).toHaveLength(1);
    const checked = inbox.checkNow();
    await settle();
    expect(server.calls).toHaveLength(2);
    expect(server.last().query.get('waitSeconds')).toBe('0');
    server.last().answer(pendingAnswer(clock, '4', [deliveredValidation()]));
    await checked;
    expect(inbox.pending()).toHaveLength(1);
    expect(inbox.connectivity().overall).toBe('online');
  });

  it('"check now" during a long wait abandons it and asks again at once, resolving with the new answer', async () => {
    const { clock, server, inbox, account } = await setUp();
    inbox.startAccount(account);
    await settle();
    server.last().answer(pendingAnswer(clock, '1', []));
    await settle();
    const waiting = server.last();
    expect(waiting.query.get('waitSeconds')).toBe('14');
    let resolved = false;
    const checked = inbox.checkNow().then(() => void (resolved = true));
    await settle();
    expect(waiting.settled).toBe(true);
    expect(server.calls).toHaveLength(3);
    expect(server.last().query.get('cursor')).toBe('1');
    expect(server.last().query.get('waitSeconds')).toBe('0');
    expect(resolved).toBe(false);
    server.last().answer(pendingAnswer(clock, '2', [deliveredValidation()]));
    await checked;
    expect(inbox.pending()).toHaveLength(1);
  });

  it('stops for good when the server says the device is revoked, and reports it', async () => {
    const { clock, server, inbox, account, revoked } = await setUp();
    inbox.startAccount(account);
    await settle();
    server.last().answerError(403, { code: 'device_revoked', message: 'This device has been revoked.' });
    await settle();
    expect(revoked).toEqual([account.id]);
    expect(inbox.isRunning(account.id)).toBe(false);
    await clock.advance(10 * 60_000);
    expect(server.calls).toHaveLength(1);
  });

  it('stops for good when the server says the device’s approvals are locked (wrong approval codes), and reports it', async () => {
    const { clock, server, inbox, account, revoked, locked } = await setUp();
    inbox.startAccount(account);
    await settle();
    server.last().answer(pendingAnswer(clock, '1', [deliveredValidation()]));
    await settle();
    server.last().answerError(423, { code: 'approval_code_locked', message: 'Approvals are locked on this device.' });
    await settle();
    expect(locked).toEqual([account.id]);
    expect(revoked).toEqual([]);
    expect(inbox.isRunning(account.id)).toBe(false);
    await clock.advance(10 * 60_000);
    expect(server.calls).toHaveLength(2);
  });

  it('stopping an account ends its request and forgets its validations', async () => {
    const { clock, server, inbox, account, pendingEvents } = await setUp();
    inbox.startAccount(account);
    await settle();
    server.last().answer(pendingAnswer(clock, '1', [deliveredValidation()]));
    await settle();
    const waiting = server.last();
    await inbox.stopAccount(account.id);
    expect(waiting.settled).toBe(true);
    expect(inbox.pending()).toEqual([]);
    expect(pendingEvents.at(-1)).toEqual([]);
    expect(inbox.connectivity()).toEqual({ overall: 'idle', accounts: [] });
    await clock.advance(60 * 60_000);
    expect(server.calls).toHaveLength(2);
  });
});

describe("the inbox's hold: the server's maximum where the path allows, less where a proxy cuts idle connections", () => {
  /** Started, given a cursor, its spread first wait run out: the loop now waits whole holds. */
  async function waitingWholeHolds(serverMax?: number) {
    const set = await setUp({}, () => 0);
    const { clock, server, inbox, account } = set;
    const answer = (cursor: string) => ({ ...pendingAnswer(clock, cursor, []), ...(serverMax === undefined ? {} : { maxWaitSeconds: serverMax }) });
    inbox.startAccount(account);
    await settle();
    server.last().answer(answer('1'));
    await settle();
    const spread = Number(server.last().query.get('waitSeconds'));
    await clock.advance(spread * 1000);
    server.last().answer(answer('1'));
    await settle();
    return { ...set, answer };
  }

  /** Holds the last call `seconds` and answers it with nothing new. */
  async function holdRunsOut(set: Awaited<ReturnType<typeof waitingWholeHolds>>, seconds: number) {
    await set.clock.advance(seconds * 1000);
    set.server.last().answer(set.answer('1'));
    await settle();
  }

  it("says it reads maxWaitSeconds, and asks the server's maximum once a whole hold has lived", async () => {
    const set = await waitingWholeHolds(120);
    const { server } = set;
    expect(server.last().request.headers['x-sa-reads']).toBe('maxWaitSeconds');
    expect(server.last().query.get('waitSeconds')).toBe('25');
    await holdRunsOut(set, 25);
    // The first longer hold is a random part above the previous one (random() = 0 here), then whole holds.
    expect(server.last().query.get('waitSeconds')).toBe('25');
    await holdRunsOut(set, 25);
    expect(server.last().query.get('waitSeconds')).toBe('120');
  });

  it('keeps 25 s with a server that does not say its maximum', async () => {
    const set = await waitingWholeHolds();
    await holdRunsOut(set, 25);
    await holdRunsOut(set, 25);
    expect(set.server.last().query.get('waitSeconds')).toBe('25');
  });

  it('a long-poll cut at 30 s: polls again at once with a shorter hold, stays online, and backs off nothing', async () => {
    const set = await waitingWholeHolds(120);
    const { clock, server, inbox, logger } = set;
    await holdRunsOut(set, 25);
    await holdRunsOut(set, 25);
    expect(server.last().query.get('waitSeconds')).toBe('120');
    const before = server.calls.length;
    await clock.advance(30_000);
    server.last().fail(new Error('socket hang up'));
    await settle();
    expect(server.calls).toHaveLength(before + 1);
    expect(server.last().query.get('cursor')).toBe('1');
    expect(server.last().query.get('waitSeconds')).toBe('27');
    expect(clock.pendingDelays().every((delay) => delay >= 27_000)).toBe(true);
    expect(inbox.connectivity().accounts[0]).toMatchObject({ state: 'online', lastError: null, nextRetryAt: null });
    expect(logger.lines.filter((line) => line.level !== 'info')).toEqual([]);
    expect(logger.lines.some((line) => line.message.startsWith('the network cut a waiting long-poll'))).toBe(true);
    // A validation that came meanwhile is on the next answer, at once.
    server.last().answer({ ...set.answer('2'), validations: [deliveredValidation({ details: loginDetails() })] });
    await settle();
    expect(inbox.pending()).toHaveLength(1);
  });

  it('a refused connection and a server error are failures, whatever their age: backoff, and the hold is kept', async () => {
    const set = await waitingWholeHolds(120);
    const { clock, server, inbox } = set;
    await holdRunsOut(set, 25);
    await holdRunsOut(set, 25);
    const before = server.calls.length;
    server.last().fail();
    await settle();
    expect(server.calls).toHaveLength(before);
    expect(inbox.connectivity().accounts[0]).toMatchObject({ state: 'offline', lastError: 'server_unreachable' });
    await clock.fireNext();
    await clock.advance(40_000);
    server.last().answerError(502, { code: 'service_unavailable', message: 'Bad gateway' });
    await settle();
    expect(inbox.connectivity().accounts[0]).toMatchObject({ state: 'server_error', lastError: 'service_unavailable' });
    expect(inbox.holdFor(SERVER).learnedCutSeconds).toBeNull();
    expect(inbox.holdFor(SERVER).holdSeconds).toBe(120);
  });
});
