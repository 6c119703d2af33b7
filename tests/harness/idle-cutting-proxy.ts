/**
 * A proxy or firewall on the app's path that cuts idle connections, as a corporate proxy with a 30-second idle
 * timeout does: bytes are copied both ways untouched, and a connection on which nothing passed either way for
 * `idleCutMs` is cut on both sides (the app sees its request end without an answer, the server sees the client go).
 * Used by the hold-learning tests and the bench's proxy phase; loopback only.
 */
import net from 'node:net';

export class IdleCuttingProxy {
  readonly #server: net.Server;
  readonly #target: { host: string; port: number };
  readonly #idleCutMs: number;
  readonly #sockets = new Set<net.Socket>();
  /** Connections cut for being idle; of them, those with a request waiting for its answer (a held long-poll). */
  cuts = 0;
  requestCuts = 0;
  connections = 0;

  private constructor(target: { host: string; port: number }, idleCutMs: number) {
    this.#target = target;
    this.#idleCutMs = idleCutMs;
    this.#server = net.createServer((client) => this.#accept(client));
  }

  /** A proxy in front of `targetUrl` (http://host:port) that cuts connections idle for `idleCutMs`. */
  static async start(targetUrl: string, idleCutMs: number): Promise<IdleCuttingProxy> {
    const target = new URL(targetUrl);
    const proxy = new IdleCuttingProxy({ host: target.hostname, port: Number(target.port) }, idleCutMs);
    await new Promise<void>((resolve, reject) => {
      proxy.#server.once('error', reject);
      proxy.#server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  get url(): string {
    const address = this.#server.address() as net.AddressInfo;
    return `http://127.0.0.1:${address.port}`;
  }

  #accept(client: net.Socket): void {
    this.connections += 1;
    const upstream = net.connect(this.#target.port, this.#target.host);
    for (const socket of [client, upstream]) {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
      socket.on('error', () => socket.destroy());
    }
    let timer: NodeJS.Timeout | null = null;
    // The client spoke last: a request is waiting for its answer (not a kept-alive connection resting between two).
    let requestWaiting = false;
    const cut = () => {
      this.cuts += 1;
      if (requestWaiting) this.requestCuts += 1;
      // A reset, as a proxy that drops its state does: no answer, no orderly end.
      client.resetAndDestroy();
      upstream.destroy();
    };
    const restartTimer = () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(cut, this.#idleCutMs);
    };
    restartTimer();
    client.on('data', (chunk: Buffer) => {
      restartTimer();
      requestWaiting = true;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      restartTimer();
      requestWaiting = false;
      client.write(chunk);
    });
    client.once('end', () => upstream.end());
    upstream.once('end', () => client.end());
    const stop = () => {
      if (timer) clearTimeout(timer);
      client.destroy();
      upstream.destroy();
    };
    client.once('close', stop);
    upstream.once('close', stop);
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
