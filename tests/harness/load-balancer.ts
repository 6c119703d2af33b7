/**
 * A TCP load balancer in front of several server instances, as HAProxy or nginx in stream mode would be: each client
 * connection is handed to the next instance in turn, and to the one after when an instance refuses the connection
 * (its listener is closed: it is shutting down). Bytes are copied both ways untouched; when either side closes, so
 * does the other. Used by the graceful-restart tests and the bench's restart phase; loopback only.
 */
import net from 'node:net';

export interface Backend {
  host: string;
  port: number;
}

export class TcpLoadBalancer {
  readonly #server: net.Server;
  readonly #backends: Backend[];
  readonly #sockets = new Set<net.Socket>();
  #next = 0;
  /** Client connections handed to each backend ("host:port"), and those no backend took. */
  readonly connections = new Map<string, number>();
  refused = 0;

  private constructor(backends: Backend[]) {
    this.#backends = [...backends];
    this.#server = net.createServer((client) => this.#accept(client));
  }

  static async start(backends: Backend[], port = 0): Promise<TcpLoadBalancer> {
    const balancer = new TcpLoadBalancer(backends);
    await new Promise<void>((resolve, reject) => {
      balancer.#server.once('error', reject);
      balancer.#server.listen(port, '127.0.0.1', () => resolve());
    });
    return balancer;
  }

  get url(): string {
    const address = this.#server.address() as net.AddressInfo;
    return `http://127.0.0.1:${address.port}`;
  }

  /** Replaces an instance (a restarted one listens on a new port). */
  replaceBackend(previous: Backend, next: Backend): void {
    const index = this.#backends.findIndex((backend) => backend.host === previous.host && backend.port === previous.port);
    if (index === -1) throw new Error(`no backend ${previous.host}:${previous.port}`);
    this.#backends[index] = next;
  }

  #accept(client: net.Socket): void {
    this.#sockets.add(client);
    client.once('close', () => this.#sockets.delete(client));
    client.on('error', () => client.destroy());
    client.pause();
    this.#connect(client, 0);
  }

  #connect(client: net.Socket, tried: number): void {
    if (client.destroyed) return;
    if (tried >= this.#backends.length) {
      this.refused += 1;
      client.destroy();
      return;
    }
    const backend = this.#backends[this.#next % this.#backends.length] as Backend;
    this.#next += 1;
    const upstream = net.connect(backend.port, backend.host);
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      const key = `${backend.host}:${backend.port}`;
      this.connections.set(key, (this.connections.get(key) ?? 0) + 1);
      this.#sockets.add(upstream);
      upstream.once('close', () => this.#sockets.delete(upstream));
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
      // Half-closes are passed on by pipe; a reset or an error ends both sides.
      upstream.once('close', () => client.destroy());
      client.once('close', () => upstream.destroy());
    });
    upstream.on('error', () => {
      if (connected) {
        upstream.destroy();
        return;
      }
      // Refused (the instance stopped listening): the next instance gets this client.
      this.#connect(client, tried + 1);
    });
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
