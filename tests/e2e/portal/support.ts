/**
 * The Espace Client as a person uses it: Debian's Chromium (playwright-core) on the portal BUILT into
 * server/portal/dist and served by the real reference server, under the server's own CSP. The desktop
 * app's side is a TestDevice (tests/harness/http-client.ts): an Ed25519 key in memory signing requests
 * with protocol/signing.ts and protocol/canonical.ts, exactly what the app's core does.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import type { ValidationForDeviceT } from '../../../protocol/schemas';
import type { TestDevice } from '../../harness/http-client';
import { screenshotDir } from '../../harness/screenshots';
import type { TestServer } from '../../harness/server';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const SCREENSHOT_DIR = screenshotDir('portal');
const PORTAL_INDEX = join(ROOT, 'server/portal/dist/index.html');
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
/** Served from the portal's own origin by request interception, so axe loads under the strict CSP. */
const AXE_PATH = '/__test__/axe.min.js';

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];
export const DESKTOP = { width: 1280, height: 800 } as const;
export const NARROW = { width: 390, height: 844 } as const;
/** Generous: Chromium, the server and scrypt share two cores with other suites. */
export const STORY_TIMEOUT_MS = 180_000;

export function assertPortalBuilt(): void {
  if (!existsSync(PORTAL_INDEX)) throw new Error('The portal is not built: run `node scripts/build.mjs` first (npm test does).');
}

export async function launchChromium(): Promise<Browser> {
  assertPortalBuilt();
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

export interface PortalPage {
  context: BrowserContext;
  page: Page;
  /** Content-Security-Policy violations and uncaught errors seen by the page: must stay empty. */
  problems: string[];
}

export async function openPortal(
  browser: Browser,
  server: TestServer,
  options: { viewport?: { width: number; height: number }; path?: string; fakeClock?: boolean } = {},
): Promise<PortalPage> {
  const context = await browser.newContext({ viewport: options.viewport ?? DESKTOP, locale: 'fr-FR', timezoneId: 'Europe/Paris', baseURL: server.baseUrl });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.baseUrl });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) problems.push(`CSP: ${message.text()}`);
  });
  await page.route(`**${AXE_PATH}`, (route) => route.fulfill({ status: 200, contentType: 'application/javascript', body: AXE_SOURCE }));
  // The browser's own clock, for inactivity: installed before the portal's scripts start their timers.
  if (options.fakeClock) await page.clock.install();
  await page.goto(options.path ?? '/');
  return { context, page, problems };
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

/** axe-core on the page as it is now: no serious or critical violation is allowed. */
export async function axeViolations(page: Page): Promise<string[]> {
  const loaded = await page.evaluate(() => 'axe' in window);
  if (!loaded) await page.addScriptTag({ url: AXE_PATH });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations;
  });
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id} (${violation.impact}): ${violation.help} — ${violation.nodes.map((node) => JSON.stringify(node.target)).join(', ')}`);
}

/** Nothing may stick out sideways: at 390 px a banking page must not scroll horizontally. */
export async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

/**
 * What every page of the suite goes through: axe (serious/critical), no horizontal overflow, no CSP violation
 * or page error so far, and a full-page screenshot in screenshotDir('portal') (French unless stated).
 */
export async function checkPage(portal: PortalPage, name: string, options: { modal?: boolean } = {}): Promise<void> {
  const { page } = portal;
  // No hover effect left where the last click happened.
  await page.mouse.move(2, 2);
  await page.evaluate(() => document.fonts.ready);
  const violations = await axeViolations(page);
  if (violations.length) throw new Error(`axe on ${name}:\n${violations.join('\n')}`);
  const overflow = await horizontalOverflow(page);
  if (overflow > 0) throw new Error(`${name} overflows horizontally by ${overflow}px`);
  if (portal.problems.length) throw new Error(`${name}: ${portal.problems.join('\n')}`);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  if (options.modal) {
    // A modal dialog covers the viewport: the picture is the viewport, from the top of the page.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), animations: 'disabled', caret: 'hide' });
  } else {
    await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true, animations: 'disabled', caret: 'hide' });
  }
}

export async function textOf(locator: Locator): Promise<string> {
  await locator.first().waitFor();
  // innerText: the text as laid out (a paragraph break is a break), not glued-together text nodes.
  return (await locator.first().innerText()).replace(/\s+/g, ' ').trim();
}

// ------------------------------------------------------------------ the desktop app's side (a TestDevice)

/** Names the device and registers its key (the app's first screens), for an account whose secret code is final. */
export async function enrolDevice(server: TestServer, identifier: string, secretCode: string, deviceName: string) {
  const device = server.device();
  const { enrolment } = await device.call('createEnrolment', {
    body: { identifier, secretCode, deviceName, publicKey: device.publicKey, platform: 'linux', appVersion: 'portal-e2e' },
  });
  return { device, enrolment };
}

/** The primary administrator's first device: SMS code to the Security Phone, read from the outbox, typed in the app. */
export async function activateFirstDeviceBySms(server: TestServer, identifier: string, secretCode: string, securityPhone: string, deviceName = 'PC Trésorerie') {
  const { device, enrolment } = await enrolDevice(server, identifier, secretCode, deviceName);
  await device.call('requestActivationCode', { params: { id: enrolment.id }, body: { channel: 'sms' } }, enrolment.id);
  const code = await server.latestCode('activation_code', securityPhone);
  const activated = await device.call('activate', { params: { id: enrolment.id }, body: { code } }, enrolment.id);
  device.keyId = activated.device.id;
  await device.registerApprovalKey();
  return device;
}

/** Activates an enrolment with a code the person read somewhere (the Activation page), then the approval code is chosen. */
export async function activateWithCode(device: TestDevice, enrolmentId: string, code: string): Promise<void> {
  const activated = await device.call('activate', { params: { id: enrolmentId }, body: { code: code.replace(/\s+/g, '') } }, enrolmentId);
  device.keyId = activated.device.id;
  await device.registerApprovalKey();
}

/** Waits (long-poll) until the device's inbox holds a validation matching `wanted`. */
export async function pendingOnDevice(device: TestDevice, wanted: (validation: ValidationForDeviceT) => boolean): Promise<ValidationForDeviceT> {
  let cursor: string | undefined;
  for (let round = 0; round < 20; round += 1) {
    const answer = await device.call('pendingValidations', { query: { waitSeconds: 5, ...(cursor ? { cursor } : {}) } });
    const found = answer.validations.find(wanted);
    if (found) return found;
    cursor = answer.cursor;
  }
  throw new Error('the validation never reached the device');
}

/** The person decides in the app; for a login they pick the number the portal shows. */
export async function decideOnDevice(device: TestDevice, validation: ValidationForDeviceT, decision: 'approve' | 'reject', numberChoice: number | null = null) {
  return device.call('decide', { params: { id: validation.id }, body: device.decisionBody(validation, decision, numberChoice) });
}

/** Login form, then "Validez sur Secure Access": the device approves with the number read on the page. */
export async function signInWithSecureAccess(page: Page, device: TestDevice, identifier: string, secretCode: string): Promise<void> {
  await fillLogin(page, identifier, secretCode);
  const number = Number(await textOf(page.getByTestId('match-number')));
  const validation = await pendingOnDevice(device, (candidate) => candidate.kind === 'login');
  await decideOnDevice(device, validation, 'approve', number);
  await page.getByRole('heading', { level: 1, name: /^Bonjour/ }).waitFor();
}

/**
 * A session that waited at the installation step, once a device is active: the portal asks Secure Access at once and
 * shows the number; the person approves it on that device, and the portal opens.
 */
export async function approveOnActivatedDevice(page: Page, device: TestDevice, welcome: string): Promise<void> {
  await page.getByRole('heading', { level: 1, name: 'Validez sur Secure Access' }).waitFor();
  const number = Number(await textOf(page.getByTestId('match-number')));
  const validation = await pendingOnDevice(device, (candidate) => candidate.kind === 'login' && (candidate.numberChoices ?? []).includes(number));
  await decideOnDevice(device, validation, 'approve', number);
  await page.getByRole('heading', { level: 1, name: welcome }).waitFor();
}

export async function fillLogin(page: Page, identifier: string, secretCode: string): Promise<void> {
  await page.getByLabel('Identifiant').fill(identifier);
  await page.getByLabel('Code Secret', { exact: true }).fill(secretCode);
  await page.getByRole('button', { name: 'Se connecter' }).click();
}

/**
 * A primary administrator ready to use the portal: company created, first connection done (over HTTP),
 * first device activated by SMS, then signed in in the browser through Secure Access.
 */
export async function signedInPrimaryAdmin(server: TestServer, page: Page) {
  const admin = await server.readyPrimaryAdmin();
  const device = await activateFirstDeviceBySms(server, admin.identifier, admin.secretCode, admin.securityPhone ?? '');
  await signInWithSecureAccess(page, device, admin.identifier, admin.secretCode);
  return { ...admin, device };
}
