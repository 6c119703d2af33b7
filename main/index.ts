/**
 * The composition root of the Electron main process: reads IT's policy, opens the log, builds the core with the
 * real adapters (OS keychain, electron-store, Chromium's network stack, the system clock) and hands it to the
 * shell. Bundled by scripts/build-main.mjs to dist/main/index.js; the only file that imports Electron for real
 * besides preload/index.ts.
 */
import { app, BrowserWindow, ipcMain, Menu, nativeImage, net, Notification, powerMonitor, protocol, safeStorage, session, Tray } from 'electron';
import { createRequire } from 'node:module';
import { hostname, homedir, userInfo } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppInfo } from '../preload/contract';
import { createAuthenticator } from './core/authenticator';
import { systemClock } from './core/ports';
import { createElectronSettingsStore } from './platform/electron-settings';
import { createElectronTransport } from './platform/electron-transport';
import { createKeyVault } from './platform/key-vault';
import { importKeytar, legacyKeytarServiceName, migrateKeytarKeysAtStart } from './platform/keytar-migration';
import { createOsSecretStore } from './platform/os-vault';
import { safeStorageProtector } from './platform/wrapped-file-store';
import { nativeRegistryReader, policyProblemsLine, readPolicy, withDevelopmentServer, type NativeRegModule } from './platform/policy';
import { prepareShell } from './shell/app';
import type { ShellElectron } from './shell/electron-api';
import { createFileLogger } from './shell/file-logger';
import { linuxAutostartDirectory } from './shell/login-item';
import type { UpdaterLike } from './shell/updates';

/** Set by scripts/build-main.mjs: what `npm run dist` pinned into this build. */
declare const __SECURE_ACCESS_BUILD__: { windowsPublisher: string; bankServerUrl: string };

const here = dirname(fileURLToPath(import.meta.url));
const isDevelopment = !app.isPackaged;

// A build run from the repository (`npm start`) keeps its data, log and keychain entries apart from an installed app;
// SECURE_ACCESS_USER_DATA_DIR (development only) gives a run its own folder and keychain entries (the smoke test).
app.setName(isDevelopment ? 'Secure Access (Development)' : 'Secure Access');
const developmentDataDir = isDevelopment ? process.env.SECURE_ACCESS_USER_DATA_DIR : undefined;
if (developmentDataDir) {
  app.setPath('userData', developmentDataDir);
  app.setAppLogsPath(join(developmentDataDir, 'logs'));
}
const keychainSuffix = isDevelopment ? `Development${developmentDataDir ? ` ${basename(developmentDataDir)}` : ''}` : undefined;

function platformOf(platform: NodeJS.Platform): AppInfo['platform'] {
  if (platform === 'darwin') return 'mac';
  if (platform === 'win32') return 'windows';
  if (platform === 'linux') return 'linux';
  return 'other';
}

function currentUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'user';
  }
}

async function loadUpdater(): Promise<UpdaterLike> {
  const loaded = await import('electron-updater');
  // electron-updater is CommonJS with a getter export: depending on the interop, it sits on the namespace or its default.
  const fromDefault = (loaded as { default?: { autoUpdater?: UpdaterLike } }).default?.autoUpdater;
  const updater = (loaded.autoUpdater as UpdaterLike | undefined) ?? fromDefault;
  if (!updater) throw new Error('electron-updater exposes no autoUpdater');
  return updater;
}

const basePolicy = readPolicy({
  platform: process.platform, env: process.env, userName: currentUserName(), development: isDevelopment,
  // native-reg is CommonJS and loads its prebuilt binary on Windows only.
  registry: nativeRegistryReader(() => createRequire(import.meta.url)('native-reg') as NativeRegModule),
});
const policy = isDevelopment ? withDevelopmentServer(basePolicy, process.env.SECURE_ACCESS_SERVER_URL) : basePolicy;
const logger = createFileLogger({ directory: app.getPath('logs'), minimumLevel: policy.minimumLogLevel, echo: isDevelopment });
logger.info('Secure Access starting', { version: app.getVersion(), platform: process.platform, policy: policy.inForce.source ?? 'none' });
const policyProblems = policyProblemsLine(policy);
if (policyProblems) logger.warn(policyProblems);

const electron: ShellElectron = { app, BrowserWindow, Tray, Menu, Notification, nativeImage, ipcMain, session, protocol, powerMonitor };
const shell = prepareShell({
  electron,
  platform: process.platform,
  argv: process.argv,
  env: process.env,
  isDevelopment,
  paths: { preload: join(here, '../preload/index.cjs'), renderer: join(here, '../renderer') },
  policy,
  logger,
  loginItem: { executable: process.env.APPIMAGE ?? process.execPath, autostartDirectory: linuxAutostartDirectory(process.env, homedir()) },
  updates: { execPath: process.execPath, env: process.env, windowsPublisher: __SECURE_ACCESS_BUILD__.windowsPublisher, load: loadUpdater },
});

async function main(): Promise<void> {
  if (!shell) return;
  await app.whenReady();
  const secrets = createOsSecretStore({
    platform: process.platform, suffix: keychainSuffix, env: process.env, home: homedir(), protector: safeStorageProtector(safeStorage, process.platform),
  });
  // Before the core starts: it deletes keys that belong to no account, and must find the moved ones.
  await migrateKeytarKeysAtStart({
    loadKeytar: importKeytar, service: legacyKeytarServiceName(keychainSuffix), target: secrets, logger, markerFile: join(app.getPath('userData'), 'keys-moved-from-keytar'),
  });
  const core = createAuthenticator({
    vault: createKeyVault({ store: secrets, logger }),
    store: createElectronSettingsStore(app.getPath('userData'), logger),
    transport: createElectronTransport((input, init) => net.fetch(input, init)),
    clock: systemClock,
    logger,
    appInfo: {
      version: app.getVersion(), platform: platformOf(process.platform), defaultDeviceName: `${currentUserName()} – ${hostname()}`,
      // The bank's server address built into this installer by `npm run dist` (SECURE_ACCESS_BANK_SERVER_URL), if any.
      bankServerUrl: __SECURE_ACCESS_BUILD__.bankServerUrl || null,
    },
    policy: policy.inForce,
    allowLoopbackHttp: isDevelopment,
  });
  await shell.start(core);
  logger.info('Secure Access started', { log: logger.path });
}

main().catch((error: unknown) => {
  logger.error('Secure Access could not start', { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  console.error(error);
  app.exit(1);
});
