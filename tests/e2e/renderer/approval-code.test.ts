/**
 * The approval code on the screens, as a person meets it: chosen right after activation (the rules ticking as they
 * type, in French and English), typed for a login after the number and for a transfer; a wrong one answered with the
 * attempts left; five locking the approvals, and the way back by activating again; the code changed in Comptes; and
 * an account activated before approval codes asked for one before its next approval. Keyboard only where it matters,
 * axe-checked, with a screenshot of each screen.
 */
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import type { Page } from 'playwright-core';
import type { CreateTransferBodyT } from '../../../protocol/index';
import { closeSharedBrowser, startRendererHarness, type RendererHarness } from '../../harness/renderer-harness';
import type { ReadyUser } from '../../harness/server';
import {
  APPROVAL_CODE, activateFirstDeviceBySms, addUserOnThisComputer, askCodeOnSecurityPhone, chooseApprovalCode, confirmWithApprovalCode, heading,
  requestFirstActivationCode, tabTo, typeActivationCode,
} from './steps';

const TRANSFER: CreateTransferBodyT = { amount: '48200.00', currency: 'EUR', payeeName: 'Transports Bernard', iban: 'FR7630006000011234567890189', reference: 'Facture 2026-207' };

vi.setConfig({ testTimeout: 120_000 });

let harness: RendererHarness;

afterEach(async ({ task }) => {
  if (task.result?.state === 'fail') console.error(`screen at failure: ${await harness.saveFailureArtifacts(task.name)}.png`);
  await harness.close();
});
afterAll(closeSharedBrowser);

function inboxItem(page: Page, text: string | RegExp) {
  return page.getByRole('list', { name: 'Demandes à valider' }).getByRole('button').filter({ hasText: text });
}

/** Which rules the screen shows as met, by their data-rule name. */
async function rulesMet(page: Page): Promise<string[]> {
  return page.locator('.code-rules li.rule-met').evaluateAll((items) => items.map((item) => item.getAttribute('data-rule') ?? ''));
}

async function readyTreasurer(): Promise<ReadyUser> {
  harness = await startRendererHarness();
  const admin = await harness.server.readyPrimaryAdmin();
  await harness.open();
  await activateFirstDeviceBySms(harness, admin, 'PC trésorerie');
  await harness.page.getByRole('button', { name: 'Terminer' }).click();
  await heading(harness.page, 'Validations en attente');
  return admin;
}

async function openTransfer(page: Page, admin: ReadyUser, overrides: Partial<CreateTransferBodyT> = {}) {
  const { operation } = await admin.portal.call('createTransfer', { body: { ...TRANSFER, ...overrides } });
  await inboxItem(page, overrides.payeeName ?? TRANSFER.payeeName).click();
  await heading(page, 'Virement à valider');
  await page.getByRole('button', { name: 'Valider le virement' }).click();
  await page.getByRole('heading', { name: 'Confirmez-vous la validation ?' }).waitFor();
  return operation;
}

describe('choosing the approval code after activation', () => {
  it('shows each rule as it is met, refuses a weak or mismatched code with the reason, then the account is active', async () => {
    harness = await startRendererHarness();
    const { page, server } = harness;
    const admin = await server.readyPrimaryAdmin();
    await harness.open();
    await typeActivationCode(page, await requestFirstActivationCode(harness, admin, 'PC trésorerie', 'sms'));

    await heading(page, 'Choisissez votre code de validation');
    await page.getByText('Étape 4\u00a0sur 4').waitFor();
    expect(await rulesMet(page)).toEqual([]);
    expect((await harness.core.handlers.getSnapshot(undefined)).accounts[0]).toMatchObject({ status: 'active', approvalCodeSet: false });
    expect(await harness.checkScreen('06a-approval-code-choose')).toEqual([]);

    const code = page.getByLabel('Code de validation', { exact: true });
    await code.fill('123456');
    expect(await rulesMet(page)).toEqual(['length', 'digits', 'repetition', 'identifier']);
    await code.fill('111111');
    expect(await rulesMet(page)).toEqual(['length', 'digits', 'sequence', 'identifier']);
    await code.fill('4829');
    expect(await rulesMet(page)).toEqual(['digits', 'repetition', 'sequence', 'identifier']);
    await page.getByRole('button', { name: 'Enregistrer mon code' }).click();
    await page.getByText('Ce code ne respecte pas toutes les règles.').waitFor();
    expect(await code.getAttribute('aria-invalid')).toBe('true');
    expect(await harness.checkScreen('06a-approval-code-rules')).toEqual([]);

    await code.fill(APPROVAL_CODE);
    expect(await rulesMet(page)).toEqual(['length', 'digits', 'repetition', 'sequence', 'identifier']);
    await page.getByLabel('Confirmez le code de validation').fill('482916');
    await page.getByRole('button', { name: 'Enregistrer mon code' }).click();
    await page.getByText('Les deux codes ne sont pas identiques.').waitFor();
    expect((await harness.core.handlers.getSnapshot(undefined)).accounts[0]?.approvalCodeSet).toBe(false);

    await page.getByLabel('Confirmez le code de validation').fill(APPROVAL_CODE);
    await page.getByRole('button', { name: 'Enregistrer mon code' }).click();
    await heading(page, 'Secure Access est actif');
    expect((await harness.core.handlers.getSnapshot(undefined)).accounts[0]?.approvalCodeSet).toBe(true);
  });

  it('in English, with IT asking for 8 digits at least', async () => {
    harness = await startRendererHarness({
      policy: {
        source: '/etc/secure-access/policy.json', serverUrl: null, serverUrlLocked: false, allowAdditionalServers: true, startAtLogin: null,
        updatesEnabled: true, approvalCodeMinLength: 8, errors: [],
      },
    });
    const { page, server } = harness;
    const admin = await server.readyPrimaryAdmin();
    await harness.open();
    await page.getByRole('button', { name: 'English' }).click();
    await heading(page, 'Welcome to Secure Access');
    await page.getByLabel('Your bank’s server address').fill(server.baseUrl);
    await page.getByRole('button', { name: 'Start activation' }).click();
    await heading(page, 'Log in');
    await page.getByLabel('Identifier').fill(admin.identifier);
    await page.getByLabel('Secret Code', { exact: true }).fill(admin.secretCode);
    await page.getByRole('button', { name: 'Log in' }).click();
    await heading(page, 'Name this device');
    await page.getByRole('button', { name: 'Save the name' }).click();
    await heading(page, 'Get your activation code');
    await page.getByRole('button', { name: 'Get my activation code' }).click();
    await heading(page, 'Enter your activation code');
    await page.getByLabel('Activation code (8 digits)').fill(await server.latestCode('activation_code', admin.securityPhone ?? undefined));
    await page.getByRole('button', { name: 'Activate Secure Access' }).click();

    await heading(page, 'Choose your approval code');
    await page.getByText('have 8 to 12 digits;').waitFor();
    await page.getByLabel('Approval code', { exact: true }).fill(APPROVAL_CODE);
    expect(await rulesMet(page)).toEqual(['digits', 'repetition', 'sequence', 'identifier']);
    expect(await harness.checkScreen('06a-approval-code-choose-en')).toEqual([]);
    await page.getByLabel('Approval code', { exact: true }).fill('48291573');
    await page.getByLabel('Confirm the approval code').fill('48291573');
    await page.getByRole('button', { name: 'Save my code' }).click();
    await heading(page, 'Secure Access is active');
  });
});

describe('approving with the code', () => {
  it('a login: the number first, then the code; a wrong code says how many attempts are left and keeps the request', async () => {
    const admin = await readyTreasurer();
    const { page, server } = harness;
    const portal = server.portal();
    await portal.call('login', { body: { identifier: admin.identifier, secretCode: admin.secretCode } });
    const shown = portal.session!.loginValidation!;
    await inboxItem(page, 'Connexion').click();
    await heading(page, 'Demande de connexion');
    await page.getByRole('radio', { name: String(shown.number), exact: true }).check();
    await page.getByRole('button', { name: 'Valider la connexion' }).click();
    await page.getByText(`Vous allez valider la connexion à l’Espace Client avec le nombre ${shown.number}.`).waitFor();

    // Nothing typed: said so at once, and nothing sent.
    await page.getByRole('button', { name: 'Oui, valider' }).click();
    await page.getByText('Saisissez votre code de validation (6 à 12 chiffres).').waitFor();
    await page.getByLabel('Code de validation', { exact: true }).fill('739164');
    await page.getByRole('button', { name: 'Oui, valider' }).click();
    await page.getByText('Code de validation incorrect. Il vous reste 4 essais.').first().waitFor();
    expect(await page.getByLabel('Code de validation', { exact: true }).inputValue()).toBe('');
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name)).toBe('approvalCode');
    expect((await portal.call('getSession')).step).toBe('secure_access');
    expect(await harness.checkScreen('08-approval-code-wrong')).toEqual([]);

    await confirmWithApprovalCode(page);
    await heading(page, 'Connexion validée');
    expect((await portal.call('getSession')).step).toBe('authenticated');
  });

  it('a forgotten code: the app explains the way back, which goes through Utilisateurs', async () => {
    const admin = await readyTreasurer();
    const { page } = harness;
    await openTransfer(page, admin);
    await page.getByText('Code oublié ?').click();
    await page.getByText(/Personne ne peut vous le redonner/).waitFor();
    expect(await harness.checkScreen('08-approval-code-forgotten')).toEqual([]);
    await page.getByRole('button', { name: 'Aller aux utilisateurs' }).click();
    await heading(page, 'Utilisateurs de cet ordinateur');
  });
});

describe('five wrong codes in a row', () => {
  it('lock the account’s approvals: the app says so plainly; activating again brings a new device and a new code', async () => {
    const admin = await readyTreasurer();
    const { page, server } = harness;
    const operation = await openTransfer(page, admin);
    const [account] = (await harness.core.handlers.getSnapshot(undefined)).accounts;
    const accountId = account!.id;
    const lockedDevice = account!.deviceId!;
    for (const left of [4, 3, 2, 1]) {
      await page.getByLabel('Code de validation', { exact: true }).fill('739164');
      await page.getByRole('button', { name: 'Oui, valider' }).click();
      await page.getByText(`Code de validation incorrect. ${left > 1 ? `Il vous reste ${left} essais` : 'Il vous reste 1 essai'}.`).first().waitFor();
    }
    await page.getByLabel('Code de validation', { exact: true }).fill('739164');
    await page.getByRole('button', { name: 'Oui, valider' }).click();

    await page.getByRole('alert').filter({ hasText: 'Validations bloquées sur cet ordinateur' }).waitFor();
    await page.getByText(/cet appareil ne compte plus parmi vos 5/).waitFor();
    expect(await page.getByRole('button', { name: 'Oui, valider' }).count()).toBe(0);
    expect(await harness.checkScreen('08-approval-code-locked')).toEqual([]);
    const stillPending = await server.server.ctx.db.selectFrom('validations').select('status').where('id', '=', operation.id).executeTakeFirstOrThrow();
    expect(stillPending.status).toBe('pending');

    await page.getByRole('button', { name: /^Validations/ }).click();
    const banner = page.getByText(/^Validations bloquées pour .* après 5\scodes de validation erronés\.$/);
    await banner.waitFor();
    // The banner's way back is the same as the card's: an added account (the locked one is still listed), whose
    // "Retour" leads to adding a user, not to the first-run welcome.
    await page.locator('.banners').getByRole('button', { name: 'Réactiver Secure Access' }).click();
    await heading(page, 'Connectez-vous');
    await page.getByRole('button', { name: 'Retour' }).click();
    await heading(page, 'Ajouter un utilisateur sur cet ordinateur');
    await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('button', { name: 'Utilisateurs' }).click();
    const card = page.getByRole('article');
    await card.getByText('Validations bloquées', { exact: true }).waitFor();
    expect(await harness.checkScreen('09-accounts-locked')).toEqual([]);

    // The way back, a minute later: the installation guide's activation, the identifier already there.
    await harness.advance(60_000);
    await card.getByRole('button', { name: 'Réactiver Secure Access' }).click();
    await heading(page, 'Connectez-vous');
    expect(await page.getByLabel('Identifiant').inputValue()).toBe(admin.identifier);
    await page.getByLabel('Code Secret', { exact: true }).fill(admin.secretCode);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await heading(page, 'Personnalisez le nom de votre appareil');
    const devices = await server.server.ctx.db.selectFrom('devices').select(['id', 'status']).where('id', '=', lockedDevice).execute();
    expect(devices).toEqual([{ id: lockedDevice, status: 'revoked' }]);
    expect((await harness.core.handlers.getSnapshot(undefined)).accounts.map((account) => account.id)).not.toContain(accountId);
    await page.getByRole('button', { name: 'Enregistrer le nom' }).click();
    await askCodeOnSecurityPhone(page, 'sms');
    await typeActivationCode(page, await server.latestCode('activation_code', admin.securityPhone ?? undefined));
    await chooseApprovalCode(page, '605182');
    await heading(page, 'Secure Access est actif');
  });
});

describe('changing the approval code', () => {
  it('in Utilisateurs: the current code proven, the new one typed twice; a wrong current code counts', async () => {
    const admin = await readyTreasurer();
    const { page } = harness;
    await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('button', { name: 'Utilisateurs' }).click();
    await page.getByRole('button', { name: 'Changer le code de validation' }).click();
    await heading(page, 'Changer le code de validation');
    expect(await harness.checkScreen('09-approval-code-change')).toEqual([]);

    await page.getByLabel('Code de validation actuel').fill('739164');
    await page.getByLabel('Nouveau code de validation').fill('605182');
    await page.getByLabel('Confirmez le nouveau code').fill('605182');
    await page.getByRole('button', { name: 'Changer le code' }).click();
    await page.getByRole('alert').filter({ hasText: 'Code de validation incorrect. Il vous reste 4 essais.' }).waitFor();
    expect(await page.getByLabel('Code de validation actuel').inputValue()).toBe('');
    expect(await harness.checkScreen('09-approval-code-change-wrong')).toEqual([]);

    // The same code again is not a change.
    await page.getByLabel('Code de validation actuel').fill(APPROVAL_CODE);
    await page.getByLabel('Nouveau code de validation').fill(APPROVAL_CODE);
    await page.getByRole('button', { name: 'Changer le code' }).click();
    await page.getByText('Le nouveau code doit être différent du code actuel.').waitFor();
    await page.getByLabel('Nouveau code de validation').fill('605182');
    await page.getByRole('button', { name: 'Changer le code' }).click();
    await heading(page, 'Utilisateurs de cet ordinateur');
    await page.getByText('Code de validation modifié.').waitFor({ state: 'attached' });

    await page.getByRole('button', { name: /^Validations/ }).click();
    await openTransfer(page, admin);
    await confirmWithApprovalCode(page, APPROVAL_CODE);
    await page.getByText('Code de validation incorrect. Il vous reste 4 essais.').first().waitFor();
    await confirmWithApprovalCode(page, '605182');
    await heading(page, 'Virement validé');
  });
});

describe('an account activated before approval codes', () => {
  it('opens on the choice of its code, and a request waiting for approval comes back once it is chosen — keyboard only', async () => {
    harness = await startRendererHarness();
    const { page, server } = harness;
    const admin = await server.readyPrimaryAdmin();
    // Activated by the previous version of the app: no approval code.
    const { handlers } = harness.core;
    const started = await handlers.startActivation({ serverUrl: server.baseUrl, identifier: admin.identifier, secretCode: admin.secretCode });
    await handlers.requestActivationCode({ accountId: started.id, channel: 'sms' });
    await handlers.submitActivationCode({ accountId: started.id, code: await server.latestCode('activation_code', admin.securityPhone ?? undefined) });
    // Its next approval: the Espace Client's login, which waited at the installation step and now asks Secure Access.
    const login = (await admin.portal.call('startSecureAccessLogin')).loginValidation!;
    await harness.open();

    await heading(page, 'Choisissez votre code de validation');
    expect(await harness.checkScreen('06c-approval-code-before-next-approval')).toEqual([]);
    // Later, from the request itself.
    await page.getByRole('button', { name: /^Validations/ }).click();
    await page.getByText(/^Choisissez le code de validation de .*\u00a0: il est demandé à chaque validation\.$/).waitFor();
    await inboxItem(page, 'Connexion').click();
    await heading(page, 'Demande de connexion');
    await page.getByRole('radio', { name: String(login.number), exact: true }).focus();
    await page.keyboard.press('Space');
    await tabTo(page, 'Valider la connexion');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Choisissez d’abord votre code de validation' }).waitFor();
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Choisir mon code de validation');
    await page.keyboard.press('Enter');
    await heading(page, 'Choisissez votre code de validation');
    await tabTo(page, 'Code de validation');
    await page.keyboard.insertText(APPROVAL_CODE);
    await tabTo(page, 'Confirmez le code de validation');
    await page.keyboard.insertText(APPROVAL_CODE);
    await page.keyboard.press('Enter');

    await heading(page, 'Demande de connexion');
    await page.getByRole('radio', { name: String(login.number), exact: true }).focus();
    await page.keyboard.press('Space');
    await tabTo(page, 'Valider la connexion');
    await page.keyboard.press('Enter');
    await page.keyboard.insertText(APPROVAL_CODE);
    await page.keyboard.press('Enter');
    await heading(page, 'Connexion validée');
    expect((await admin.portal.call('getSession')).step).toBe('authenticated');
  });
});

describe('a shared computer', () => {
  it('each account asks for its own code: the other person’s is refused', async () => {
    const admin = await readyTreasurer();
    const { page, server } = harness;
    const marc = await server.readySecondaryUser(admin.portal, 'Marc Petit');
    await addUserOnThisComputer(harness, admin, marc, 'PC partagé – comptabilité', '736152');
    await page.getByRole('button', { name: /^Validations/ }).click();

    const operation = await openTransfer(page, admin);
    await confirmWithApprovalCode(page, '736152');
    await page.getByText('Code de validation incorrect. Il vous reste 4 essais.').first().waitFor();
    expect((await admin.portal.call('getOperation', { params: { id: operation.id } })).operation.status).toBe('pending');
  });
});
