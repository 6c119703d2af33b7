/**
 * The other ways in, as the guide tells them, seen from the app: a secondary user whose administrator generates
 * the code (24 hours); an administrator's further device with the code from Administration (the Espace Client's
 * side over its API here; its screens are tested in tests/e2e/portal and tests/e2e/story); a shared computer with
 * two accounts, one of them then removed; the sixth device refused; the sign-in's own refusals.
 */
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { closeSharedBrowser, startRendererHarness, type RendererHarness } from '../../harness/renderer-harness';
import { startTestServer, type TestServer } from '../../harness/server';
import {
  activateFirstDeviceBySms, askCodeInAdministration, askCodeOfAdministrator, chooseApprovalCode, heading, nameDevice, signIn, startFromWelcome, typeActivationCode,
} from './steps';

// A person's walk through several screens, a real browser, server and keychain: slower than a unit test, above all
// on two shared cores.
vi.setConfig({ testTimeout: 120_000 });

let harness: RendererHarness | undefined;
let sharedServer: TestServer | undefined;

afterEach(async ({ task }) => {
  if (harness && task.result?.state === 'fail') console.error(`screen at failure: ${await harness.saveFailureArtifacts(task.name)}.png`);
  await harness?.close();
  harness = undefined;
  await sharedServer?.close();
  sharedServer = undefined;
});
afterAll(closeSharedBrowser);

describe('an installer built with the bank’s server address', () => {
  it('asks a treasurer for no URL: the address is shown, changeable on request, and used', async () => {
    sharedServer = await startTestServer({ startAt: Date.now() });
    harness = await startRendererHarness({ server: sharedServer, bankServerUrl: sharedServer.baseUrl });
    const { page, server } = harness;
    const admin = await server.readyPrimaryAdmin();
    await harness.open();

    await heading(page, 'Bienvenue dans Secure Access');
    await page.getByText('Serveur de votre banque', { exact: true }).waitFor();
    await page.getByText(server.baseUrl, { exact: true }).waitFor();
    expect(await page.getByLabel('Adresse du serveur de votre banque').count()).toBe(0);
    expect(await harness.checkScreen('01-welcome-bank-server')).toEqual([]);
    // Someone who knows better may still type another.
    await page.getByRole('button', { name: 'Utiliser un autre serveur' }).click();
    expect(await page.getByLabel('Adresse du serveur de votre banque').inputValue()).toBe(server.baseUrl);

    await activateFirstDeviceBySms(harness, admin, 'PC trésorerie', null);
    const [account] = (await harness.core.handlers.getSnapshot(undefined)).accounts;
    expect(account?.serverUrl).toBe(server.baseUrl);
  });
});

describe('a secondary user', () => {
  it('asks for a code, shows the request waiting for the administrator, notices the code generated on the server, and the 24-hour code activates the device', async () => {
    harness = await startRendererHarness();
    const { page, server } = harness;
    const admin = await server.readyPrimaryAdmin();
    await server.activateDevice(admin, { deviceName: 'Téléphone de Claire' });
    const user = await server.readySecondaryUser(admin.portal, 'Marc Petit');
    await harness.open();

    await startFromWelcome(page, server.baseUrl);
    await signIn(page, user);
    await nameDevice(page, 'PC comptabilité – Marc');
    await heading(page, 'Obtenez votre code d’activation');
    await page.getByText('Faites votre demande de code d’activation : elle sera transmise à votre administrateur, qui vous communiquera le code.').waitFor();
    expect(await harness.checkScreen('04-get-code-administrator')).toEqual([]);
    await page.getByRole('button', { name: 'Obtenir un code d’activation' }).click();

    await heading(page, 'Votre demande a été transmise à votre administrateur');
    await page.getByText('PC comptabilité – Marc', { exact: true }).waitFor();
    expect(await harness.checkScreen('04-waiting-for-administrator')).toEqual([]);

    // The administrator's side over the Espace Client's API: its Administration › Activation screen has its own
    // tests (tests/e2e/portal/administration.test.ts) and the whole walk is in tests/e2e/story.
    const { activations } = await admin.portal.call('listActivations');
    const request = activations.find((activation) => activation.deviceName === 'PC comptabilité – Marc');
    expect(request?.codeState).toBe('not_generated');
    const { activation } = await admin.portal.call('generateActivationCode', { params: { id: request?.enrolmentId ?? '' } });
    expect(activation.code).toMatch(/^[A-Z2-9]{12}$/);

    // The waiting screen notices by itself.
    await heading(page, 'Saisissez votre code d’activation');
    await page.getByText('Saisissez le code d’activation transmis par votre administrateur.').waitFor();
    await page.getByRole('timer').filter({ hasText: /^Code valable encore 2[34]\sh\s\d\d\smin$/ }).waitFor();
    // Typed as dictated over the phone: lower case, no dashes. The field shows it grouped.
    const field = page.getByLabel('Code d’activation (12 caractères)');
    const code = activation.code ?? '';
    await field.fill(code.toLowerCase());
    expect(await field.inputValue()).toBe(`${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8)}`);
    expect(await harness.checkScreen('05-enter-code-administrator')).toEqual([]);
    await page.getByRole('button', { name: 'Activer Secure Access' }).click();

    await chooseApprovalCode(page);
    await heading(page, 'Secure Access est actif');
    await page.getByText('Vous pouvez encore l’activer sur 4 appareils (1 sur 5 utilisés).').waitFor();
    await page.getByText('Pour chaque nouvel appareil, votre administrateur vous transmettra un nouveau code d’activation.').waitFor();
    const { activations: after } = await admin.portal.call('listActivations');
    expect(after.find((candidate) => candidate.enrolmentId === request?.enrolmentId)?.codeState).toBe('used');
  });
});

describe('a primary administrator who already has an active device', () => {
  it('sends the administrator to Administration for the code, which the server has ready at once, and activates this computer with it', async () => {
    harness = await startRendererHarness();
    const { page, server } = harness;
    const admin = await server.readyPrimaryAdmin();
    await server.activateDevice(admin, { deviceName: 'Téléphone de Claire' });
    await harness.open();

    await startFromWelcome(page, server.baseUrl);
    await signIn(page, admin);
    await nameDevice(page, 'PC trésorerie');
    await askCodeInAdministration(page);

    await page.getByText('Ouvrez le module Administration, onglet « Gestion de la sécurité », page « Activation ».').waitFor();
    // The code as Administration lists it, read over the Espace Client's API.
    const { activations } = await admin.portal.call('listActivations');
    const code = activations.find((activation) => activation.deviceName === 'PC trésorerie')?.code;
    expect(code).toMatch(/^[A-Z2-9]{12}$/);
    expect(await harness.checkScreen('05-enter-code-administration')).toEqual([]);
    await typeActivationCode(page, code ?? '');

    await chooseApprovalCode(page);
    await heading(page, 'Secure Access est actif');
    await page.getByText('Vous pouvez encore l’activer sur 3 appareils (2 sur 5 utilisés).').waitFor();
  });
});

describe('a shared computer', () => {
  it('holds two accounts, each with its own key; removing one deletes its key and deactivates its device', async () => {
    sharedServer = await startTestServer({ startAt: Date.now() });
    // IT deployed the bank's address and locked it.
    harness = await startRendererHarness({
      server: sharedServer,
      policy: {
        source: '/etc/secure-access/policy.json', serverUrl: sharedServer.baseUrl, serverUrlLocked: true, allowAdditionalServers: false,
        startAtLogin: true, updatesEnabled: false, approvalCodeMinLength: 6, errors: [],
      },
    });
    const { page, server } = harness;
    const admin = await server.readyPrimaryAdmin();
    await harness.open();

    await page.getByText('Serveur défini par votre service informatique').waitFor();
    await activateFirstDeviceBySms(harness, admin, 'PC partagé – comptabilité', null);
    await page.getByRole('button', { name: 'Terminer' }).click();
    // Claire, now with an active device, creates Marc (over the Espace Client's API); Marc changes his temporary code.
    const user = await server.readySecondaryUser(admin.portal, 'Marc Petit');

    await page.getByRole('button', { name: 'Utilisateurs' }).click();
    await page.getByRole('button', { name: 'Ajouter un utilisateur' }).click();
    await heading(page, 'Ajouter un utilisateur sur cet ordinateur');
    expect(await harness.checkScreen('09-accounts-add')).toEqual([]);
    await startFromWelcome(page, null);
    await signIn(page, user);
    await nameDevice(page, 'PC partagé – comptabilité');
    await askCodeOfAdministrator(page);
    const { activations } = await admin.portal.call('listActivations');
    const request = activations.find((activation) => activation.user.identifier === user.identifier);
    const { activation } = await admin.portal.call('generateActivationCode', { params: { id: request?.enrolmentId ?? '' } });
    await typeActivationCode(page, activation.code ?? '');
    await chooseApprovalCode(page);
    await heading(page, 'Secure Access est actif');
    await page.getByRole('button', { name: 'Terminer' }).click();

    await page.getByRole('button', { name: 'Utilisateurs' }).click();
    await heading(page, 'Utilisateurs de cet ordinateur');
    const cards = page.getByRole('article');
    await cards.filter({ hasText: 'Marc Petit' }).waitFor();
    expect(await cards.count()).toBe(2);
    expect(await cards.filter({ hasText: 'Claire Durand' }).getByText('Actif', { exact: true }).count()).toBe(1);
    expect(await harness.checkScreen('09-accounts')).toEqual([]);
    const snapshot = await harness.core.handlers.getSnapshot(undefined);
    expect(snapshot.accounts.map((account) => account.status)).toEqual(['active', 'active']);
    expect((await harness.keysInKeychain()).sort()).toEqual(snapshot.accounts.map((account) => account.id).sort());

    // Marc leaves the company: his account is removed from this computer.
    const marc = cards.filter({ hasText: 'Marc Petit' });
    await marc.getByRole('button', { name: 'Désactiver sur cet ordinateur' }).click();
    await page.getByRole('heading', { name: 'Désactiver Secure Access pour Marc Petit sur cet ordinateur ?' }).waitFor();
    await page.getByText(/la clé sera supprimée du trousseau sécurisé de cet ordinateur/).waitFor();
    expect(await harness.checkScreen('09-accounts-remove')).toEqual([]);
    await page.getByRole('button', { name: 'Oui, désactiver et supprimer la clé' }).click();
    await page.getByText('Secure Access est désactivé pour Marc Petit sur cet ordinateur ; la clé a été supprimée.').waitFor({ state: 'attached' });
    await cards.filter({ hasText: 'Marc Petit' }).waitFor({ state: 'detached' });
    expect(await cards.count()).toBe(1);

    const claire = snapshot.accounts.find((account) => account.identifier === admin.identifier);
    expect(await harness.keysInKeychain()).toEqual([claire?.id]);
    const { users } = await admin.portal.call('listCompanyDevices');
    const marcDevices = users.find((entry) => entry.user.identifier === user.identifier)?.devices ?? [];
    expect(marcDevices.map((device) => device.status)).toEqual(['revoked']);
  });
});

describe('signing in', () => {
  it('refuses a sixth device: Secure Access can be active on 5 devices at most', async () => {
    harness = await startRendererHarness();
    const { page, server } = harness;
    const admin = await server.readyPrimaryAdmin();
    for (let index = 1; index <= 5; index++) await server.activateDevice(admin, { deviceName: `Appareil ${index}` });
    await harness.open();

    await startFromWelcome(page, server.baseUrl);
    await signIn(page, admin);
    await page.getByRole('alert').filter({
      hasText: 'Secure Access est déjà activé sur 5 appareils, le maximum (5). Désactivez un appareil depuis votre Espace Client, puis recommencez.',
    }).waitFor();
    expect(await harness.checkScreen('02-sign-in-device-limit')).toEqual([]);
    expect((await harness.core.handlers.getSnapshot(undefined)).accounts).toEqual([]);
    expect(await harness.keysInKeychain()).toEqual([]);
  });

  it('says how many attempts are left after a wrong secret code, then that the access is locked', async () => {
    harness = await startRendererHarness();
    const { page, server } = harness;
    const admin = await server.readyPrimaryAdmin();
    await harness.open();
    await startFromWelcome(page, server.baseUrl);

    await signIn(page, { identifier: admin.identifier, secretCode: 'PasLeBonCode1' });
    await page.getByRole('alert').filter({ hasText: 'Identifiant ou Code Secret incorrect. Il vous reste 4 essais.' }).waitFor();
    expect(await page.getByLabel('Code Secret', { exact: true }).inputValue()).toBe('');
    expect(await harness.checkScreen('02-sign-in-wrong-secret')).toEqual([]);
    for (let attempt = 2; attempt <= 5; attempt++) {
      await page.getByLabel('Code Secret', { exact: true }).fill(`PasLeBonCode${attempt}`);
      await page.getByRole('button', { name: 'Se connecter' }).click();
      await page.getByRole('alert').filter({ hasText: attempt < 5 ? `Il vous reste ${5 - attempt} essai` : 'Votre accès est bloqué' }).waitFor();
    }
    await page.getByRole('alert').filter({ hasText: /^Votre accès est bloqué après trop d’essais\. Réessayez après \d\d:\d\d, ou contactez votre administrateur\.$/ }).waitFor();
  });

  it('with a temporary secret code, sends the person to the Espace Client to change it first', async () => {
    harness = await startRendererHarness();
    const { page, server } = harness;
    const { admin } = await server.createCompany();
    await harness.open();
    await startFromWelcome(page, server.baseUrl);
    await signIn(page, { identifier: admin.identifier, secretCode: admin.temporarySecretCode });
    const alert = page.getByRole('alert');
    await alert.filter({ hasText: 'Modifiez d’abord votre Code Secret temporaire' }).waitFor();
    expect(await alert.textContent()).toContain('Connectez-vous d’abord à votre Espace Client depuis votre ordinateur pour le modifier, puis revenez ici.');
    expect(await harness.checkScreen('02-sign-in-temporary-secret')).toEqual([]);
  });
});
