/** The Node fetch transport against a real local HTTP server. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeTransport } from '../../../main/platform/node-transport';
import { CONNECTION_REFUSED, refusingUrl } from '../../harness/network';

let server: Server;
let baseUrl: string;
const received: { method?: string; url?: string; headers: Record<string, unknown>; body: string }[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      received.push({ method: request.method, url: request.url, headers: request.headers, body });
      if (request.url === '/redirect') {
        response.writeHead(302, { location: '/elsewhere' }).end();
      } else if (request.url === '/slow') {
        setTimeout(() => response.end('late'), 10_000).unref();
      } else if (request.url === '/huge') {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('x'.repeat(2048));
      } else {
        response.writeHead(201, { 'Content-Type': 'application/json', 'X-Custom': 'yes' }).end('{"ok":true}');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('the Node HTTP transport', () => {
  it('sends method, headers and body, and returns status, lower-case headers and text', async () => {
    const transport = createNodeTransport();
    const response = await transport.send({ method: 'POST', url: `${baseUrl}/api?x=1`, headers: { 'content-type': 'application/json', 'x-sa-nonce': 'abc' }, body: '{"a":1}' });
    expect(response).toMatchObject({ status: 201, text: '{"ok":true}', headers: { 'content-type': 'application/json', 'x-custom': 'yes' } });
    expect(received.at(-1)).toMatchObject({ method: 'POST', url: '/api?x=1', body: '{"a":1}', headers: { 'x-sa-nonce': 'abc' } });
  });

  it('does not follow redirects (a signed request is bound to its path)', async () => {
    const response = await createNodeTransport().send({ method: 'GET', url: `${baseUrl}/redirect`, headers: {} });
    expect(response.status).toBe(302);
    expect(received.at(-1)?.url).toBe('/redirect');
  });

  it('stops waiting when the signal aborts', async () => {
    const controller = new AbortController();
    const arrived = new Promise<void>((resolve) => server.once('request', () => resolve()));
    const pending = createNodeTransport().send({ method: 'GET', url: `${baseUrl}/slow`, headers: {}, signal: controller.signal });
    // Aborted once the server holds the request, so what is cut is a wait for the answer, not the connection.
    await arrived;
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('refuses an answer larger than its limit', async () => {
    await expect(createNodeTransport({ maxResponseBytes: 1024 }).send({ method: 'GET', url: `${baseUrl}/huge`, headers: {} }))
      .rejects.toThrow(new Error('the answer is larger than 1024 bytes'));
    // The limit is on the bytes of the answer: exactly at the limit it is read.
    expect((await createNodeTransport({ maxResponseBytes: 2048 }).send({ method: 'GET', url: `${baseUrl}/huge`, headers: {} })).text).toBe('x'.repeat(2048));
  });

  it('rejects when nothing answers (connection refused)', async () => {
    await expect(createNodeTransport().send({ method: 'GET', url: await refusingUrl(), headers: {} })).rejects.toMatchObject(CONNECTION_REFUSED);
  });
});
