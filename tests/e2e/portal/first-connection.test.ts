/**
 * The installation guide's "PREMIÈRE CONNEXION", in the Espace Client: identifier and temporary Secret Code,
 * the Code Sécurité (read in the demo outbox), the mandatory change of the Secret Code, the mandatory
 * installation of Secure Access (the page moves on by itself once a device is active), then every later
 * login validated on Secure Access with number matching.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDevice } from '../../harness/http-client';
import { startTestServer, type TestServer } from '../../harness/server';
import {
  activateFirstDeviceBySms, approveOnActivatedDevice, checkPage, decideOnDevice, fillLogin, launchChromium, openPortal, pendingOnDevice, STORY_TIMEOUT_MS, textOf,
} from './support';

const NEW_SECRET = 'Tresorerie2026';

describe('Espace Client: first connection of a primary administrator', () => {
  let server: TestServer;
  let browser: Browser;
  let admin: { identifier: string; temporarySecretCode: string; securityPhone: string };
  let device: TestDevice;

  beforeAll(async () => {
    server = await startTestServer({ startAt: Date.now() });
    browser = await launchChromium();
    ({ admin } = await server.createCompany({ companyName: 'Durand Industrie SAS', adminName: 'Claire Durand' }));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it(
    'logs in with the temporary Secret Code, receives the Code Sécurité by SMS, changes the Secret Code, and the installation step moves on by itself once Secure Access is active',
    async () => {
      const portal = await openPortal(browser, server);
      const { page } = portal;
      await page.getByRole('heading', { level: 1, name: 'Connexion à votre Espace Client' }).waitFor();
      await checkPage(portal, '01-login');

      await fillLogin(page, admin.identifier, 'pas-le-bon-code');
      expect(await textOf(page.getByRole('alert'))).toBe(
        'Identifiant ou Code Secret incorrect. 4 essais restants avant le blocage temporaire de l’accès.',
      );

      await fillLogin(page, admin.identifier, admin.temporarySecretCode);
      await page.getByRole('heading', { level: 1, name: 'Code Sécurité' }).waitFor();
      const intro = await textOf(page.locator('.lead'));
      expect(intro).toContain('Téléphone Sécurité +33 6');
      expect(await page.content(), 'the Security Phone is only ever shown masked').not.toContain(admin.securityPhone.slice(3));
      expect(await page.getByRole('navigation', { name: 'Étapes de la première connexion' }).locator('[aria-current="step"]').textContent()).toContain('Code Sécurité');
      await checkPage(portal, '02-security-code');

      await page.getByLabel('Par SMS').check();
      await page.getByRole('button', { name: 'Recevoir le Code Sécurité' }).click();
      await page.getByLabel('Code Sécurité (8 chiffres)').waitFor();
      expect(await textOf(page.getByText(/Code Sécurité envoyé par SMS/))).toMatch(/^Code Sécurité envoyé par SMS au \+33 6 .* à \d\d:\d\d\.$/);
      await checkPage(portal, '02b-security-code-sent');

      // A person trying the demo reads the SMS in the development outbox.
      await page.getByRole('link', { name: 'Ouvrir la boîte d’envoi' }).click();
      await page.getByRole('heading', { level: 1, name: 'Boîte d’envoi' }).waitFor();
      const sms = await textOf(page.locator('tr[data-purpose="security_code"] .outbox-text'));
      const code = /([0-9](?: ?[0-9]){7})/.exec(sms)?.[1]?.replace(/ /g, '') ?? '';
      expect(code).toBe(await server.latestCode('security_code', admin.securityPhone));
      await checkPage(portal, '03-outbox');
      await page.goBack();

      const wrongCode = code === '12345678' ? '87654321' : '12345678';
      await page.getByLabel('Code Sécurité (8 chiffres)').fill(wrongCode);
      await page.getByRole('button', { name: 'Valider' }).click();
      expect(await textOf(page.getByRole('alert'))).toBe('Code Sécurité incorrect. 4 essais restants.');
      await page.getByText('4 essais restants.', { exact: true }).waitFor();

      await page.getByLabel('Code Sécurité (8 chiffres)').fill(code);
      await page.getByRole('button', { name: 'Valider' }).click();

      await page.getByRole('heading', { level: 1, name: 'Modification de votre Code Secret' }).waitFor();
      await page.getByLabel('Code Secret de 1re connexion').fill(admin.temporarySecretCode);
      await page.getByLabel('Nouveau Code Secret', { exact: true }).fill('motdepasse');
      await page.getByLabel('Confirmez le nouveau Code Secret').fill('motdepasse');
      await page.getByRole('button', { name: 'Modifier mon Code Secret' }).click();
      await page.getByText('Le nouveau Code Secret ne respecte pas encore toutes les règles ci-dessous.').waitFor();
      expect(await textOf(page.locator('.rules li', { hasText: 'au moins un chiffre' }))).toContain('(non respecté)');

      await page.getByLabel('Nouveau Code Secret', { exact: true }).fill(NEW_SECRET);
      await page.getByLabel('Confirmez le nouveau Code Secret').fill(NEW_SECRET);
      expect(await page.locator('.rules li.rule-unmet').count()).toBe(0);
      // Four green ticks: the red "not every rule" is gone as soon as it is no longer true, before any new try.
      expect(await page.getByText('Le nouveau Code Secret ne respecte pas encore toutes les règles ci-dessous.').count()).toBe(0);
      await checkPage(portal, '04-change-secret');
      await page.getByRole('button', { name: 'Modifier mon Code Secret' }).click();

      await page.getByRole('heading', { level: 1, name: 'Installer Secure Access' }).waitFor();
      for (const option of ['L’appli mobile de votre banque, avec Secure Access intégré', 'L’appli dédiée Secure Access', 'Secure Access pour PC/Mac']) {
        await page.getByRole('heading', { level: 3, name: option }).waitFor();
      }
      await page.getByRole('status').filter({ hasText: 'En attente de l’activation d’un appareil…' }).waitFor();
      await checkPage(portal, '05-install');

      await page.getByRole('link', { name: 'Télécharger Secure Access pour PC/Mac' }).click();
      await page.getByRole('heading', { level: 1, name: 'Secure Access pour PC/Mac' }).waitFor();
      await checkPage(portal, '06-download');
      await page.goBack();
      await page.getByRole('heading', { level: 1, name: 'Installer Secure Access' }).waitFor();

      // In the desktop app: the device is named, the SMS activation code typed: the portal follows by itself.
      device = await activateFirstDeviceBySms(server, admin.identifier, NEW_SECRET, admin.securityPhone);
      // This session was opened before any device was active: it too passes Secure Access, asked at once.
      await approveOnActivatedDevice(page, device, 'Bonjour Claire Durand');
      const navigation = page.getByRole('navigation', { name: 'Navigation principale' });
      expect(await navigation.getByRole('link', { name: 'Utilisateurs' }).count(), 'Administration is shown to the primary administrator').toBe(1);
      await portal.context.close();
    },
    STORY_TIMEOUT_MS,
  );

  it(
    'logs in again: the portal shows a number, Secure Access approves with that number; a rejected login says so and offers to start again',
    async () => {
      const portal = await openPortal(browser, server);
      const { page } = portal;

      await fillLogin(page, admin.identifier, NEW_SECRET);
      await page.getByRole('heading', { level: 1, name: 'Validez sur Secure Access' }).waitFor();
      const shown = Number(await textOf(page.getByTestId('match-number')));
      const rejected = await pendingOnDevice(device, (validation) => validation.kind === 'login');
      expect(rejected.numberChoices).toContain(shown);
      expect(await textOf(page.locator('.countdown'))).toMatch(/^Temps restant pour valider : [12] min \d\d s$/);
      await checkPage(portal, '07-secure-access');

      await decideOnDevice(device, rejected, 'reject');
      await page.getByRole('status').filter({ hasText: 'Connexion refusée' }).waitFor({ state: 'attached' });
      expect(await textOf(page.locator('.alert-error'))).toContain('La demande de connexion a été refusée sur Secure Access.');
      await checkPage(portal, '08-secure-access-rejected');

      await page.getByRole('button', { name: 'Recommencer la connexion' }).click();
      await fillLogin(page, admin.identifier, NEW_SECRET);
      const number = Number(await textOf(page.getByTestId('match-number')));
      const login = await pendingOnDevice(device, (validation) => validation.kind === 'login' && validation.id !== rejected.id);
      await decideOnDevice(device, login, 'approve', number);
      await page.getByRole('heading', { level: 1, name: 'Bonjour Claire Durand' }).waitFor();
      await portal.context.close();
    },
    STORY_TIMEOUT_MS,
  );

  it(
    'a login not approved within 2 minutes expires, and the portal says so without a reload',
    async () => {
      const portal = await openPortal(browser, server);
      const { page } = portal;
      await fillLogin(page, admin.identifier, NEW_SECRET);
      await page.getByTestId('match-number').waitFor();
      await pendingOnDevice(device, (validation) => validation.kind === 'login');

      server.clock.advance(2 * 60_000 + 1_000);
      await page.getByRole('status').filter({ hasText: 'Délai dépassé' }).waitFor({ state: 'attached' });
      expect(await textOf(page.locator('.alert-warning'))).toContain('elle a expiré');
      await page.getByRole('button', { name: 'Recommencer la connexion' }).waitFor();
      await portal.context.close();
    },
    STORY_TIMEOUT_MS,
  );
});
