/**
 * The core's HttpTransport port over node:http, one keep-alive agent per simulated device: each desktop has its own
 * connections, as ten thousand real PCs would. (Node's fetch shares one connection pool per origin, and undici picks
 * a free connection by scanning the pool: with ten thousand long-polls open that scan, not the server, dominated the
 * load process.) Bodies are small JSON; an answer larger than main/platform's limit is refused the same way.
 *
 * A request that fails on a reused kept-alive connection before any answer (the server closed it as the request left:
 * an instance shutting down, a keep-alive timeout) is sent once more on a new connection, as Chromium's network stack —
 * the app's transport, Electron's net.fetch — does, and as Node's documentation of `request.reusedSocket` advises.
 */
import http from 'node:http';
import type { HttpRequest, HttpResponse, HttpTransport } from '../main/core/ports';
import { MAX_RESPONSE_BYTES } from '../main/platform/node-transport';

/** Shared by every device's transport: requests are counted, not assumed. */
export class RequestCounter {
  requests = 0;
  failures = 0;
}

export interface DeviceTransport extends HttpTransport {
  /**
   * Closes the connections not in use. At start the core asks for its account and its first poll at once, on two
   * connections; the idle one lingers until the server's keep-alive timeout (72 s) closes it. Closing it now gives
   * the steady state (one connection per waiting device) without waiting for that timeout.
   */
  closeIdleConnections(): void;
}

export function createDeviceTransport(counter: RequestCounter): DeviceTransport {
  // A long-poll and a decision can be in flight together; a browser would allow six.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4, maxFreeSockets: 2 });
  return {
    closeIdleConnections() {
      for (const sockets of Object.values(agent.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
    },
    send(request: HttpRequest): Promise<HttpResponse> {
      counter.requests += 1;
      const attempt = (resent: boolean): Promise<HttpResponse> => new Promise<HttpResponse>((resolve, reject) => {
        let answered = false;
        const fail = (error: Error & { code?: string }) => {
          if (!resent && !answered && outgoing.reusedSocket && (error.code === 'ECONNRESET' || error.message === 'socket hang up') && !request.signal?.aborted) {
            resolve(attempt(true));
            return;
          }
          // A poll the core abandons itself (stop, check now) is not a failure.
          if (!request.signal?.aborted) counter.failures += 1;
          reject(error);
        };
        const url = new URL(request.url);
        const headers: Record<string, string | number> = { ...request.headers };
        if (request.body !== undefined) headers['content-length'] = Buffer.byteLength(request.body);
        const outgoing = http.request({
          agent, hostname: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method: request.method, headers, signal: request.signal,
        }, (incoming) => {
          answered = true;
          const chunks: Buffer[] = [];
          let received = 0;
          incoming.on('data', (chunk: Buffer) => {
            received += chunk.length;
            if (received > MAX_RESPONSE_BYTES) incoming.destroy(new Error(`the answer is larger than ${MAX_RESPONSE_BYTES} bytes`));
            else chunks.push(chunk);
          });
          incoming.on('error', fail);
          incoming.on('end', () => {
            const responseHeaders: Record<string, string> = {};
            for (const [name, value] of Object.entries(incoming.headers)) {
              if (value !== undefined) responseHeaders[name] = Array.isArray(value) ? value.join(', ') : value;
            }
            resolve({ status: incoming.statusCode ?? 0, headers: responseHeaders, text: Buffer.concat(chunks).toString('utf8') });
          });
        });
        outgoing.on('error', fail);
        outgoing.end(request.body);
      });
      return attempt(false);
    },
  };
}
