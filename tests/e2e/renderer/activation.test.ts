/**
 * Activation through the screens, as the installation guide tells it: a primary administrator's first device with a
 * code on the Security Phone (SMS or voice), a wrong code then the right one, an expired code.
 */
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { SecretStoreMissing } from '../../../main/platform/secret-store';
import { closeSharedBrowser, startRendererHarness, type RendererHarness } from '../../harness/renderer-harness';
import {
  approvePortalOnThisComputer, askCodeOnSecurityPhone, chooseApprovalCode, heading, nameDevice, requestFirstActivationCode, signIn, startFromWelcome, typeActivationCode, wrongCodeFor,
} from './steps';

// A person's walk through several screens, a real browser, server and keychain: slower than a unit test, above all
// on two shared cores.
vi.setConfig({ testTimeout: 120_000 });

let harness: RendererHarness | undefined;

afterEach(async ({ task }) => {
  if (harness && task.result?.state === 'fail') console.error(`screen at failure: ${await harness.saveFailureArtifacts(task.name)}.png`);
  await harness?.close();
  harness = undefined;
});
afterAll(closeSharedBrowser);

describe('a computer without a secure keychain', () => {
  it('refuses the activation in plain words, in French and in English, and activates nothing', async () => {
    // What the OS key store answers on a Linux desktop without GNOME Keyring or KWallet (run for real, in a
    // session without a Secret Service, by tests/integration/platform/key-store.test.ts).
    const missing = () => Promise.reject(new SecretStoreMissing('no Secret Service (GNOME Keyring, KWallet) answers on this session'));
    harness = await startRendererHarness({ secretStore: { description: 'Secret Service', get: missing, set: missing, delete: missing, list: missing } });
    const { server } = harness;
    const admin = await server.readyPrimaryAdmin();
    const page = await harness.open();
    await page.getByLabel('Adresse du serveur de votre banque').fill(server.baseUrl);
    await page.getByRole('button', { name: 'Commencer l’activation' }).click();
    await page.getByLabel('Identifiant').fill(admin.identifier);
    await page.getByLabel('Code Secret', { exact: true }).fill(admin.secretCode);
    await page.getByRole('button', { name: 'Se connecter' }).click();

    await page.getByRole('alert').filter({ hasText: 'Cet ordinateur n’a pas de trousseau sécurisé où garder la clé de l’appareil (sous Linux\u00a0: GNOME Keyring ou KWallet). Secure Access ne peut pas y être activé\u00a0: contactez votre service informatique.' }).waitFor();
    expect(await harness.checkScreen('02-sign-in-no-keychain')).toEqual([]);
    await harness.core.handlers.updateSettings({ language: 'en' });
    await page.getByRole('alert').filter({ hasText: 'This computer has no secure keychain to keep the device key in (on Linux: GNOME Keyring or KWallet). Secure Access cannot be activated on it: contact your IT department.' }).waitFor();

    expect((await harness.core.handlers.getSnapshot(undefined)).accounts).toEqual([]);
    // Refused before the server heard of it: no enrolment was opened.
    expect(await server.server.ctx.db.selectFrom('enrolments').select('id').execute()).toEqual([]);
  });
});

describe('a primary administrator activates Secure Access on their computer', () => {
  it('with the activation code received by SMS on the Security Phone', async () => {
    harness = await startRendererHarness();
    const { server } = harness;
    const admin = await server.readyPrimaryAdmin();
    const page = await harness.open();

    await page.getByRole('heading', { level: 1, name: 'Bienvenue dans Secure Access' }).waitFor();
    expect(await harness.checkScreen('01-welcome')).toEqual([]);
    await page.getByLabel('Adresse du serveur de votre banque').fill(server.baseUrl);
    await page.getByRole('button', { name: 'Commencer l’activation' }).click();

    await page.getByRole('heading', { name: 'Connectez-vous' }).waitFor();
    await page.getByLabel('Identifiant').fill(admin.identifier);
    await page.getByLabel('Code Secret', { exact: true }).fill(admin.secretCode);
    expect(await harness.checkScreen('02-sign-in')).toEqual([]);
    await page.getByRole('button', { name: 'Se connecter' }).click();

    await page.getByRole('heading', { name: 'Personnalisez le nom de votre appareil' }).waitFor();
    const deviceName = page.getByLabel('Nom de l’appareil');
    expect(await deviceName.inputValue()).toBe('cdurand – PC-COMPTA-04');
    await deviceName.fill('PC trésorerie – bureau 2');
    expect(await harness.checkScreen('03-name-device')).toEqual([]);
    await page.getByRole('button', { name: 'Enregistrer le nom' }).click();

    await page.getByRole('heading', { name: 'Obtenez votre code d’activation' }).waitFor();
    await page.getByText(/^\+33 ?6.*•/).waitFor();
    expect(await page.getByRole('radio', { name: 'Par SMS' }).isChecked()).toBe(true);
    expect(await harness.checkScreen('04-get-code-security-phone')).toEqual([]);
    await page.getByRole('button', { name: 'Recevoir mon code d’activation' }).click();

    await page.getByRole('heading', { name: 'Saisissez votre code d’activation' }).waitFor();
    await page.getByRole('timer').filter({ hasText: /Code valable encore [45]\smin/ }).waitFor();
    const code = await server.latestCode('activation_code', admin.securityPhone ?? undefined);
    await page.getByLabel('Code d’activation (8 chiffres)').fill(code);
    expect(await harness.checkScreen('05-enter-code-sms')).toEqual([]);
    await page.getByRole('button', { name: 'Activer Secure Access' }).click();

    await chooseApprovalCode(page);
    await page.getByRole('heading', { name: 'Secure Access est actif' }).waitFor();
    await page.getByText('Vous pouvez encore l’activer sur 4 appareils (1 sur 5 utilisés).').waitFor();
    expect(await harness.checkScreen('06-activated')).toEqual([]);
    await page.getByRole('button', { name: 'Terminer' }).click();

    await page.getByRole('heading', { name: 'Tout est en ordre' }).waitFor();
    expect(await harness.checkScreen('07-inbox-empty')).toEqual([]);

    await approvePortalOnThisComputer(harness, admin.portal);
    const { devices } = await admin.portal.call('myDevices');
    expect(devices.map((device) => [device.name, device.status])).toEqual([['PC trésorerie – bureau 2', 'active']]);
    const [account] = (await harness.core.handlers.getSnapshot(undefined)).accounts;
    expect(await harness.keysInKeychain()).toEqual([account?.id]);
  });
});

describe('the activation code, as the guide describes it', () => {
  it('can be received by voice call (service vocal) on the Security Phone', async () => {
    harness = await startRendererHarness();
    const { page, server } = harness;
    const admin = await server.readyPrimaryAdmin();
    await harness.open();
    const code = await requestFirstActivationCode(harness, admin, 'Mac trésorerie', 'voice');
    await page.getByText(/^Un service vocal vous dicte un code à 8\schiffres au \+33\s6\s••\s••\s••\s\d\d\.$/).waitFor();
    const voiceMessages = await server.server.ctx.db.selectFrom('outbox').select('channel').where('purpose', '=', 'activation_code').execute();
    expect(voiceMessages.map((message) => message.channel)).toEqual(['voice']);
    await typeActivationCode(page, code);
    await chooseApprovalCode(page);
    await heading(page, 'Secure Access est actif');
  });

  it('typed wrong is refused with the attempts left, and the right code then activates', async () => {
    harness = await startRendererHarness();
    const { page, server } = harness;
    const admin = await server.readyPrimaryAdmin();
    await harness.open();
    const code = await requestFirstActivationCode(harness, admin, 'PC trésorerie', 'sms');

    await typeActivationCode(page, wrongCodeFor(code));
    await page.getByRole('alert').filter({ hasText: 'Code d’activation incorrect. Vérifiez-le et saisissez-le de nouveau. Il vous reste 4 essais.' }).waitFor();
    await page.getByText('4 essais restants').waitFor();
    expect(await page.getByLabel('Code d’activation (8 chiffres)').inputValue()).toBe('');
    expect(await harness.checkScreen('05-enter-code-wrong')).toEqual([]);

    // Pasted as the SMS shows it, with a space: accepted.
    await typeActivationCode(page, `${code.slice(0, 4)} ${code.slice(4)}`);
    await chooseApprovalCode(page);
    await heading(page, 'Secure Access est actif');
  });

  it('is valid 5 minutes: once expired it is refused, and a new code activates the device', async () => {
    harness = await startRendererHarness();
    const { page, server } = harness;
    const admin = await server.readyPrimaryAdmin();
    await harness.open();
    const code = await requestFirstActivationCode(harness, admin, 'PC trésorerie', 'sms');
    await page.getByRole('timer').filter({ hasText: /^Code valable encore [45]\smin\s\d\d\ss$/ }).waitFor();

    await page.getByLabel('Code d’activation (8 chiffres)').fill(code);
    await harness.advance(5 * 60_000 + 1000);
    await page.getByText('Ce code a expiré.').waitFor();
    await page.getByRole('button', { name: 'Activer Secure Access' }).click();
    await page.getByRole('alert').filter({ hasText: 'Ce code d’activation a expiré. Demandez-en un nouveau.' }).waitFor();
    expect(await harness.checkScreen('05-enter-code-expired')).toEqual([]);

    await page.getByRole('button', { name: 'Recevoir un nouveau code' }).click();
    await askCodeOnSecurityPhone(page, 'sms');
    const newCode = await server.latestCode('activation_code', admin.securityPhone ?? undefined);
    expect(newCode).not.toBe(code);
    await typeActivationCode(page, newCode);
    await chooseApprovalCode(page);
    await heading(page, 'Secure Access est actif');
  });

  it('typed wrong five times cancels the activation, which can then start again from the sign-in', async () => {
    harness = await startRendererHarness();
    const { page, server } = harness;
    const admin = await server.readyPrimaryAdmin();
    await harness.open();
    const wrong = wrongCodeFor(await requestFirstActivationCode(harness, admin, 'PC trésorerie', 'sms'));
    for (let attempt = 1; attempt <= 4; attempt++) {
      await typeActivationCode(page, wrong);
      await page.getByText(`${5 - attempt} essai${5 - attempt > 1 ? 's restants' : ' restant'}`).waitFor();
    }
    const [account] = (await harness.core.handlers.getSnapshot(undefined)).accounts;
    await typeActivationCode(page, wrong);

    await heading(page, 'L’activation n’a pas abouti');
    await page.getByText(/Trop de codes incorrects ont été saisis/).waitFor();
    expect(await harness.checkScreen('05-activation-failed')).toEqual([]);
    await page.getByRole('button', { name: 'Recommencer l’activation' }).click();
    await heading(page, 'Connectez-vous');
    // The cancelled attempt is gone from this computer, and so is its key.
    expect((await harness.core.handlers.getSnapshot(undefined)).accounts).toEqual([]);
    expect(await harness.keysInKeychain()).not.toContain(account?.id);
    await signIn(page, admin);
    await heading(page, 'Personnalisez le nom de votre appareil');
  });
});

describe('the activation path changes while the screen waits', () => {
  it('the administrator’s other device is revoked meanwhile: the app says the code now comes another way, and shows the Security Phone path', async () => {
    harness = await startRendererHarness();
    const { page, server } = harness;
    const admin = await server.readyPrimaryAdmin();
    const other = await server.activateDevice(admin, { deviceName: 'Téléphone de Claire' });
    await harness.open();
    await startFromWelcome(page, server.baseUrl);
    await signIn(page, admin);
    await nameDevice(page, 'PC trésorerie');
    await heading(page, 'Obtenez votre code d’activation');
    await page.getByText(/le code d’activation sera disponible immédiatement dans le module Administration/).waitFor();

    // Meanwhile, from the Espace Client, the only other device is revoked: the first device's path applies again.
    await admin.portal.call('revokeMyDevice', { params: { id: other.keyId! } });
    await page.getByRole('button', { name: 'Obtenir un code d’activation' }).click();
    await page.getByRole('alert').filter({ hasText: 'Votre code d’activation s’obtient désormais autrement\u00a0: suivez les indications affichées.' }).waitFor();
    await page.getByText(/^\+33 ?6.*•/).waitFor();
    expect(await page.getByRole('radio', { name: 'Par SMS' }).isChecked()).toBe(true);
    expect(await harness.checkScreen('04-get-code-path-changed')).toEqual([]);

    server.clock.advance(1000); // the revoked device's code went to the same phone: "newest" must be this one
    await askCodeOnSecurityPhone(page, 'sms');
    await typeActivationCode(page, await server.latestCode('activation_code', admin.securityPhone ?? undefined));
    await chooseApprovalCode(page);
    await heading(page, 'Secure Access est actif');
  });
});
