/**
 * Operations in the Espace Client: a transfer or a new beneficiary waits for validation on Secure Access,
 * live (no manual refresh), and ends approved, rejected or expired. What the device signs is exactly what
 * the person typed.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDevice } from '../../harness/http-client';
import { startTestServer, type TestServer } from '../../harness/server';
import {
  checkPage, decideOnDevice, launchChromium, openPortal, pendingOnDevice, signedInPrimaryAdmin, STORY_TIMEOUT_MS, textOf, type PortalPage,
} from './support';

const PAYEE_IBAN = 'FR76 3000 6000 0112 3456 7890 189';

async function fillTransfer(page: Page, input: { amount: string; payee: string; iban: string; reference: string }) {
  await page.getByLabel('Montant').fill(input.amount);
  await page.getByLabel('Devise').selectOption('EUR');
  await page.getByLabel('Nom du bénéficiaire').fill(input.payee);
  await page.getByLabel('IBAN du bénéficiaire').fill(input.iban);
  await page.getByLabel('Référence').fill(input.reference);
}

describe('Espace Client: operations validated on Secure Access', () => {
  let server: TestServer;
  let browser: Browser;
  let portal: PortalPage;
  let page: Page;
  let device: TestDevice;

  beforeAll(async () => {
    // The third transfer's 5 minutes pass on the server's clock while the person keeps the page open:
    // the portal session's idle limit is lifted above that here (the inactivity rule has its own suite).
    server = await startTestServer({ startAt: Date.now(), limits: { sessionIdleSeconds: 30 * 60 } });
    browser = await launchChromium();
    portal = await openPortal(browser, server);
    page = portal.page;
    ({ device } = await signedInPrimaryAdmin(server, page));
  }, STORY_TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it(
    'a transfer of 12 345,67 EUR to a named payee waits for validation and is executed once approved in Secure Access',
    async () => {
      await page.getByRole('link', { name: 'Nouveau virement' }).first().click();
      await page.getByRole('heading', { level: 1, name: 'Nouveau virement' }).waitFor();

      // Nothing is sent while the form is incomplete or wrong.
      await page.getByRole('button', { name: 'Valider avec Secure Access' }).click();
      expect(await page.locator('.field-error').allInnerTexts()).toEqual([
        'Saisissez un montant positif, avec au plus deux décimales.',
        'Champ obligatoire.',
        'Champ obligatoire.',
      ]);
      await page.getByLabel('Montant').fill('12,345');
      expect(await textOf(page.locator('.field-error').first())).toBe('Saisissez un montant positif, avec au plus deux décimales.');

      // The IBAN is checked as it is typed: a wrong check digit is refused before anything is sent.
      await fillTransfer(page, { amount: '12 345,67', payee: 'Fournisseur Martin SARL', iban: 'FR76 3000 6000 0112 3456 7890 188', reference: 'Facture 2026-118' });
      await page.getByLabel('Référence').focus();
      expect(await textOf(page.locator('.field-error'))).toBe('IBAN invalide : vérifiez sa saisie.');
      await page.getByLabel('IBAN du bénéficiaire').fill(PAYEE_IBAN.replace(/ /g, '').toLowerCase());
      expect(await textOf(page.locator('.hint-valid'))).toBe('✓ IBAN valide : FR76 3000 6000 0112 3456 7890 189');
      await checkPage(portal, '10-transfer');

      await page.getByRole('button', { name: 'Valider avec Secure Access' }).click();
      await page.getByRole('heading', { level: 2, name: 'En attente de validation sur Secure Access' }).waitFor();
      expect(await textOf(page.locator('.details'))).toContain('12 345,67 €');
      await checkPage(portal, '11-transfer-waiting');

      const transfer = await pendingOnDevice(device, (validation) => validation.kind === 'transfer');
      expect(transfer.details).toMatchObject({ type: 'transfer', amount: '12345.67', currency: 'EUR', payeeName: 'Fournisseur Martin SARL', iban: 'FR7630006000011234567890189', reference: 'Facture 2026-118' });
      await decideOnDevice(device, transfer, 'approve');

      await page.getByRole('status').filter({ hasText: 'Virement validé : il est exécuté.' }).waitFor({ state: 'attached' });
      expect(await textOf(page.locator('.alert-success'))).toMatch(/^Virement validé : il est exécuté\. Validée sur « PC Trésorerie » le /);
      await checkPage(portal, '12-transfer-approved');
    },
    STORY_TIMEOUT_MS,
  );

  it(
    'a second transfer rejected in Secure Access is not executed, and the portal says so at once',
    async () => {
      await page.getByRole('button', { name: 'Saisir un autre virement' }).click();
      await fillTransfer(page, { amount: '980', payee: 'Société Inconnue', iban: 'DE89 3704 0044 0532 0130 00', reference: '' });
      await page.getByRole('button', { name: 'Valider avec Secure Access' }).click();
      await page.getByRole('heading', { level: 2, name: 'En attente de validation sur Secure Access' }).waitFor();

      const transfer = await pendingOnDevice(device, (validation) => validation.kind === 'transfer' && validation.details.type === 'transfer' && validation.details.amount === '980.00');
      await decideOnDevice(device, transfer, 'reject');

      await page.getByRole('status').filter({ hasText: 'Opération refusée sur Secure Access' }).waitFor({ state: 'attached' });
      expect(await textOf(page.locator('.alert-error'))).toContain('Elle ne sera pas exécutée.');
      await checkPage(portal, '13-transfer-rejected');
    },
    STORY_TIMEOUT_MS,
  );

  it(
    'a third transfer left without an answer expires after 5 minutes',
    async () => {
      await page.getByRole('button', { name: 'Saisir un autre virement' }).click();
      await fillTransfer(page, { amount: '45,10', payee: 'Papeterie Centrale', iban: 'BE68 5390 0754 7034', reference: 'Fournitures' });
      await page.getByRole('button', { name: 'Valider avec Secure Access' }).click();
      await page.getByRole('heading', { level: 2, name: 'En attente de validation sur Secure Access' }).waitFor();
      await pendingOnDevice(device, (validation) => validation.details.type === 'transfer' && validation.details.amount === '45.10');

      server.clock.advance(5 * 60_000 + 1_000);
      await page.getByRole('status').filter({ hasText: 'Délai de validation dépassé' }).waitFor({ state: 'attached' });
      expect(await textOf(page.locator('.alert-warning'))).toContain('elle ne sera pas exécutée');
    },
    STORY_TIMEOUT_MS,
  );

  it(
    'a new beneficiary is validated the same way',
    async () => {
      await page.getByRole('link', { name: 'Nouveau bénéficiaire' }).first().click();
      await page.getByRole('heading', { level: 1, name: 'Nouveau bénéficiaire' }).waitFor();
      await page.getByRole('button', { name: 'Valider avec Secure Access' }).click();
      expect(await textOf(page.locator('.field-error').first())).toBe('Champ obligatoire.');

      await page.getByLabel('Nom du bénéficiaire').fill('Transports Lefèvre');
      await page.getByLabel('IBAN').fill('FR14 2004 1010 0505 0001 3M02 606');
      await checkPage(portal, '14-beneficiary');
      await page.getByRole('button', { name: 'Valider avec Secure Access' }).click();
      await page.getByRole('heading', { level: 2, name: 'En attente de validation sur Secure Access' }).waitFor();

      const beneficiary = await pendingOnDevice(device, (validation) => validation.kind === 'beneficiary');
      expect(beneficiary.details).toMatchObject({ type: 'beneficiary', name: 'Transports Lefèvre', iban: 'FR1420041010050500013M02606' });
      await decideOnDevice(device, beneficiary, 'approve');
      await page.getByRole('status').filter({ hasText: 'Bénéficiaire validé : il est ajouté.' }).waitFor({ state: 'attached' });
    },
    STORY_TIMEOUT_MS,
  );

  it(
    'the home page sums up the accounts and lists every operation with its status, following a pending one live',
    async () => {
      await page.getByRole('link', { name: 'Nouveau virement' }).first().click();
      await fillTransfer(page, { amount: '2 500', payee: 'Cabinet Roussel', iban: PAYEE_IBAN, reference: 'Honoraires T4' });
      await page.getByRole('button', { name: 'Valider avec Secure Access' }).click();
      await page.getByRole('heading', { level: 2, name: 'En attente de validation sur Secure Access' }).waitFor();

      await page.getByRole('link', { name: 'Accueil', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'Bonjour Claire Durand' }).waitFor();
      await page.locator('.account').first().waitFor();
      const rows = page.locator('tbody tr');
      await rows.nth(4).waitFor();
      const statuses = await rows.locator('.badge').allTextContents();
      expect(statuses.sort()).toEqual(['En attente de validation', 'Expirée', 'Refusée', 'Validée', 'Validée']);
      const pendingRow = rows.filter({ hasText: 'En attente de validation' });
      expect(await textOf(pendingRow)).toContain('2 500,00 € à Cabinet Roussel');
      expect(await textOf(page.locator('.pending-note'))).toBe('1 opération attend une validation sur Secure Access.');
      await checkPage(portal, '09-home');

      const pending = await pendingOnDevice(device, (validation) => validation.details.type === 'transfer' && validation.details.amount === '2500.00');
      await decideOnDevice(device, pending, 'approve');
      await page.locator('.pending-note').waitFor({ state: 'detached' });
      expect(await textOf(rows.filter({ hasText: 'Cabinet Roussel' }).locator('.badge'))).toBe('Validée');
    },
    STORY_TIMEOUT_MS,
  );
});
