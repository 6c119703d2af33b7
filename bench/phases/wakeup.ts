/**
 * 1, 3 and 4 of the issue, on one fleet of idle long-polling devices:
 * - wake-up latency: a validation is created in the portal for one device after the other, at a steady rate; the
 *   time from the click (the createTransfer request leaving) to the validation appearing in that device's pending
 *   list, with 1,000 and then 10,000 devices waiting;
 * - server memory per waiting device: RSS after a full GC with the large fleet waiting, minus the same with the
 *   small fleet, per added device;
 * - idle cost: requests and server CPU over a whole number of long-poll periods with the large fleet idle — once the
 *   devices hold the server's longest (they start at 25 s and grow once a hold has lived) — and the server's CPU with
 *   nothing connected at all (a spinning timer would show there).
 */
import { DEVICE_TOKEN_TTL_MS } from '../../protocol/index';
import { pool, type SuiteContext } from '../context';
import type { DeviceIdentity } from '../fleet';
import { createTransfer } from '../portal';
import { RemoteFleet } from '../remote-fleet';
import { cpuMillis, cpuPercent, type ServerHandle } from '../processes';
import type { ServerStats } from '../server-ipc';
import { atSteadyRate, distribution, LoopDelayMonitor, NO_READING, postgresBackendCpuMicros, round, sleep, waitUntil, watchServer, type Distribution, type LoopDelay } from '../stats';

export interface WakeupResult {
  devices: number;
  ratePerSecond: number;
  /**
   * The measure: the validation created on the server (its `createdAt`, before its insert, its commit and the
   * wake-up) → in the device's pending list.
   */
  latencyMs: Distribution;
  /** The portal click (the createTransfer request leaving) → in the device's pending list. */
  fromClickMs: Distribution;
  /** The portal's createTransfer request alone (the click's own answer), for context. */
  createMs: Distribution;
  created: number;
  received: number;
  /** Created but never received within the wait: lost wake-ups. */
  missing: number;
  createFailures: number;
  duplicateDeliveries: number;
  /** Event-loop lag while measuring: in the load process (where times are taken) and in the devices' server. */
  loadLoopDelayMs: LoopDelay;
  serverLoopDelayMs: LoopDelay;
  /** PostgreSQL: the most queries seen waiting for a pool connection (sampled every second); null on SQLite. */
  serverPoolWaitingMax: number | null;
}

let sequence = 0;

/**
 * Creates `samples` validations at `rate` per second, for the devices `indices` of the fleet in turn (spread over
 * them when there are fewer samples than devices), and times each delivery.
 */
export async function measureWakeups(input: {
  fleet: RemoteFleet;
  indices: number[];
  samples: number;
  rate: number;
  /** Where the devices wait, and where the portal users create (another instance, for the two-instance test). */
  server: ServerHandle;
  creatorUrl: string;
  deliveryTimeoutMs?: number;
}): Promise<WakeupResult> {
  const { fleet, indices, samples, rate, creatorUrl, server } = input;
  const sentAt = new Map<string, number>();
  const createdAt = new Map<string, number>();
  const receivedAt = new Map<string, number>();
  const createMs: number[] = [];
  fleet.onDelivered = (_index, validationId, at) => {
    if (!receivedAt.has(validationId)) receivedAt.set(validationId, at);
  };
  const duplicatesBefore = (await fleet.stats()).duplicateDeliveries;
  await fleet.setMode('record');
  const loadLoop = new LoopDelayMonitor();
  await server.stats({ loopDelay: 'start' });
  const watch = watchServer(server);
  try {
    const pick = (index: number) => (samples <= indices.length ? Math.floor((index * indices.length) / samples) : index % indices.length);
    const outcome = await atSteadyRate(samples, rate, async (index) => {
      const identity = fleet.identities[indices[pick(index)] as number] as DeviceIdentity;
      const created = await createTransfer(creatorUrl, identity, ++sequence);
      sentAt.set(created.id, created.sentAt);
      createdAt.set(created.id, created.createdAt);
      createMs.push(created.answeredAt - created.sentAt);
    });
    await waitUntil(() => [...sentAt.keys()].every((id) => receivedAt.has(id)), input.deliveryTimeoutMs ?? 15_000, 'every validation to reach its device')
      .catch(() => undefined);
    const serverLoopDelayMs = (await server.stats({ loopDelay: 'stop' })).loopDelayMs ?? NO_READING;
    const { poolWaitingMax } = await watch.stop();
    const latencies: number[] = [];
    const fromClick: number[] = [];
    for (const [id, sent] of sentAt) {
      const received = receivedAt.get(id);
      if (received === undefined) continue;
      latencies.push(received - (createdAt.get(id) as number));
      fromClick.push(received - sent);
    }
    return {
      devices: indices.length,
      ratePerSecond: rate,
      latencyMs: distribution(latencies),
      fromClickMs: distribution(fromClick),
      createMs: distribution(createMs),
      created: sentAt.size,
      received: latencies.length,
      missing: sentAt.size - latencies.length,
      createFailures: outcome.failures,
      duplicateDeliveries: (await fleet.stats()).duplicateDeliveries - duplicatesBefore,
      loadLoopDelayMs: loadLoop.read(),
      serverLoopDelayMs,
      serverPoolWaitingMax: poolWaitingMax,
    };
  } finally {
    await watch.stop();
    loadLoop.stop();
    // Whatever happened, the server stops watching its loop (it would cost CPU in the idle measurements).
    await server.stats({ loopDelay: 'stop' }).catch(() => undefined);
    await fleet.setMode('off');
    fleet.onDelivered = null;
  }
}

/**
 * Waits until the server holds the devices' long-polls open. A long-poll that just timed out is on its way back for
 * a moment, so "all of them" is 99 % (at least all but five); returns how many were waiting when the wait ended.
 */
export async function waitForWaiters(ctx: SuiteContext, count: number, timeoutMs: number, alreadyWaiting = 0): Promise<number> {
  const enough = alreadyWaiting + count - Math.max(5, Math.floor(count / 100));
  let waiting = 0;
  const reached = await waitUntil(async () => {
    waiting = (await ctx.server.stats()).requestsInFlight;
    return waiting >= enough;
  }, timeoutMs, `${count} long-polls to be waiting on the server`, 200).then(() => true, () => false);
  if (!reached) ctx.notes.push(`Only ${waiting - alreadyWaiting} of ${count} long-polls were waiting on the server after ${timeoutMs / 1000} s; measured anyway.`);
  return waiting - alreadyWaiting;
}

/** The server's memory after a full GC with every device down to its one waiting connection. */
async function steadyMemory(ctx: SuiteContext, fleet: RemoteFleet): Promise<ServerStats> {
  await fleet.closeIdleConnections();
  await sleep(ctx.profile.settleMs);
  return ctx.server.stats({ gc: true });
}

/**
 * After a fleet stops, the server may still owe it work (on a saturated PostgreSQL, thousands of queries queued for a
 * connection): the next measurement starts once that is done, so that it does not pay for the previous one.
 */
export async function waitForServerQuiet(ctx: SuiteContext, timeoutMs = 120_000): Promise<void> {
  let last = await ctx.server.stats();
  const quiet = await waitUntil(async () => {
    last = await ctx.server.stats();
    return last.requestsInFlight <= 5 && (last.pool?.waiting ?? 0) === 0;
  }, timeoutMs, 'the server to finish the previous measurement', 500).then(() => true, () => false);
  if (!quiet) ctx.notes.push(`The server still had ${last.requestsInFlight} requests in flight after ${timeoutMs / 1000} s; the next measurement started anyway.`);
}

/**
 * Waits until every device of a fleet up since `upAt` has had its spread first wait and one whole start hold (again,
 * for those a validation woke): from then on it holds the server's longest, its first such wait a random part of it.
 */
export async function waitUntilGrown(ctx: SuiteContext, upAt: number): Promise<void> {
  const startSeconds = ctx.profile.longPollWaitSeconds;
  const grownAfterMs = Math.max(2 * startSeconds * 1000 - (performance.now() - upAt), startSeconds * 1000) + 2_000;
  ctx.progress(`waiting ${round(grownAfterMs / 1000)} s for the devices to hold the server's longest (${ctx.profile.longPollMaxSeconds} s)`);
  await sleep(grownAfterMs);
}

export interface IdleFleetResult {
  small: WakeupResult;
  large: WakeupResult;
  memory: {
    smallFleet: number;
    largeFleet: number;
    rssSmallBytes: number;
    rssLargeBytes: number;
    heapSmallBytes: number;
    heapLargeBytes: number;
    /** (RSS with the large fleet − RSS with the small one) / added devices. */
    rssPerDeviceBytes: number;
    heapPerDeviceBytes: number;
  };
  idle: {
    devices: number;
    /** The hold the devices start at, and the server's longest, which they hold once it has lived on the path. */
    startSeconds: number;
    waitSeconds: number;
    windowSeconds: number;
    serverRequests: number;
    clientRequests: number;
    requestsPerDevicePerHour: number;
    /** What one request per long-poll period comes to. */
    expectedPerDevicePerHour: number;
    serverCpuPercent: number;
    serverCpuMicrosPerRequest: number;
    /** PostgreSQL backends serving the bench's database, while the fleet idles (null on SQLite). */
    databaseCpuPercent: number | null;
    emptyWindowSeconds: number;
    emptyServerCpuPercent: number;
    emptyServerRequests: number;
  };
}

export async function runIdleFleet(ctx: SuiteContext): Promise<IdleFleetResult> {
  const { profile, server } = ctx;
  const identities = pool(ctx, 'idle');
  const smallFleet = Math.min(profile.wakeup.smallFleet, identities.length);
  const largeFleet = identities.length;
  const startSeconds = profile.longPollWaitSeconds;
  const waitSeconds = profile.longPollMaxSeconds;

  ctx.progress(`server CPU with nothing connected (${profile.idle.emptyWindowSeconds} s)`);
  // Provisioning left garbage: collected first, so that only what runs by itself is counted.
  await server.stats({ gc: true });
  await sleep(profile.settleMs);
  const empty0 = await server.stats();
  await sleep(profile.idle.emptyWindowSeconds * 1000);
  const empty1 = await server.stats();

  const fleet = await RemoteFleet.create({ identities, serverUrl: server.url, waitSeconds: startSeconds, hold: profile.hold, workDir: ctx.workDir, name: 'idle' });
  const all = identities.map((_, index) => index);
  try {
    ctx.progress(`starting ${smallFleet} idle devices`);
    await fleet.start(0, smallFleet, profile.rampBatch, ctx.progress);
    await waitForWaiters(ctx, smallFleet, 60_000);
    const memorySmall = await steadyMemory(ctx, fleet);

    ctx.progress(`wake-up latency with ${smallFleet} idle devices (${profile.wakeup.samplesSmall} validations at ${profile.wakeup.rate}/s, after a second of warm-up)`);
    // The server's first requests compile code and prepare statements: not what a device waits for in production.
    const smallIndices = all.slice(0, smallFleet);
    await measureWakeups({ fleet, indices: smallIndices, samples: profile.wakeup.rate, rate: profile.wakeup.rate, server, creatorUrl: server.url });
    const small = await measureWakeups({ fleet, indices: smallIndices, samples: profile.wakeup.samplesSmall, rate: profile.wakeup.rate, server, creatorUrl: server.url });

    ctx.progress(`starting ${largeFleet - smallFleet} more idle devices (${largeFleet} in all)`);
    await fleet.start(smallFleet, largeFleet, profile.rampBatch, ctx.progress);
    await waitForWaiters(ctx, largeFleet, 120_000);
    const upAt = performance.now();

    // Measured while the devices grow their hold: a wake-up does not depend on how long the poll it ends was held.
    ctx.progress(`wake-up latency with ${largeFleet} idle devices (${profile.wakeup.samplesLarge} validations at ${profile.wakeup.rate}/s)`);
    const large = await measureWakeups({ fleet, indices: all, samples: profile.wakeup.samplesLarge, rate: profile.wakeup.rate, server, creatorUrl: server.url });

    await waitUntilGrown(ctx, upAt);

    const windowSeconds = profile.idle.periods * waitSeconds;
    ctx.progress(`idle cost with ${largeFleet} devices (${windowSeconds} s: ${profile.idle.periods} long-poll periods of ${waitSeconds} s)`);
    const clientBefore = (await fleet.stats()).requests;
    const idle0 = await server.stats();
    const database0 = ctx.postgresDatabase ? postgresBackendCpuMicros(ctx.postgresDatabase) : null;
    await sleep(windowSeconds * 1000);
    const database1 = ctx.postgresDatabase ? postgresBackendCpuMicros(ctx.postgresDatabase) : null;
    const idle1 = await server.stats();
    const clientRequests = (await fleet.stats()).requests - clientBefore;
    // The stats requests themselves go over IPC, not HTTP: every request counted here is a device's.
    const serverRequests = idle1.requestsTotal - idle0.requestsTotal;
    const measuredSeconds = (idle1.at - idle0.at) / 1000;
    // Read after the idle periods, not straight after the ramp: the steady state of ten thousand waiting devices.
    const memoryLarge = await steadyMemory(ctx, fleet);

    const addedDevices = Math.max(1, largeFleet - smallFleet);
    return {
      small,
      large,
      memory: {
        smallFleet, largeFleet,
        rssSmallBytes: memorySmall.rssBytes, rssLargeBytes: memoryLarge.rssBytes,
        heapSmallBytes: memorySmall.heapUsedBytes, heapLargeBytes: memoryLarge.heapUsedBytes,
        rssPerDeviceBytes: Math.round((memoryLarge.rssBytes - memorySmall.rssBytes) / addedDevices),
        heapPerDeviceBytes: Math.round((memoryLarge.heapUsedBytes - memorySmall.heapUsedBytes) / addedDevices),
      },
      idle: {
        devices: largeFleet,
        startSeconds,
        waitSeconds,
        windowSeconds: round(measuredSeconds),
        serverRequests,
        clientRequests,
        requestsPerDevicePerHour: round((serverRequests / largeFleet / measuredSeconds) * 3600, 1),
        // One long-poll per period, and the device token bought again each time it nears its end.
        expectedPerDevicePerHour: round(3600 / waitSeconds + 3_600_000 / DEVICE_TOKEN_TTL_MS, 1),
        serverCpuPercent: round(cpuPercent(idle0, idle1)),
        serverCpuMicrosPerRequest: serverRequests > 0 ? round((cpuMillis(idle0, idle1) * 1000) / serverRequests, 1) : 0,
        databaseCpuPercent: database0 !== null && database1 !== null ? round((database1 - database0) / 1e4 / measuredSeconds, 1) : null,
        emptyWindowSeconds: round((empty1.at - empty0.at) / 1000),
        emptyServerCpuPercent: round(cpuPercent(empty0, empty1), 3),
        emptyServerRequests: empty1.requestsTotal - empty0.requestsTotal,
      },
    };
  } finally {
    ctx.progress(`stopping ${identities.length} devices`);
    ctx.recordFleet(await fleet.close());
    await waitForServerQuiet(ctx);
  }
}
