/**
 * The shell wired to the real core, against the real reference server and the OS keychain, with only Electron
 * faked: the person activates through the IPC bridge from the app's page, a transfer typed in the Espace Client
 * reaches the tray and an OS notification, the notification opens it, and approving it over IPC empties the tray.
 * Needs the keyring session (`sh scripts/with-keyring.sh npx vitest run tests/unit/shell`, or `npm test`).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parsePolicy } from '../../../main/platform/policy';
import { prepareShell } from '../../../main/shell/app';
import { RENDERER_ENTRY_URL } from '../../../main/shell/security';
import { createBridge } from '../../../preload/bridge';
import { eventChannel, type InvokeResult } from '../../../preload/contract';
import { createFakeElectron } from '../../harness/fake-electron';
import { startTestServer, type TestServer } from '../../harness/server';
import { activateThroughBridge } from '../core/support';
import { closeAllInstallations, installApp } from '../../integration/core/support';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ database: 'sqlite' });
});
afterAll(async () => {
  await closeAllInstallations();
  await server.close();
});

const silent = { info() {}, warn() {}, error() {} };

describe('the tray and notifications of a running app', () => {
  it('show a transfer typed in the Espace Client, open it from the notification, and clear once it is approved', async () => {
    const fake = createFakeElectron();
    const app = await installApp(server, { name: 'shell' });
    const shell = prepareShell({
      electron: fake.electron,
      platform: 'linux',
      argv: ['secure-access'],
      env: {},
      isDevelopment: false,
      paths: { preload: '/app/dist/preload/index.cjs', renderer: '/app/dist/renderer' },
      policy: parsePolicy(null),
      logger: silent,
      loginItem: { executable: '/opt/Secure Access/secure-access', autostartDirectory: '/nonexistent' },
      updates: { execPath: '/opt/Secure Access/secure-access', env: {}, windowsPublisher: '', load: async () => { throw new Error('unused'); } },
    });
    await shell?.start(app.core);
    const [window] = fake.windows;
    window?.webContents.finishLoad();

    // The page's bridge, over the IPC handlers the shell registered, as the preload would call them.
    const ourPage = { url: RENDERER_ENTRY_URL, parent: null };
    const pageBridge = createBridge({
      invoke: (channel, input) => fake.ipcMain.invoke(channel, ourPage, input) as Promise<InvokeResult<unknown>>,
      subscribe: () => () => {},
    });
    const admin = await server.readyPrimaryAdmin();
    const account = await activateThroughBridge(pageBridge, server, admin, { deviceName: 'PC trésorerie' });
    expect(account.status).toBe('active');

    const transfer = (await admin.portal.call('createTransfer', {
      body: { amount: '48250.00', currency: 'EUR', payeeName: 'Fournitures Lemoine SARL', iban: 'FR7630006000011234567890189', reference: 'Facture 2026-118' },
    })).operation;

    await vi.waitFor(() => expect(fake.trays[0]?.tooltip).toBe('Secure Access — 1\u00a0validation en attente — Connecté'), { timeout: 15_000 });
    const notification = fake.notifications.at(-1);
    expect(notification?.options.title).toBe('Virement à valider');
    expect(notification?.options.body).toContain('48\u202f250,00\u00a0€ à \u2068Fournitures Lemoine SARL\u2069');
    expect(notification?.options.body).toContain('Claire Durand · ');
    expect(window?.webContents.sent.some((message) => message.channel === eventChannel('onPendingChanged'))).toBe(true);

    notification?.click();
    expect(window?.visible).toBe(true);
    expect(window?.webContents.sent).toContainEqual({
      channel: eventChannel('onNavigate'), payload: { screen: 'validation', accountId: account.id, validationId: transfer.id },
    });

    const result = await pageBridge.decide({ accountId: account.id, validationId: transfer.id, decision: 'approve', numberChoice: null, approvalCode: '482915' });
    expect(result.status).toBe('approved');
    await vi.waitFor(() => expect(fake.trays[0]?.tooltip).toBe('Secure Access — Aucune validation en attente — Connecté'), { timeout: 15_000 });
    expect(fake.trays[0]?.title).toBe('');
  });
});
