import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createElectronTransport, type ElectronFetch } from '../../../main/platform/electron-transport';
import { CONNECTION_REFUSED, refusingUrl } from '../../harness/network';

let server: Server;
let baseUrl: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      if (request.url === '/redirect') {
        response.writeHead(302, { location: '/elsewhere' }).end();
        return;
      }
      if (request.url === '/big') {
        response.writeHead(200, { 'content-type': 'text/plain' }).end('x'.repeat(5000));
        return;
      }
      response.writeHead(409, { 'content-type': 'application/json', 'X-Request-Id': 'req-1' });
      response.end(JSON.stringify({ method: request.method, body, auth: request.headers['x-sa-signature'] ?? null }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Stands in for Electron's net.fetch (same Fetch API), recording what the transport asked of it. */
function recordingFetch() {
  const inits: Array<RequestInit & { bypassCustomProtocolHandlers?: boolean }> = [];
  const netFetch: ElectronFetch = (input, init) => {
    inits.push(init ?? {});
    return fetch(input, init);
  };
  return { netFetch, inits };
}

describe('the Electron transport', () => {
  it('sends the request through net.fetch and hands back status, lower-cased headers and text, error statuses included', async () => {
    const { netFetch, inits } = recordingFetch();
    const transport = createElectronTransport(netFetch);
    const response = await transport.send({ method: 'POST', url: `${baseUrl}/api`, headers: { 'content-type': 'application/json', 'x-sa-signature': 'sig' }, body: '{"a":1}' });
    expect(response.status).toBe(409);
    expect(response.headers['x-request-id']).toBe('req-1');
    expect(JSON.parse(response.text)).toEqual({ method: 'POST', body: '{"a":1}', auth: 'sig' });
    // Server requests never go through the window's app:// handler, and redirects are not followed.
    expect(inits[0]).toMatchObject({ bypassCustomProtocolHandlers: true, redirect: 'manual', method: 'POST' });
  });

  it('does not follow a redirect (a signed request is bound to its path)', async () => {
    const response = await createElectronTransport(recordingFetch().netFetch).send({ method: 'GET', url: `${baseUrl}/redirect`, headers: {} });
    expect(response.status).toBe(302);
  });

  it('cuts off an answer larger than the limit', async () => {
    await expect(createElectronTransport(recordingFetch().netFetch, 1000).send({ method: 'GET', url: `${baseUrl}/big`, headers: {} })).rejects.toThrow(/larger than 1000 bytes/);
  });

  it('rejects when no answer comes back (connection refused)', async () => {
    await expect(createElectronTransport(recordingFetch().netFetch).send({ method: 'GET', url: await refusingUrl(), headers: {} })).rejects.toMatchObject(CONNECTION_REFUSED);
  });
});
