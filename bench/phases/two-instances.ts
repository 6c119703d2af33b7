/**
 * 6 of the issue: two server processes on one PostgreSQL database. The devices wait on instance A; the portal
 * users create their validations on instance B; the wake-up crosses over through LISTEN/NOTIFY.
 */
import { fleetDeps, pool, type SuiteContext } from '../context';
import { SimulatedDevice, startDevices, stopDevices } from '../fleet';
import { ServerHandle } from '../processes';
import { measureWakeups, waitForWaiters, type WakeupResult } from './wakeup';

export async function runTwoInstances(ctx: SuiteContext): Promise<WakeupResult> {
  const { profile, server } = ctx;
  ctx.progress('starting a second server instance on the same PostgreSQL database');
  const instanceB = await ServerHandle.start({ databaseUrl: ctx.databaseUrl, workDir: ctx.workDir, name: 'instance-b' });
  const devices = pool(ctx, 'two').map((identity) => new SimulatedDevice(identity, fleetDeps(ctx, server.url)));
  try {
    ctx.progress(`${devices.length} devices waiting on instance A`);
    const waitingBefore = (await server.stats()).requestsInFlight;
    await startDevices(devices, profile.rampBatch, 120_000, ctx.progress);
    await waitForWaiters(ctx, devices.length, 60_000, waitingBefore);
    ctx.progress(`wake-up latency across instances (${profile.twoInstances.samples} validations created on B at ${profile.twoInstances.rate}/s, after a second of warm-up)`);
    await measureWakeups({ devices, samples: profile.twoInstances.rate, rate: profile.twoInstances.rate, server, creatorUrl: instanceB.url });
    return await measureWakeups({ devices, samples: profile.twoInstances.samples, rate: profile.twoInstances.rate, server, creatorUrl: instanceB.url });
  } finally {
    await stopDevices(devices);
    await instanceB.stop();
  }
}
