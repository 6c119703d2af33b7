/**
 * A pool of simulated desktops spread over fleet worker processes (device i lives in worker i mod W), driven from the
 * load process: start a range of devices, have them record or approve what they receive, read their counts.
 */
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toBase64Url } from '../protocol/index';
import type { DeviceIdentity } from './fleet';
import type { BenchHoldPolicy, FleetEvent, FleetMode, FleetRequest, FleetWorkerConfig, FleetWorkerStats } from './fleet-ipc';
import { builtEntry, ChildChannel, firstMessage, spawnNodeChild, stopChild } from './processes';

/** Devices per worker: small enough heaps that a collection stalls few devices, for little memory. */
export const DEVICES_PER_WORKER = 2_500;

/** One fleet worker process: asked over its IPC channel, its events forwarded to the fleet. */
type FleetWorker = ChildChannel<FleetRequest>;

export class RemoteFleet {
  /** A validation entered device `index`'s pending list (mode record). */
  onDelivered: ((index: number, validationId: string, at: number) => void) | null = null;
  /** A device's decision was recorded by the server (mode approve). */
  onRecorded: ((validationId: string, at: number, status: string) => void) | null = null;
  onDecisionError: ((validationId: string, code: string) => void) | null = null;
  readonly #workers: FleetWorker[];

  private constructor(readonly identities: DeviceIdentity[], workers: (onEvent: (event: FleetEvent) => void) => FleetWorker[]) {
    this.#workers = workers((event) => this.#onEvent(event));
  }

  static async create(input: {
    identities: DeviceIdentity[]; serverUrl: string | readonly string[]; waitSeconds: number; workDir: string; name: string; approvalCode?: string; hold?: BenchHoldPolicy;
    /** At least this many workers (one per server address, to spread a small fleet over several instances). */
    workers?: number;
  }): Promise<RemoteFleet> {
    const count = Math.max(1, input.workers ?? 1, Math.ceil(input.identities.length / DEVICES_PER_WORKER));
    const script = await builtEntry('fleet-process.ts', false);
    const serverUrls = typeof input.serverUrl === 'string' ? [input.serverUrl] : input.serverUrl;
    const children: ChildProcess[] = [];
    for (let worker = 0; worker < count; worker++) {
      const config: FleetWorkerConfig = {
        // Several addresses (instances, or balancers): worker w's devices all use address w mod n.
        serverUrl: serverUrls[worker % serverUrls.length] as string,
        waitSeconds: input.waitSeconds,
        hold: input.hold,
        approvalCode: input.approvalCode,
        devices: input.identities.flatMap((identity, index) => (index % count === worker ? [{
          index, userId: identity.userId, identifier: identity.identifier, displayName: identity.displayName, companyName: identity.companyName,
          deviceId: identity.deviceId, publicKey: identity.publicKey, sessionToken: identity.sessionToken, csrfToken: identity.csrfToken,
          secretKey: toBase64Url(identity.secretKey),
        }] : [])),
      };
      const file = join(input.workDir, `${input.name}-fleet-${worker}.json`);
      writeFileSync(file, JSON.stringify(config));
      children.push(spawnNodeChild(script, { SA_BENCH_FLEET_CONFIG_FILE: file }, { plain: true, maxOldSpaceMb: 2048 }));
    }
    const fleet = new RemoteFleet(input.identities, (onEvent) => children.map((child) => new ChildChannel<FleetRequest>(child, 'a fleet worker', (event) => onEvent(event as FleetEvent))));
    await Promise.all(children.map((child) => firstMessage(child, (message) => ((message as FleetEvent).type === 'ready' ? true : undefined), 60_000, 'a fleet worker to start')));
    return fleet;
  }

  get size(): number {
    return this.identities.length;
  }

  #onEvent(event: FleetEvent): void {
    if (event.type === 'delivered') this.onDelivered?.(event.index, event.validationId, event.at);
    else if (event.type === 'recorded') this.onRecorded?.(event.validationId, event.at, event.status);
    else if (event.type === 'decisionError') this.onDecisionError?.(event.validationId, event.code);
  }

  #workerOf(index: number): FleetWorker {
    return this.#workers[index % this.#workers.length] as FleetWorker;
  }

  /**
   * Starts devices [from, to) a batch at a time (ten thousand connecting in the same millisecond would only measure
   * the kernel's accept queue), each batch online before the next.
   */
  async start(from: number, to: number, batch: number, progress?: (message: string) => void): Promise<void> {
    const startedAt = performance.now();
    let reported = startedAt;
    for (let offset = from; offset < to; offset += batch) {
      const end = Math.min(to, offset + batch);
      const byWorker = new Map<FleetWorker, number[]>();
      for (let index = offset; index < end; index++) {
        const worker = this.#workerOf(index);
        byWorker.set(worker, [...(byWorker.get(worker) ?? []), index]);
      }
      await Promise.all([...byWorker].map(([worker, indices]) => worker.ask({ type: 'start', indices, timeoutMs: 120_000 }, 150_000)));
      const now = performance.now();
      if (progress && now - reported > 15_000 && end < to) {
        reported = now;
        progress(`  ${end - from} of ${to - from} online (${Math.round((end - from) / ((now - startedAt) / 1000))}/s)`);
      }
    }
  }

  async setMode(mode: FleetMode): Promise<void> {
    await Promise.all(this.#workers.map((worker) => worker.ask({ type: 'mode', mode }, 10_000)));
  }

  async closeIdleConnections(): Promise<void> {
    await Promise.all(this.#workers.map((worker) => worker.ask({ type: 'closeIdle' }, 10_000)));
  }

  async stats(): Promise<FleetWorkerStats> {
    const all = await Promise.all(this.#workers.map((worker) => worker.ask<FleetWorkerStats>({ type: 'stats' }, 30_000)));
    return all.reduce((total, one) => ({
      started: total.started + one.started, online: total.online + one.online, duplicateDeliveries: total.duplicateDeliveries + one.duplicateDeliveries,
      requests: total.requests + one.requests, failures: total.failures + one.failures, warnings: total.warnings + one.warnings,
      errors: total.errors + one.errors, firstLines: [...total.firstLines, ...one.firstLines].slice(0, 10), cpuMicros: total.cpuMicros + one.cpuMicros,
    }));
  }

  /** Stops every device, then the workers; returns the last counts. */
  async close(): Promise<FleetWorkerStats | null> {
    let last: FleetWorkerStats | null = null;
    try {
      await Promise.all(this.#workers.map((worker) => worker.ask({ type: 'stop' }, 60_000)));
      last = await this.stats();
    } finally {
      await Promise.all(this.#workers.map((worker) => stopChild(worker.child, 5_000)));
    }
    return last;
  }
}
