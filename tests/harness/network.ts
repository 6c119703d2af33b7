/** Network situations for transport tests. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback URL where nothing listens (a port that was free a moment ago), so a request is refused at once
 * (ECONNREFUSED). Not a well-known closed port: fetch refuses ports 1, 9 and others itself, before connecting.
 */
export async function refusingUrl(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return `http://127.0.0.1:${port}/`;
}

/** What Node's fetch rejects with when the connection is refused. */
export const CONNECTION_REFUSED = { name: 'TypeError', cause: { code: 'ECONNREFUSED' } } as const;
