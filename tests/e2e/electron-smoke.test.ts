/**
 * The real desktop app in a real Electron, against the real reference server and the OS keychain: where an
 * Electron binary and a display exist. Elsewhere (as on the build machines, where no binary can be downloaded)
 * the suite is reported as skipped, with the reason in its title.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BRIDGE_EVENTS, BRIDGE_METHODS, type SecureAccessBridge } from '../../preload/contract';
import { startTestServer, type TestServer } from '../harness/server';
// @ts-expect-error -- a plain .mjs script without type declarations
import { electronBinary } from '../../scripts/start.mjs';

const root = resolve(import.meta.dirname, '../..');
const found = (electronBinary as (root: string) => { binary?: string; reason?: string })(root);
const built = existsSync(join(root, 'dist/main/index.js')) && existsSync(join(root, 'dist/renderer/index.html'));
const skipReason = !found.binary ? found.reason : !built ? 'the app is not built (run npm run build)' : null;

declare global {
  interface Window {
    readonly secureAccess: SecureAccessBridge;
  }
}

describe.skipIf(skipReason !== null)(`the desktop app in Electron${skipReason ? ` — skipped: ${skipReason}` : ''}`, () => {
  let server: TestServer;
  let app: ElectronApplication;
  let page: Page;
  let userData: string;

  beforeAll(async () => {
    server = await startTestServer({ startAt: Date.now() });
    userData = mkdtempSync(join(tmpdir(), 'sa-electron-smoke-'));
    app = await _electron.launch({
      executablePath: found.binary,
      args: [root],
      cwd: root,
      env: { ...process.env, SECURE_ACCESS_SERVER_URL: server.baseUrl, SECURE_ACCESS_USER_DATA_DIR: userData },
      timeout: 60_000,
    });
    page = await app.firstWindow();
    await page.waitForLoadState('domcontentloaded');
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await server?.close();
    if (userData) rmSync(userData, { recursive: true, force: true });
  });

  it('loads our page from app:// in a sandboxed, context-isolated window', async () => {
    expect(page.url()).toBe('app://secure-access/index.html');
    // No Node in the page's world: no require, process, module or Buffer (sandbox, context isolation, no nodeIntegration).
    const globals = await page.evaluate(() => ['require', 'process', 'module', 'Buffer', 'global'].map((name) => typeof (window as unknown as Record<string, unknown>)[name]));
    expect(globals).toEqual(['undefined', 'undefined', 'undefined', 'undefined', 'undefined']);
    expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().map((window) => window.webContents.getURL()))).toEqual(['app://secure-access/index.html']);
  });

  it('exposes window.secureAccess with the contract’s methods and events, and nothing else of Electron', async () => {
    const keys = await page.evaluate(() => Object.keys(window.secureAccess).sort());
    expect(keys).toEqual([...BRIDGE_METHODS, ...BRIDGE_EVENTS].sort());
    expect(await page.evaluate(() => 'ipcRenderer' in window || 'electron' in window)).toBe(false);
  });

  it('hands the page errors with their stable code, across the isolated worlds', async () => {
    const failure = await page.evaluate((serverUrl) => window.secureAccess
      .startActivation({ serverUrl, identifier: 'nobody.here', secretCode: 'not-the-code-1' })
      .then(() => null, (error: { name?: string; code?: string }) => ({ name: error.name, code: error.code, isError: error instanceof Error })), server.baseUrl);
    expect(failure).toEqual({ name: 'BridgeError', code: 'invalid_credentials', isError: true });
  });

  it('enforces its Content-Security-Policy: no eval, no inline script', async () => {
    expect(await page.evaluate(() => { try { return eval('"eval ran"') as string; } catch { return 'blocked'; } })).toBe('blocked');
    expect(await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.__inline = true';
      document.body.append(script);
      return (window as unknown as { __inline?: boolean }).__inline === true;
    })).toBe(false);
  });

  it('opens no new window and does not navigate away', async () => {
    expect(await page.evaluate(() => window.open('https://example.com') === null)).toBe(true);
    await page.evaluate(() => { window.location.href = 'https://example.com/'; }).catch(() => undefined);
    // The shell logs each navigation it denies: once that line is written, the navigation has been decided.
    const log = join(userData, 'logs', 'main.log');
    await vi.waitFor(() => expect(existsSync(log) ? readFileSync(log, 'utf8') : '').toContain('denied a navigation away from the app'), { timeout: 10_000 });
    expect(page.url()).toBe('app://secure-access/index.html');
    expect(app.windows()).toHaveLength(1);
  });

  it('offers the server npm start points it at, and activates a first device by SMS through the keychain', async () => {
    const snapshot = await page.evaluate(() => window.secureAccess.getSnapshot());
    expect(snapshot.settings.defaultServerUrl).toBe(server.baseUrl);
    const admin = await server.readyPrimaryAdmin();
    const started = await page.evaluate((input) => window.secureAccess.startActivation(input), { serverUrl: server.baseUrl, identifier: admin.identifier, secretCode: admin.secretCode });
    await page.evaluate((accountId) => window.secureAccess.nameDevice({ accountId, deviceName: 'Poste de test Electron' }), started.id);
    await page.evaluate((accountId) => window.secureAccess.requestActivationCode({ accountId, channel: 'sms' }), started.id);
    const code = await server.latestCode('activation_code', admin.securityPhone ?? undefined);
    const active = await page.evaluate((input) => window.secureAccess.submitActivationCode(input), { accountId: started.id, code });
    expect(active.status).toBe('active');
  });
});
