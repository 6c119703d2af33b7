import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAuthenticator } from '../../../main/core/authenticator';
import type { AuthenticatorCore } from '../../../main/core/api';
import { systemClock, type SettingsStore } from '../../../main/core/ports';
import { defaultPersistedState, type PersistedStateT } from '../../../main/core/state';
import { createMemoryVault } from '../../../main/platform/memory-vault';
import { createNodeTransport } from '../../../main/platform/node-transport';
import { parsePolicy, type EnterprisePolicy } from '../../../main/platform/policy';
import { prepareShell, type ShellOptions } from '../../../main/shell/app';
import { RENDERER_ENTRY_URL, UI_PARTITION } from '../../../main/shell/security';
import { BRIDGE_METHODS, eventChannel, invokeChannel } from '../../../preload/contract';
import { createFakeElectron, fakeEvent, FakeWebContents, type FakeElectron } from '../../harness/fake-electron';
import { transfer } from './fixtures';

function recordingLogger() {
  const lines: Array<{ level: string; message: string; fields?: Record<string, unknown> }> = [];
  const log = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push({ level, message, fields });
  return { lines, info: log('info'), warn: log('warn'), error: log('error') };
}

/** The real core with an empty installation: in-memory keys and state, no server needed before an account exists. */
function realCore(policy: EnterprisePolicy, logger = recordingLogger()): AuthenticatorCore & { stopped: () => number } {
  let saved: PersistedStateT = defaultPersistedState();
  const store: SettingsStore<PersistedStateT> = { location: 'memory', read: () => structuredClone(saved), write: (value) => void (saved = structuredClone(value)) };
  const core = createAuthenticator({
    vault: createMemoryVault(), store, transport: createNodeTransport(), clock: systemClock, logger,
    appInfo: { version: '0.1.0', platform: 'linux', defaultDeviceName: 'amartin – PC-COMPTA-04' }, policy: policy.inForce,
  });
  let stops = 0;
  const stop = core.stop.bind(core);
  return Object.assign(core, { stop: async () => { stops += 1; await stop(); }, stopped: () => stops });
}

function options(fake: FakeElectron, overrides: Partial<ShellOptions> = {}): ShellOptions {
  return {
    electron: fake.electron,
    platform: 'linux',
    argv: ['/opt/Secure Access/secure-access'],
    env: {},
    isDevelopment: false,
    paths: { preload: '/opt/Secure Access/resources/app.asar/dist/preload/index.cjs', renderer: '/opt/Secure Access/resources/app.asar/dist/renderer' },
    policy: parsePolicy(null),
    logger: recordingLogger(),
    loginItem: { executable: '/opt/Secure Access/secure-access', autostartDirectory: '/nonexistent/autostart' },
    updates: { execPath: '/opt/Secure Access/secure-access', env: {}, windowsPublisher: '', load: async () => { throw new Error('no updater in unit tests'); } },
    ...overrides,
  };
}

const started: AuthenticatorCore[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((core) => core.stop()));
});

async function startShell(fake: FakeElectron, overrides: Partial<ShellOptions> = {}) {
  const shellOptions = options(fake, overrides);
  const shell = prepareShell(shellOptions);
  if (!shell) throw new Error('the shell did not start');
  const core = realCore(shellOptions.policy);
  started.push(core);
  await shell.start(core);
  return { shell, core, logger: shellOptions.logger as ReturnType<typeof recordingLogger> };
}

describe('the app’s lifecycle', () => {
  it('runs one instance only: a second launch hands over and quits', () => {
    const fake = createFakeElectron();
    fake.app.singleInstance = false;
    expect(prepareShell(options(fake))).toBeNull();
    expect(fake.app.quitCalls).toBe(1);
    expect(fake.windows).toHaveLength(0);
  });

  it('ignores a second launch that arrives before it has started, instead of opening a window too early', () => {
    const fake = createFakeElectron();
    prepareShell(options(fake));
    fake.app.emit('second-instance', fakeEvent(), [], '/');
    expect(fake.windows).toHaveLength(0);
  });

  it('registers the app:// scheme and hardens every web contents before anything loads', () => {
    const fake = createFakeElectron();
    prepareShell(options(fake));
    expect(fake.privilegedSchemes.map((scheme) => scheme.scheme)).toEqual(['app']);
    expect(fake.app.listenerCount('web-contents-created')).toBe(1);
    // Any web contents, even one the app did not expect, gets the navigation and window-opening denials.
    const contents = new FakeWebContents();
    fake.app.emit('web-contents-created', fakeEvent(), contents);
    expect(contents.windowOpenHandler?.({ url: 'https://example.com', frameName: '', features: '', disposition: 'new-window' })).toEqual({ action: 'deny' });
  });

  it('starts with the bridge registered, the tray shown and the window loading our page', async () => {
    const fake = createFakeElectron();
    await startShell(fake);
    expect([...fake.ipcMain.handlers.keys()].sort()).toEqual(BRIDGE_METHODS.map(invokeChannel).sort());
    expect(fake.trays).toHaveLength(1);
    expect(fake.trays[0]?.tooltip).toBe('Secure Access — Aucune validation en attente — Aucun utilisateur actif');
    expect(fake.windows).toHaveLength(1);
    const [window] = fake.windows;
    expect(window?.loadedUrls).toEqual([RENDERER_ENTRY_URL]);
    expect(window?.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, devTools: false });
    const uiSession = fake.sessions.get(UI_PARTITION);
    expect(uiSession?.protocolHandlers.has('app')).toBe(true);
    expect(await uiSession?.requestPermission('media')).toBe(false);
    // The page answers through the real core.
    const answer = await fake.ipcMain.invoke(invokeChannel('getSnapshot'), { url: RENDERER_ENTRY_URL, parent: null }) as { ok: boolean; value: { accounts: unknown[] } };
    expect(answer).toMatchObject({ ok: true, value: { accounts: [] } });
  });

  it('shows the window once ready, unless started at login', async () => {
    const shown = createFakeElectron();
    await startShell(shown);
    shown.windows[0]?.emit('ready-to-show');
    expect(shown.windows[0]?.visible).toBe(true);

    const atLogin = createFakeElectron();
    await startShell(atLogin, { argv: ['/opt/Secure Access/secure-access', '--hidden'] });
    atLogin.windows[0]?.emit('ready-to-show');
    expect(atLogin.windows[0]?.visible).toBe(false);
  });

  it('lives in the tray: closing the window hides it and the app keeps running', async () => {
    const fake = createFakeElectron();
    await startShell(fake);
    const [window] = fake.windows;
    window?.show();
    expect(window?.close()).toBe(true);
    expect(window?.visible).toBe(false);
    expect(window?.isDestroyed()).toBe(false);
    fake.app.emit('window-all-closed');
    expect(fake.app.quitCalls).toBe(0);
  });

  it('removes the default menu (Reload, Developer Tools) and keeps only editing and window menus on macOS', async () => {
    const windows = createFakeElectron();
    await startShell(windows, { platform: 'win32' });
    expect(windows.applicationMenu).toBeNull();
    const mac = createFakeElectron();
    await startShell(mac, { platform: 'darwin' });
    expect(mac.applicationMenu?.template).toEqual([{ role: 'appMenu' }, { role: 'editMenu' }, { role: 'windowMenu' }]);
  });

  it('lets the window close when Windows logs off or shuts down', async () => {
    const fake = createFakeElectron();
    await startShell(fake, { platform: 'win32' });
    const [window] = fake.windows;
    window?.emit('session-end', fakeEvent());
    expect(window?.close()).toBe(false);
    expect(window?.isDestroyed()).toBe(true);
  });

  it('brings the window forward on a second launch and on a notification click, on the right screen', async () => {
    const fake = createFakeElectron();
    const { shell } = await startShell(fake);
    const [window] = fake.windows;
    window?.webContents.finishLoad();
    fake.app.emit('second-instance', fakeEvent(), [], '/');
    expect(window?.visible).toBe(true);
    shell.open({ screen: 'validation', accountId: 'acc_amartin0001', validationId: 'val_transfer0001' });
    expect(window?.webContents.sent).toContainEqual({
      channel: eventChannel('onNavigate'), payload: { screen: 'validation', accountId: 'acc_amartin0001', validationId: 'val_transfer0001' },
    });
  });

  it('waits for the page to load before sending it somewhere', async () => {
    const fake = createFakeElectron();
    const { shell } = await startShell(fake);
    const [window] = fake.windows;
    shell.open({ screen: 'settings' });
    expect(window?.webContents.sent.filter((message) => message.channel === eventChannel('onNavigate'))).toEqual([]);
    window?.webContents.finishLoad();
    expect(window?.webContents.sent).toContainEqual({ channel: eventChannel('onNavigate'), payload: { screen: 'settings' } });
  });

  it('quits from the tray only after the core has stopped its long-polls', async () => {
    const fake = createFakeElectron();
    const { core } = await startShell(fake);
    const quit = fake.trays[0]?.menu?.template.find((entry) => entry.id === 'quit');
    (quit?.click as () => void)();
    expect((core as ReturnType<typeof realCore>).stopped()).toBe(1);
    await vi.waitFor(() => expect(fake.app.quitCalls).toBe(2));
    // The second quit went through: the IPC handlers and the tray are gone.
    expect(fake.ipcMain.handlers.size).toBe(0);
    expect(fake.trays[0]?.destroyed).toBe(true);
  });

  it('applies the policy’s proxy to the session the core’s requests go through', async () => {
    const fake = createFakeElectron();
    const policy = parsePolicy({ source: '/etc/secure-access/policy.json', contents: JSON.stringify({ proxy: { mode: 'fixed_servers', proxyRules: 'proxy.corp.example:8080' } }) });
    await startShell(fake, { policy });
    expect(fake.defaultSession.proxy).toEqual({ mode: 'fixed_servers', proxyRules: 'proxy.corp.example:8080' });
  });

  it('registers start at login in an installed app, following the policy over the setting', async () => {
    const fake = createFakeElectron();
    fake.app.isPackaged = true;
    const policy = parsePolicy({ source: 'C:\\ProgramData\\Secure Access\\policy.json', contents: JSON.stringify({ startAtLogin: false }) });
    await startShell(fake, { platform: 'win32', policy, updates: { execPath: 'C:\\Program Files\\Secure Access\\Secure Access.exe', env: {}, windowsPublisher: '', exists: () => false, load: async () => { throw new Error('unused'); } } });
    expect(fake.app.loginItemSettings).toEqual([{ openAtLogin: false, path: '/opt/Secure Access/secure-access', args: ['--hidden'] }]);
    expect(fake.app.appUserModelId).toBe('org.secureaccess.desktop');
  });

  it('leaves start at login alone when run from the repository', async () => {
    const fake = createFakeElectron();
    await startShell(fake, { platform: 'win32' });
    expect(fake.app.loginItemSettings).toEqual([]);
  });

  it('logs why updates are off', async () => {
    const fake = createFakeElectron();
    fake.app.isPackaged = true;
    const policy = parsePolicy({ source: '/etc/secure-access/policy.json', contents: JSON.stringify({ updatesEnabled: false }) });
    const { logger } = await startShell(fake, { policy });
    expect(logger.lines).toContainEqual({ level: 'info', message: 'updates', fields: { enabled: false, reason: 'disabled by the enterprise policy' } });
  });

  it('updates the tray and notifies when the core reports a new validation, and opens it from the notification', async () => {
    const fake = createFakeElectron();
    const core = scriptedCore();
    const shell = prepareShell(options(fake));
    await shell?.start(core);
    core.emit('onConnectivityChanged', { overall: 'online', accounts: [] });
    core.emit('onPendingChanged', [transfer('val_transfer0001')]);
    expect(fake.trays[0]?.tooltip).toBe('Secure Access — 1\u00a0validation en attente — Connecté');
    expect(fake.notifications).toHaveLength(1);
    expect(fake.notifications[0]?.options.title).toBe('Virement à valider');
    // The renderer hears of it too.
    expect(fake.windows[0]?.webContents.sent).toContainEqual({ channel: eventChannel('onPendingChanged'), payload: [transfer('val_transfer0001')] });
    fake.windows[0]?.webContents.finishLoad();
    fake.notifications[0]?.click();
    expect(fake.windows[0]?.visible).toBe(true);
    expect(core.navigations).toEqual([{ screen: 'validation', accountId: 'acc_amartin0001', validationId: 'val_transfer0001' }]);
  });

  it('checks for validations at once when the computer wakes from sleep or its screen is unlocked, until it quits', async () => {
    const fake = createFakeElectron();
    const core = scriptedCore();
    await prepareShell(options(fake))?.start(core);
    expect(core.checks()).toBe(0);
    fake.powerMonitor.emit('resume');
    expect(core.checks()).toBe(1);
    fake.powerMonitor.emit('unlock-screen');
    expect(core.checks()).toBe(2);
    fake.powerMonitor.emit('suspend');
    expect(core.checks()).toBe(2);
    fake.app.emit('will-quit');
    fake.powerMonitor.emit('resume');
    expect(core.checks()).toBe(2);
    expect(fake.powerMonitor.listenerCount('resume') + fake.powerMonitor.listenerCount('unlock-screen')).toBe(0);
  });

  it('follows the settings: language of the tray, start at login', async () => {
    const fake = createFakeElectron();
    fake.app.isPackaged = true;
    const core = scriptedCore();
    await prepareShell(options(fake, { platform: 'darwin' }))?.start(core);
    expect(fake.app.loginItemSettings).toEqual([{ openAtLogin: true }]);
    core.emit('onSettingsChanged', { language: 'en', startAtLogin: false, notifications: true, defaultServerUrl: '' });
    expect(fake.trays[0]?.tooltip).toBe('Secure Access — No pending approval — No active user');
    expect(fake.app.loginItemSettings).toEqual([{ openAtLogin: true }, { openAtLogin: false }]);
  });
});

/** A core whose events the test emits itself (the real core emits them from its inbox, against a server). */
function scriptedCore() {
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const navigations: unknown[] = [];
  const snapshot = {
    accounts: [], pending: [], connectivity: { overall: 'idle' as const, accounts: [] },
    settings: { language: 'fr' as const, startAtLogin: true, notifications: true, defaultServerUrl: '' },
    appInfo: { version: '0.1.0', platform: 'linux' as const, defaultDeviceName: 'x', policy: parsePolicy(null).inForce },
  };
  let checks = 0;
  const handlers = Object.fromEntries(BRIDGE_METHODS.map((method) => [method, async () => {
    if (method === 'checkNow') checks += 1;
    return method === 'getSnapshot' ? snapshot : undefined;
  }]));
  const core = {
    /** How many times the shell asked the core to check at once. */
    checks: () => checks,
    handlers: handlers as unknown as AuthenticatorCore['handlers'],
    on(event: string, listener: (payload: unknown) => void) {
      const set = listeners.get(event) ?? new Set();
      set.add(listener);
      listeners.set(event, set);
      return () => set.delete(listener);
    },
    emit(event: string, payload: unknown) {
      for (const listener of listeners.get(event) ?? []) listener(payload);
    },
    start: async () => {},
    stop: async () => {},
    pendingNow: () => [],
    navigate(target: unknown) {
      navigations.push(target);
      core.emit('onNavigate', target);
    },
    navigations,
  };
  return core as typeof core & AuthenticatorCore;
}
