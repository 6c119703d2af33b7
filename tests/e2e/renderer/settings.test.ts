/**
 * Settings and what IT's policy fixes; the tray and notifications sending the window somewhere (onNavigate).
 */
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { closeSharedBrowser, startRendererHarness, type RendererHarness } from '../../harness/renderer-harness';
import { startTestServer, type TestServer } from '../../harness/server';
import { activateFirstDeviceBySms, heading } from './steps';

// A person's walk through several screens, a real browser, server and keychain: slower than a unit test, above all
// on two shared cores.
vi.setConfig({ testTimeout: 120_000 });

let harness: RendererHarness | undefined;
let server: TestServer | undefined;

afterEach(async ({ task }) => {
  if (harness && task.result?.state === 'fail') console.error(`screen at failure: ${await harness.saveFailureArtifacts(task.name)}.png`);
  await harness?.close();
  harness = undefined;
  await server?.close();
  server = undefined;
});
afterAll(closeSharedBrowser);

describe('the settings', () => {
  it('change the language, the notifications; show the version and the policy in force, whose settings cannot be changed', async () => {
    server = await startTestServer({ startAt: Date.now() });
    harness = await startRendererHarness({
      server,
      policy: {
        source: '/etc/secure-access/policy.json', serverUrl: server.baseUrl, serverUrlLocked: true, allowAdditionalServers: false,
        startAtLogin: true, updatesEnabled: false, approvalCodeMinLength: 8, errors: [],
      },
    });
    const { page } = harness;
    const admin = await server.readyPrimaryAdmin();
    await harness.open();
    // IT asks for 8 digits at least.
    await activateFirstDeviceBySms(harness, admin, 'PC trésorerie', null, '48291573');
    await page.getByRole('button', { name: 'Terminer' }).click();

    await page.getByRole('button', { name: 'Réglages' }).click();
    await heading(page, 'Réglages');
    const about = page.getByRole('region', { name: 'À propos' });
    expect(await about.textContent()).toContain('Version0.1.0');
    expect(await about.textContent()).toContain(`Serveur${server.baseUrl}`);
    expect(await about.textContent()).toContain(`Serveur imposé${server.baseUrl}Imposé par votre service informatique`);
    expect(await about.textContent()).toContain('Source/etc/secure-access/policy.json');
    expect(await about.textContent()).toContain('Mises à jour automatiquesNon');
    expect(await about.textContent()).toContain('Longueur minimale du code de validation8\u00a0chiffres');
    const startAtLogin = page.getByRole('checkbox', { name: 'Lancer Secure Access à l’ouverture de session' });
    expect(await startAtLogin.isChecked()).toBe(true);
    expect(await startAtLogin.isDisabled()).toBe(true);
    await page.getByText('Fixé par votre service informatique.').waitFor();
    expect(await harness.checkScreen('10-settings')).toEqual([]);

    const notifications = page.getByRole('checkbox', { name: 'Afficher une notification pour chaque nouvelle demande' });
    await notifications.uncheck();
    await page.getByText('Réglage enregistré.').waitFor({ state: 'attached' });
    expect((await harness.core.handlers.getSnapshot(undefined)).settings.notifications).toBe(false);

    await page.getByRole('radio', { name: 'English' }).check();
    await heading(page, 'Settings');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    expect((await harness.core.handlers.getSnapshot(undefined)).settings.language).toBe('en');
    expect(await page.getByRole('checkbox', { name: 'Show a notification for each new request' }).isChecked()).toBe(false);
  });
});

describe('a notification or the tray', () => {
  it('opens the request it is about, and the accounts and settings screens', async () => {
    harness = await startRendererHarness();
    const { page } = harness;
    const admin = await harness.server.readyPrimaryAdmin();
    await harness.open();
    await activateFirstDeviceBySms(harness, admin, 'PC trésorerie');
    const { operation } = await admin.portal.call('createTransfer', {
      body: { amount: '980.00', currency: 'EUR', payeeName: 'Papeterie Blanc', iban: 'FR7630006000011234567890189', reference: '' },
    });
    await page.getByRole('button', { name: 'Terminer' }).click();
    await page.getByRole('list', { name: 'Demandes à valider' }).getByRole('button').filter({ hasText: 'Papeterie Blanc' }).waitFor();
    await page.getByRole('button', { name: 'Utilisateurs' }).click();
    await heading(page, 'Utilisateurs de cet ordinateur');

    // What the shell does when the person clicks the notification of the new request.
    const [validation] = harness.core.pendingNow();
    expect(validation?.id).toBe(operation.id);
    harness.core.navigate({ screen: 'validation', accountId: validation?.accountId ?? '', validationId: operation.id });
    await heading(page, 'Virement à valider');
    expect(await page.locator('.facts').textContent()).toContain('RéférenceAucune');

    harness.core.navigate({ screen: 'settings' });
    await heading(page, 'Réglages');
    harness.core.navigate({ screen: 'accounts' });
    await heading(page, 'Utilisateurs de cet ordinateur');
    harness.core.navigate({ screen: 'inbox' });
    await heading(page, 'Validations en attente');
    await page.getByRole('list', { name: 'Demandes à valider' }).getByRole('button').filter({ hasText: 'Papeterie Blanc' }).waitFor();
  });
});
