/**
 * What the installation guide's story needs beyond the portal's and the renderer's own helpers: a bank clock that
 * runs like a real one, time moved for every window at once, the person's moves across the Espace Client and
 * Secure Access (reading a code in another tab, approving in the app what the portal asks), and pictures of both
 * windows side by side.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ROUTES, SecureAccessError, routePath, signedRequestHeaders, type ErrorCode } from '../../../protocol/index';
import { parseAnswer, type CallOutput } from '../../harness/http-client';
import type { RendererHarness } from '../../harness/renderer-harness';
import { captureLog } from '../../harness/log-capture';
import { screenshotDir } from '../../harness/screenshots';
import { TestClock, startTestServer, type TestServer } from '../../harness/server';
import { fillLogin, textOf, type PortalPage } from '../portal/support';
import { APPROVAL_CODE, confirmWithApprovalCode, heading } from '../renderer/steps';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const STORY_SCREENSHOTS = screenshotDir('story');
const FAILURE_DIR = join(ROOT, 'test-results/story');

/**
 * The bank's clock, running with real time from now on; `advance` still jumps it forward (24 h, 5 min).
 *
 * Why not the harness's frozen TestClock: the app windows' clocks (Playwright's installed page clock) run in real
 * time from the moment each installation starts. The story keeps its first installation open for minutes; against a
 * frozen bank clock that window would run ahead of the bank by as long, and at some point show a 2-minute login
 * request as already expired. A running bank clock keeps every window, the cores and the server on one time, as on
 * real computers whose clocks are right.
 */
export class RunningClock extends TestClock {
  private readonly realStart = performance.now();

  constructor(start = Date.now()) {
    super(start);
    const jumpedTime = this.now;
    this.now = () => jumpedTime() + Math.floor(performance.now() - this.realStart);
  }
}

/**
 * One bank for the whole story, on SQLite, in demo mode (the development outbox).
 *
 * `sessionIdleSeconds: 1800`: the third transfer of step 7 expires after 5 minutes of the bank's time while the
 * administrator keeps the portal open on it. With the default 5-minute idle limit the server would end that portal
 * session at the same jump, and the page would show the login form instead of "Délai de validation dépassé". The
 * inactivity rule itself has its own suite (tests/e2e/portal/session.test.ts).
 */
export function startStoryServer(): Promise<TestServer> {
  return startTestServer({ clock: new RunningClock(), limits: { sessionIdleSeconds: 30 * 60 }, logger: storyLog.logger });
}

/** The bank's whole log of the story, at its most detailed level: read at the end for any secret that reached it. */
export const storyLog = captureLog('debug');

/** Time passes for the bank and every open app window alike (the portal follows the bank's Date header). */
export async function advanceTime(server: TestServer, apps: RendererHarness[], ms: number): Promise<void> {
  server.clock.advance(ms);
  await Promise.all(apps.map((app) => app.page.clock.fastForward(ms)));
}

// ------------------------------------------------------------------ the Espace Client

/** The portal's development outbox, opened in another tab as a person trying the demo does: the newest code sent. */
export async function readCodeInOutbox(context: BrowserContext, purpose: 'security_code' | 'activation_code'): Promise<string> {
  const tab = await context.newPage();
  try {
    await tab.goto('/dev/outbox');
    await tab.getByRole('heading', { level: 1, name: 'Boîte d’envoi' }).waitFor();
    const sms = await textOf(tab.locator(`tr[data-purpose="${purpose}"] .outbox-text`));
    const code = /([0-9](?: ?[0-9]){7})/.exec(sms)?.[1]?.replace(/ /g, '');
    if (!code) throw new Error(`no code in the outbox message "${sms}"`);
    return code;
  } finally {
    await tab.close();
  }
}

/** An amount as the portal writes it in French ("1 845 230,17 €"), in cents. */
export function centsOf(text: string): number {
  const match = /(-?[\d\s\u00a0\u202f]+),(\d\d)/.exec(text);
  if (!match?.[1] || !match[2]) throw new Error(`no amount in "${text}"`);
  return Number(match[1].replace(/[\s\u00a0\u202f]/g, '')) * 100 + Number(match[2]);
}

/** Opens a page of the portal's main navigation (Administration pages included) and waits for its title. */
export async function openPortalPage(page: Page, link: string, title: string | RegExp = link): Promise<void> {
  await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: link, exact: true }).click();
  await page.getByRole('heading', { level: 1, name: title }).waitFor();
}

/** Administration › Gestion de la sécurité › Activation, read afresh (it would otherwise refresh every 10 s). */
export async function openActivationPage(page: Page): Promise<void> {
  await openPortalPage(page, 'Accueil', /^Bonjour/);
  await openPortalPage(page, 'Activation');
}

/** A transfer typed in the portal's form, sent for validation: the page then waits on Secure Access. */
export async function enterTransfer(
  page: Page,
  input: { amount: string; payee: string; iban: string; reference: string; keepMismatchedName?: boolean },
): Promise<void> {
  // On the result of the previous one, the page offers the next; elsewhere, the main navigation does.
  const another = page.getByRole('button', { name: 'Saisir un autre virement' });
  if (await another.isVisible()) await another.click();
  else await openPortalPage(page, 'Nouveau virement');
  await page.getByLabel('Montant').fill(input.amount);
  await page.getByLabel('Devise').selectOption('EUR');
  await page.getByLabel('Nom du bénéficiaire').fill(input.payee);
  await page.getByLabel('IBAN du bénéficiaire').fill(input.iban);
  await page.getByLabel('Référence').fill(input.reference);
  // The payee's bank answers first (Verification of Payee): a name that is not the holder's must be kept knowingly.
  await page.locator('.hint-valid, .alert').filter({ hasText: /Nom confirmé|Nom proche|Nom non vérifié|n’est pas celui du titulaire/ }).first().waitFor();
  const keep = page.getByLabel('J’ai vérifié l’IBAN et je maintiens ce bénéficiaire');
  if (input.keepMismatchedName) await keep.check();
  else if (await keep.count()) throw new Error(`the payee's bank says "${input.payee}" is not the holder of ${input.iban}`);
  await page.getByRole('button', { name: 'Envoyer pour validation' }).click();
  await page.getByRole('heading', { level: 2, name: 'En attente de validation sur Secure Access' }).waitFor();
}

/** A status the portal announces in a live region (it may be visually hidden). */
export async function portalStatus(page: Page, text: string | RegExp): Promise<void> {
  await page.getByRole('status').filter({ hasText: text }).waitFor({ state: 'attached' });
}

// ------------------------------------------------------------------ Secure Access (the app)

/** A request in the inbox; on a shared computer, `person` names whose group it is under. */
export function inboxItem(page: Page, text: string | RegExp, person?: string) {
  const list = page.getByRole('list', { name: person ? `Demandes à valider de ${person}` : /^Demandes à valider/ });
  return list.getByRole('button').filter({ hasText: text });
}

export async function showInbox(app: RendererHarness): Promise<void> {
  await app.page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('button', { name: /^Validations/ }).click();
  await heading(app.page, 'Validations en attente');
}

/** In the app: the login request, the number the portal shows picked among three, then confirmed with the approval code. */
export async function approveLoginInApp(app: RendererHarness, shownNumber: number, person?: string, approvalCode = APPROVAL_CODE): Promise<void> {
  const { page } = app;
  await inboxItem(page, 'Connexion', person).click();
  await heading(page, 'Demande de connexion');
  await page.getByRole('group', { name: 'Sélectionnez le nombre affiché dans votre Espace Client' }).getByRole('radio', { name: String(shownNumber), exact: true }).check();
  await page.getByRole('button', { name: 'Valider la connexion' }).click();
  await page.getByText(new RegExp(`^Vous allez valider(, au nom de .*,)? la connexion à l’Espace Client avec le nombre ${shownNumber}\\.$`)).waitFor();
  await confirmWithApprovalCode(page, approvalCode);
  await heading(page, 'Connexion validée');
  await backToInbox(app);
}

/** In the app: a transfer opened from the inbox (under the named person, when several share the computer). */
export async function openTransferInApp(app: RendererHarness, payee: string, person?: string): Promise<void> {
  await inboxItem(app.page, payee, person).click();
  await heading(app.page, 'Virement à valider');
}

/** In the app: the open transfer approved (with the approval code) or rejected, after the confirmation; the result screen stays. */
export async function decideOpenTransfer(app: RendererHarness, payee: string, decision: 'approve' | 'reject', approvalCode = APPROVAL_CODE): Promise<void> {
  const { page } = app;
  if (decision === 'approve') {
    await page.getByRole('button', { name: 'Valider le virement' }).click();
    await page.getByText(new RegExp(`^Vous allez valider(, au nom de .*,)? un virement de .* à ${payee}, débité du compte `)).waitFor();
    await confirmWithApprovalCode(page, approvalCode);
    await heading(page, 'Virement validé');
  } else {
    await page.getByRole('button', { name: 'Refuser' }).click();
    await page.getByRole('button', { name: 'Oui, refuser' }).click();
    await heading(page, 'Demande refusée');
  }
}

export async function backToInbox(app: RendererHarness): Promise<void> {
  await app.page.getByRole('button', { name: 'Retour aux validations' }).click();
  await heading(app.page, 'Validations en attente');
}

/** In the app: a transfer from the inbox, read, decided, and back to the inbox. */
export async function decideTransferInApp(app: RendererHarness, payee: string, decision: 'approve' | 'reject', person?: string, approvalCode = APPROVAL_CODE): Promise<void> {
  await openTransferInApp(app, payee, person);
  await decideOpenTransfer(app, payee, decision, approvalCode);
  await backToInbox(app);
}

/**
 * A later login to the Espace Client, as every login is once a device is active: identifier and Secret Code, the
 * number shown, the request approved with that number in the app, the portal opens by itself.
 */
export async function signInWithSecureAccess(
  portal: PortalPage, app: RendererHarness, user: { identifier: string; secretCode: string; displayName: string; approvalCode?: string },
): Promise<number> {
  const { page } = portal;
  await fillLogin(page, user.identifier, user.secretCode);
  await page.getByRole('heading', { level: 1, name: 'Validez sur Secure Access' }).waitFor();
  const shown = Number(await textOf(page.getByTestId('match-number')));
  // Under the person's name when several share the app's computer.
  const shared = (await app.core.handlers.getSnapshot(undefined)).accounts.filter((account) => account.status === 'active');
  const mine = shared.find((account) => account.identifier === user.identifier);
  await approveLoginInApp(app, shown, shared.length > 1 && mine ? `${mine.displayName} · ${mine.companyName}` : undefined, user.approvalCode);
  await page.getByRole('heading', { level: 1, name: `Bonjour ${user.displayName}` }).waitFor();
  return shown;
}

/** The app's account id for a person on this installation (its keychain entry's name). */
export async function accountIdOf(app: RendererHarness, identifier: string): Promise<string> {
  const { accounts } = await app.core.handlers.getSnapshot(undefined);
  const account = accounts.find((candidate) => candidate.identifier === identifier);
  if (!account) throw new Error(`no account for ${identifier} on this installation`);
  return account.id;
}

/**
 * The app sends an activation code again for its own, already activated enrolment, signed with the key in its
 * keychain as the core signs (what a retry after a lost answer does): the server's answer, or its error code.
 */
export async function replayActivation(app: RendererHarness, accountId: string, enrolmentId: string, code: string): Promise<CallOutput<'activate'> | ErrorCode> {
  const path = routePath('activate', { id: enrolmentId });
  const body = JSON.stringify({ code });
  const headers = await signedRequestHeaders(
    { keyId: enrolmentId, method: ROUTES.activate.method, path, body, timestamp: app.server.clock.now() },
    (message) => app.vault.sign(accountId, message),
  );
  const response = await fetch(app.server.baseUrl + path, { method: ROUTES.activate.method, headers: { ...headers, 'content-type': 'application/json' }, body });
  try {
    return (await parseAnswer(response)) as CallOutput<'activate'>;
  } catch (error) {
    if (error instanceof SecureAccessError) return error.code;
    throw error;
  }
}

// ------------------------------------------------------------------ pictures

export interface Pane {
  title: string;
  page: Page;
  /** Drawn at another window size, e.g. the tray's approval popover; the page's own size comes back afterwards. */
  viewport?: { width: number; height: number };
}

function pngSize(png: Buffer): { width: number; height: number } {
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

const PANE_SCALE = 0.75;

/**
 * One picture of a moment of the story: every window named (the Espace Client, one or two installations of Secure
 * Access), side by side, drawn by the same Chromium into screenshotDir('story')/<name>.png.
 */
export async function storyShot(browser: Browser, name: string, panes: Pane[]): Promise<string> {
  const shots: Array<{ title: string; data: string; width: number; height: number }> = [];
  for (const { title, page, viewport } of panes) {
    const ownSize = page.viewportSize();
    if (viewport) await page.setViewportSize(viewport);
    // No hover effect left where the last click happened, no blinking caret or running spinner.
    await page.mouse.move(1, 1);
    await page.evaluate(() => window.scrollTo(0, 0));
    // A pane with its own viewport is the window as it opens; any other is the whole page, in a window as tall as
    // the page (so that the app's sticky decision bar is drawn where the page ends, not halfway down).
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    if (!viewport && ownSize && height > ownSize.height) await page.setViewportSize({ width: ownSize.width, height });
    const png = await page.screenshot({ fullPage: !viewport, animations: 'disabled', caret: 'hide' });
    if (ownSize) await page.setViewportSize(ownSize);
    const size = pngSize(png);
    // Full windows are drawn smaller to fit side by side; a small popover stays at its own size.
    const scale = viewport ? 1 : PANE_SCALE;
    shots.push({ title, data: png.toString('base64'), width: Math.round(size.width * scale), height: Math.round(size.height * scale) });
  }
  const gap = 24;
  const width = shots.reduce((total, shot) => total + shot.width, 0) + gap * (shots.length + 1);
  const html = `<!doctype html><html lang="fr"><head><meta charset="utf-8"><style>
    body { margin: 0; padding: ${gap}px; background: #e7e9ee; font: 600 16px system-ui, sans-serif; color: #1d2433; }
    .row { display: flex; gap: ${gap}px; align-items: flex-start; }
    figure { margin: 0; }
    figcaption { margin: 0 0 8px; }
    img { display: block; border: 1px solid #b9bfcc; border-radius: 6px; box-shadow: 0 2px 8px rgba(0,0,0,.12); }
  </style></head><body><div class="row">${shots.map((shot) => `<figure><figcaption>${shot.title}</figcaption>
    <img src="data:image/png;base64,${shot.data}" width="${shot.width}" height="${shot.height}" alt=""></figure>`).join('')}</div></body></html>`;
  const context = await browser.newContext({ viewport: { width, height: 400 }, deviceScaleFactor: 1 });
  try {
    const page = await context.newPage();
    await page.setContent(html, { waitUntil: 'load' });
    mkdirSync(STORY_SCREENSHOTS, { recursive: true });
    const path = join(STORY_SCREENSHOTS, `${name}.png`);
    await page.screenshot({ path, fullPage: true });
    return path;
  } finally {
    await context.close();
  }
}

/**
 * After a failed step: every window as it was, with its text and, for the app, the core's last log lines, in
 * test-results/story/ (ignored by git), so a failure on CI can be understood without running it again.
 */
export async function saveFailure(step: string, windows: Array<{ name: string; page: Page | undefined; logs?: unknown[] }>): Promise<string> {
  const dir = join(FAILURE_DIR, step.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 60));
  mkdirSync(dir, { recursive: true });
  for (const { name, page, logs } of windows) {
    if (!page || page.isClosed()) continue;
    await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true }).catch(() => undefined);
    const text = await page.locator('body').innerText().catch((error: unknown) => String(error));
    const log = logs ? `\n\n--- core log\n${logs.slice(-40).map((line) => JSON.stringify(line)).join('\n')}` : '';
    writeFileSync(join(dir, `${name}.txt`), `${page.url()}\n\n${text}${log}\n`);
  }
  return dir;
}
