/**
 * 2 of the issue: the full cycle, sustained. Portal users create transfers (a fixed number in flight at any time);
 * each lands on its user's device, whose core approves it at once (signing its own copy of the details) and the
 * server verifies and records the decision. Counted at both ends: what the load created, what each device received
 * (twice would be a duplicate), what the devices were told was recorded, and finally what the database holds
 * (approved validations, `validation_decided` audit entries per validation).
 */
import { errorCode } from '../../main/core/errors';
import { fleetDeps, pool, type SuiteContext } from '../context';
import { SimulatedDevice, startDevices, stopDevices, type DeliveryListener } from '../fleet';
import { createTransfer } from '../portal';
import { cpuMillis, cpuPercent } from '../processes';
import type { DecisionCheck } from '../server-ipc';
import { distribution, LoopDelayMonitor, round, sleep, waitUntil, type Distribution, type LoopDelay } from '../stats';

export interface ThroughputResult {
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
  serverCpuPercent: number;
  loadCpuPercent: number;
  serverCpuMsPerValidation: number;
  loadCpuMsPerValidation: number;
  loadLoopDelayMs: LoopDelay;
  serverLoopDelayMs: LoopDelay;
  check: DecisionCheck;
}

const PER_VALIDATION_TIMEOUT_MS = 10_000;
let sequence = 2_000_000;

export async function runThroughput(ctx: SuiteContext): Promise<ThroughputResult> {
  const { profile, server } = ctx;
  const settings = profile.throughput;
  const identities = pool(ctx, 'cycle');
  const companyId = ctx.companyIds.get('cycle') as string;
  const devices = identities.map((identity) => new SimulatedDevice(identity, fleetDeps(ctx)));

  const sentAt = new Map<string, number>();
  const recordedAt = new Map<string, number>();
  const waiters = new Map<string, () => void>();
  const decisionErrors: Record<string, number> = {};
  let decisionsConfirmedTwice = 0;
  let createFailures = 0;

  const onDelivered: DeliveryListener = (device, validation) => {
    device.approve(validation.id).then(
      (result) => {
        const at = performance.now();
        if (result.status !== 'approved') decisionErrors[`recorded_as_${result.status}`] = (decisionErrors[`recorded_as_${result.status}`] ?? 0) + 1;
        if (recordedAt.has(validation.id)) decisionsConfirmedTwice += 1;
        else recordedAt.set(validation.id, at);
        waiters.get(validation.id)?.();
      },
      (error: unknown) => {
        const code = errorCode(error) ?? 'internal_error';
        decisionErrors[code] = (decisionErrors[code] ?? 0) + 1;
      },
    );
  };

  ctx.progress(`starting ${devices.length} devices for the full cycle`);
  await startDevices(devices, profile.rampBatch, 60_000);
  for (const device of devices) device.onDelivered = onDelivered;

  let creating = true;
  let nextDevice = 0;
  const worker = async () => {
    while (creating) {
      const device = devices[nextDevice++ % devices.length] as SimulatedDevice;
      let id: string;
      try {
        const created = await createTransfer(server.url, device.identity, ++sequence);
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
    ctx.progress(`full cycle: ${settings.inFlight} validations in flight, ${settings.warmupSeconds} s warm-up + ${settings.durationSeconds} s measured`);
    const workers = Array.from({ length: settings.inFlight }, () => worker());
    await sleep(settings.warmupSeconds * 1000);
    const serverBefore = await server.stats();
    const loadLoop = new LoopDelayMonitor();
    const loadBefore = process.cpuUsage();
    const windowStart = performance.now();
    await sleep(settings.durationSeconds * 1000);
    const windowEnd = performance.now();
    const serverAfter = await server.stats();
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
    const deliveries = devices.reduce((total, device) => total + device.duplicateDeliveries(), 0);
    const auditEntries = check.decisionAudits - check.decisionAuditsDistinct;
    const serverCpuMs = cpuMillis(serverBefore, serverAfter);
    const loadCpuMs = (loadUsed.user + loadUsed.system) / 1000;
    return {
      devices: devices.length,
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
      serverCpuPercent: round(cpuPercent(serverBefore, serverAfter), 1),
      loadCpuPercent: round((loadCpuMs / (windowSeconds * 1000)) * 100, 1),
      serverCpuMsPerValidation: recordedInWindow > 0 ? round(serverCpuMs / recordedInWindow, 3) : 0,
      loadCpuMsPerValidation: recordedInWindow > 0 ? round(loadCpuMs / recordedInWindow, 3) : 0,
      loadLoopDelayMs,
      serverLoopDelayMs: serverAfter.loopDelayMs,
      check,
    };
  } finally {
    creating = false;
    for (const device of devices) device.onDelivered = null;
    await stopDevices(devices);
  }
}
