/**
 * Operations in the Espace Client: the payee's name checked with their bank before anything is sent (Verification
 * of Payee: match, close match with the registered name, no match to acknowledge, unavailable), then a transfer or a
 * new payee waits for validation on Secure Access, live, and ends approved (not yet executed: the bank executes it on
 * its execution date), rejected or expired. What the device signs is exactly what the person typed and was told.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDevice } from '../../harness/http-client';
import { startTestServer, type TestServer } from '../../harness/server';
import {
  checkPage, decideOnDevice, launchChromium, openPortal, pendingOnDevice, signedInPrimaryAdmin, STORY_TIMEOUT_MS, textOf, type PortalPage,
} from './support';

/** Fournitures Martin SA's account, in the demo directory of other banks. */
const MARTIN_IBAN = 'FR76 3000 6000 0112 3456 7890 189';

async function fillTransfer(page: Page, input: { amount: string; payee: string; iban: string; reference: string }) {
  await page.getByLabel('Montant').fill(input.amount);
  await page.getByLabel('Devise').selectOption('EUR');
  await page.getByLabel('Nom du bénéficiaire').fill(input.payee);
  await page.getByLabel('IBAN du bénéficiaire').fill(input.iban);
  await page.getByLabel('Référence').fill(input.reference);
}

/** A day from today in Paris, as YYYY-MM-DD. */
function dayFromToday(days: number): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit' }).format(Date.now() + days * 86_400_000);
}

const words = (text: string) => text.replace(/\s+/g, ' ').trim();

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
    'a transfer of 12 345,67 EUR to a payee whose bank confirms the name waits for validation, and once approved the bank says when it executes it',
    async () => {
      await page.getByRole('link', { name: 'Nouveau virement' }).first().click();
      await page.getByRole('heading', { level: 1, name: 'Nouveau virement' }).waitFor();

      // Nothing is sent while the form is incomplete or wrong.
      await page.getByRole('button', { name: 'Envoyer pour validation' }).click();
      expect(await page.locator('.field-error').allInnerTexts()).toEqual([
        'Saisissez un montant positif, avec au plus deux décimales.',
        'Champ obligatoire.',
        'Champ obligatoire.',
      ]);
      await page.getByLabel('Montant').fill('12,345');
      expect(await textOf(page.locator('.field-error').first())).toBe('Saisissez un montant positif, avec au plus deux décimales.');

      // The IBAN is checked as it is typed: a wrong check digit is refused before anything is sent.
      await fillTransfer(page, { amount: '12 345,67', payee: 'Fournitures Martin', iban: 'FR76 3000 6000 0112 3456 7890 188', reference: 'Facture 2026-118' });
      await page.getByLabel('Référence').focus();
      expect(await textOf(page.locator('.field-error'))).toBe('IBAN invalide : vérifiez sa saisie.');
      await page.getByLabel('IBAN du bénéficiaire').fill(MARTIN_IBAN.replace(/ /g, '').toLowerCase());
      // Its format is all that can be told of an IBAN here; whose account it is, the payee's bank says.
      await page.getByText(/^Format d’IBAN valide\s:\sFR76 3000 6000 0112 3456 7890 189$/).waitFor();
      await page.getByRole('status').filter({ hasText: 'Nom confirmé par la banque du bénéficiaire.' }).waitFor();
      expect(await page.getByLabel('Date d’exécution').inputValue()).toBe(dayFromToday(0));
      await checkPage(portal, '10-transfer');

      await page.getByRole('button', { name: 'Envoyer pour validation' }).click();
      await page.getByRole('heading', { level: 2, name: 'En attente de validation sur Secure Access' }).waitFor();
      const summary = words(await page.locator('.details').innerText());
      expect(summary).toContain('12 345,67 €');
      expect(summary).toContain('Fournitures Martin Nom confirmé par sa banque');
      expect(summary).toMatch(/Date d’exécution \d{1,2} \S+ 20\d\d/);
      expect(summary).toContain('Saisi par Claire Durand');
      await checkPage(portal, '11-transfer-waiting');

      const transfer = await pendingOnDevice(device, (validation) => validation.kind === 'transfer');
      expect(transfer.details).toMatchObject({
        type: 'transfer', amount: '12345.67', currency: 'EUR', payeeName: 'Fournitures Martin', iban: 'FR7630006000011234567890189', reference: 'Facture 2026-118',
        payeeCheck: { result: 'match', registeredName: null }, executionDate: dayFromToday(0),
      });
      await decideOnDevice(device, transfer, 'approve');

      await page.getByRole('status').filter({ hasText: 'Virement validé' }).waitFor({ state: 'attached' });
      const approved = words(await textOf(page.locator('.alert-success')));
      expect(approved).toMatch(/^Virement validé Validé sur « PC Trésorerie » le .+\. La banque l’exécutera à sa date d’exécution, le \d{1,2} \S+ 20\d\d\.$/);
      expect(approved).not.toContain('exécuté');
      await checkPage(portal, '12-transfer-approved');
    },
    STORY_TIMEOUT_MS,
  );

  it(
    'a payee name that is not the IBAN holder’s must be acknowledged before sending; the device is told, and rejects it',
    async () => {
      await page.getByRole('button', { name: 'Saisir un autre virement' }).click();
      await fillTransfer(page, { amount: '980', payee: 'Société Inconnue', iban: MARTIN_IBAN, reference: '' });
      const mismatch = page.locator('.alert-error').filter({ hasText: 'Ce nom n’est pas celui du titulaire de l’IBAN' });
      await mismatch.waitFor();
      await page.getByRole('button', { name: 'Envoyer pour validation' }).click();
      await mismatch.getByText('Cochez cette case pour envoyer l’opération malgré tout, ou corrigez le nom ou l’IBAN.').waitFor();
      expect(await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name)).toBe('payeeMismatchAcknowledged');
      await checkPage(portal, '10b-transfer-payee-no-match');
      await mismatch.getByLabel('J’ai vérifié l’IBAN et je maintiens ce bénéficiaire').check();
      await page.getByRole('button', { name: 'Envoyer pour validation' }).click();
      await page.getByRole('heading', { level: 2, name: 'En attente de validation sur Secure Access' }).waitFor();
      expect(words(await page.locator('.details').innerText())).toContain('Société Inconnue Nom différent de celui du titulaire');

      const transfer = await pendingOnDevice(device, (validation) => validation.details.type === 'transfer' && validation.details.amount === '980.00');
      expect(transfer.details).toMatchObject({ payeeName: 'Société Inconnue', payeeCheck: { result: 'no_match', registeredName: null } });
      await decideOnDevice(device, transfer, 'reject');

      await page.getByRole('status').filter({ hasText: 'Opération refusée sur Secure Access' }).waitFor({ state: 'attached' });
      expect(await textOf(page.locator('.alert-error'))).toContain('Elle ne sera pas exécutée.');
      await checkPage(portal, '13-transfer-rejected');
    },
    STORY_TIMEOUT_MS,
  );

  it(
    'a name close to the holder’s can take the registered one; a payee whose bank cannot answer is said unchecked; a transfer left unanswered expires after 5 minutes',
    async () => {
      await page.getByRole('button', { name: 'Saisir un autre virement' }).click();
      await fillTransfer(page, { amount: '45,10', payee: 'Fournitures Martn', iban: MARTIN_IBAN, reference: 'Fournitures' });
      const close = page.locator('.alert-warning').filter({ hasText: 'Nom proche de celui du titulaire' });
      await close.getByText('Pour la banque du bénéficiaire, le titulaire de cet IBAN est « Fournitures Martin SA ».').waitFor();
      await checkPage(portal, '10c-transfer-payee-close-match');
      await close.getByRole('button', { name: 'Utiliser « Fournitures Martin SA »' }).click();
      expect(await page.getByLabel('Nom du bénéficiaire').inputValue()).toBe('Fournitures Martin SA');
      await page.getByRole('status').filter({ hasText: 'Nom confirmé par la banque du bénéficiaire.' }).waitFor();

      await page.getByLabel('IBAN du bénéficiaire').fill('GB29 NWBK 6016 1331 9268 19');
      await page.locator('.alert-info').filter({ hasText: 'Nom non vérifié' }).waitFor();
      // Executed later: the date is part of what is signed.
      await page.getByLabel('Date d’exécution').fill(dayFromToday(3));
      await page.getByRole('button', { name: 'Envoyer pour validation' }).click();
      await page.getByRole('heading', { level: 2, name: 'En attente de validation sur Secure Access' }).waitFor();
      const transfer = await pendingOnDevice(device, (validation) => validation.details.type === 'transfer' && validation.details.amount === '45.10');
      expect(transfer.details).toMatchObject({ payeeName: 'Fournitures Martin SA', payeeCountry: 'GB', payeeCheck: { result: 'unavailable' }, executionDate: dayFromToday(3) });

      server.clock.advance(5 * 60_000 + 1_000);
      await page.getByRole('status').filter({ hasText: 'Délai de validation dépassé' }).waitFor({ state: 'attached' });
      expect(await textOf(page.locator('.alert-warning'))).toContain('elle ne sera pas exécutée');
    },
    STORY_TIMEOUT_MS,
  );

  it(
    'a new payee is checked and validated the same way',
    async () => {
      await page.getByRole('link', { name: 'Nouveau bénéficiaire' }).first().click();
      await page.getByRole('heading', { level: 1, name: 'Nouveau bénéficiaire' }).waitFor();
      await page.getByRole('button', { name: 'Envoyer pour validation' }).click();
      expect(await textOf(page.locator('.field-error').first())).toBe('Champ obligatoire.');

      await page.getByLabel('Nom du bénéficiaire').fill('Papeterie Centrale');
      await page.getByLabel('IBAN').fill('FR14 2004 1010 0505 0001 3M02 606');
      await page.getByRole('status').filter({ hasText: 'Nom confirmé par la banque du bénéficiaire.' }).waitFor();
      await checkPage(portal, '14-beneficiary');
      await page.getByRole('button', { name: 'Envoyer pour validation' }).click();
      await page.getByRole('heading', { level: 2, name: 'En attente de validation sur Secure Access' }).waitFor();

      const beneficiary = await pendingOnDevice(device, (validation) => validation.kind === 'beneficiary');
      expect(beneficiary.details).toMatchObject({ type: 'beneficiary', name: 'Papeterie Centrale', iban: 'FR1420041010050500013M02606', payeeCheck: { result: 'match' } });
      await decideOnDevice(device, beneficiary, 'approve');
      await page.getByRole('status').filter({ hasText: 'Bénéficiaire validé' }).waitFor({ state: 'attached' });
    },
    STORY_TIMEOUT_MS,
  );

  it(
    'the home page sums up the accounts and lists every operation with who entered it and its status, following a pending one live',
    async () => {
      await page.getByRole('link', { name: 'Nouveau virement' }).first().click();
      await fillTransfer(page, { amount: '2 500', payee: 'Cabinet Roussel', iban: 'FR76 1010 7001 0112 3456 7890 129', reference: 'Honoraires T4' });
      // Transports Bernard SARL's IBAN: the name entered is another.
      await page.locator('.alert-error').filter({ hasText: 'Ce nom n’est pas celui du titulaire de l’IBAN' }).waitFor();
      await page.getByLabel('J’ai vérifié l’IBAN et je maintiens ce bénéficiaire').check();
      await page.getByRole('button', { name: 'Envoyer pour validation' }).click();
      await page.getByRole('heading', { level: 2, name: 'En attente de validation sur Secure Access' }).waitFor();

      await page.getByRole('link', { name: 'Accueil', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'Bonjour Claire Durand' }).waitFor();
      await page.locator('.account').first().waitFor();
      const rows = page.locator('tbody tr');
      await rows.nth(4).waitFor();
      const statuses = await rows.locator('.badge').allTextContents();
      // A "virement" and an "ajout de bénéficiaire" are masculine: so are their statuses.
      expect(statuses.sort()).toEqual(['En attente de validation', 'Expiré', 'Refusé', 'Validé', 'Validé']);
      const pendingRow = rows.filter({ hasText: 'En attente de validation' });
      expect(await textOf(pendingRow)).toContain('2 500,00 € à Cabinet Roussel');
      expect(await textOf(pendingRow)).toContain('Claire Durand');
      expect(await textOf(page.locator('.pending-note'))).toBe('1 opération attend une validation sur Secure Access.');
      await checkPage(portal, '09-home');

      const pending = await pendingOnDevice(device, (validation) => validation.details.type === 'transfer' && validation.details.amount === '2500.00');
      await decideOnDevice(device, pending, 'approve');
      await page.locator('.pending-note').waitFor({ state: 'detached' });
      expect(await textOf(rows.filter({ hasText: 'Cabinet Roussel' }).locator('.badge'))).toBe('Validé');
    },
    STORY_TIMEOUT_MS,
  );
});
