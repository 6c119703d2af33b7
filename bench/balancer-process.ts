/**
 * A TCP load balancer (tests/harness/load-balancer.ts) in a process of its own. It holds two descriptors per device
 * (the device's connection and its copy to an instance): in the load process, ten thousand devices met the open-file
 * limit, and the copying took the event loop the load process needs to time deliveries and accept new connections.
 */
import { TcpLoadBalancer, type Backend } from '../tests/harness/load-balancer';

export type BalancerRequest =
  | { id: number; type: 'replace'; previous: Backend; next: Backend }
  | { id: number; type: 'stats' };

export type BalancerMessage =
  | { type: 'ready'; url: string }
  | { type: 'answer'; id: number; ok: true; value: unknown }
  | { type: 'answer'; id: number; ok: false; message: string };

export interface BalancerStats {
  connections: Record<string, number>;
  refused: number;
}

const send = (message: BalancerMessage) => process.send?.(message);

const backends = JSON.parse(process.env.SA_BENCH_BALANCER_BACKENDS ?? '[]') as Backend[];
const balancer = await TcpLoadBalancer.start(backends);

process.on('message', (raw) => {
  const request = raw as BalancerRequest;
  try {
    if (request.type === 'replace') {
      balancer.replaceBackend(request.previous, request.next);
      send({ type: 'answer', id: request.id, ok: true, value: null });
    } else {
      const stats: BalancerStats = { connections: Object.fromEntries(balancer.connections), refused: balancer.refused };
      send({ type: 'answer', id: request.id, ok: true, value: stats });
    }
  } catch (error) {
    send({ type: 'answer', id: request.id, ok: false, message: error instanceof Error ? error.message : String(error) });
  }
});
const stop = () => {
  balancer.close().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
// Nobody left to stop this balancer: stop.
process.on('disconnect', stop);
send({ type: 'ready', url: balancer.url });
