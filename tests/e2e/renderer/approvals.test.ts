/**
 * Approving on Secure Access, as a treasurer does every day: a portal login approved by matching the number, a
 * transfer approved, one rejected, one that expires while it is open, one decided on another device meanwhile, and
 * the inbox staying honest when the bank cannot be reached.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Page } from 'playwright-core';
import type { CreateTransferBodyT } from '../../../protocol/index';
import { closeSharedBrowser, startRendererHarness, type RendererHarness } from '../../harness/renderer-harness';
import type { PortalClient } from '../../harness/http-client';
import { startTestServer, type ReadyUser, type TestServer } from '../../harness/server';
import { APPROVAL_CODE, activateFirstDeviceBySms, confirmWithApprovalCode, heading, tabTo } from './steps';

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
    expect(await harness.checkScreen('08-approval-login', { trayShot: true })).toEqual([]);

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
    await page.getByText(`Vous autorisez cette connexion à votre Espace Client avec le nombre ${shown?.number}.`).waitFor();
    // The number picked, then the approval code: possession (this computer) and knowledge (the person).
    expect(await harness.checkScreen('08-approval-login-confirm')).toEqual([]);
    await confirmWithApprovalCode(page);

    await heading(page, 'Connexion validée');
    expect(await harness.checkScreen('08-approval-result')).toEqual([]);
    expect((await portal.call('getSession')).step).toBe('authenticated');
  });
});

describe('a transfer', () => {
  it('is shown in full (amount, payee, IBAN, reference) and approved after a confirmation', async () => {
    await treasurerReady();
    const { page } = harness;
    const operation = await newTransfer(admin.portal);

    const item = inboxItem(page, 'Fournitures Martin SA');
    await item.waitFor();
    expect(await item.textContent()).toMatch(/Virement.*Expire dans [45] min.*250\s000,00\s€.*Fournitures Martin SA/);
    expect(await harness.checkScreen('07-inbox', { trayShot: true })).toEqual([]);
    await item.click();

    await heading(page, 'Validation d’un virement');
    expect(await page.locator('.amount-hero').textContent()).toMatch(/^250\s000,00\s€à Fournitures Martin SA$/);
    await page.getByRole('timer').filter({ hasText: /^Expire dans [45] min \d\d s$/ }).waitFor();
    const facts = page.locator('dl.facts');
    expect(await facts.textContent()).toContain('IBAN du bénéficiaireFR76 3000 6000 0112 3456 7890 189 IBAN vérifié');
    expect(await facts.textContent()).toContain('RéférenceFacture 2026-118');
    expect(await facts.textContent()).toContain('Demandé depuisEspace Client (navigateur)');
    expect(await harness.checkScreen('08-approval-transfer', { trayShot: true })).toEqual([]);

    // The same screen in English.
    await page.getByRole('button', { name: 'Réglages' }).click();
    await page.getByRole('radio', { name: 'English' }).check();
    await heading(page, 'Settings');
    await page.getByRole('button', { name: /^Approvals/ }).click();
    await page.getByRole('list', { name: 'Requests to approve' }).getByRole('button').filter({ hasText: 'Fournitures Martin SA' }).click();
    await heading(page, 'Transfer approval');
    expect(await page.locator('.amount-hero .amount').textContent()).toBe('€250,000.00');
    expect(await harness.checkScreen('08-approval-transfer-en')).toEqual([]);
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByRole('radio', { name: 'Français' }).check();
    await heading(page, 'Réglages');
    await page.getByRole('button', { name: /^Validations/ }).click();
    await inboxItem(page, 'Fournitures Martin SA').click();

    await page.getByRole('button', { name: 'Valider le virement' }).click();
    await page.getByText(/^Vous signez un virement de 250\s000,00\s€ à Fournitures Martin SA\.$/).waitFor();
    expect(await harness.checkScreen('08-approval-transfer-confirm')).toEqual([]);
    await confirmWithApprovalCode(page);
    await heading(page, 'Virement validé');

    const { operation: after } = await admin.portal.call('getOperation', { params: { id: operation.id } });
    expect(after.status).toBe('approved');
    expect(after.decidedByDevice).toBe('PC trésorerie');
    await page.getByRole('button', { name: 'Retour aux validations' }).click();
    await page.getByRole('heading', { name: 'Tout est en ordre' }).waitFor();
  });

  it('is rejected after a confirmation, and the bank records the refusal', async () => {
    await treasurerReady();
    const { page } = harness;
    const operation = await newTransfer(admin.portal, { amount: '1980.40', payeeName: 'Société Inconnue' });
    await inboxItem(page, 'Société Inconnue').click();
    await heading(page, 'Validation d’un virement');

    await page.getByRole('button', { name: 'Refuser' }).click();
    await page.getByRole('heading', { name: 'Refuser cette demande ?' }).waitFor();
    // Changing one's mind is possible: cancel, then reject for good.
    await page.getByRole('button', { name: 'Annuler' }).click();
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Refuser');
    await page.getByRole('button', { name: 'Refuser' }).click();
    expect(await harness.checkScreen('08-approval-reject-confirm')).toEqual([]);
    await page.getByRole('button', { name: 'Oui, refuser' }).click();
    await heading(page, 'Demande refusée');
    expect(await harness.checkScreen('08-approval-rejected')).toEqual([]);

    const { operation: after } = await admin.portal.call('getOperation', { params: { id: operation.id } });
    expect(after.status).toBe('rejected');
  });

  it('that expires while it is open can no longer be approved', async () => {
    await treasurerReady();
    const { page } = harness;
    const operation = await newTransfer(admin.portal, { amount: '74500.00', payeeName: 'Transports Bernard' });
    await inboxItem(page, 'Transports Bernard').click();
    await heading(page, 'Validation d’un virement');
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

  it('decided on another device while it is open says so, and cannot be decided twice', async () => {
    await treasurerReady();
    const { page, server } = harness;
    const phone = await server.activateDevice(admin, { deviceName: 'Téléphone de Claire' });
    const operation = await newTransfer(admin.portal, { amount: '3200.00', payeeName: 'Imprimerie Roux' });
    await inboxItem(page, 'Imprimerie Roux').click();
    await heading(page, 'Validation d’un virement');

    const { validations } = await phone.call('pendingValidations', { query: {} });
    const validation = validations.find((candidate) => candidate.id === operation.id);
    if (!validation) throw new Error('the phone did not receive the transfer');
    await phone.call('decide', { params: { id: validation.id }, body: phone.decisionBody(validation, 'approve', null) });

    await page.getByRole('alert').filter({ hasText: 'Cette demande a déjà été traitée' }).waitFor();
    expect(await page.getByRole('button', { name: 'Valider le virement' }).count()).toBe(0);
    expect(await harness.checkScreen('08-approval-already-decided')).toEqual([]);
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
    expect(await harness.checkScreen('07-inbox-offline', { trayShot: true })).toEqual([]);

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
    await heading(page, 'Personnalisez le nom de votre terminal');
    await tabTo(page, 'Nom du terminal');
    await page.keyboard.press('Control+A');
    await type('PC trésorerie');
    await page.keyboard.press('Enter');
    await heading(page, 'Obtenez votre code d’activation');
    await tabTo(page, 'Par SMS');
    await page.keyboard.press('ArrowDown');
    expect(await page.getByRole('radio', { name: 'Par service vocal (appel)' }).isChecked()).toBe(true);
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
    await tabTo(page, 'Terminer');
    await page.keyboard.press('Enter');
    await heading(page, 'Validations en attente');

    const operation = await newTransfer(admin.portal);
    await inboxItem(page, 'Fournitures Martin SA').waitFor();
    await tabTo(page, /^Virement.*Fournitures Martin SA/);
    await page.keyboard.press('Enter');
    await heading(page, 'Validation d’un virement');
    await tabTo(page, 'Valider le virement');
    await page.keyboard.press('Enter');
    // The approval code's field takes the focus, described by what is about to be signed: a screen reader reads it,
    // and the person types at once.
    const focused = await page.evaluate(() => {
      const element = document.activeElement as HTMLInputElement;
      const description = (element.getAttribute('aria-describedby') ?? '').split(' ').map((id) => document.getElementById(id)?.textContent ?? '').join(' ');
      return { name: element.name, label: document.querySelector(`label[for="${element.id}"]`)?.textContent, description };
    });
    expect(focused).toMatchObject({ name: 'approvalCode', label: 'Code de validation' });
    expect(focused.description).toMatch(/^Vous signez un virement de 250\s000,00\s€ à Fournitures Martin SA\./);
    await type(APPROVAL_CODE);
    await page.keyboard.press('Enter');
    await heading(page, 'Virement validé');
    expect((await admin.portal.call('getOperation', { params: { id: operation.id } })).operation.status).toBe('approved');
  });
});
