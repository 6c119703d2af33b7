/**
 * A larger fleet on two instances (PostgreSQL): 30,000 idle devices, half waiting on each of two server processes
 * that share one database, as two instances behind a balancer would hold them. Measured per instance: memory per
 * waiting device, CPU and requests while the fleet idles; and the wake-up across the whole fleet, with every
 * validation created on instance A (so half the devices are woken locally, half through PostgreSQL's NOTIFY).
 */
import { pool, startInstance, type SuiteContext } from '../context';
import { cpuMillis, cpuPercent } from '../processes';
import { RemoteFleet } from '../remote-fleet';
import type { ServerStats } from '../server-ipc';
import { postgresBackendCpuMicros, round, sleep, waitUntil } from '../stats';
import { measureWakeups, waitUntilGrown, type WakeupResult } from './wakeup';

export interface InstanceLoad {
  waiting: number;
  /** RSS after a full GC, before the fleet and with it waiting. */
  rssEmptyBytes: number;
  rssFleetBytes: number;
  rssPerDeviceBytes: number;
  heapPerDeviceBytes: number;
  requests: number;
  cpuPercent: number;
  cpuMicrosPerRequest: number;
}

export interface LargeFleetResult {
  devices: number;
  instances: InstanceLoad[];
  windowSeconds: number;
  /** PostgreSQL backends serving the bench's database while the fleet idles. */
  databaseCpuPercent: number | null;
  wakeup: WakeupResult;
  /** The fleet's start, in devices per second. */
  startPerSecond: number;
}

const inFlight = (stats: ServerStats[]) => stats.reduce((total, one) => total + one.requestsInFlight, 0);

export async function runLargeFleet(ctx: SuiteContext): Promise<LargeFleetResult> {
  const { profile, server } = ctx;
  const identities = pool(ctx, 'large');
  ctx.progress('starting a second server instance for the large fleet');
  const instanceB = await startInstance(ctx, 'instance-b-large');
  const instances = [server, instanceB];
  const empty = await Promise.all(instances.map((one) => one.stats({ gc: true })));
  // Fleet worker w's devices all wait on instance w mod 2: half the fleet on each.
  const fleet = await RemoteFleet.create({
    identities, serverUrl: instances.map((one) => one.url), workers: instances.length, waitSeconds: profile.longPollWaitSeconds, hold: profile.hold,
    workDir: ctx.workDir, name: 'large',
  });
  try {
    ctx.progress(`${identities.length} idle devices, half on each instance`);
    const startedAt = performance.now();
    await fleet.start(0, identities.length, profile.rampBatch, ctx.progress);
    const startPerSecond = round(identities.length / ((performance.now() - startedAt) / 1000), 0);
    const enough = inFlight(empty) + identities.length - Math.max(5, Math.floor(identities.length / 100));
    await waitUntil(async () => inFlight(await Promise.all(instances.map((one) => one.stats()))) >= enough, 180_000, 'the large fleet to wait', 500)
      .catch(() => ctx.notes.push('Large fleet: fewer than 99 % of the devices were waiting when the measurements began; measured anyway.'));
    const upAt = performance.now();

    // Measured while the devices grow their hold: a wake-up does not depend on how long the poll it ends was held.
    ctx.progress(`wake-up latency with ${identities.length} idle devices on two instances (${profile.wakeup.samplesLarge} validations at ${profile.wakeup.rate}/s, created on A)`);
    const wakeup = await measureWakeups({
      fleet, indices: identities.map((_, index) => index), samples: profile.wakeup.samplesLarge, rate: profile.wakeup.rate, server, creatorUrl: server.url,
    });

    // The window is one hold of the server's longest, in which every device asks once.
    await waitUntilGrown(ctx, upAt);
    const waitSeconds = profile.longPollMaxSeconds;
    ctx.progress(`idle cost on each instance (${waitSeconds} s: one hold of the server's longest)`);
    const idle0 = await Promise.all(instances.map((one) => one.stats()));
    const database0 = ctx.postgresDatabase ? postgresBackendCpuMicros(ctx.postgresDatabase) : null;
    await sleep(waitSeconds * 1000);
    const database1 = ctx.postgresDatabase ? postgresBackendCpuMicros(ctx.postgresDatabase) : null;
    const idle1 = await Promise.all(instances.map((one) => one.stats()));
    const windowSeconds = ((idle1[0] as ServerStats).at - (idle0[0] as ServerStats).at) / 1000;
    await fleet.closeIdleConnections();
    await sleep(profile.settleMs);
    const full = await Promise.all(instances.map((one) => one.stats({ gc: true })));

    return {
      devices: identities.length,
      instances: instances.map((_, index) => {
        const before = empty[index] as ServerStats;
        const after = full[index] as ServerStats;
        const waiting = after.requestsInFlight - before.requestsInFlight;
        const requests = (idle1[index] as ServerStats).requestsTotal - (idle0[index] as ServerStats).requestsTotal;
        return {
          waiting,
          rssEmptyBytes: before.rssBytes,
          rssFleetBytes: after.rssBytes,
          rssPerDeviceBytes: waiting > 0 ? Math.round((after.rssBytes - before.rssBytes) / waiting) : 0,
          heapPerDeviceBytes: waiting > 0 ? Math.round((after.heapUsedBytes - before.heapUsedBytes) / waiting) : 0,
          requests,
          cpuPercent: round(cpuPercent(idle0[index] as ServerStats, idle1[index] as ServerStats)),
          cpuMicrosPerRequest: requests > 0 ? round((cpuMillis(idle0[index] as ServerStats, idle1[index] as ServerStats) * 1000) / requests, 1) : 0,
        };
      }),
      windowSeconds: round(windowSeconds),
      databaseCpuPercent: database0 !== null && database1 !== null ? round((database1 - database0) / 1e4 / windowSeconds, 1) : null,
      wakeup,
      startPerSecond,
    };
  } finally {
    ctx.progress(`stopping ${identities.length} devices`);
    ctx.recordFleet(await fleet.close());
    await instanceB.stop();
  }
}
