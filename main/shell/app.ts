/**
 * The shell's lifecycle: one instance, the app:// scheme, hardening of every web contents, then (once Electron is
 * ready and the core built) the IPC bridge, the tray, notifications, the window, start at login and updates.
 * The app lives in the tray: closing the window hides it; only "Quit" (or the OS) ends the app, after the core
 * has stopped its long-polls.
 */
import type { BrowserWindow } from 'electron';
import type { NavigationTarget } from '../../preload/contract';
import type { AuthenticatorCore } from '../core/api';
import { APP_ID, type EnterprisePolicy } from '../platform/policy';
import type { Logger, ShellElectron } from './electron-api';
import { appIconPng } from './icons';
import { forwardCoreEvents, registerBridgeIpc } from './ipc';
import { applyStartAtLogin, startedAtLogin, type LoginItemDeps } from './login-item';
import { createValidationNotifier } from './notifications';
import { UI_PARTITION, hardenUiSession, registerAppScheme } from './security';
import { refusedSwitches, refusedSwitchesLine } from './switches';
import { createTray, type TrayState } from './tray';
import { startUpdates, updatesDecision, type UpdaterLike, type UpdatesContext } from './updates';
import { createMainWindow, hardenWebContents } from './window';

export interface ShellOptions {
  electron: ShellElectron;
  platform: NodeJS.Platform;
  argv: readonly string[];
  /** The process environment: some variables act like refused switches (switches.ts). */
  env: Record<string, string | undefined>;
  isDevelopment: boolean;
  paths: { preload: string; renderer: string };
  policy: EnterprisePolicy;
  logger: Logger;
  loginItem: Pick<LoginItemDeps, 'executable' | 'autostartDirectory'>;
  updates: Pick<UpdatesContext, 'execPath' | 'env' | 'exists' | 'ownerOf' | 'windowsPublisher'> & { load: () => Promise<UpdaterLike> };
}

export interface Shell {
  /** After app.whenReady() and once the core is built. */
  start(core: AuthenticatorCore): Promise<void>;
  /** Brings the window forward on a screen (tray, notification, second launch). */
  open(target: NavigationTarget): void;
}

/**
 * Before Electron is ready: refuses a packaged launch with switches that would expose or redirect the app,
 * registers the app:// scheme, takes the single-instance lock (a second launch only brings the running app's
 * window forward) and hardens every web contents. Null when the app does not go on (refused, or another instance runs).
 */
export function prepareShell(options: ShellOptions): Shell | null {
  const { electron, logger, isDevelopment } = options;
  const { app } = electron;
  if (!isDevelopment) {
    const refused = refusedSwitches({ argv: options.argv, env: options.env, platform: options.platform, policySetsProxy: options.policy.proxy !== null });
    if (refused.length > 0) {
      logger.error(refusedSwitchesLine(refused));
      app.exit(1);
      return null;
    }
  }
  registerAppScheme(electron.protocol);
  if (!app.requestSingleInstanceLock()) {
    logger.info('Secure Access is already running; this launch hands over to it');
    app.quit();
    return null;
  }

  let core: AuthenticatorCore | null = null;
  let window: BrowserWindow | null = null;
  let quitting = false;
  let stopped = false;

  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, { isDevelopment, logger }));
  // The app stays in the tray when its window closes; without this listener Electron would quit.
  app.on('window-all-closed', () => {});

  function ensureWindow(): BrowserWindow {
    if (window && !window.isDestroyed()) return window;
    const created = createMainWindow(electron, {
      preloadPath: options.paths.preload,
      isDevelopment,
      logger,
      icon: options.platform === 'darwin' ? undefined : electron.nativeImage.createFromBuffer(appIconPng(256)),
    });
    created.on('close', (event) => {
      if (quitting) return;
      event.preventDefault();
      created.hide();
    });
    // Windows is logging off or shutting down: let the window close instead of hiding it.
    created.on('session-end', () => {
      quitting = true;
    });
    created.webContents.on('render-process-gone', (_event, details) => {
      logger.error('the window’s page stopped', { reason: details.reason });
    });
    window = created;
    return created;
  }

  function open(target: NavigationTarget): void {
    // A second launch during start-up: the window comes once the app is ready and the core built.
    if (!core) return;
    const shown = ensureWindow();
    if (shown.isMinimized()) shown.restore();
    shown.show();
    shown.focus();
    const navigate = core.navigate.bind(core, target);
    // A page still loading has not subscribed to onNavigate yet.
    if (shown.webContents.isLoading()) shown.webContents.once('did-finish-load', navigate);
    else navigate();
  }

  app.on('second-instance', () => open({ screen: 'inbox' }));
  app.on('activate', () => open({ screen: 'inbox' }));
  app.on('before-quit', (event) => {
    quitting = true;
    if (stopped || !core) return;
    // Stop the long-polls and pending requests first, then quit for real.
    event.preventDefault();
    stopped = true;
    core.stop().catch((error: unknown) => logger.warn('the core did not stop cleanly', { error: String(error) })).finally(() => app.quit());
  });

  async function start(started: AuthenticatorCore): Promise<void> {
    core = started;
    if (options.platform === 'win32') app.setAppUserModelId(APP_ID);
    // No default menu (Reload, Toggle Developer Tools…); on macOS only what keyboard editing and the window need.
    electron.Menu.setApplicationMenu(options.platform === 'darwin'
      ? electron.Menu.buildFromTemplate([{ role: 'appMenu' }, { role: 'editMenu' }, { role: 'windowMenu' }])
      : null);
    hardenUiSession(electron.session.fromPartition(UI_PARTITION), { rendererRoot: options.paths.renderer, isDevelopment, logger });
    // The core's requests go through the default session (Electron's net): the policy may override its proxy.
    if (options.policy.proxy) await electron.session.defaultSession.setProxy(options.policy.proxy);

    const removeIpc = registerBridgeIpc({ ipcMain: electron.ipcMain, handlers: started.handlers, logger });
    const stopForwarding = forwardCoreEvents(started, (channel, payload) => {
      if (window && !window.isDestroyed()) window.webContents.send(channel, payload);
    });

    const snapshot = await started.handlers.getSnapshot(undefined);
    const state: TrayState = {
      pending: snapshot.pending, accounts: snapshot.accounts, connectivity: snapshot.connectivity, language: snapshot.settings.language,
    };
    let settings = snapshot.settings;
    // Its outcome reaches the tray and the window as connectivity events: a failure here has nothing more to say.
    const checkNow = () => void started.handlers.checkNow(undefined).catch(() => undefined);
    const tray = createTray({
      electron,
      platform: options.platform,
      actions: {
        open,
        checkNow,
        quit: () => app.quit(),
      },
    });
    const notifier = createValidationNotifier({
      Notification: electron.Notification,
      preferences: () => settings,
      open,
      logger,
    });
    const loginItem: LoginItemDeps = { app, platform: options.platform, logger, ...options.loginItem };
    // Only an installed app registers itself: from the repository it would register the bare Electron binary.
    const setStartAtLogin = (enabled: boolean) => {
      if (app.isPackaged) applyStartAtLogin(enabled, loginItem);
      else logger.info('start at login is left alone outside an installed app', { enabled });
    };

    tray.update(state);
    started.on('onPendingChanged', (pending) => {
      state.pending = pending;
      tray.update(state);
      notifier.update(pending);
    });
    started.on('onAccountsChanged', (accounts) => {
      state.accounts = accounts;
      tray.update(state);
    });
    started.on('onConnectivityChanged', (connectivity) => {
      state.connectivity = connectivity;
      tray.update(state);
    });
    started.on('onSettingsChanged', (next) => {
      if (next.startAtLogin !== settings.startAtLogin) setStartAtLogin(next.startAtLogin);
      settings = next;
      state.language = next.language;
      tray.update(state);
    });
    // The core's settings already carry the policy's choice where it makes one.
    setStartAtLogin(settings.startAtLogin);

    // After sleep the waiting long-polls sit on connections that died with the network: without this, a validation
    // created meanwhile would wait for the hold and its grace to run out (up to two minutes) before reaching the tray.
    const reconnectAfterSleep = () => {
      logger.info('the computer woke up: checking for validations at once');
      checkNow();
    };
    electron.powerMonitor.on('resume', reconnectAfterSleep);
    electron.powerMonitor.on('unlock-screen', reconnectAfterSleep);

    app.on('will-quit', () => {
      electron.powerMonitor.off('resume', reconnectAfterSleep);
      electron.powerMonitor.off('unlock-screen', reconnectAfterSleep);
      removeIpc();
      stopForwarding();
      notifier.dispose();
      tray.destroy();
    });

    await started.start();
    notifier.update(started.pendingNow());

    const main = ensureWindow();
    if (!startedAtLogin(options.argv, app, options.platform)) main.once('ready-to-show', () => main.show());

    const decision = updatesDecision({ policy: options.policy, isPackaged: app.isPackaged, platform: options.platform, ...options.updates });
    logger.info('updates', { enabled: decision.enabled, reason: decision.reason });
    if (decision.enabled) {
      options.updates.load()
        .then((updater) => startUpdates({
          updater, policy: options.policy, logger, platform: options.platform, currentVersion: app.getVersion(), windowsPublisher: options.updates.windowsPublisher,
        }))
        .catch((error: unknown) => logger.warn('the updater could not start', { error: error instanceof Error ? error.message : String(error) }));
    }
  }

  return { start, open };
}
