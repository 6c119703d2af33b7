/**
 * TCP load balancers in processes of their own (bench/balancer-process.ts), seen from the load process: each in
 * front of the same instances; a fleet spreads its workers over their addresses, so that no balancer holds more than
 * `DEVICES_PER_BALANCER` devices (two descriptors each).
 */
import type { Backend } from '../tests/harness/load-balancer';
import type { BalancerMessage, BalancerRequest, BalancerStats } from './balancer-process';
import { builtEntry, ChildChannel, firstMessage, spawnNodeChild, stopChild } from './processes';

/** Devices per balancer process: 10,000 descriptors, half the hard open-file limit of the machine the bench ran on. */
export const DEVICES_PER_BALANCER = 5_000;

export class BalancerProcesses {
  private constructor(readonly urls: readonly string[], readonly channels: readonly ChildChannel<BalancerRequest>[]) {}

  /** Enough balancers for `devices` devices, each in front of `backends`. */
  static async start(backends: Backend[], devices: number): Promise<BalancerProcesses> {
    const count = Math.max(1, Math.ceil(devices / DEVICES_PER_BALANCER));
    const script = await builtEntry('balancer-process.ts', false);
    const children = Array.from({ length: count }, () => spawnNodeChild(script, { SA_BENCH_BALANCER_BACKENDS: JSON.stringify(backends) }, { plain: true }));
    const urls = await Promise.all(children.map((child) => firstMessage(
      child, (raw) => ((raw as BalancerMessage).type === 'ready' ? (raw as { url: string }).url : undefined), 30_000, 'a load balancer to start',
    )));
    return new BalancerProcesses(urls, children.map((child) => new ChildChannel<BalancerRequest>(child, 'a load balancer')));
  }

  /** Replaces an instance in every balancer (a restarted one listens on a new port). */
  async replaceBackend(previous: Backend, next: Backend): Promise<void> {
    await Promise.all(this.channels.map((channel) => channel.ask({ type: 'replace', previous, next }, 10_000)));
  }

  /** Client connections handed to each instance, and refused by all, summed over the balancers. */
  async stats(): Promise<BalancerStats> {
    const all = await Promise.all(this.channels.map((channel) => channel.ask<BalancerStats>({ type: 'stats' }, 10_000)));
    const connections: Record<string, number> = {};
    for (const one of all) for (const [backend, count] of Object.entries(one.connections)) connections[backend] = (connections[backend] ?? 0) + count;
    return { connections, refused: all.reduce((total, one) => total + one.refused, 0) };
  }

  async close(): Promise<void> {
    await Promise.all(this.channels.map((channel) => stopChild(channel.child, 5_000)));
  }
}
