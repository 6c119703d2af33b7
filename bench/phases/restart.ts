/**
 * Restarting one of two instances under an idle fleet (PostgreSQL): the devices reach the instances through TCP
 * load balancers (tests/harness/load-balancer.ts, each in its own process: bench/balancers.ts), spread over both;
 * validations are created on instance B at a steady rate before, during and after instance A's graceful shutdown
 * (SIGTERM), and each one's delivery is timed. Measured: how long A took to stop and what it answered, how long until
 * every device waited on B again (the reconnect), and whether any validation was lost or delayed longer than that
 * reconnect. Then A comes back (a new process, as a restart would) and joins the balancers.
 */
import type { Backend } from '../../tests/harness/load-balancer';
import { BalancerProcesses } from '../balancers';
import { pool, startInstance, type SuiteContext } from '../context';
import type { DeviceIdentity } from '../fleet';
import { createTransfer } from '../portal';
import type { ServerHandle } from '../processes';
import { RemoteFleet } from '../remote-fleet';
import type { ShutdownMessage } from '../server-ipc';
import { atSteadyRate, clockMs, distribution, round, sleep, waitUntil, type Distribution } from '../stats';

export interface RestartResult {
  devices: number;
  ratePerSecond: number;
  /** Long-polls held by each instance just before the restart. */
  waitingBefore: { a: number; b: number };
  /** What instance A's graceful shutdown did, and how long from SIGTERM to the process's exit. */
  shutdown: Omit<ShutdownMessage, 'type'> & { exitMs: number };
  /** SIGTERM → every device waiting on instance B (the fleet's reconnection), and the most B held. */
  reconnectMs: number;
  waitingOnBAfter: number;
  created: number;
  received: number;
  /** Created but never delivered within the wait: lost. */
  missing: number;
  duplicateDeliveries: number;
  /** Creation on the server → the device's pending list, for validations created before SIGTERM, during the reconnect, after it. */
  latencyMs: { before: Distribution; during: Distribution; after: Distribution };
  /** Requests the devices' transports saw fail, and warnings their cores logged, during the phase: a restart shows neither. */
  transportFailures: number;
  coreWarnings: number;
  /** The new instance A: start → ready behind the balancer. */
  restartedReadyMs: number;
}

let sequence = 0;

const backendOf = (server: ServerHandle): Backend => ({ host: '127.0.0.1', port: server.port });

export async function runRestart(ctx: SuiteContext): Promise<RestartResult> {
  const { profile } = ctx;
  const settings = profile.restart;
  const identities = pool(ctx, 'restart');
  const instanceA = ctx.server;
  ctx.progress('starting instance B and TCP load balancers in front of A and B');
  const instanceB = await startInstance(ctx, 'instance-b-restart');
  const balancers = await BalancerProcesses.start([backendOf(instanceA), backendOf(instanceB)], identities.length);
  const fleet = await RemoteFleet.create({ identities, serverUrl: balancers.urls, waitSeconds: profile.longPollWaitSeconds, workDir: ctx.workDir, name: 'restart' });
  let restarted: ServerHandle | null = null;
  try {
    ctx.progress(`${identities.length} idle devices through ${balancers.urls.length} balancer(s)`);
    const [a0, b0] = await Promise.all([instanceA.stats(), instanceB.stats()]);
    await fleet.start(0, identities.length, profile.rampBatch, ctx.progress);
    const enough = identities.length - Math.max(5, Math.floor(identities.length / 100));
    await waitUntil(async () => {
      const [a, b] = await Promise.all([instanceA.stats(), instanceB.stats()]);
      return a.requestsInFlight - a0.requestsInFlight + b.requestsInFlight - b0.requestsInFlight >= enough;
    }, 180_000, 'the fleet to wait on the two instances', 200);
    await sleep(profile.settleMs);
    const [a1, b1] = await Promise.all([instanceA.stats(), instanceB.stats()]);
    const fleetBefore = await fleet.stats();

    const createdAt = new Map<string, number>();
    const receivedAt = new Map<string, number>();
    fleet.onDelivered = (_index, validationId, at) => {
      if (!receivedAt.has(validationId)) receivedAt.set(validationId, at);
    };
    await fleet.setMode('record');

    const samples = settings.rate * (settings.beforeSeconds + settings.afterSeconds);
    ctx.progress(`${samples} validations created on B at ${settings.rate}/s; SIGTERM to A after ${settings.beforeSeconds} s`);
    const pick = (index: number) => identities[Math.floor((index * identities.length) / samples) % identities.length] as DeviceIdentity;
    const creating = atSteadyRate(samples, settings.rate, async (index) => {
      const created = await createTransfer(instanceB.url, pick(index), ++sequence);
      createdAt.set(created.id, created.createdAt);
    });

    await sleep(settings.beforeSeconds * 1000);
    const sigtermAt = clockMs();
    const shutdown = instanceA.shutdown().then((report) => ({ report, exitedAt: clockMs() }));
    let reconnectedAt = Number.NaN;
    let waitingOnB = 0;
    await waitUntil(async () => {
      waitingOnB = (await instanceB.stats()).requestsInFlight - b0.requestsInFlight;
      if (waitingOnB >= enough && Number.isNaN(reconnectedAt)) reconnectedAt = clockMs();
      return !Number.isNaN(reconnectedAt);
    }, 120_000, 'every device to wait on instance B', 20).catch(() => undefined);
    const { report, exitedAt } = await shutdown;
    const outcome = await creating;
    await waitUntil(() => [...createdAt.keys()].every((id) => receivedAt.has(id)), 30_000, 'every validation to reach its device').catch(() => undefined);
    const fleetAfter = await fleet.stats();

    const classes = { before: [] as number[], during: [] as number[], after: [] as number[] };
    for (const [id, created] of createdAt) {
      const received = receivedAt.get(id);
      if (received === undefined) continue;
      const bucket = created < sigtermAt ? classes.before : created < reconnectedAt || Number.isNaN(reconnectedAt) ? classes.during : classes.after;
      bucket.push(received - created);
    }
    if (outcome.failures > 0) ctx.notes.push(`Restart phase: ${outcome.failures} validations could not be created on instance B (${outcome.errors.slice(0, 3).join('; ')}).`);

    ctx.progress('restarting instance A (a new process) behind the balancer');
    const restartStarted = clockMs();
    restarted = await startInstance(ctx, 'instance-a-restarted');
    await balancers.replaceBackend(backendOf(instanceA), backendOf(restarted));
    const restartedReadyMs = round(clockMs() - restartStarted, 0);

    return {
      devices: identities.length,
      ratePerSecond: settings.rate,
      waitingBefore: { a: a1.requestsInFlight - a0.requestsInFlight, b: b1.requestsInFlight - b0.requestsInFlight },
      shutdown: {
        answeredLongPolls: report.answeredLongPolls, otherRequestsInFlight: report.otherRequestsInFlight, cutRequests: report.cutRequests,
        durationMs: report.durationMs, exitMs: round(exitedAt - sigtermAt, 0),
      },
      reconnectMs: round(reconnectedAt - sigtermAt, 0),
      waitingOnBAfter: waitingOnB,
      created: createdAt.size,
      received: [...createdAt.keys()].filter((id) => receivedAt.has(id)).length,
      missing: [...createdAt.keys()].filter((id) => !receivedAt.has(id)).length,
      duplicateDeliveries: fleetAfter.duplicateDeliveries - fleetBefore.duplicateDeliveries,
      latencyMs: { before: distribution(classes.before), during: distribution(classes.during), after: distribution(classes.after) },
      transportFailures: fleetAfter.failures - fleetBefore.failures,
      coreWarnings: fleetAfter.warnings + fleetAfter.errors - fleetBefore.warnings - fleetBefore.errors,
      restartedReadyMs,
    };
  } finally {
    await fleet.setMode('off').catch(() => undefined);
    fleet.onDelivered = null;
    ctx.recordFleet(await fleet.close());
    await balancers.close();
    await restarted?.stop();
    await instanceB.stop();
  }
}
