/**
 * 6 of the issue: two server processes on one PostgreSQL database. The devices wait on instance A; the portal
 * users create their validations on instance B; the wake-up crosses over through LISTEN/NOTIFY.
 */
import { pool, startInstance, type SuiteContext } from '../context';
import { RemoteFleet } from '../remote-fleet';
import { measureWakeups, waitForWaiters, type WakeupResult } from './wakeup';

export async function runTwoInstances(ctx: SuiteContext): Promise<WakeupResult> {
  const { profile, server } = ctx;
  ctx.progress('starting a second server instance on the same PostgreSQL database');
  const instanceB = await startInstance(ctx, 'instance-b');
  const identities = pool(ctx, 'two');
  const fleet = await RemoteFleet.create({ identities, serverUrl: server.url, waitSeconds: profile.longPollWaitSeconds, workDir: ctx.workDir, name: 'two' });
  const indices = identities.map((_, index) => index);
  try {
    ctx.progress(`${identities.length} devices waiting on instance A`);
    const waitingBefore = (await server.stats()).requestsInFlight;
    await fleet.start(0, identities.length, profile.rampBatch, ctx.progress);
    await waitForWaiters(ctx, identities.length, 60_000, waitingBefore);
    ctx.progress(`wake-up latency across instances (${profile.twoInstances.samples} validations created on B at ${profile.twoInstances.rate}/s, after a second of warm-up)`);
    await measureWakeups({ fleet, indices, samples: profile.twoInstances.rate, rate: profile.twoInstances.rate, server, creatorUrl: instanceB.url });
    return await measureWakeups({ fleet, indices, samples: profile.twoInstances.samples, rate: profile.twoInstances.rate, server, creatorUrl: instanceB.url });
  } finally {
    ctx.recordFleet(await fleet.close());
    await instanceB.stop();
  }
}
