/**
 * The session around every page: logout after 5 minutes without activity (warned one minute before, with a
 * way to stay connected), logout, French by default with English on request, keyboard-only use, and the
 * pages at a phone's width (390 px).
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../harness/server';
import {
  activateFirstDeviceBySms, checkPage, decideOnDevice, enrolDevice, fillLogin, launchChromium, NARROW, openPortal, pendingOnDevice, signedInPrimaryAdmin, STORY_TIMEOUT_MS, textOf,
} from './support';

describe('Espace Client: session, languages, keyboard and small screens', () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startTestServer({ startAt: Date.now() });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it(
    'after 4 minutes without activity a warning offers to stay connected; after 5 minutes the session ends',
    async () => {
      const portal = await openPortal(browser, server, { fakeClock: true });
      const { page } = portal;
      await signedInPrimaryAdmin(server, page);

      await page.clock.fastForward('04:01');
      const warning = page.getByRole('alertdialog', { name: 'Êtes-vous toujours là ?' });
      await warning.waitFor();
      expect(await textOf(warning.locator('#idle-body'))).toMatch(/^Par sécurité, votre session sera fermée dans 5\d secondes faute d’activité\.$/);
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Continuer ma session');
      await checkPage(portal, '21-idle-warning', { modal: true });

      await warning.getByRole('button', { name: 'Continuer ma session' }).click();
      await warning.waitFor({ state: 'hidden' });
      await page.clock.fastForward('03:00');
      expect(await warning.isVisible(), 'staying connected restarts the 5 minutes').toBe(false);

      await page.clock.fastForward('02:01');
      await page.getByRole('heading', { level: 1, name: 'Connexion à votre Espace Client' }).waitFor();
      expect(await textOf(page.getByRole('status'))).toBe('Par sécurité, votre session a été fermée après 5 minutes d’inactivité.');
      await page.reload();
      await page.getByRole('heading', { level: 1, name: 'Connexion à votre Espace Client' }).waitFor();
      await portal.context.close();
    },
    STORY_TIMEOUT_MS,
  );

  it(
    'five wrong Secret Codes lock the access temporarily, and the login page says until when',
    async () => {
      const { admin } = await server.createCompany({ companyName: 'Atelier Morel', adminName: 'Paul Morel' });
      const portal = await openPortal(browser, server);
      const { page } = portal;
      for (let attempt = 1; attempt <= 4; attempt += 1) {
        await fillLogin(page, admin.identifier, `mauvais-code-${attempt}`);
        await page.getByRole('alert').filter({ hasText: `${5 - attempt} essai` }).waitFor();
      }
      await fillLogin(page, admin.identifier, 'mauvais-code-5');
      expect(await textOf(page.getByRole('alert'))).toMatch(/^Accès temporairement bloqué après plusieurs Codes Secrets erronés\. Réessayez après \d\d:\d\d\.$/);
      await checkPage(portal, '01b-login-locked');
      await portal.context.close();
    },
    STORY_TIMEOUT_MS,
  );

  it(
    'logs out on request, and the session is gone on the server too',
    async () => {
      const portal = await openPortal(browser, server);
      const { page } = portal;
      await signedInPrimaryAdmin(server, page);
      await page.getByRole('button', { name: 'Se déconnecter' }).click();
      await page.getByRole('heading', { level: 1, name: 'Connexion à votre Espace Client' }).waitFor();
      expect(await textOf(page.getByRole('status'))).toBe('Votre session est fermée.');
      const status = await page.evaluate(async () => (await fetch('/api/portal/v1/session', { credentials: 'same-origin' })).status);
      expect(status).toBe(401);
      await portal.context.close();
    },
    STORY_TIMEOUT_MS,
  );

  it(
    'speaks French by default and English on request, and remembers the choice',
    async () => {
      const portal = await openPortal(browser, server);
      const { page } = portal;
      expect(await page.getAttribute('html', 'lang')).toBe('fr');
      await signedInPrimaryAdmin(server, page);

      await page.getByRole('button', { name: 'Switch to English' }).click();
      await page.getByRole('heading', { level: 1, name: 'Hello Claire Durand' }).waitFor();
      expect(await page.getAttribute('html', 'lang')).toBe('en');
      expect(await textOf(page.getByRole('navigation', { name: 'Main navigation' }))).toContain('Security management');
      expect(await page.title()).toBe('Home · Espace Client');
      await checkPage(portal, '22-home-english');

      await page.reload();
      await page.getByRole('heading', { level: 1, name: 'Hello Claire Durand' }).waitFor();
      await page.getByRole('button', { name: 'Passer en français' }).click();
      await page.getByRole('heading', { level: 1, name: 'Bonjour Claire Durand' }).waitFor();
      expect(await page.getAttribute('html', 'lang')).toBe('fr');
      await portal.context.close();
    },
    STORY_TIMEOUT_MS,
  );

  it(
    'can be used with the keyboard alone: focus lands on each page’s title, the login form is filled and sent without a mouse',
    async () => {
      const admin = await server.readyPrimaryAdmin();
      const device = await activateFirstDeviceBySms(server, admin.identifier, admin.secretCode, admin.securityPhone ?? '');
      const portal = await openPortal(browser, server);
      const { page } = portal;
      await page.getByRole('heading', { level: 1, name: 'Connexion à votre Espace Client' }).waitFor();
      expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('H1');

      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('identifier');
      await page.keyboard.type(admin.identifier);
      await page.keyboard.press('Tab');
      await page.keyboard.type(admin.secretCode);
      await page.keyboard.press('Enter');

      await page.getByRole('heading', { level: 1, name: 'Validez sur Secure Access' }).waitFor();
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Validez sur Secure Access');
      const number = Number(await textOf(page.getByTestId('match-number')));
      await decideOnDevice(device, await pendingOnDevice(device, (validation) => validation.kind === 'login'), 'approve', number);
      await page.getByRole('heading', { level: 1, name: 'Bonjour Claire Durand' }).waitFor();

      // The skip link comes before the header's links and takes the keyboard to the page's content.
      await page.getByRole('link', { name: /^Espace Client/ }).focus();
      await page.keyboard.press('Shift+Tab');
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Aller au contenu');
      await page.keyboard.press('Enter');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
      await portal.context.close();
    },
    STORY_TIMEOUT_MS,
  );

  it(
    'fits a 390 px wide phone: login, Secure Access, home, menu, transfer and Activation without sideways scrolling',
    async () => {
      const admin = await server.readyPrimaryAdmin();
      const device = await activateFirstDeviceBySms(server, admin.identifier, admin.secretCode, admin.securityPhone ?? '');
      const portal = await openPortal(browser, server, { viewport: NARROW });
      const { page } = portal;
      await page.getByLabel('Identifiant').fill(admin.identifier);
      await page.getByLabel('Code Secret', { exact: true }).fill(admin.secretCode);
      await checkPage(portal, '30-narrow-login');
      await page.getByRole('button', { name: 'Se connecter' }).click();
      const number = Number(await textOf(page.getByTestId('match-number')));
      await checkPage(portal, '31-narrow-secure-access');
      await decideOnDevice(device, await pendingOnDevice(device, (validation) => validation.kind === 'login'), 'approve', number);
      await page.getByRole('heading', { level: 1, name: 'Bonjour Claire Durand' }).waitFor();
      await page.locator('.account').first().waitFor();

      const menu = page.getByRole('button', { name: 'Menu' });
      expect(await menu.getAttribute('aria-expanded')).toBe('false');
      expect(await page.getByRole('link', { name: 'Utilisateurs' }).isVisible()).toBe(false);
      await checkPage(portal, '32-narrow-home');

      await menu.click();
      expect(await menu.getAttribute('aria-expanded')).toBe('true');
      await checkPage(portal, '33-narrow-menu');
      await page.getByRole('link', { name: 'Nouveau virement' }).first().click();
      await page.getByRole('heading', { level: 1, name: 'Nouveau virement' }).waitFor();
      expect(await menu.getAttribute('aria-expanded'), 'the menu closes once a page is chosen').toBe('false');
      await page.getByLabel('Montant').fill('12 345,67');
      await page.getByLabel('Nom du bénéficiaire').fill('Fournisseur Martin SARL');
      await page.getByLabel('IBAN du bénéficiaire').fill('FR7630006000011234567890189');
      await page.getByLabel('Référence').fill('Facture 2026-118');
      await checkPage(portal, '34-narrow-transfer');

      const further = await enrolDevice(server, admin.identifier, admin.secretCode, 'Portable Claire');
      await further.device.call('requestActivationCode', { params: { id: further.enrolment.id }, body: {} }, further.enrolment.id);
      await menu.click();
      await page.getByRole('link', { name: 'Activation' }).click();
      await page.getByRole('heading', { level: 1, name: 'Activation' }).waitFor();
      await checkPage(portal, '35-narrow-activation');
      await portal.context.close();
    },
    STORY_TIMEOUT_MS,
  );
});
