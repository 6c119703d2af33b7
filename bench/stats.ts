/** Latency distributions and small timing helpers. */
import { readdirSync, readFileSync } from 'node:fs';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

export interface Distribution {
  samples: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles (no interpolation: every value reported was measured). */
export function distribution(values: readonly number[]): Distribution {
  if (values.length === 0) return { samples: 0, mean: Number.NaN, p50: Number.NaN, p95: Number.NaN, p99: Number.NaN, max: Number.NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
  const sum = sorted.reduce((total, value) => total + value, 0);
  return {
    samples: sorted.length,
    mean: round(sum / sorted.length),
    p50: round(rank(50)),
    p95: round(rank(95)),
    p99: round(rank(99)),
    max: round(sorted[sorted.length - 1] as number),
  };
}

/**
 * The clock every bench process reads: milliseconds since the epoch with sub-millisecond resolution. A validation is
 * created in one process and received in another; on one machine their readings compare directly.
 */
export function clockMs(): number {
  return performance.timeOrigin + performance.now();
}

export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `condition` until it holds; throws with `what` after `timeoutMs`. Every wait in the bench is bounded. */
export async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await sleep(everyMs);
  }
}

/**
 * Calls `task(i)` at a steady rate for `count` times (i = 0…count-1), without waiting for one call to finish
 * before the next is due. Resolves when every call has settled; a call that throws is counted, not fatal.
 */
export async function atSteadyRate(count: number, perSecond: number, task: (index: number) => Promise<void>): Promise<{ failures: number; errors: string[] }> {
  const start = performance.now();
  const running: Promise<void>[] = [];
  let failures = 0;
  const errors: string[] = [];
  for (let index = 0; index < count; index++) {
    const due = start + (index * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    running.push(task(index).catch((error: unknown) => {
      failures += 1;
      if (errors.length < 5) errors.push(error instanceof Error ? error.message : String(error));
    }));
  }
  await Promise.all(running);
  return { failures, errors };
}

export interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
}

/**
 * How late a process's event loop ran, in ms: when the load process lags, latencies measured in it grow with the
 * lag, and the bench must say so rather than blame the server.
 */
export class LoopDelayMonitor {
  readonly #histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });

  constructor() {
    this.#histogram.enable();
  }

  /** The delays since the previous reading (or since the start). */
  read(): LoopDelay {
    const histogram = this.#histogram;
    const toMs = (nanoseconds: number) => round(nanoseconds / 1e6, 1);
    const reading = histogram.count > 0
      ? { p50: toMs(histogram.percentile(50)), p99: toMs(histogram.percentile(99)), max: toMs(histogram.max) }
      : { p50: 0, p99: 0, max: 0 };
    histogram.reset();
    return reading;
  }

  stop(): LoopDelay {
    const reading = this.read();
    this.#histogram.disable();
    return reading;
  }
}

export const NO_READING: LoopDelay = { p50: Number.NaN, p99: Number.NaN, max: Number.NaN };

/** What watchServer needs of a server handle (kept structural: stats.ts is also bundled into the server process). */
interface StatsSource {
  stats(): Promise<{ pool: { waiting: number } | null }>;
}

/** Samples a server every second while a measurement runs: the deepest queue for a database connection. */
export function watchServer(server: StatsSource, everyMs = 1_000): { stop(): Promise<{ poolWaitingMax: number | null }> } {
  let poolWaitingMax: number | null = null;
  let running = true;
  const loop = (async () => {
    while (running) {
      const { pool } = await server.stats().catch(() => ({ pool: null }));
      if (pool) poolWaitingMax = Math.max(poolWaitingMax ?? 0, pool.waiting);
      await sleep(everyMs);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { poolWaitingMax };
    },
  };
}

/**
 * CPU time used so far by the PostgreSQL backends serving one database (Linux: /proc; their process title names
 * the database), in microseconds; null where that cannot be read. Processes that end between two readings drop
 * out, so readings are taken while the server's connections are up (its pool keeps idle ones five minutes).
 */
export function postgresBackendCpuMicros(databaseName: string): number | null {
  let total = 0;
  let found = false;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return null;
  }
  const ticksPerSecond = 100;
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const title = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (!title.startsWith('postgres: ') || !title.includes(` ${databaseName} `)) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / ticksPerSecond;
      found = true;
    } catch {
      // The process ended while being read.
    }
  }
  return found ? total : null;
}
