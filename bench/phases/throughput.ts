/**
 * 2 of the issue: the full cycle, sustained. Portal users create transfers (a fixed number in flight at any time);
 * each lands on its user's device, whose core approves it at once (signing its own copy of the details) and the
 * server verifies and records the decision. Counted at both ends: what the load created, what each device received
 * (twice would be a duplicate), what the devices were told was recorded, and finally what the database holds
 * (approved validations, `validation_decided` audit entries per validation).
 *
 * With two server processes (PostgreSQL: every core of the machine), the devices wait on both, half on each, and the
 * portal users' in-flight slots create on both in turn, so that a validation reaches its device on the other process
 * half of the time (LISTEN/NOTIFY), as behind a load balancer without affinity.
 */
import { pool, startInstance, type SuiteContext } from '../context';
import { BENCH_APPROVAL_CODE, type DeviceIdentity } from '../fleet';
import { createTransfer } from '../portal';
import { RemoteFleet } from '../remote-fleet';
import type { ServerStats } from '../server-ipc';
import { waitForServerQuiet } from './wakeup';
import { cpuMillis, type ServerHandle } from '../processes';
import type { DecisionCheck } from '../server-ipc';
import { clockMs, distribution, LoopDelayMonitor, NO_READING, postgresBackendCpuMicros, round, sleep, waitUntil, watchServer, type Distribution, type LoopDelay } from '../stats';

export interface ThroughputResult {
  /** Server processes sharing the work (and one PostgreSQL database when two). */
  processes: number;
  devices: number;
  inFlight: number;
  windowSeconds: number;
  /** Decisions recorded during the measured window, per second. */
  perSecond: number;
  recordedInWindow: number;
  created: number;
  recorded: number;
  lost: number;
  duplicated: number;
  duplicates: { deliveries: number; decisionsConfirmedTwice: number; auditEntries: number };
  createFailures: number;
  decisionErrors: Record<string, number>;
  /** Portal click → decision recorded (the device's decide request answered). */
  cycleMs: Distribution;
  /** All server processes together (a share of one core: 150 % is one and a half cores). */
  serverCpuPercent: number;
  loadCpuPercent: number;
  serverCpuMsPerValidation: number;
  loadCpuMsPerValidation: number;
  loadLoopDelayMs: LoopDelay;
  /** The first server process's. */
  serverLoopDelayMs: LoopDelay;
  serverPoolWaitingMax: number | null;
  /** PostgreSQL backends serving the bench's database (null on SQLite, or where /proc cannot be read). */
  databaseCpuPercent: number | null;
  databaseCpuMsPerValidation: number | null;
  check: DecisionCheck;
}

const PER_VALIDATION_TIMEOUT_MS = 10_000;
let sequence = 2_000_000;

/** The pool of users of the full cycle with `processes` server processes. */
export const throughputPool = (processes: number) => (processes === 1 ? 'cycle' : `cycle${processes}`);

const sumCpuMillis = (before: ServerStats[], after: ServerStats[]) => before.reduce((total, one, index) => total + cpuMillis(one, after[index] as ServerStats), 0);

export async function runThroughput(ctx: SuiteContext, processes = 1): Promise<ThroughputResult> {
  const { profile, server } = ctx;
  const settings = profile.throughput;
  const poolName = throughputPool(processes);
  const identities = pool(ctx, poolName);
  const companyId = ctx.companyIds.get(poolName) as string;
  const extra: ServerHandle[] = [];
  for (let index = 1; index < processes; index++) {
    ctx.progress(`starting server process ${index + 1} of ${processes} on the same database`);
    extra.push(await startInstance(ctx, `cycle-process-${index + 1}`));
  }
  const servers = [server, ...extra];

  const sentAt = new Map<string, number>();
  const recordedAt = new Map<string, number>();
  const waiters = new Map<string, () => void>();
  const decisionErrors: Record<string, number> = {};
  let decisionsConfirmedTwice = 0;
  let createFailures = 0;

  ctx.progress(`starting ${identities.length} devices for the full cycle on ${processes} server process(es)`);
  // Each person chose an approval code when the fleet started; every approval below is signed with it (issue 12).
  const fleet = await RemoteFleet.create({
    identities, serverUrl: servers.map((one) => one.url), workers: servers.length, waitSeconds: profile.longPollWaitSeconds, workDir: ctx.workDir,
    name: poolName, approvalCode: BENCH_APPROVAL_CODE,
  });
  fleet.onRecorded = (validationId, at, status) => {
    if (status !== 'approved') decisionErrors[`recorded_as_${status}`] = (decisionErrors[`recorded_as_${status}`] ?? 0) + 1;
    if (recordedAt.has(validationId)) decisionsConfirmedTwice += 1;
    else recordedAt.set(validationId, at);
    waiters.get(validationId)?.();
  };
  fleet.onDecisionError = (_validationId, code) => {
    decisionErrors[code] = (decisionErrors[code] ?? 0) + 1;
  };

  let creating = true;
  let nextDevice = 0;
  const worker = async (slot: number) => {
    const creatorUrl = (servers[slot % servers.length] as ServerHandle).url;
    while (creating) {
      const identity = identities[nextDevice++ % identities.length] as DeviceIdentity;
      let id: string;
      try {
        const created = await createTransfer(creatorUrl, identity, ++sequence);
        id = created.id;
        sentAt.set(id, created.sentAt);
      } catch {
        createFailures += 1;
        await sleep(100);
        continue;
      }
      if (recordedAt.has(id)) continue;
      // Closed loop: this slot creates again once its validation is recorded (or given up on; counted at the end).
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, PER_VALIDATION_TIMEOUT_MS);
        waiters.set(id, () => {
          clearTimeout(timer);
          resolve();
        });
      });
      waiters.delete(id);
    }
  };

  try {
    await fleet.start(0, identities.length, profile.rampBatch, ctx.progress);
    await fleet.setMode('approve');
    ctx.progress(`full cycle: ${settings.inFlight} validations in flight, ${settings.warmupSeconds} s warm-up + ${settings.durationSeconds} s measured`);
    const workers = Array.from({ length: settings.inFlight }, (_, slot) => worker(slot));
    await sleep(settings.warmupSeconds * 1000);
    const serverBefore = await server.stats({ loopDelay: 'start' });
    const othersBefore = await Promise.all(extra.map((one) => one.stats()));
    const fleetBefore = await fleet.stats();
    const watch = watchServer(server);
    const loadLoop = new LoopDelayMonitor();
    const loadBefore = process.cpuUsage();
    const databaseBefore = ctx.postgresDatabase ? postgresBackendCpuMicros(ctx.postgresDatabase) : null;
    const windowStart = clockMs();
    await sleep(settings.durationSeconds * 1000);
    const windowEnd = clockMs();
    const databaseAfter = ctx.postgresDatabase ? postgresBackendCpuMicros(ctx.postgresDatabase) : null;
    const serverAfter = await server.stats({ loopDelay: 'stop' });
    const othersAfter = await Promise.all(extra.map((one) => one.stats()));
    const { poolWaitingMax } = await watch.stop();
    const fleetAfter = await fleet.stats();
    const loadUsed = process.cpuUsage(loadBefore);
    const loadLoopDelayMs = loadLoop.stop();
    creating = false;
    await Promise.all(workers);
    await waitUntil(() => [...sentAt.keys()].every((id) => recordedAt.has(id)), settings.drainSeconds * 1000, 'the last decisions to be recorded')
      .catch(() => undefined);

    const windowSeconds = (windowEnd - windowStart) / 1000;
    let recordedInWindow = 0;
    for (const at of recordedAt.values()) if (at >= windowStart && at <= windowEnd) recordedInWindow += 1;
    const cycles: number[] = [];
    for (const [id, sent] of sentAt) {
      const recorded = recordedAt.get(id);
      if (recorded !== undefined) cycles.push(recorded - sent);
    }
    ctx.progress('counting what the database recorded');
    const check = await server.checkDecisions(companyId, [...sentAt.keys()]);
    const deliveries = (await fleet.stats()).duplicateDeliveries;
    const auditEntries = check.decisionAudits - check.decisionAuditsDistinct;
    const serverCpuMs = sumCpuMillis([serverBefore, ...othersBefore], [serverAfter, ...othersAfter]);
    // The load: the portal users here, the devices in their workers.
    const loadCpuMs = (loadUsed.user + loadUsed.system + fleetAfter.cpuMicros - fleetBefore.cpuMicros) / 1000;
    const databaseCpuMs = databaseBefore !== null && databaseAfter !== null ? (databaseAfter - databaseBefore) / 1000 : null;
    return {
      processes,
      devices: identities.length,
      inFlight: settings.inFlight,
      windowSeconds: round(windowSeconds),
      perSecond: round(recordedInWindow / windowSeconds, 1),
      recordedInWindow,
      created: sentAt.size,
      recorded: recordedAt.size,
      lost: sentAt.size - check.createdApproved,
      duplicated: deliveries + decisionsConfirmedTwice + auditEntries,
      duplicates: { deliveries, decisionsConfirmedTwice, auditEntries },
      createFailures,
      decisionErrors,
      cycleMs: distribution(cycles),
      serverCpuPercent: round((serverCpuMs / (windowSeconds * 1000)) * 100, 1),
      loadCpuPercent: round((loadCpuMs / (windowSeconds * 1000)) * 100, 1),
      serverCpuMsPerValidation: recordedInWindow > 0 ? round(serverCpuMs / recordedInWindow, 3) : 0,
      loadCpuMsPerValidation: recordedInWindow > 0 ? round(loadCpuMs / recordedInWindow, 3) : 0,
      loadLoopDelayMs,
      serverLoopDelayMs: serverAfter.loopDelayMs ?? NO_READING,
      serverPoolWaitingMax: poolWaitingMax,
      databaseCpuPercent: databaseCpuMs === null ? null : round((databaseCpuMs / (windowSeconds * 1000)) * 100, 1),
      databaseCpuMsPerValidation: databaseCpuMs === null || recordedInWindow === 0 ? null : round(databaseCpuMs / recordedInWindow, 3),
      check,
    };
  } finally {
    creating = false;
    fleet.onRecorded = null;
    fleet.onDecisionError = null;
    ctx.recordFleet(await fleet.close());
    await Promise.all(extra.map((one) => one.stop()));
    await waitForServerQuiet(ctx);
  }
}
