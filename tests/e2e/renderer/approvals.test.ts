/**
 * Approving on Secure Access, as a treasurer does every day, in the window as it opens (480 × 720): a portal login
 * approved by matching the number, a transfer approved with every fact in view and the decision bar never below the
 * fold, one whose payee name does not match the IBAN's holder (Verification of Payee) rejected, one that expires
 * while it is open, one decided on another device meanwhile ("Déjà validée sur « … » à …"), the requests of two
 * people on a shared computer, and the inbox staying honest when the bank cannot be reached.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Page } from 'playwright-core';
import type { CreateTransferBodyT } from '../../../protocol/index';
import { closeSharedBrowser, startRendererHarness, type RendererHarness } from '../../harness/renderer-harness';
import type { PortalClient } from '../../harness/http-client';
import { startTestServer, type ReadyUser, type TestServer } from '../../harness/server';
import { APPROVAL_CODE, activateFirstDeviceBySms, addUserOnThisComputer, approvePortalOnThisComputer, confirmWithApprovalCode, heading, tabTo } from './steps';

const PAYEE_IBAN = 'FR7630006000011234567890189';
const TRANSFER: CreateTransferBodyT = { amount: '250000.00', currency: 'EUR', payeeName: 'Fournitures Martin SA', iban: PAYEE_IBAN, reference: 'Facture 2026-118' };

// A person's walk through several screens, a real browser, server and keychain: slower than a unit test, above all
// on two shared cores.
vi.setConfig({ testTimeout: 120_000 });

let harness: RendererHarness;
let admin: ReadyUser;
let ownServer: TestServer | undefined;

/** Claire Durand, primary administrator, has activated this computer; her Espace Client session is open. */
async function treasurerReady(options: { server?: TestServer } = {}): Promise<void> {
  harness = await startRendererHarness(options);
  admin = await harness.server.readyPrimaryAdmin();
  await harness.open();
  await activateFirstDeviceBySms(harness, admin, 'PC trésorerie');
  await harness.page.getByRole('button', { name: 'Terminer' }).click();
  await heading(harness.page, 'Validations en attente');
}

function inboxItem(page: Page, text: string | RegExp) {
  return page.getByRole('list', { name: 'Demandes à valider' }).getByRole('button').filter({ hasText: text });
}

async function newTransfer(portal: PortalClient, overrides: Partial<CreateTransferBodyT> = {}) {
  const { operation } = await portal.call('createTransfer', { body: { ...TRANSFER, ...overrides } });
  return operation;
}

beforeEach(() => {
  ownServer = undefined;
});
afterEach(async ({ task }) => {
  if (task.result?.state === 'fail') console.error(`screen at failure: ${await harness.saveFailureArtifacts(task.name)}.png`);
  await harness.close();
  await ownServer?.close();
});
afterAll(closeSharedBrowser);

describe('a login to the Espace Client', () => {
  it('is approved by picking the number the portal shows', async () => {
    await treasurerReady();
    const { page, server } = harness;
    const portal = server.portal();
    await portal.call('login', { body: { identifier: admin.identifier, secretCode: admin.secretCode } });
    const shown = portal.session?.loginValidation;
    expect(portal.session?.step).toBe('secure_access');

    await inboxItem(page, 'Connexion').click();
    await heading(page, 'Demande de connexion');
    const choices = page.getByRole('group', { name: 'Sélectionnez le nombre affiché dans votre Espace Client' }).getByRole('radio');
    expect(await choices.count()).toBe(3);
    const facts = await page.locator('dl.facts').innerText();
    expect(facts).toMatch(/Utilisateur\s+Claire Durand/);
    expect(facts).toMatch(/Entreprise\s+Durand Industrie SAS/);
    // The browser in words, not its raw user agent.
    expect(facts).toMatch(/Depuis\s+Espace Client \(navigateur\)\s+(Navigateur non reconnu|\S.*)/);
    expect(facts).not.toContain('Mozilla/5.0');
    expect(await harness.checkScreen('08-approval-login')).toEqual([]);
    expect(await harness.inView('.decision-bar .button-approve')).toBe(true);

    // Approving without a number is not possible.
    await page.getByRole('button', { name: 'Valider la connexion' }).click();
    await page.getByRole('alert').filter({ hasText: 'Choisissez d’abord le nombre affiché dans votre Espace Client.' }).waitFor();

    // By keyboard, as some people do: focus the choices, arrow to the right number.
    await choices.first().focus();
    const labels = await choices.evaluateAll((inputs) => inputs.map((input) => Number((input as HTMLInputElement).value)));
    const target = labels.indexOf(shown?.number ?? -1);
    expect(target).toBeGreaterThanOrEqual(0);
    await page.keyboard.press('Space');
    for (let step = 0; step < target; step++) await page.keyboard.press('ArrowRight');
    expect(await choices.nth(target).isChecked()).toBe(true);

    await page.getByRole('button', { name: 'Valider la connexion' }).click();
    await page.getByRole('heading', { name: 'Confirmez-vous la validation ?' }).waitFor();
    await page.getByText(`Vous allez valider la connexion à l’Espace Client avec le nombre ${shown?.number}.`).waitFor();
    // The number picked, then the approval code: possession (this computer) and knowledge (the person).
    expect(await harness.checkScreen('08-approval-login-confirm')).toEqual([]);
    await confirmWithApprovalCode(page);

    await heading(page, 'Connexion validée');
    expect(await harness.checkScreen('08-approval-result')).toEqual([]);
    expect((await portal.call('getSession')).step).toBe('authenticated');
  });
});

describe('a transfer', () => {
  it('is shown in banking words, every fact signed, with the decision bar in view at 480 × 720, and approved after a confirmation', async () => {
    await treasurerReady();
    const { page } = harness;
    const { accounts } = await admin.portal.call('accounts');
    const debited = accounts[0]!;
    const operation = await newTransfer(admin.portal, { debitAccountId: debited.id });

    const item = inboxItem(page, 'Fournitures Martin SA');
    await item.waitFor();
    expect(await item.textContent()).toMatch(/Virement.*Expire dans [45]\smin\s\d\d\ss.*250\s000,00\s€.*Fournitures Martin SA/);
    expect(await harness.checkScreen('07-inbox')).toEqual([]);
    await item.click();

    await heading(page, 'Virement à valider');
    expect(await page.locator('.amount-hero').textContent()).toMatch(/^250\s000,00\s€à Fournitures Martin SA$/);
    const facts = await page.locator('dl.facts').innerText();
    for (const fact of [
      /Utilisateur\s+Claire Durand/, /Entreprise\s+Durand Industrie SAS/, /Saisi par\s+Claire Durand/,
      new RegExp(`Compte débité\\s+${debited.name}\\s+${debited.iban.replace(/(.{4})(?=.)/g, '$1 ')}`),
      /Bénéficiaire\s+Fournitures Martin SA\s+Nom confirmé par la banque du bénéficiaire/,
      /IBAN du bénéficiaire\s+FR76 3000 6000 0112 3456 7890 189\s+Format d’IBAN valide/,
      /Pays du bénéficiaire\s+France/, /Référence\s+Facture 2026-118/,
      /Date d’exécution\s+\d{1,2} \S+ 20\d\d \(aujourd’hui\)/, /Saisi le\s+.*\s+Espace Client \(navigateur\)/,
    ]) expect(facts).toMatch(fact);
    // The format of an IBAN is all the app can vouch for: it never says the IBAN was checked.
    expect(await page.locator('main').innerText()).not.toMatch(/IBAN vérifié/);

    // The window as it opens: the facts run below the fold, the countdown and the buttons do not.
    expect(await harness.checkScreen('08-approval-transfer')).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollHeight)).toBeGreaterThan(720);
    for (const selector of ['.decision-bar [role="timer"]', '.decision-bar .button-approve', '.decision-bar .button-reject']) {
      expect(await harness.inView(selector), selector).toBe(true);
    }
    await page.getByRole('timer').filter({ hasText: /^Expire dans [45]\smin\s\d\d\ss$/ }).waitFor();
    await page.locator('dl.facts > div').last().scrollIntoViewIfNeeded();
    expect(await harness.inView('.decision-bar .button-approve')).toBe(true);
    await page.evaluate(() => window.scrollTo(0, 0));

    // The same screen in English.
    await page.getByRole('button', { name: 'Réglages' }).click();
    await page.getByRole('radio', { name: 'English' }).check();
    await heading(page, 'Settings');
    await page.getByRole('button', { name: /^Approvals/ }).click();
    await page.getByRole('list', { name: 'Requests to approve' }).getByRole('button').filter({ hasText: 'Fournitures Martin SA' }).click();
    await heading(page, 'Transfer to approve');
    expect(await page.locator('.amount-hero .amount').textContent()).toBe('€250,000.00');
    expect(await page.locator('dl.facts').innerText()).toMatch(/Entered by\s+Claire Durand/);
    expect(await harness.checkScreen('08-approval-transfer-en')).toEqual([]);
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByRole('radio', { name: 'Français' }).check();
    await heading(page, 'Réglages');
    await page.getByRole('button', { name: /^Validations/ }).click();
    await inboxItem(page, 'Fournitures Martin SA').click();

    await page.getByRole('button', { name: 'Valider le virement' }).click();
    const debitMask = `${debited.iban.slice(0, 4)} •••• ${debited.iban.slice(-4)}`;
    await page.getByText(`Vous allez valider un virement de 250\u202f000,00\u00a0€ à Fournitures Martin SA, débité du compte « ${debited.name} » (${debitMask}).`).waitFor();
    // "Annuler" next to "Oui, valider" read as "cancel the transfer": going back says where it goes.
    await page.getByRole('button', { name: 'Revenir au détail' }).waitFor();
    expect(await page.getByRole('button', { name: 'Annuler' }).count()).toBe(0);
    expect(await harness.checkScreen('08-approval-transfer-confirm')).toEqual([]);
    expect(await harness.inView('.confirm .button-approve')).toBe(true);
    await confirmWithApprovalCode(page);
    await heading(page, 'Virement validé');
    // The bank records the approval; it does not say the money has left.
    await page.getByText(/^La banque a enregistré votre validation\. Elle exécutera le virement à sa date d’exécution, le \d{1,2} \S+ 20\d\d\.$/).waitFor();
    expect(await harness.checkScreen('08-approval-result')).toEqual([]);

    const { operation: after } = await admin.portal.call('getOperation', { params: { id: operation.id } });
    expect(after.status).toBe('approved');
    expect(after.decidedByDevice).toBe('PC trésorerie');
    await page.getByRole('button', { name: 'Retour aux validations' }).click();
    await page.getByRole('heading', { name: 'Tout est en ordre' }).waitFor();
  });

  it('whose payee name is not the IBAN holder’s says so before anything else, and is rejected after a confirmation', async () => {
    await treasurerReady();
    const { page } = harness;
    // The IBAN of Fournitures Martin SA, under another name: the payee's bank says it does not match.
    const operation = await newTransfer(admin.portal, { amount: '1980.40', payeeName: 'Société Inconnue' });
    await inboxItem(page, 'Société Inconnue').click();
    await heading(page, 'Virement à valider');

    const alert = page.locator('.alert-error').filter({ hasText: 'Le nom ne correspond pas au titulaire du compte' });
    await alert.waitFor();
    expect((await alert.innerText()).replace(/\s+/g, ' ')).toContain('La banque du bénéficiaire indique que « Société Inconnue » n’est pas le nom du titulaire de cet IBAN.');
    expect(await page.locator('dl.facts').innerText()).toMatch(/Bénéficiaire\s+Société Inconnue\s+Ce nom n’est pas celui du titulaire du compte/);
    expect(await harness.checkScreen('08-approval-transfer-no-match')).toEqual([]);
    expect(await harness.inView('.alert-error')).toBe(true);

    // Approving is still the person's call, with the warning repeated in the confirmation.
    await page.getByRole('button', { name: 'Valider le virement' }).click();
    await page.locator('#confirm-summary').filter({ hasText: 'Le nom du bénéficiaire ne correspond pas au titulaire du compte.' }).waitFor();
    await page.getByRole('button', { name: 'Revenir au détail' }).click();
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Valider le virement');

    await page.getByRole('button', { name: 'Refuser' }).click();
    await page.getByRole('heading', { name: 'Refuser cette demande ?' }).waitFor();
    await page.getByText(/^Vous allez refuser le virement de 1\s980,40\s€ à Société Inconnue\s: il ne sera pas exécuté\./).waitFor();
    // Changing one's mind is possible: back to the details, then reject for good.
    await page.getByRole('button', { name: 'Revenir au détail' }).click();
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Refuser');
    await page.getByRole('button', { name: 'Refuser' }).click();
    expect(await harness.checkScreen('08-approval-reject-confirm')).toEqual([]);
    await page.getByRole('button', { name: 'Oui, refuser' }).click();
    await heading(page, 'Demande refusée');
    await page.getByText('La banque a enregistré votre refus : le virement ne sera pas exécuté.').waitFor();
    expect(await harness.checkScreen('08-approval-rejected')).toEqual([]);

    const { operation: after } = await admin.portal.call('getOperation', { params: { id: operation.id } });
    expect(after.status).toBe('rejected');
  });

  it('to a payee whose bank cannot be asked, or whose name is close, says what the bank knows', async () => {
    await treasurerReady();
    const { page } = harness;
    await newTransfer(admin.portal, { amount: '640.00', payeeName: 'Fournitures Martn' });
    await newTransfer(admin.portal, { amount: '75.00', payeeName: 'Lloyds Supplier Ltd', iban: 'GB29 NWBK 6016 1331 9268 19' });

    await inboxItem(page, 'Fournitures Martn').click();
    await page.locator('.alert-warning').filter({ hasText: 'Nom proche de celui du titulaire' })
      .filter({ hasText: 'La banque du bénéficiaire connaît ce compte au nom de « Fournitures Martin SA », et non « Fournitures Martn ».' }).waitFor();
    expect(await harness.checkScreen('08-approval-transfer-close-match')).toEqual([]);
    await page.getByRole('button', { name: 'Retour aux validations' }).click();

    await inboxItem(page, 'Lloyds Supplier Ltd').click();
    await page.locator('.alert-info').filter({ hasText: 'Nom du bénéficiaire non vérifié' }).waitFor();
    const facts = await page.locator('dl.facts').innerText();
    expect(facts).toMatch(/Pays du bénéficiaire\s+Royaume-Uni\s+Hors du pays du compte débité/);
    expect(facts).toMatch(/Nom non vérifié par la banque du bénéficiaire/);
    expect(await harness.checkScreen('08-approval-transfer-unavailable')).toEqual([]);
  });

  it('that expires while it is open can no longer be approved', async () => {
    await treasurerReady();
    const { page } = harness;
    const operation = await newTransfer(admin.portal, { amount: '74500.00', payeeName: 'Transports Bernard' });
    await inboxItem(page, 'Transports Bernard').click();
    await heading(page, 'Virement à valider');
    await page.getByRole('button', { name: 'Valider le virement' }).waitFor();

    // The portal waits on the operation meanwhile (which keeps its session alive), as the treasurer's browser does.
    await harness.advance(3 * 60_000);
    expect((await admin.portal.call('getOperation', { params: { id: operation.id } })).operation.status).toBe('pending');
    await page.getByRole('button', { name: 'Valider le virement' }).waitFor();
    await harness.advance(2 * 60_000 + 1000);
    await page.getByRole('alert').filter({ hasText: 'Cette demande a expiré' }).waitFor();
    expect(await page.getByRole('button', { name: 'Valider le virement' }).count()).toBe(0);
    expect(await harness.checkScreen('08-approval-expired')).toEqual([]);

    const { operation: after } = await admin.portal.call('getOperation', { params: { id: operation.id } });
    expect(after.status).toBe('expired');
    await page.getByRole('button', { name: 'Retour aux validations' }).click();
    await page.getByRole('heading', { name: 'Tout est en ordre' }).waitFor();
  });

  it('decided on another device while it is open says where and when, and cannot be decided twice', async () => {
    await treasurerReady();
    const { page, server } = harness;
    const phone = await server.activateDevice(admin, { deviceName: 'Téléphone de Claire' });
    const operation = await newTransfer(admin.portal, { amount: '3200.00', payeeName: 'Imprimerie Roux' });
    await inboxItem(page, 'Imprimerie Roux').click();
    await heading(page, 'Virement à valider');

    const { validations } = await phone.call('pendingValidations', { query: {} });
    const validation = validations.find((candidate) => candidate.id === operation.id);
    if (!validation) throw new Error('the phone did not receive the transfer');
    await phone.call('decide', { params: { id: validation.id }, body: phone.decisionBody(validation, 'approve', null) });

    const decidedAt = new Intl.DateTimeFormat('fr-FR', { hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Paris' }).format(new Date(harness.server.clock.now()));
    await page.getByRole('alert').filter({ hasText: 'Cette demande n’est plus en attente' })
      .filter({ hasText: `Déjà validée sur « Téléphone de Claire » à ${decidedAt}.` }).waitFor();
    expect(await page.getByRole('button', { name: 'Valider le virement' }).count()).toBe(0);
    expect(await harness.checkScreen('08-approval-already-decided')).toEqual([]);
  });
});

describe('a shared computer', () => {
  it('groups the requests by person, and says on whose behalf in the confirmation', async () => {
    await treasurerReady();
    const { page, server } = harness;
    const marc = await server.readySecondaryUser(admin.portal, 'Marc Petit');
    await addUserOnThisComputer(harness, admin, marc, 'PC trésorerie');
    await approvePortalOnThisComputer(harness, marc.portal);
    await page.getByRole('button', { name: /^Validations/ }).click();

    await newTransfer(admin.portal, { amount: '1500.00', payeeName: 'Transports Bernard SARL', iban: 'FR76 1010 7001 0112 3456 7890 129' });
    await newTransfer(marc.portal, { amount: '640.00', payeeName: 'Imprimerie Roux', iban: 'FR76 3000 4000 0312 3456 7890 143' });
    const claireGroup = page.getByRole('region', { name: /^Claire Durand · Durand Industrie SAS/ });
    const marcGroup = page.getByRole('region', { name: /^Marc Petit · Durand Industrie SAS/ });
    await claireGroup.getByRole('list', { name: 'Demandes à valider de Claire Durand · Durand Industrie SAS' }).getByRole('button').filter({ hasText: 'Transports Bernard SARL' }).waitFor();
    await marcGroup.getByRole('button').filter({ hasText: 'Imprimerie Roux' }).waitFor();
    expect(await claireGroup.getByRole('button').filter({ hasText: 'Imprimerie Roux' }).count()).toBe(0);
    expect(await harness.checkScreen('07-inbox-shared-computer')).toEqual([]);

    await marcGroup.getByRole('button').filter({ hasText: 'Imprimerie Roux' }).click();
    await heading(page, 'Virement à valider');
    await page.getByText('Pour Marc Petit', { exact: true }).waitFor();
    expect(await page.locator('dl.facts').innerText()).toMatch(/Utilisateur\s+Marc Petit/);
    await page.getByRole('button', { name: 'Valider le virement' }).click();
    await page.getByText(/^Vous allez valider, au nom de Marc Petit, un virement de 640,00\s€ à Imprimerie Roux, débité du compte /).waitFor();
    expect(await harness.checkScreen('08-approval-shared-computer-confirm')).toEqual([]);
    await confirmWithApprovalCode(page);
    await heading(page, 'Virement validé');
  });
});

describe('the connection to the bank', () => {
  it('is shown when lost, and a request made meanwhile arrives once it is back', async () => {
    const server = await startTestServer({ startAt: Date.now() });
    ownServer = server;
    await treasurerReady({ server });
    const { page } = harness;
    const { databaseUrl, clock, port } = server;

    await server.close({ keepData: true });
    await page.getByRole('status').filter({ hasText: 'Hors connexion. Les nouvelles demandes arriveront dès le retour du réseau.' }).waitFor();
    expect(await harness.checkScreen('07-inbox-offline')).toEqual([]);

    ownServer = await startTestServer({ databaseUrl, clock, port });
    const portal = ownServer.portal();
    await portal.call('login', { body: { identifier: admin.identifier, secretCode: admin.secretCode } });
    await page.getByRole('button', { name: 'Vérifier maintenant' }).first().click();
    await inboxItem(page, 'Connexion').waitFor();
    await page.getByText(/^Hors connexion/).waitFor({ state: 'detached' });
  });
});


describe('with the keyboard only', () => {
  it('a person activates the device and approves a transfer, seeing where the focus is at every step', async () => {
    harness = await startRendererHarness();
    const { page, server } = harness;
    admin = await server.readyPrimaryAdmin();
    await harness.open();
    const type = (text: string) => page.keyboard.insertText(text);

    await tabTo(page, 'Adresse du serveur de votre banque');
    await type(server.baseUrl);
    await tabTo(page, 'Commencer l’activation');
    await page.keyboard.press('Enter');
    await heading(page, 'Connectez-vous');
    await tabTo(page, 'Identifiant');
    await type(admin.identifier);
    await tabTo(page, 'Code Secret');
    await type(admin.secretCode);
    await page.keyboard.press('Enter');
    await heading(page, 'Personnalisez le nom de votre appareil');
    await tabTo(page, 'Nom de l’appareil');
    await page.keyboard.press('Control+A');
    await type('PC trésorerie');
    await page.keyboard.press('Enter');
    await heading(page, 'Obtenez votre code d’activation');
    await tabTo(page, 'Par SMS');
    await page.keyboard.press('ArrowDown');
    expect(await page.getByRole('radio', { name: 'Par service vocal' }).isChecked()).toBe(true);
    await page.keyboard.press('ArrowUp');
    await tabTo(page, 'Recevoir mon code d’activation');
    await page.keyboard.press('Enter');
    await heading(page, 'Saisissez votre code d’activation');
    await tabTo(page, 'Code d’activation (8 chiffres)');
    await type(await server.latestCode('activation_code', admin.securityPhone ?? undefined));
    await page.keyboard.press('Enter');
    await heading(page, 'Choisissez votre code de validation');
    await tabTo(page, 'Code de validation');
    await type(APPROVAL_CODE);
    await tabTo(page, 'Confirmez le code de validation');
    await type(APPROVAL_CODE);
    await page.keyboard.press('Enter');
    await heading(page, 'Secure Access est actif');
    await approvePortalOnThisComputer(harness, admin.portal);
    await tabTo(page, 'Terminer');
    await page.keyboard.press('Enter');
    await heading(page, 'Validations en attente');

    const operation = await newTransfer(admin.portal);
    await inboxItem(page, 'Fournitures Martin SA').waitFor();
    await tabTo(page, /^Virement.*Fournitures Martin SA/);
    await page.keyboard.press('Enter');
    await heading(page, 'Virement à valider');
    await tabTo(page, 'Valider le virement');
    await page.keyboard.press('Enter');
    // The approval code's field takes the focus, described by what is about to be approved: a screen reader reads
    // it, and the person types at once.
    const focused = await page.evaluate(() => {
      const element = document.activeElement as HTMLInputElement;
      const description = (element.getAttribute('aria-describedby') ?? '').split(' ').map((id) => document.getElementById(id)?.textContent ?? '').join(' ');
      return { name: element.name, label: document.querySelector(`label[for="${element.id}"]`)?.textContent, description };
    });
    expect(focused).toMatchObject({ name: 'approvalCode', label: 'Code de validation' });
    expect(focused.description).toMatch(/^Vous allez valider un virement de 250\s000,00\s€ à Fournitures Martin SA, débité du compte /);
    await type(APPROVAL_CODE);
    await page.keyboard.press('Enter');
    await heading(page, 'Virement validé');
    expect((await admin.portal.call('getOperation', { params: { id: operation.id } })).operation.status).toBe('approved');
  });
});
