import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CONTENT_SECURITY_POLICY, RENDERER_ENTRY_URL, UI_PARTITION, hardenUiSession, isTrustedRendererUrl, registerAppScheme,
  rendererProtocolHandler, resolveRendererFile,
} from '../../../main/shell/security';
import { createMainWindow, hardenWebContents, secureWebPreferences } from '../../../main/shell/window';
import { createFakeElectron, fakeEvent, FakeSession, FakeWebContents, type FakeBrowserWindow } from '../../harness/fake-electron';
import type { WebContents } from 'electron';

function recordingLogger() {
  const lines: Array<{ level: string; message: string; fields?: Record<string, unknown> }> = [];
  const log = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push({ level, message, fields });
  return { lines, info: log('info'), warn: log('warn'), error: log('error') };
}

const rendererRoot = mkdtempSync(join(tmpdir(), 'sa-renderer-'));
mkdirSync(join(rendererRoot, 'assets'));
writeFileSync(join(rendererRoot, 'index.html'), '<!doctype html><title>Secure Access</title>');
writeFileSync(join(rendererRoot, 'assets', 'index-abc.js'), 'console.log(1)');
writeFileSync(join(tmpdir(), 'sa-outside-secret.txt'), 'outside');
afterAll(() => rmSync(rendererRoot, { recursive: true, force: true }));

describe('the window factory', () => {
  it('creates every window with the security checklist’s options', () => {
    const preferences = secureWebPreferences({ preloadPath: '/app/dist/preload/index.cjs', isDevelopment: false });
    expect(preferences).toMatchObject({
      preload: '/app/dist/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      devTools: false,
    });
    // No Blink feature switched on, not even an empty list (Electron's checklist: leave enableBlinkFeatures unset).
    expect(Object.hasOwn(preferences, 'enableBlinkFeatures')).toBe(false);
    // An in-memory partition: the page keeps no cookie or cache on disk.
    expect(preferences.partition).toBe(UI_PARTITION);
    expect(preferences.partition?.startsWith('persist:')).toBe(false);
  });

  it('allows DevTools in development only', () => {
    expect(secureWebPreferences({ preloadPath: 'p', isDevelopment: true }).devTools).toBe(true);
    expect(secureWebPreferences({ preloadPath: 'p', isDevelopment: false }).devTools).toBe(false);
  });

  it('loads our own page from app://, hidden until ready, never a remote page or file://', () => {
    const fake = createFakeElectron();
    const window = createMainWindow(fake.electron, { preloadPath: '/p.cjs', isDevelopment: false, logger: recordingLogger() }) as unknown as FakeBrowserWindow;
    expect(window.loadedUrls).toEqual([RENDERER_ENTRY_URL]);
    expect(RENDERER_ENTRY_URL).toBe('app://secure-access/index.html');
    expect(window.options.show).toBe(false);
    expect(window.options.webPreferences).toEqual(secureWebPreferences({ preloadPath: '/p.cjs', isDevelopment: false }));
  });
});

describe('every web contents of the app', () => {
  let contents: FakeWebContents;
  let logger: ReturnType<typeof recordingLogger>;

  beforeEach(() => {
    contents = new FakeWebContents();
    logger = recordingLogger();
    hardenWebContents(contents as unknown as WebContents, { isDevelopment: false, logger });
  });

  it('denies navigation away from the page, to a remote site or to another of our URLs alike', () => {
    for (const url of ['https://phishing.example/login', 'file:///etc/passwd', 'app://secure-access/other.html']) {
      const event = fakeEvent({ url, isSameDocument: false, isMainFrame: true });
      contents.emit('will-navigate', event);
      expect(event.defaultPrevented, url).toBe(true);
    }
    expect(logger.lines.filter((line) => line.message === 'denied a navigation away from the app')).toHaveLength(3);
    // The log names where it went, never the full URL (which may carry anything).
    expect(JSON.stringify(logger.lines)).not.toContain('/login');
  });

  it('denies redirects, subframe navigations and <webview>, but lets the page change its own #hash', () => {
    const redirect = fakeEvent({ url: 'https://elsewhere.example' });
    contents.emit('will-redirect', redirect);
    const subframe = fakeEvent({ url: 'https://ads.example', isSameDocument: false, isMainFrame: false });
    contents.emit('will-frame-navigate', subframe);
    const webview = fakeEvent();
    contents.emit('will-attach-webview', webview, {}, {});
    const inPage = fakeEvent({ url: 'app://secure-access/index.html#/inbox', isSameDocument: true, isMainFrame: true });
    contents.emit('will-frame-navigate', inPage);
    expect([redirect.defaultPrevented, subframe.defaultPrevented, webview.defaultPrevented, inPage.defaultPrevented]).toEqual([true, true, true, false]);
  });

  it('denies every new window', () => {
    expect(contents.windowOpenHandler).not.toBeNull();
    for (const url of ['https://example.com', 'app://secure-access/index.html', 'about:blank']) {
      expect(contents.windowOpenHandler?.({ url, frameName: '', features: '', disposition: 'new-window' })).toEqual({ action: 'deny' });
    }
  });

  it('closes DevTools if they are opened in production', () => {
    contents.emit('devtools-opened');
    expect(contents.devToolsClosed).toBe(1);
  });
});

describe('the app:// scheme', () => {
  it('is registered as a secure standard scheme before the app is ready', () => {
    const fake = createFakeElectron();
    registerAppScheme(fake.electron.protocol);
    expect(fake.privilegedSchemes).toEqual([{ scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true }) }]);
    expect(fake.privilegedSchemes[0]?.privileges).not.toHaveProperty('bypassCSP');
  });

  it('counts only app://secure-access as our page', () => {
    expect(isTrustedRendererUrl('app://secure-access/index.html')).toBe(true);
    expect(isTrustedRendererUrl('app://secure-access/index.html#/validation/x')).toBe(true);
    for (const url of [
      'file:///opt/Secure Access/resources/app.asar/dist/renderer/index.html',
      'https://secure-access/index.html',
      'app://secure-access.evil.example/index.html',
      'app://evil/index.html',
      'app://secure-access:8443/index.html',
      'app://user@secure-access/index.html',
      'not a url',
      '',
    ]) {
      expect(isTrustedRendererUrl(url), url).toBe(false);
    }
  });

  it('serves only files inside the renderer folder', () => {
    expect(resolveRendererFile(rendererRoot, 'app://secure-access/')).toBe(join(rendererRoot, 'index.html'));
    expect(resolveRendererFile(rendererRoot, 'app://secure-access/assets/index-abc.js')).toBe(join(rendererRoot, 'assets', 'index-abc.js'));
    for (const attempt of ['%2e%2e/sa-outside-secret.txt', '..%2Fsa-outside-secret.txt', '..%5Csa-outside-secret.txt', '%2e%2e%2f%2e%2e%2fetc/passwd']) {
      const resolved = resolveRendererFile(rendererRoot, `app://secure-access/${attempt}`);
      // Either refused, or clamped inside the folder (a dot segment cannot climb above the URL's root).
      if (resolved !== null) expect(resolved.startsWith(`${rendererRoot}/`), attempt).toBe(true);
    }
    expect(resolveRendererFile(rendererRoot, 'app://secure-access/..%2Fsa-outside-secret.txt')).toBeNull();
    expect(resolveRendererFile(rendererRoot, 'app://secure-access/index.html%00.js')).toBeNull();
    expect(resolveRendererFile(rendererRoot, 'app://evil/index.html')).toBeNull();
  });

  it('answers with a strict Content-Security-Policy on every response', async () => {
    const handler = rendererProtocolHandler(rendererRoot);
    const page = await handler(new Request('app://secure-access/index.html'));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await page.text()).toContain('<title>Secure Access</title>');

    const script = await handler(new Request('app://secure-access/assets/index-abc.js'));
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const missing = await handler(new Request('app://secure-access/nothing.js'));
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    const escape = await handler(new Request('app://secure-access/%2e%2e/sa-outside-secret.txt'));
    expect(escape.status).toBe(404);
    expect(await escape.text()).not.toContain('outside');
    expect((await handler(new Request('app://secure-access/index.html', { method: 'POST', body: 'x' }))).status).toBe(404);
  });

  it('has a CSP that allows our own scripts only: no inline script, no eval, no remote source', () => {
    const directives = Object.fromEntries(CONTENT_SECURITY_POLICY.split('; ').map((directive) => {
      const [name, ...sources] = directive.split(' ');
      return [name, sources];
    }));
    expect(directives['default-src']).toEqual(["'none'"]);
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['connect-src']).toEqual(["'none'"]);
    expect(directives['frame-ancestors']).toEqual(["'none'"]);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
  });
});

describe('the window’s session', () => {
  let session: FakeSession;
  let logger: ReturnType<typeof recordingLogger>;

  beforeEach(() => {
    session = new FakeSession(UI_PARTITION);
    logger = recordingLogger();
    hardenUiSession(session as unknown as Electron.Session, { rendererRoot, isDevelopment: false, logger });
  });

  it('denies every permission request and check, and logs the requests', async () => {
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal']) {
      expect(await session.requestPermission(permission), permission).toBe(false);
    }
    expect(session.permissionCheckHandler?.(null, 'media', 'app://secure-access', {})).toBe(false);
    expect(session.devicePermissionHandler?.({})).toBe(false);
    expect(logger.lines.filter((line) => line.message === 'denied a permission request from the window')).toHaveLength(5);
  });

  it('loads no remote content: only app:// and inline images', async () => {
    expect(await session.request('app://secure-access/assets/index-abc.js')).toBe(false);
    expect(await session.request('data:image/png;base64,AAAA')).toBe(false);
    for (const url of ['https://fonts.example/font.woff2', 'http://127.0.0.1:8080/api', 'file:///etc/passwd', 'devtools://devtools/bundled/x.html']) {
      expect(await session.request(url), url).toBe(true);
    }
  });

  it('serves the renderer on app:// and turns the spell-checker (a remote download) off', async () => {
    expect([...session.protocolHandlers.keys()]).toEqual(['app']);
    const response = await session.protocolHandlers.get('app')?.(new Request('app://secure-access/index.html'));
    expect(response?.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(session.spellChecker).toBe(false);
  });
});
