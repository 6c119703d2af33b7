/**
 * HttpTransport over Node's fetch (undici): the tests' transport, and the app's fallback where Electron's net.fetch
 * is not available. Redirects are not followed (a signed request is bound to its path), and an answer larger than
 * a sane limit is cut off rather than read into memory.
 */
import type { HttpRequest, HttpResponse, HttpTransport } from '../core/ports';

export const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

export interface NodeTransportOptions {
  fetch?: typeof fetch;
  maxResponseBytes?: number;
}

export function createNodeTransport(options: NodeTransportOptions = {}): HttpTransport {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const maxBytes = options.maxResponseBytes ?? MAX_RESPONSE_BYTES;
  return {
    async send(request: HttpRequest): Promise<HttpResponse> {
      const response = await fetchImpl(request.url, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        signal: request.signal,
        redirect: 'manual',
      });
      const headers: Record<string, string> = {};
      response.headers.forEach((value, name) => {
        headers[name.toLowerCase()] = value;
      });
      return { status: response.status, headers, text: await readText(response, maxBytes) };
    },
  };
}

async function readText(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let received = 0;
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    if (received > maxBytes) {
      await reader.cancel();
      throw new Error(`the answer is larger than ${maxBytes} bytes`);
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}
