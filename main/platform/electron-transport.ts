/**
 * HttpTransport over Electron's `net.fetch`: Chromium's network stack, so the app uses the system proxy settings
 * (PAC and WPAD included), the proxy's authentication, and the OS certificate store, which holds the corporate
 * root CA of a TLS-inspecting proxy. The request and response handling is the same as the Node transport's;
 * only the fetch differs, so this passes `net.fetch` to it.
 */
import type { HttpTransport } from '../core/ports';
import { createNodeTransport, MAX_RESPONSE_BYTES } from './node-transport';

/** `net.fetch` (or `session.fetch`) as Electron types it. */
export type ElectronFetch = (input: string, init?: RequestInit & { bypassCustomProtocolHandlers?: boolean }) => Promise<Response>;

export function createElectronTransport(netFetch: ElectronFetch, maxResponseBytes = MAX_RESPONSE_BYTES): HttpTransport {
  const fetchThroughChromium = ((input: string | URL | Request, init?: RequestInit) =>
    // Our app:// handler is for the window only: a server URL never goes through it.
    netFetch(String(input), { ...init, bypassCustomProtocolHandlers: true })) as typeof fetch;
  return createNodeTransport({ fetch: fetchThroughChromium, maxResponseBytes });
}
