/**
 * Devices behind a proxy that cuts idle connections (tests/harness/idle-cutting-proxy.ts: a connection on which
 * nothing passed for 30 s is reset, as many corporate proxies and firewalls do), in front of the bench's server:
 * - learning: the devices start at 25 s, grow to the server's longest (120 s), get cut at 30 s and hold less than
 *   that from then on; how long until every device had been cut, and how many cuts that took;
 * - wake-ups once learned: every validation received, and how fast (the issue's p99 < 50 ms holds behind the proxy);
 * - requests per device per hour once learned, and the cuts meanwhile (none: the learned hold lives).
 * The devices' failures (transport failures, backoffs) are counted: a cut learned is not one.
 */
import { DEFAULT_HOLD_POLICY } from '../../main/core/hold-learning';
import { DEVICE_TOKEN_TTL_MS } from '../../protocol/index';
import { IdleCuttingProxy } from '../../tests/harness/idle-cutting-proxy';
import { pool, type SuiteContext } from '../context';
import { RemoteFleet } from '../remote-fleet';
import { round, sleep } from '../stats';
import { measureWakeups, waitForServerQuiet, waitForWaiters, type WakeupResult } from './wakeup';

export interface ProxyResult {
  devices: number;
  idleCutSeconds: number;
  serverLongestSeconds: number;
  /** The hold the devices should learn under the cut (the policy's margin below it). */
  learnedHoldSeconds: number;
  /** From the fleet up to as many long-polls cut as devices (or the wait's end); long-polls cut in that time. */
  learnSeconds: number;
  cutsWhileLearning: number;
  /** Once learned. */
  wakeup: WakeupResult;
  windowSeconds: number;
  serverRequests: number;
  requestsPerDevicePerHour: number;
  /** One request per learned hold, and the device token renewals. */
  expectedPerDevicePerHour: number;
  /** Long-polls the proxy cut after learning (wake-ups and the request window): 0 when the learned hold lives. */
  cutsAfterLearning: number;
  /** What the devices counted during the whole phase: requests without an answer, and warnings of their core. */
  transportFailures: number;
  coreWarnings: number;
}

export async function runProxy(ctx: SuiteContext): Promise<ProxyResult> {
  const { profile, server } = ctx;
  const { idleCutSeconds, samples, rate, periods } = profile.proxy;
  const identities = pool(ctx, 'proxy');
  const policy = { ...DEFAULT_HOLD_POLICY, ...profile.hold };
  const learnedHoldSeconds = idleCutSeconds - Math.max(policy.minMarginSeconds, Math.ceil(idleCutSeconds * policy.marginRatio));

  const proxy = await IdleCuttingProxy.start(server.url, idleCutSeconds * 1000);
  const fleet = await RemoteFleet.create({
    identities, serverUrl: proxy.url, waitSeconds: profile.longPollWaitSeconds, hold: profile.hold, workDir: ctx.workDir, name: 'proxy',
  });
  const all = identities.map((_, index) => index);
  try {
    ctx.progress(`starting ${identities.length} devices behind a proxy that cuts connections idle for ${idleCutSeconds} s`);
    await fleet.start(0, identities.length, profile.rampBatch, ctx.progress);
    await waitForWaiters(ctx, identities.length, 60_000);
    const upAt = performance.now();

    // The longest a device can take to learn: its spread first wait and one start hold; its first longer wait (a random
    // part of the longest), which lives if shorter than the cut; then the longest hold cut, sent again by the transport
    // on a new connection and cut again (twice the cut's age: taken for one cut at that age, see hold-learning.ts);
    // then the shorter hold cut once more, which finds the cut. And a few seconds.
    const learnMs = (2 * profile.longPollWaitSeconds + 4 * idleCutSeconds + 5) * 1000;
    ctx.progress(`learning: ${round(learnMs / 1000)} s for every device to learn the cut`);
    await sleep(learnMs);
    const learnSeconds = round((performance.now() - upAt) / 1000, 1);
    const cutsWhileLearning = proxy.requestCuts;
    if (cutsWhileLearning < identities.length) ctx.notes.push(`Proxy phase: only ${cutsWhileLearning} long-polls cut for ${identities.length} devices while learning.`);

    ctx.progress(`wake-up latency behind the proxy (${samples} validations at ${rate}/s)`);
    const wakeup = await measureWakeups({ fleet, indices: all, samples, rate, server, creatorUrl: server.url });

    const windowSeconds = periods * learnedHoldSeconds;
    ctx.progress(`requests behind the proxy once learned (${windowSeconds} s: ${periods} holds of ${learnedHoldSeconds} s)`);
    const before = await server.stats();
    await sleep(windowSeconds * 1000);
    const after = await server.stats();
    const measuredSeconds = (after.at - before.at) / 1000;
    const serverRequests = after.requestsTotal - before.requestsTotal;
    const stats = await fleet.stats();
    return {
      devices: identities.length,
      idleCutSeconds,
      serverLongestSeconds: profile.longPollMaxSeconds,
      learnedHoldSeconds,
      learnSeconds,
      cutsWhileLearning,
      wakeup,
      windowSeconds: round(measuredSeconds),
      serverRequests,
      requestsPerDevicePerHour: round((serverRequests / identities.length / measuredSeconds) * 3600, 1),
      expectedPerDevicePerHour: round(3600 / learnedHoldSeconds + 3_600_000 / DEVICE_TOKEN_TTL_MS, 1),
      cutsAfterLearning: proxy.requestCuts - cutsWhileLearning,
      transportFailures: stats.failures,
      coreWarnings: stats.warnings,
    };
  } finally {
    ctx.progress(`stopping ${identities.length} devices and the proxy`);
    // Not added to the suite's totals: behind this proxy, each learned cut is a request without an answer by design.
    await fleet.close();
    await proxy.close();
    await waitForServerQuiet(ctx);
  }
}
