/**
 * A load balancer in front of several server instances, as nginx or HAProxy would be, at the TCP level: each client
 * connection is handed to the next instance in turn, and to the one after when an instance refuses the connection
 * (its listener is closed: it is shutting down). Bytes are copied both ways untouched; when either side closes, so
 * does the other. As nginx's `proxy_next_upstream error` does, a GET that an instance closed without answering a byte
 * (a connection it had accepted just as it stopped) is sent to the next instance instead, and so is a new connection
 * an instance closed before the client sent anything. Used by the graceful-restart
 * tests and the bench's restart phase; loopback only.
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
    this.#connect(client, new Set());
  }

  /**
   * `unanswered`: what the client sent since the last byte of answer (to replay on the next instance); `answeredOnce`:
   * whether this client connection ever got a byte (a fresh one that an instance closed unused goes to the next one).
   */
  #connect(client: net.Socket, tried: Set<Backend>, unanswered: Buffer[] = [], state = { answeredOnce: false }): void {
    if (client.destroyed) return;
    // The next instance in turn, among those this client has not been refused by yet.
    const candidates = this.#backends.filter((candidate) => !tried.has(candidate));
    if (candidates.length === 0) {
      this.refused += 1;
      client.destroy();
      return;
    }
    const backend = candidates[this.#next % candidates.length] as Backend;
    this.#next += 1;
    tried.add(backend);
    const upstream = net.connect(backend.port, backend.host);
    let connected = false;
    const forward = (chunk: Buffer) => {
      unanswered.push(chunk);
      upstream.write(chunk);
    };
    upstream.once('connect', () => {
      connected = true;
      const key = `${backend.host}:${backend.port}`;
      this.connections.set(key, (this.connections.get(key) ?? 0) + 1);
      this.#sockets.add(upstream);
      for (const chunk of unanswered) upstream.write(chunk);
      client.on('data', forward);
      client.once('end', () => upstream.end());
      upstream.on('data', (chunk: Buffer) => {
        unanswered.length = 0;
        state.answeredOnce = true;
        client.write(chunk);
      });
      upstream.once('end', () => client.end());
      client.once('close', () => upstream.destroy());
      client.resume();
    });
    upstream.once('close', () => {
      this.#sockets.delete(upstream);
      if (!connected) return;
      client.off('data', forward);
      const request = Buffer.concat(unanswered).subarray(0, 5).toString('latin1');
      const unused = !state.answeredOnce && unanswered.length === 0;
      if (!client.destroyed && (unused || (unanswered.length > 0 && /^(GET|HEAD) /.test(request)))) {
        // Closed without a byte of answer to this GET, or before the client said anything: the next instance gets it.
        client.pause();
        this.#connect(client, tried, unanswered, state);
        return;
      }
      client.destroy();
    });
    upstream.on('error', () => {
      if (!connected) {
        // Refused (the instance stopped listening): the next instance gets this client.
        this.#connect(client, tried, unanswered, state);
        return;
      }
      upstream.destroy();
    });
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
