/**
 * The renderer, tested as it runs in the app, minus Electron: Debian's Chromium (through playwright-core) loads the
 * BUILT renderer (dist/renderer); `window.secureAccess` is made by the same `createBridge` as preload/index.ts, over
 * a transport bound with `page.exposeBinding` to a real main/core in this process, which holds its keys in the real
 * OS key store (@napi-rs/keyring → gnome-keyring; run under scripts/with-keyring.sh) and talks HTTP to a real reference server.
 * Only the Electron IPC transport differs from production.
 *
 * Time: the server and the core read the server's TestClock; the page's clock is installed at the same time and
 * moved with it (`advance`), so countdowns, expiries and the server agree as they do on one real computer.
 */
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build as esbuild } from 'esbuild';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import {
  createAuthenticator, defaultPersistedState, describeStateProblem, invokeCore, isPersistedState,
  type AuthenticatorCore, type Clock, type Logger, type PersistedStateT,
} from '../../main/core/index';
import { createKeyVault, type StoreKeyVault } from '../../main/platform/key-vault';
import { createOsSecretStore } from '../../main/platform/os-vault';
import { keyStoreServiceName, type SecretStore } from '../../main/platform/secret-store';
import { createNodeTransport } from '../../main/platform/node-transport';
import { createConfSettingsStore } from '../../main/platform/settings-store';
import {
  BRIDGE_EVENTS, BRIDGE_METHODS, eventChannel, invokeChannel, type BridgeMethodName, type PolicyInForce,
} from '../../preload/contract';
import { startTestServer, type TestServer, type TestServerOptions } from './server';
import { screenshotDir } from './screenshots';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const RENDERER_DIST = join(ROOT, 'dist/renderer');
export const SCREENSHOT_DIR = screenshotDir();
const AXE_PATH = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
/** Served next to the page, so axe loads under the page's own CSP (script-src 'self'). */
const AXE_URL_PATH = '/__test__/axe.min.js';

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

/** The window stretched wide, as someone may on a large screen: the set of screenshots in docs/screenshots/. */
export const DESKTOP = { width: 1024, height: 720 } as const;
/** The window as it opens (main/shell/window.ts): the set of screenshots in docs/screenshots/window/. */
export const WINDOW = { width: 480, height: 720 } as const;
/** The smallest the window may be made (main/shell/window.ts's minimum size). */
export const SMALLEST_WINDOW = { width: 380, height: 520 } as const;
export const WINDOW_SCREENSHOT_DIR = join(SCREENSHOT_DIR, 'window');

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  message: string;
  fields?: Record<string, unknown>;
}

export interface RendererHarnessOptions {
  /** Reuse a server (two installations against one bank); otherwise one is started and closed with the harness. */
  server?: TestServer;
  serverOptions?: TestServerOptions;
  /** IT's managed configuration, e.g. the server address preset and locked. */
  policy?: PolicyInForce;
  defaultDeviceName?: string;
  /** The bank's server address built into the installer (npm run dist with SECURE_ACCESS_BANK_SERVER_URL). */
  bankServerUrl?: string;
  /** In place of the OS key store, e.g. one that answers like a Linux desktop without a Secret Service. */
  secretStore?: SecretStore;
}

let bridgeScript: Promise<string> | null = null;

/** preload/bridge.ts bundled for the page, exactly the code the preload runs; exposes only `createBridge`. */
function bundledBridge(): Promise<string> {
  bridgeScript ??= esbuild({
    stdin: { contents: "export { createBridge } from './preload/bridge';", resolveDir: ROOT, loader: 'ts', sourcefile: 'harness-bridge-entry.ts' },
    bundle: true,
    write: false,
    format: 'iife',
    globalName: '__secureAccessBridgeModule',
    platform: 'browser',
    target: 'chrome130',
    logLevel: 'silent',
  }).then((result) => {
    const output = result.outputFiles[0];
    if (!output) throw new Error('esbuild produced no bridge bundle');
    return output.text;
  });
  return bridgeScript;
}

/** The page's side of the transport: what preload/index.ts does with ipcRenderer, done with a Playwright binding. */
function initScript(bridge: string): string {
  return `${bridge}
(() => {
  const listeners = new Map();
  const invoke = globalThis.__secureAccessInvoke;
  delete globalThis.__secureAccessInvoke;
  const transport = {
    invoke: (channel, input) => invoke(channel, input === undefined ? null : input),
    subscribe(channel, listener) {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel).add(listener);
      return () => listeners.get(channel)?.delete(listener);
    },
  };
  // The harness's side of Electron's webContents.send: the test process calls it to deliver an event.
  Object.defineProperty(globalThis, '__secureAccessDispatch', {
    value: (channel, payload) => { for (const listener of [...(listeners.get(channel) ?? [])]) listener(payload); },
  });
  // contextBridge.exposeInMainWorld makes a read-only property; so does this.
  Object.defineProperty(globalThis, 'secureAccess', { value: __secureAccessBridgeModule.createBridge(transport), enumerable: true });
  delete globalThis.__secureAccessBridgeModule;
})();`;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json',
};

/** A tiny static server for dist/renderer (Chromium refuses ES modules from file:// outside Electron). */
async function serveRenderer(): Promise<{ url: string; close(): Promise<void> }> {
  if (!existsSync(join(RENDERER_DIST, 'index.html'))) {
    throw new Error('dist/renderer is missing: run `npm run build` (npm test builds before testing)');
  }
  const server: Server = createHttpServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    let file: string;
    if (path === AXE_URL_PATH) file = AXE_PATH;
    else {
      file = normalize(join(RENDERER_DIST, path === '/' ? 'index.html' : path));
      if (!file.startsWith(RENDERER_DIST + sep)) {
        response.writeHead(403).end();
        return;
      }
    }
    if (!existsSync(file) || !statSync(file).isFile()) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    createReadStream(file).pipe(response);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('static server has no port');
  return {
    url: `http://127.0.0.1:${address.port}/`,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

/** The method an invoke channel names, exactly as main/shell registers them; null for anything else. */
function methodOfChannel(channel: unknown): BridgeMethodName | null {
  return BRIDGE_METHODS.find((method) => invokeChannel(method) === channel) ?? null;
}

let browserPromise: Promise<Browser> | null = null;

/** One Chromium per test file (process); each harness gets its own context (its own page, storage and clock). */
function sharedBrowser(): Promise<Browser> {
  browserPromise ??= chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true });
  return browserPromise;
}

export async function closeSharedBrowser(): Promise<void> {
  const browser = await browserPromise;
  browserPromise = null;
  await browser?.close();
}

/**
 * The core's clock: the bank's TestClock, as on a computer whose clock is right. Timers run in real time; when a
 * test moves the TestClock, the server wakes every long-poll, whose answers tell the core what expired.
 */
function followingClock(testClock: TestServer['clock']): Clock {
  return {
    now: () => testClock.now(),
    setTimeout(callback, ms) {
      const timer = setTimeout(callback, ms);
      return { cancel: () => clearTimeout(timer) };
    },
  };
}

let installations = 0;

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[]; failureSummary?: string }>;
}

export class RendererHarness {
  /** Problems the page reported: uncaught errors, console errors, CSP violations. */
  readonly pageProblems: string[] = [];
  private constructor(
    /** Everything the core logged. */
    readonly logs: LogLine[],
    readonly server: TestServer,
    private readonly ownsServer: boolean,
    readonly core: AuthenticatorCore,
    readonly vault: StoreKeyVault & { service: string },
    readonly context: BrowserContext,
    readonly page: Page,
    private readonly staticServer: { url: string; close(): Promise<void> },
    private readonly dataDir: string,
    private readonly unsubscribes: Array<() => void>,
  ) {}

  static async start(options: RendererHarnessOptions = {}): Promise<RendererHarness> {
    const server = options.server ?? (await startTestServer({ startAt: Date.now(), ...options.serverOptions }));
    installations += 1;
    const logs: LogLine[] = [];
    const logger: Logger = {
      info: (message, fields) => logs.push({ level: 'info', message, fields }),
      warn: (message, fields) => logs.push({ level: 'warn', message, fields }),
      error: (message, fields) => logs.push({ level: 'error', message, fields }),
    };
    const dataDir = mkdtempSync(join(tmpdir(), 'sa-renderer-'));
    const store = createConfSettingsStore<PersistedStateT>({
      directory: dataDir, validate: isPersistedState, describeProblem: describeStateProblem, defaults: defaultPersistedState, logger,
    });
    // Each installation has its own keychain service, so parallel test files never see each other's keys.
    const suffix = `renderer e2e ${process.pid}-${installations}`;
    const secrets = options.secretStore ?? createOsSecretStore({ platform: 'linux', suffix, env: {}, home: '/nonexistent' });
    const vault = Object.assign(createKeyVault({ store: secrets, logger }), { service: keyStoreServiceName(suffix) });
    const clock = followingClock(server.clock);
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    const core = createAuthenticator({
      vault, store, transport: createNodeTransport(), clock, logger, policy: options.policy, allowLoopbackHttp: true,
      appInfo: { version, platform: 'linux', defaultDeviceName: options.defaultDeviceName ?? 'cdurand – PC-COMPTA-04', bankServerUrl: options.bankServerUrl ?? null },
    });
    await core.start();

    const staticServer = await serveRenderer();
    const browser = await sharedBrowser();
    const context = await browser.newContext({ viewport: WINDOW, locale: 'fr-FR', timezoneId: 'Europe/Paris', colorScheme: 'light', reducedMotion: 'reduce' });
    const page = await context.newPage();
    // Well inside vitest's 30 s, so a screen that never comes fails with Playwright's own, precise message.
    page.setDefaultTimeout(10_000);
    await page.clock.install({ time: server.clock.now() });

    await page.exposeBinding('__secureAccessInvoke', async ({ frame }, channel: unknown, input: unknown) => {
      // As main/shell does with the sender frame: only our own page may call.
      if (frame !== page.mainFrame() || !frame.url().startsWith(staticServer.url)) {
        return { ok: false, error: { code: 'forbidden', message: 'Not our page.' } };
      }
      const method = methodOfChannel(channel);
      if (!method) return { ok: false, error: { code: 'invalid_input', message: 'Unknown channel.' } };
      return invokeCore(core, method, input, logger);
    });
    await page.addInitScript({ content: initScript(await bundledBridge()) });

    const harness = new RendererHarness(logs, server, !options.server, core, vault, context, page, staticServer, dataDir, []);

    for (const event of BRIDGE_EVENTS) {
      harness.unsubscribes.push(core.on(event, (payload: unknown) => {
        if (page.isClosed()) return;
        page.evaluate(([channel, body]) => {
          (globalThis as unknown as { __secureAccessDispatch?: (channel: string, payload: unknown) => void }).__secureAccessDispatch?.(channel, body);
        }, [eventChannel(event), payload] as const).catch(() => {
          // A page that is navigating or closing misses the event, as a closed window does; the snapshot catches up.
        });
      }));
    }
    page.on('pageerror', (error) => harness.pageProblems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') harness.pageProblems.push(`console error: ${message.text()}`);
    });
    return harness;
  }

  /** Opens the app's window (loads the built renderer) and waits until it has drawn its first screen. */
  async open(): Promise<Page> {
    await this.page.goto(this.staticServer.url);
    await this.page.locator('main h1').first().waitFor();
    return this.page;
  }

  /** Time passes for the bank, the core and the page alike. */
  async advance(ms: number): Promise<void> {
    this.server.clock.advance(ms);
    await this.page.clock.fastForward(ms);
  }

  /** Accessibility check of what is on screen: no serious or critical axe violation. */
  async axeViolations(): Promise<AxeViolation[]> {
    const hasAxe = await this.page.evaluate(() => 'axe' in globalThis);
    if (!hasAxe) await this.page.addScriptTag({ url: AXE_URL_PATH });
    const violations = await this.page.evaluate(async () => {
      const axe = (globalThis as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: AxeViolation[] }> } }).axe;
      const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] }, resultTypes: ['violations'] });
      return result.violations.map(({ id, impact, help, nodes }) => ({
        id, impact: impact ?? null, help, nodes: nodes.map((node) => ({ target: node.target.map(String), failureSummary: node.failureSummary })),
      }));
    });
    return violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
  }

  /** Content wider than the window (a layout that breaks): the offending elements, or an empty list. */
  async horizontalOverflow(): Promise<string[]> {
    return this.page.evaluate(() => {
      const width = document.documentElement.clientWidth;
      const offenders: string[] = [];
      if (document.documentElement.scrollWidth > width + 1) offenders.push(`page is ${document.documentElement.scrollWidth}px wide in ${width}px`);
      for (const element of document.querySelectorAll('main *, header *')) {
        const box = element.getBoundingClientRect();
        if (box.width > 0 && box.right > width + 1) {
          offenders.push(`${element.tagName.toLowerCase()}.${element.className} ends at ${Math.round(box.right)}px`);
          if (offenders.length > 5) break;
        }
      }
      return offenders;
    });
  }

  /**
   * The checks every screen gets: axe (no serious/critical violation) and no horizontal overflow, at the smallest
   * window, at the window's real size and stretched wide; then, when named, two screenshots: the window as it opens
   * (480 × 720, what a person sees without scrolling) in window/, and the whole screen stretched wide beside it
   * (docs/screenshots/ with `npm run screenshots`, test-results/screenshots/ otherwise: see screenshots.ts).
   * Returns what is wrong, so a test states `expect(await harness.checkScreen(...)).toEqual([])`.
   * The viewport is left at the window's real size.
   */
  async checkScreen(name: string | null, options: { fullPage?: boolean } = {}): Promise<string[]> {
    const problems: string[] = [];
    for (const size of [SMALLEST_WINDOW, DESKTOP, WINDOW]) {
      await this.page.setViewportSize(size);
      for (const violation of await this.axeViolations()) {
        problems.push(`${size.width}×${size.height} axe ${violation.impact} ${violation.id}: ${violation.help} @ ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
      }
      for (const overflow of await this.horizontalOverflow()) problems.push(`${size.width}×${size.height} overflow: ${overflow}`);
      if (name && size === DESKTOP) await this.screenshot(name, { fullPage: options.fullPage ?? true });
    }
    if (name) await this.screenshot(name, { fullPage: false, directory: WINDOW_SCREENSHOT_DIR });
    problems.push(...this.pageProblems.splice(0));
    return problems;
  }

  /** Whether an element is inside the viewport now, e.g. a decision button at the window's real size. */
  async inView(selector: string): Promise<boolean> {
    return this.page.locator(selector).first().evaluate((element) => {
      const box = element.getBoundingClientRect();
      return box.top >= 0 && box.bottom <= window.innerHeight && box.height > 0;
    });
  }

  async screenshot(name: string, { fullPage = true, directory = SCREENSHOT_DIR } = {}): Promise<string> {
    mkdirSync(directory, { recursive: true });
    const path = join(directory, `${name}.png`);
    // A full-page picture starts at the top, or the sticky header would be drawn halfway down.
    if (fullPage) await this.page.evaluate(() => window.scrollTo(0, 0));
    const viewport = this.page.viewportSize();
    // The whole screen in one window as tall as it: the sticky decision bar is then drawn where it ends, at the bottom.
    const height = fullPage ? await this.page.evaluate(() => document.documentElement.scrollHeight) : 0;
    if (viewport && height > viewport.height) await this.page.setViewportSize({ width: viewport.width, height });
    // No blinking caret or running spinner in the pictures.
    await this.page.screenshot({ path, animations: 'disabled', caret: 'hide' });
    if (viewport && height > viewport.height) await this.page.setViewportSize(viewport);
    return path;
  }

  /**
   * After a failed test: what the screen showed, its text and the core's last log lines, in test-results/renderer/
   * (ignored by git), so a failure on CI can be understood without running it again.
   */
  async saveFailureArtifacts(testName: string): Promise<string> {
    const dir = join(ROOT, 'test-results/renderer');
    mkdirSync(dir, { recursive: true });
    const base = join(dir, testName.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 80));
    if (!this.page.isClosed()) {
      await this.page.screenshot({ path: `${base}.png`, fullPage: true }).catch(() => undefined);
      const text = await this.page.locator('body').innerText().catch((error: unknown) => String(error));
      writeFileSync(`${base}.txt`, `${text}\n\n--- page problems\n${this.pageProblems.join('\n')}\n\n--- core log\n${this.logs.slice(-40).map((line) => JSON.stringify(line)).join('\n')}\n`);
    }
    return base;
  }

  /** Account ids that have a key in this installation's keychain service. */
  async keysInKeychain(): Promise<string[]> {
    return this.vault.list();
  }

  async close(): Promise<void> {
    for (const unsubscribe of this.unsubscribes) unsubscribe();
    await this.context.close().catch(() => undefined);
    await this.core.stop();
    // Leave no key behind in the (throwaway) keyring.
    for (const id of await this.vault.list().catch(() => [] as string[])) await this.vault.remove(id).catch(() => false);
    await this.staticServer.close();
    if (this.ownsServer) await this.server.close();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

export function startRendererHarness(options: RendererHarnessOptions = {}): Promise<RendererHarness> {
  return RendererHarness.start(options);
}

