/**
 * The one spelling of a server address the app stores and compares: origin plus optional path, no trailing slash.
 * Pure (no Node): the core decides with it, and the welcome screen uses it for early feedback.
 * HTTPS only. Plain HTTP on this computer's loopback (the reference server started by `npm start` and the tests)
 * only when the caller allows it: the core does so in development builds only, so a packaged banking
 * authenticator never talks in clear, not even to a local process posing as the bank.
 */

const LOOPBACK_HOSTS = new Set(['localhost', '[::1]']);

function isLoopback(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127(?:\.\d{1,3}){3}$/.test(hostname);
}

export interface ServerUrlRules {
  /** Accept http:// on localhost, 127.0.0.0/8 and [::1] (development builds). */
  allowLoopbackHttp?: boolean;
}

/** Returns the normalized address, or null when it is not an acceptable server address. */
export function normalizeServerUrl(input: string, { allowLoopbackHttp = false }: ServerUrlRules = {}): string | null {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    return null;
  }
  if (url.username || url.password || url.search || url.hash) return null;
  if (url.protocol !== 'https:' && !(allowLoopbackHttp && url.protocol === 'http:' && isLoopback(url.hostname))) return null;
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}
