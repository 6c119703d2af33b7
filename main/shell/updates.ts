/**
 * Updates with electron-updater from the generic update server named at packaging (electron-builder.yml's
 * `publish`), or the internal mirror the policy names. electron-updater checks each download's SHA-512 against
 * the signed-off metadata and, on Windows, the installer's Authenticode publisher; on macOS Squirrel checks the
 * code signature. Off when the policy says so, in development, and for installs IT manages (MSI, deb).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AppUpdater } from 'electron-updater';
import type { EnterprisePolicy } from '../platform/policy';
import type { Logger } from './electron-api';

export type UpdaterLike = Pick<AppUpdater, 'autoDownload' | 'autoInstallOnAppQuit' | 'setFeedURL' | 'checkForUpdatesAndNotify' | 'on'>;

/** The NSIS per-user installer leaves this next to the executable; an MSI install does not. */
export const NSIS_UNINSTALLER = 'Uninstall Secure Access.exe';
export const UPDATE_CHECK_INTERVAL_MS = 4 * 60 * 60 * 1000;

export interface UpdatesContext {
  policy: EnterprisePolicy;
  isPackaged: boolean;
  platform: NodeJS.Platform;
  execPath: string;
  env: Record<string, string | undefined>;
  exists?: (path: string) => boolean;
}

export function updatesDecision(context: UpdatesContext): { enabled: boolean; reason: string } {
  const exists = context.exists ?? existsSync;
  if (!context.policy.inForce.updatesEnabled) return { enabled: false, reason: 'disabled by the enterprise policy' };
  if (!context.isPackaged) return { enabled: false, reason: 'not a packaged build' };
  if (context.platform === 'win32' && !exists(join(dirname(context.execPath), NSIS_UNINSTALLER))) {
    return { enabled: false, reason: 'installed by the MSI package: IT deploys updates' };
  }
  if (context.platform === 'linux' && !context.env.APPIMAGE) {
    return { enabled: false, reason: 'installed from a system package: updates come from the package manager' };
  }
  return { enabled: true, reason: 'enabled' };
}

export interface StartUpdatesOptions {
  updater: UpdaterLike;
  policy: EnterprisePolicy;
  logger: Logger;
  setInterval?: (callback: () => void, ms: number) => { unref?: () => void };
}

/** Checks now and every four hours; downloads in the background and installs when the app quits. */
export function startUpdates({ updater, policy, logger, setInterval: every = setInterval }: StartUpdatesOptions): void {
  updater.autoDownload = true;
  updater.autoInstallOnAppQuit = true;
  if (policy.updateServerUrl) updater.setFeedURL({ provider: 'generic', url: policy.updateServerUrl });
  updater.on('error', (error) => logger.warn('update check failed', { error: error.message }));
  updater.on('update-downloaded', (info) => logger.info('update downloaded; it installs when the app quits', { version: info.version }));
  const check = () => {
    updater.checkForUpdatesAndNotify().catch((error: unknown) => {
      logger.warn('update check failed', { error: error instanceof Error ? error.message : String(error) });
    });
  };
  check();
  every(check, UPDATE_CHECK_INTERVAL_MS).unref?.();
}
