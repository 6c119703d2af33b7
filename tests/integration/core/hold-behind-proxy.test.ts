/**
 * The app's long-poll behind a proxy that cuts idle connections: the core's inbox (its real API client, over HTTP)
 * against the real reference server, through a TCP proxy that resets any connection idle for a few seconds. The app
 * learns the cut, holds less than it from then on, keeps receiving validations at once, and never backs off — with
 * Node's fetch, and with a transport that sends a request cut on a reused connection once more, unseen, as the app's
 * (Chromium's network stack) does. The times are scaled down (a 4-second cut instead of a proxy's 30).
 */
import { afterEach, beforeAll, afterAll, describe, expect, it, vi } from 'vitest';
import { signMessage } from '../../../protocol/index';
import { ApiClient } from '../../../main/core/api-client';
import { Inbox } from '../../../main/core/inbox';
import { systemClock, type HttpTransport } from '../../../main/core/ports';
import { createNodeTransport } from '../../../main/platform/node-transport';
import { createDeviceTransport, RequestCounter } from '../../../bench/http-transport';
import { IdleCuttingProxy } from '../../harness/idle-cutting-proxy';
import { startTestServer, type TestServer } from '../../harness/server';
import { recordingLogger } from '../../unit/core/support';
import { DATABASES, SAMPLE_TRANSFER } from '../server/helpers';

const CUT_AFTER_MS = 4_000;
const SERVER_LONGEST_SECONDS = 8;
const TRANSPORTS: [string, () => HttpTransport][] = [
  ["Node's fetch", () => createNodeTransport()],
  ['a transport that resends a request cut on a reused connection', () => createDeviceTransport(new RequestCounter())],
];

describe.each(DATABASES)('the hold behind a proxy that cuts idle connections (%s)', (database) => {
  let server: TestServer;
  const closeAfter: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    server = await startTestServer({ database, startAt: Date.now(), limits: { longPollMaxSeconds: SERVER_LONGEST_SECONDS } });
  });
  afterEach(async () => {
    for (const close of closeAfter.splice(0).reverse()) await close();
  });
  afterAll(async () => {
    await server.close();
  });

  async function appThrough(serverUrl: string, transport: HttpTransport = createNodeTransport()) {
    const admin = await server.readyPrimaryAdmin();
    const device = await server.activateDevice(admin);
    const logger = recordingLogger();
    const failures: string[] = [];
    const inbox = new Inbox({
      api: new ApiClient({ transport, clock: systemClock, logger }),
      clock: systemClock,
      logger,
      // The first longer hold is the whole of it: the cut shows on the first try.
      random: () => 0.999,
      // Scaled to seconds: start at 2 s, a margin of 1 s under a cut, a cut told from a refusal after 1 s.
      options: { waitSeconds: 2, hold: { longestSeconds: 300, shortestSeconds: 1, marginRatio: 0, minMarginSeconds: 1, shortestCutMs: 1_000, probeAfterHolds: 100, probeAfterMs: 3_600_000, freeCutsInARow: 3 } },
      onPendingChanged: () => {},
      onConnectivityChanged: () => {
        for (const account of inbox.connectivity().accounts) if (account.lastError) failures.push(account.lastError);
      },
      onRevoked: () => {},
      onLocked: () => {},
      onActiveDevices: () => {},
    });
    closeAfter.push(() => inbox.stopAll());
    const account = { id: 'acc_holdbehindproxy', serverUrl, label: admin.identifier, signer: { keyId: device.keyId!, sign: async (message: Uint8Array) => signMessage(message, device.secretKey) } };
    inbox.startAccount(account);
    return { admin, inbox, account, logger, failures };
  }

  it.each(TRANSPORTS)('learns the cut, holds under it, receives a validation at once, and never backs off (%s)', async (_name, transport) => {
    const proxy = await IdleCuttingProxy.start(server.baseUrl, CUT_AFTER_MS);
    closeAfter.push(() => proxy.close());
    const { admin, inbox, account, logger, failures } = await appThrough(proxy.url, transport());
    const hold = inbox.holdFor(account.serverUrl);

    // 2 s holds live, the server says 8 s, the first 8 s hold is cut at 4 s: the app learns it.
    await vi.waitFor(() => expect(hold.learnedCutSeconds).toBe(CUT_AFTER_MS / 1000), { timeout: 20_000, interval: 100 });
    expect(proxy.requestCuts).toBeGreaterThanOrEqual(1);
    expect(hold.nextHoldSeconds()).toBe(CUT_AFTER_MS / 1000 - 1);
    const cutsWhenLearned = proxy.requestCuts;

    // Holds under the cut then live: no more cuts for several holds.
    await new Promise((resolve) => setTimeout(resolve, 2 * CUT_AFTER_MS));
    expect(proxy.requestCuts).toBe(cutsWhenLearned);

    // A validation created while the device waits arrives at once.
    const since = Date.now();
    const { operation } = await admin.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER } });
    await vi.waitFor(() => expect(inbox.pending().map((validation) => validation.id)).toContain(operation.id), { timeout: 5_000, interval: 10 });
    expect(Date.now() - since).toBeLessThan(1_000);

    // The cut was never a failure: no error shown, no backoff, online throughout.
    expect(failures).toEqual([]);
    expect(logger.lines.filter((line) => line.level !== 'info')).toEqual([]);
    expect(inbox.connectivity().accounts[0]).toMatchObject({ state: 'online', lastError: null, nextRetryAt: null });
  });

  it("on an open path, holds the server's longest", async () => {
    const { inbox, account } = await appThrough(server.baseUrl);
    const hold = inbox.holdFor(account.serverUrl);
    await vi.waitFor(() => expect(hold.holdSeconds).toBe(SERVER_LONGEST_SECONDS), { timeout: 15_000, interval: 100 });
    await new Promise((resolve) => setTimeout(resolve, SERVER_LONGEST_SECONDS * 1000 + 1_000));
    expect(hold.learnedCutSeconds).toBeNull();
    expect(inbox.connectivity().accounts[0]).toMatchObject({ state: 'online', lastError: null });
  });
});
