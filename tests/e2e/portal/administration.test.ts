/**
 * The Administration module and "Ma sécurité", as the installation guide describes them: the administrator
 * creates a secondary user (identifier and temporary Secret Code shown once), finds the user's activation
 * code in Gestion de la sécurité › Activation, sees the administrator's own further-device code there at once,
 * manages every user's devices (at most 5), and suspends or reactivates a user.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDevice } from '../../harness/http-client';
import { startTestServer, type TestServer } from '../../harness/server';
import {
  activateWithCode, approveOnActivatedDevice, checkPage, enrolDevice, fillLogin, launchChromium, openPortal, signedInPrimaryAdmin, STORY_TIMEOUT_MS, textOf, type PortalPage,
} from './support';

const MARC_SECRET = 'Comptable2026';

describe('Espace Client: Administration and Ma sécurité', () => {
  let server: TestServer;
  let browser: Browser;
  let adminPortal: PortalPage;
  let page: Page;
  let admin: { identifier: string; secretCode: string };
  let marc: { identifier: string; temporarySecretCode: string };
  let marcPortal: PortalPage;
  let marcDevice: TestDevice;

  beforeAll(async () => {
    server = await startTestServer({ startAt: Date.now() });
    browser = await launchChromium();
    adminPortal = await openPortal(browser, server);
    page = adminPortal.page;
    admin = await signedInPrimaryAdmin(server, page);
  }, STORY_TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it(
    'creates a secondary user: the identifier and the temporary Secret Code are shown once, with a copy button and a warning',
    async () => {
      await page.getByRole('link', { name: 'Utilisateurs' }).click();
      await page.getByRole('heading', { level: 1, name: 'Utilisateurs' }).waitFor();
      await page.getByRole('button', { name: 'Créer l’utilisateur' }).click();
      expect(await textOf(page.locator('.field-error'))).toBe('Champ obligatoire.');

      await page.getByLabel('Nom et prénom').fill('Marc Petit');
      await page.getByLabel('Utilisateur', { exact: true }).check();
      await page.getByRole('button', { name: 'Créer l’utilisateur' }).click();
      await page.getByRole('heading', { level: 2, name: 'Utilisateur créé' }).waitFor();
      marc = { identifier: await textOf(page.getByTestId('created-identifier')), temporarySecretCode: await textOf(page.getByTestId('created-secret')) };
      expect(marc.temporarySecretCode.length).toBeGreaterThanOrEqual(8);
      expect(await textOf(page.locator('.card-highlight .alert-warning'))).toContain('n’est affiché qu’une seule fois');

      await page.getByRole('button', { name: 'Copier le Code Secret' }).click();
      await page.getByText('Copié dans le presse-papiers').waitFor();
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(marc.temporarySecretCode);
      await page.locator('tr[data-user]', { hasText: 'Marc Petit' }).waitFor();
      await checkPage(adminPortal, '15-user-created');

      await page.getByRole('button', { name: 'J’ai transmis ces informations' }).click();
      await page.getByRole('heading', { level: 2, name: 'Créer un utilisateur secondaire' }).waitFor();
      expect(await page.content(), 'the temporary Secret Code is never shown again').not.toContain(marc.temporarySecretCode);
      const row = page.locator(`tr[data-user="${marc.identifier}"]`);
      expect(await textOf(row)).toContain('Code Secret de 1re connexion non encore modifié');
      expect(await textOf(row)).toContain('0 / 5');
    },
    STORY_TIMEOUT_MS,
  );

  it(
    'the secondary user logs in, changes the temporary Secret Code and is asked to install Secure Access; Administration is not theirs',
    async () => {
      marcPortal = await openPortal(browser, server);
      const marcPage = marcPortal.page;
      await fillLogin(marcPage, marc.identifier, marc.temporarySecretCode);
      await marcPage.getByRole('heading', { level: 1, name: 'Modification de votre Code Secret' }).waitFor();
      await checkPage(marcPortal, '24-secondary-change-secret');
      const steps = await marcPage.getByRole('navigation', { name: 'Étapes de la première connexion' }).getByRole('listitem').allInnerTexts();
      // No Code Sécurité step for a secondary user: the guide has it for the primary administrator only.
      expect(steps.map((step) => step.replace(/\s+/g, ' ').trim())).toEqual(['1 Code Secret (étape en cours)', '2 Secure Access']);

      await marcPage.getByLabel('Code Secret de 1re connexion').fill(marc.temporarySecretCode);
      await marcPage.getByLabel('Nouveau Code Secret', { exact: true }).fill(MARC_SECRET);
      await marcPage.getByLabel('Confirmez le nouveau Code Secret').fill(MARC_SECRET);
      await marcPage.getByRole('button', { name: 'Modifier mon Code Secret' }).click();
      await marcPage.getByRole('heading', { level: 1, name: 'Installer Secure Access' }).waitFor();
      expect(await textOf(marcPage.locator('.numbered'))).toContain('elle est transmise à votre administrateur');
      await checkPage(marcPortal, '25-secondary-install');
    },
    STORY_TIMEOUT_MS,
  );

  it(
    'Gestion de la sécurité › Activation: the user’s request waits for the administrator’s code (24 h); the administrator’s own further device has its code at once',
    async () => {
      const requested = await enrolDevice(server, marc.identifier, MARC_SECRET, 'Portable Marc');
      marcDevice = requested.device;
      const marcRequest = await marcDevice.call('requestActivationCode', { params: { id: requested.enrolment.id }, body: {} }, requested.enrolment.id);
      expect(marcRequest.enrolment.state).toBe('awaiting_administrator');

      const own = await enrolDevice(server, admin.identifier, admin.secretCode, 'Portable Claire');
      const ownRequest = await own.device.call('requestActivationCode', { params: { id: own.enrolment.id }, body: {} }, own.enrolment.id);
      expect(ownRequest.enrolment.state).toBe('code_available');

      await page.getByRole('link', { name: 'Activation' }).click();
      await page.getByRole('heading', { level: 1, name: 'Activation' }).waitFor();
      const marcRow = page.locator(`tr[data-enrolment-id="${requested.enrolment.id}"]`);
      const ownRow = page.locator(`tr[data-enrolment-id="${own.enrolment.id}"]`);
      expect(await textOf(marcRow)).toContain('Non généré');
      expect(await textOf(ownRow)).toContain('Votre nouvel appareil');
      const ownCode = await textOf(ownRow.getByTestId('activation-code'));
      // The administrator's view before generating: Marc's request, its "Générer le code" button.
      await marcRow.getByRole('button', { name: 'Générer le code : appareil « Portable Marc » de Marc Petit' }).waitFor();
      await checkPage(adminPortal, '16a-activation-generate');

      await marcRow.getByRole('button', { name: 'Générer le code : appareil « Portable Marc » de Marc Petit' }).click();
      await page.getByText('Code généré pour « Portable Marc ».').waitFor();
      expect(await textOf(marcRow)).toContain('Non utilisé');
      expect(await textOf(marcRow)).toMatch(/Utilisable 24 h, jusqu’au /);
      const marcCode = await textOf(marcRow.getByTestId('activation-code'));
      await checkPage(adminPortal, '16-activation');

      // The code travels from the administrator to the user, who types it in the app: Marc's portal moves on by itself.
      await activateWithCode(marcDevice, requested.enrolment.id, marcCode);
      await approveOnActivatedDevice(marcPortal.page, marcDevice, 'Bonjour Marc Petit');
      expect(await marcPortal.page.getByRole('link', { name: 'Utilisateurs' }).count(), 'no Administration for a secondary user').toBe(0);
      await checkPage(marcPortal, '26-secondary-home');
      await marcPortal.page.goto('/admin/users');
      await marcPortal.page.getByRole('heading', { level: 1, name: 'Accès réservé' }).waitFor();
      await checkPage(marcPortal, '23-admin-only');

      await activateWithCode(own.device, own.enrolment.id, ownCode);
      await page.getByRole('link', { name: 'Activation' }).click();
      await page.reload();
      await marcRow.locator('.badge', { hasText: 'Utilisé' }).waitFor();
      await ownRow.locator('.badge', { hasText: 'Utilisé' }).waitFor();
      expect(await marcRow.getByTestId('activation-code').count(), 'a used code is no longer shown').toBe(0);
    },
    STORY_TIMEOUT_MS,
  );

  it(
    'Gestion de la sécurité › Appareils: every user’s devices with “n / 5”, renamed, and revoked after a confirmation',
    async () => {
      await page.getByRole('link', { name: 'Appareils' }).click();
      await page.getByRole('heading', { level: 1, name: 'Appareils' }).waitFor();
      const marcSection = page.locator(`section[data-user="${marc.identifier}"]`);
      const adminSection = page.locator(`section[data-user="${admin.identifier}"]`);
      expect(await textOf(adminSection.locator('.device-count'))).toBe('2 / 5 appareils actifs');
      expect(await textOf(marcSection.locator('.device-count'))).toBe('1 / 5 appareils actifs');

      await marcSection.getByRole('button', { name: 'Renommer l’appareil « Portable Marc »' }).click();
      await marcSection.getByLabel('Nouveau nom').fill('Portable Marc (bureau)');
      await marcSection.getByRole('button', { name: 'Enregistrer' }).click();
      await page.getByText('Appareil renommé « Portable Marc (bureau) ».').waitFor();
      expect((await marcDevice.call('getSelf')).device.name).toBe('Portable Marc (bureau)');

      await marcSection.getByRole('button', { name: 'Désactiver l’appareil « Portable Marc (bureau) »' }).click();
      const dialog = page.getByRole('dialog', { name: 'Désactiver cet appareil ?' });
      await dialog.waitFor();
      expect(await textOf(dialog)).toContain('L’appareil « Portable Marc (bureau) » de Marc Petit ne pourra plus valider');
      await checkPage(adminPortal, '18-devices-revoke', { modal: true });

      await dialog.getByRole('button', { name: 'Annuler' }).click();
      await dialog.waitFor({ state: 'hidden' });
      await marcSection.getByRole('button', { name: 'Désactiver l’appareil « Portable Marc (bureau) »' }).click();
      await dialog.getByRole('button', { name: 'Désactiver l’appareil' }).click();
      await page.getByText('L’appareil « Portable Marc (bureau) » est désactivé.').waitFor();
      await marcSection.locator('.device-count', { hasText: '0 / 5 appareils actifs' }).waitFor();
      expect(await textOf(marcSection.locator('tbody tr'))).toContain('Désactivé le');
      await expect(marcDevice.call('getSelf')).rejects.toMatchObject({ code: 'device_revoked' });
      await checkPage(adminPortal, '17-devices');

      // Marc, still in the portal, has no active device left: his next step is the installation again.
      await marcPortal.page.getByRole('link', { name: 'Accueil', exact: true }).click();
      await marcPortal.page.getByRole('heading', { level: 1, name: 'Installer Secure Access' }).waitFor();
      await marcPortal.context.close();
    },
    STORY_TIMEOUT_MS,
  );

  it(
    'Utilisateurs: a suspended user cannot log in until the administrator reactivates them',
    async () => {
      await page.getByRole('link', { name: 'Utilisateurs' }).click();
      const row = page.locator(`tr[data-user="${marc.identifier}"]`);
      await row.getByRole('button', { name: 'Suspendre l’accès de Marc Petit' }).click();
      await page.getByText('L’accès de Marc Petit est suspendu.').waitFor();
      expect(await textOf(row.locator('.badge'))).toBe('Suspendu');
      await checkPage(adminPortal, '19-users');

      const attempt = await openPortal(browser, server);
      await fillLogin(attempt.page, marc.identifier, MARC_SECRET);
      expect(await textOf(attempt.page.getByRole('alert'))).toBe('Accès bloqué. Contactez votre administrateur.');

      await row.getByRole('button', { name: 'Réactiver l’accès de Marc Petit' }).click();
      await page.getByText('L’accès de Marc Petit est réactivé.').waitFor();
      expect(await textOf(row.locator('.badge'))).toBe('Actif');
      await fillLogin(attempt.page, marc.identifier, MARC_SECRET);
      // Marc's only device was revoked: back to the mandatory installation of Secure Access.
      await attempt.page.getByRole('heading', { level: 1, name: 'Installer Secure Access' }).waitFor();
      await attempt.context.close();
    },
    STORY_TIMEOUT_MS,
  );

  it(
    'Ma sécurité: my devices, with revoke, and my Security Phone shown masked',
    async () => {
      await page.getByRole('link', { name: 'Ma sécurité' }).click();
      await page.getByRole('heading', { level: 1, name: 'Ma sécurité' }).waitFor();
      expect(await textOf(page.locator('section', { hasText: 'Téléphone Sécurité' }).locator('p'))).toMatch(/^Votre Téléphone Sécurité : \+33 6 (•• ){3}\d\d\./);
      const devices = page.locator('section', { hasText: 'Mes appareils Secure Access' });
      await devices.locator('tbody tr').nth(1).waitFor();
      expect(await textOf(devices.locator('.badge').first())).toBe('2 / 5 appareils actifs');
      await checkPage(adminPortal, '20-my-security');

      await devices.getByRole('button', { name: 'Désactiver l’appareil « Portable Claire »' }).click();
      const dialog = page.getByRole('dialog', { name: 'Désactiver cet appareil ?' });
      expect(await textOf(dialog)).toContain('Votre appareil « Portable Claire » ne pourra plus valider');
      await dialog.getByRole('button', { name: 'Désactiver l’appareil' }).click();
      await page.getByText('L’appareil « Portable Claire » est désactivé.').waitFor();
      await devices.locator('.badge', { hasText: '1 / 5 appareils actifs' }).waitFor();
      await page.getByText('C’est votre dernier appareil actif').waitFor();
    },
    STORY_TIMEOUT_MS,
  );
});
