/**
 * The alternative the long-poll is measured against: devices that ask "anything pending?" every 1 s or every 5 s
 * and get an answer at once (waitSeconds = 0), through the core's own API client and signatures. Same creation
 * path and same clock as the long-poll measurement; a validation waits on average half an interval.
 */
import { ApiClient } from '../../main/core/api-client';
import { systemClock } from '../../main/core/ports';
import { createMemoryVault } from '../../main/platform/memory-vault';
import { pool, type SuiteContext } from '../context';
import type { DeviceIdentity } from '../fleet';
import { createDeviceTransport } from '../http-transport';
import { createTransfer } from '../portal';
import { atSteadyRate, clockMs, distribution, round, sleep, waitUntil, type Distribution } from '../stats';

export interface IntervalResult {
  intervalSeconds: number;
  devices: number;
  latencyMs: Distribution;
  created: number;
  received: number;
  missing: number;
  requests: number;
  requestsPerDevicePerHour: number;
  pollFailures: number;
}

class IntervalPoller {
  requests = 0;
  failures = 0;
  readonly #seen = new Set<string>();
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;

  constructor(
    private readonly identity: DeviceIdentity,
    private readonly api: ApiClient,
    private readonly serverUrl: string,
    private readonly sign: (message: Uint8Array) => Promise<Uint8Array>,
    private readonly intervalMs: number,
    private readonly onReceived: (validationId: string, at: number) => void,
  ) {}

  start(): void {
    // Desktops switched on at random times: their polls are spread over the interval.
    const first = performance.now() + Math.random() * this.intervalMs;
    const tick = (due: number) => {
      if (this.#stopped) return;
      void this.#poll();
      const next = due + this.intervalMs;
      this.#timer = setTimeout(() => tick(next), Math.max(0, next - performance.now()));
    };
    this.#timer = setTimeout(() => tick(first), Math.max(0, first - performance.now()));
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
  }

  async #poll(): Promise<void> {
    this.requests += 1;
    try {
      const answer = await this.api.call(this.serverUrl, 'pendingValidations', {
        signer: { keyId: this.identity.deviceId, sign: this.sign },
        query: { waitSeconds: 0 },
        timeoutMs: 10_000,
      });
      const at = clockMs();
      for (const validation of answer.validations) {
        if (this.#seen.has(validation.id)) continue;
        this.#seen.add(validation.id);
        this.onReceived(validation.id, at);
      }
    } catch {
      this.failures += 1;
    }
  }
}

let sequence = 1_000_000;

async function measureInterval(ctx: SuiteContext, intervalSeconds: number): Promise<IntervalResult> {
  const { profile, server } = ctx;
  const identities = pool(ctx, `interval${intervalSeconds}`);
  const vault = createMemoryVault();
  const receivedAt = new Map<string, number>();
  const pollers: IntervalPoller[] = [];
  for (const identity of identities) {
    await vault.store(identity.deviceId, identity.secretKey);
    const api = new ApiClient({ transport: createDeviceTransport(ctx.requests), clock: systemClock, logger: ctx.logger });
    pollers.push(new IntervalPoller(identity, api, server.url, (message) => vault.sign(identity.deviceId, message), intervalSeconds * 1000,
      (id, at) => {
        if (!receivedAt.has(id)) receivedAt.set(id, at);
      }));
  }
  const startedAt = performance.now();
  for (const poller of pollers) poller.start();
  /** Measured from the validation's creation on the server, as the long-poll is. */
  const sentAt = new Map<string, number>();
  try {
    const samples = Math.max(1, Math.round(profile.interval.rate * profile.interval.durationSeconds));
    await atSteadyRate(samples, profile.interval.rate, async (index) => {
      const identity = identities[index % identities.length] as DeviceIdentity;
      const created = await createTransfer(server.url, identity, ++sequence);
      sentAt.set(created.id, created.createdAt);
    });
    await waitUntil(() => [...sentAt.keys()].every((id) => receivedAt.has(id)), intervalSeconds * 1000 + 5_000, `every validation to be polled (${intervalSeconds} s)`)
      .catch(() => undefined);
  } finally {
    for (const poller of pollers) poller.stop();
  }
  const elapsedSeconds = (performance.now() - startedAt) / 1000;
  await sleep(100);
  const latencies: number[] = [];
  for (const [id, sent] of sentAt) {
    const received = receivedAt.get(id);
    if (received !== undefined) latencies.push(received - sent);
  }
  const requests = pollers.reduce((total, poller) => total + poller.requests, 0);
  return {
    intervalSeconds,
    devices: identities.length,
    latencyMs: distribution(latencies),
    created: sentAt.size,
    received: latencies.length,
    missing: sentAt.size - latencies.length,
    requests,
    requestsPerDevicePerHour: round((requests / identities.length / elapsedSeconds) * 3600, 1),
    pollFailures: pollers.reduce((total, poller) => total + poller.failures, 0),
  };
}

/** Both intervals at once, each on its own devices: they do not share a device, and the run stays short. */
export async function runInterval(ctx: SuiteContext): Promise<IntervalResult[]> {
  const intervals = ctx.profile.interval.intervalsSeconds;
  ctx.progress(`interval polling every ${intervals.join(' s and every ')} s (${ctx.profile.interval.devices} devices each, ${ctx.profile.interval.durationSeconds} s)`);
  return Promise.all(intervals.map((seconds) => measureInterval(ctx, seconds)));
}
