/**
 * Everything Electron's security checklist asks of the page side, in one place: the app:// scheme the renderer is
 * served from (never file://, never a remote page), its Content-Security-Policy, the checks on which URLs count
 * as "our page", and the hardening of the renderer's session (no permission, no remote request).
 */
import { readFile } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import type { Protocol, Session } from 'electron';
import type { Logger } from './electron-api';

export const APP_SCHEME = 'app';
export const APP_HOST = 'secure-access';
export const RENDERER_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const RENDERER_ENTRY_URL = `${RENDERER_ORIGIN}/index.html`;
/** Not `persist:`: the renderer's session lives in memory, so the UI leaves no cookie or cache on disk. */
export const UI_PARTITION = 'secure-access-ui';

/** Scripts and styles from our own files only: no inline script, no eval, no remote anything, no framing. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'none'",
  "object-src 'none'",
  "frame-src 'none'",
  "worker-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Must run before the app is ready: app:// behaves like an https origin (CSP 'self', module scripts, storage). */
export function registerAppScheme(protocol: Pick<Protocol, 'registerSchemesAsPrivileged'>): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true } },
  ]);
}

/** Whether a URL is a page of ours: app://secure-access/…, nothing else (not file://, not another host or port). */
export function isTrustedRendererUrl(candidate: string): boolean {
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return false;
  }
  return url.protocol === `${APP_SCHEME}:` && url.hostname === APP_HOST && url.port === '' && url.username === '' && url.password === '';
}

/** The file under the renderer's folder that an app:// URL names, or null for anything that would leave it. */
export function resolveRendererFile(rendererRoot: string, requestUrl: string): string | null {
  if (!isTrustedRendererUrl(requestUrl)) return null;
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(requestUrl).pathname);
  } catch {
    return null;
  }
  if (pathname.includes('\0')) return null;
  const relative = pathname.replace(/^\/+/, '') || 'index.html';
  const root = resolve(rendererRoot);
  const file = resolve(root, relative);
  return file.startsWith(root + sep) ? file : null;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
};

const SECURITY_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cache-control': 'no-store',
};

/** The app:// handler: our built files with the CSP on every response; 404 for the rest. */
export function rendererProtocolHandler(
  rendererRoot: string,
  readFileImpl: (path: string) => Promise<Uint8Array> = readFile,
): (request: Request) => Promise<Response> {
  return async (request) => {
    const file = request.method === 'GET' ? resolveRendererFile(rendererRoot, request.url) : null;
    if (file === null) return new Response('Not found', { status: 404, headers: SECURITY_HEADERS });
    let body: Uint8Array;
    try {
      body = await readFileImpl(file);
    } catch {
      return new Response('Not found', { status: 404, headers: SECURITY_HEADERS });
    }
    const contentType = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
    return new Response(body as BodyInit, { status: 200, headers: { ...SECURITY_HEADERS, 'content-type': contentType } });
  };
}

/** What the renderer's session may load: our scheme and inline images; DevTools' own pages in development. */
export function isAllowedUiRequest(candidate: string, isDevelopment: boolean): boolean {
  if (isTrustedRendererUrl(candidate)) return true;
  const scheme = candidate.slice(0, candidate.indexOf(':') + 1).toLowerCase();
  if (scheme === 'data:') return true;
  return isDevelopment && (scheme === 'devtools:' || scheme === 'chrome-extension:');
}

/** Where a blocked URL pointed, without its path or query (which may carry anything). */
export function describeUrlForLog(candidate: string): string {
  try {
    const url = new URL(candidate);
    return url.host ? `${url.protocol}//${url.host}` : url.protocol;
  } catch {
    return 'an unparsable URL';
  }
}

export interface HardenSessionOptions {
  rendererRoot: string;
  isDevelopment: boolean;
  logger: Logger;
}

/** Serves the renderer on the UI session and denies it every permission and every request that is not ours. */
export function hardenUiSession(session: Session, { rendererRoot, isDevelopment, logger }: HardenSessionOptions): void {
  session.setPermissionRequestHandler((_webContents, permission, callback) => {
    logger.warn('denied a permission request from the window', { permission });
    callback(false);
  });
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
  // The dictionary would be downloaded from a Google CDN: nothing leaves the machine from the UI.
  session.setSpellCheckerEnabled(false);
  session.webRequest.onBeforeRequest((details, callback) => {
    const allowed = isAllowedUiRequest(details.url, isDevelopment);
    if (!allowed) logger.warn('blocked a request for content that is not part of the app', { target: describeUrlForLog(details.url) });
    callback({ cancel: !allowed });
  });
  session.protocol.handle(APP_SCHEME, rendererProtocolHandler(rendererRoot));
}
