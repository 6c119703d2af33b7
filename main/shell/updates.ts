/**
 * Updates with electron-updater from the generic update server named at packaging (electron-builder.yml's
 * `publish`), or the internal mirror the policy names.
 *
 * What electron-updater checks by itself is not enough: latest*.yml is not signed (its SHA-512 only says the
 * download is the file the feed named), and its Windows publisher check compares a common name, passes when
 * PowerShell cannot run, and never looks at which version the signed installer really is. So:
 * - Windows (per-user NSIS install only): the installer must carry a valid Authenticode signature whose subject
 *   is exactly the full distinguished name pinned at build time, and the version in its signed version resource
 *   must be the one the feed announced and newer than the running one. Anything that cannot be checked (no
 *   PowerShell, AppLocker, a timeout) refuses the update.
 * - macOS (the app dragged from the DMG only): Squirrel.Mac installs only an app that satisfies the running app's
 *   code-signing requirement; the version inside the downloaded app must be the announced one, newer than ours.
 * - Never a downgrade (allowDowngrade off), never the AppImage (its feed is not authenticated), never an install
 *   IT manages: the MSI, the PKG (root-owned), the deb.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AppUpdater } from 'electron-updater';
import type { EnterprisePolicy } from '../platform/policy';
import type { Logger } from './electron-api';

/** electron-updater's NsisUpdater also takes the function that checks a downloaded installer's signature. */
export type VerifyInstaller = (publisherNames: string[], installerPath: string) => Promise<string | null>;
export type UpdaterLike = Pick<AppUpdater, 'autoDownload' | 'autoInstallOnAppQuit' | 'allowDowngrade' | 'setFeedURL' | 'checkForUpdatesAndNotify' | 'on'> & {
  verifyUpdateCodeSignature?: VerifyInstaller;
};

/** The NSIS per-user installer leaves this next to the executable; an MSI install does not. */
export const NSIS_UNINSTALLER = 'Uninstall Secure Access.exe';
export const UPDATE_CHECK_INTERVAL_MS = 4 * 60 * 60 * 1000;

export interface UpdatesContext {
  policy: EnterprisePolicy;
  isPackaged: boolean;
  platform: NodeJS.Platform;
  execPath: string;
  env: Record<string, string | undefined>;
  /** The full distinguished name of the Windows signing certificate, pinned when the build was made ('' if none). */
  windowsPublisher: string;
  exists?: (path: string) => boolean;
  /** The owner (uid) of a path; macOS only, to tell the root-owned PKG install from the app dragged from the DMG. */
  ownerOf?: (path: string) => number;
}

/** `/Applications/Secure Access.app` from `…/Secure Access.app/Contents/MacOS/Secure Access`. */
export function macBundleOf(execPath: string): string {
  return dirname(dirname(dirname(execPath)));
}

export function updatesDecision(context: UpdatesContext): { enabled: boolean; reason: string } {
  const exists = context.exists ?? existsSync;
  const ownerOf = context.ownerOf ?? ((path: string) => statSync(path).uid);
  if (!context.policy.inForce.updatesEnabled) return { enabled: false, reason: 'disabled by the enterprise policy' };
  if (!context.isPackaged) return { enabled: false, reason: 'not a packaged build' };
  if (context.platform === 'win32') {
    if (!exists(join(dirname(context.execPath), NSIS_UNINSTALLER))) return { enabled: false, reason: 'installed by the MSI package: IT deploys updates' };
    if (!isFullDistinguishedName(context.windowsPublisher)) {
      return { enabled: false, reason: 'no publisher was pinned when this build was made, so no installer could be checked' };
    }
    return { enabled: true, reason: 'enabled' };
  }
  if (context.platform === 'darwin') {
    let owner: number;
    try {
      owner = ownerOf(macBundleOf(context.execPath));
    } catch {
      return { enabled: false, reason: 'the app’s location cannot be checked' };
    }
    if (owner === 0) return { enabled: false, reason: 'installed by the PKG (owned by root): IT deploys updates' };
    return { enabled: true, reason: 'enabled' };
  }
  if (context.platform === 'linux' && context.env.APPIMAGE) {
    return { enabled: false, reason: 'the AppImage does not update itself (its update feed is not authenticated): install new versions from your bank’s download page' };
  }
  return { enabled: false, reason: 'installed from a system package: updates come from the package manager' };
}

// ---------------------------------------------------------------- distinguished names and versions

/** The attributes of a distinguished name as PowerShell prints a certificate's subject: `CN="A, B", O=C, C=FR`. */
export function parseDistinguishedName(dn: string): Map<string, string> {
  const attributes = new Map<string, string>();
  let index = 0;
  while (index < dn.length) {
    while (dn[index] === ' ' || dn[index] === ',' || dn[index] === '+') index += 1;
    const equals = dn.indexOf('=', index);
    if (equals < 0) break;
    const key = dn.slice(index, equals).trim().toUpperCase();
    index = equals + 1;
    let value = '';
    if (dn[index] === '"') {
      index += 1;
      while (index < dn.length && dn[index] !== '"') {
        if (dn[index] === '\\' && index + 1 < dn.length) index += 1;
        value += dn[index];
        index += 1;
      }
      index += 1;
    } else {
      while (index < dn.length && dn[index] !== ',' && dn[index] !== '+') {
        if (dn[index] === '\\' && index + 1 < dn.length) index += 1;
        value += dn[index];
        index += 1;
      }
      value = value.trim();
    }
    if (key) attributes.set(key, value);
  }
  return attributes;
}

/** A pin worth the name: the organisation as well as the common name (a CN alone is anyone's to buy). */
export function isFullDistinguishedName(dn: string): boolean {
  const attributes = parseDistinguishedName(dn);
  return Boolean(attributes.get('CN') && attributes.get('O'));
}

/** Exactly the same attributes with the same values, in any order. */
export function sameDistinguishedName(a: string, b: string): boolean {
  const left = parseDistinguishedName(a);
  const right = parseDistinguishedName(b);
  return left.size > 0 && left.size === right.size && [...left].every(([key, value]) => right.get(key) === value);
}

const SEMVER = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

/** Compares two x.y.z[-pre] versions; null when either is not one. */
export function compareVersions(a: string, b: string): number | null {
  const left = SEMVER.exec(a.trim());
  const right = SEMVER.exec(b.trim());
  if (!left || !right) return null;
  for (let part = 1; part <= 3; part += 1) {
    const difference = Number(left[part]) - Number(right[part]);
    if (difference !== 0) return Math.sign(difference);
  }
  const [leftPre, rightPre] = [left[4], right[4]];
  if (leftPre === rightPre) return 0;
  if (leftPre === undefined) return 1;
  if (rightPre === undefined) return -1;
  return leftPre < rightPre ? -1 : 1;
}

/** Why a downloaded version must not be installed, or null when it is the announced one and newer than ours. */
export function versionProblem(found: string | null, announced: string | null, current: string): string | null {
  if (!found) return 'the update carries no version';
  if (!announced || compareVersions(found, announced) !== 0) return `the update is version ${found}, not the announced ${announced ?? '(none)'}`;
  const newer = compareVersions(found, current);
  if (newer === null) return `the update’s version ${found} cannot be compared with ${current}`;
  if (newer <= 0) return `the update is version ${found}, not newer than the running ${current}`;
  return null;
}

// ---------------------------------------------------------------- Windows: the installer's Authenticode signature

export interface AuthenticodeReport {
  /** Get-AuthenticodeSignature's Status: 'Valid' or the reason it is not. */
  status: string;
  subject: string | null;
  /** The ProductVersion of the installer's version resource (electron-builder writes the app's version there). */
  productVersion: string | null;
}

/** Why a downloaded Windows installer must not be installed, or null when it may. */
export function windowsInstallerProblem(report: AuthenticodeReport, pin: { publisher: string; announced: string | null; current: string }): string | null {
  if (report.status !== 'Valid') return `the installer’s signature is not valid (${report.status})`;
  if (!report.subject || !sameDistinguishedName(report.subject, pin.publisher)) {
    return `the installer is signed by "${report.subject ?? 'nobody'}", not by the pinned publisher "${pin.publisher}"`;
  }
  return versionProblem(report.productVersion, pin.announced, pin.current);
}

/** Reads the signature and the version in one PowerShell run; the path reaches it through the environment, never the command line. */
const AUTHENTICODE_SCRIPT = [
  "$ErrorActionPreference = 'Stop'",
  '[Console]::OutputEncoding = [System.Text.Encoding]::UTF8',
  '$path = $env:SECURE_ACCESS_UPDATE_FILE',
  '$signature = Get-AuthenticodeSignature -LiteralPath $path',
  '$subject = if ($signature.SignerCertificate) { $signature.SignerCertificate.Subject } else { $null }',
  '[pscustomobject]@{ status = [string]$signature.Status; subject = $subject; productVersion = (Get-Item -LiteralPath $path).VersionInfo.ProductVersion } | ConvertTo-Json -Compress',
].join('; ');

export function readAuthenticode(installerPath: string, env: Record<string, string | undefined>): Promise<AuthenticodeReport> {
  const powershell = join(env.SystemRoot ?? 'C:\\Windows', 'System32', 'WindowsPowerShell', 'v1.0', 'powershell.exe');
  return new Promise((resolve, reject) => {
    execFile(
      powershell,
      ['-NoProfile', '-NonInteractive', '-InputFormat', 'None', '-Command', AUTHENTICODE_SCRIPT],
      { env: { ...env, PSModulePath: '', SECURE_ACCESS_UPDATE_FILE: installerPath }, timeout: 60_000, windowsHide: true, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`PowerShell could not check the installer (${error.message}${stderr ? `: ${stderr.trim()}` : ''})`));
        try {
          const parsed = JSON.parse(stdout) as Partial<AuthenticodeReport>;
          resolve({ status: String(parsed.status ?? 'Unknown'), subject: parsed.subject ?? null, productVersion: parsed.productVersion ?? null });
        } catch {
          reject(new Error('PowerShell gave no readable answer about the installer'));
        }
      },
    );
  });
}

// ---------------------------------------------------------------- macOS: the version inside the downloaded app

/** CFBundleShortVersionString of an Info.plist in XML (the form electron-builder writes). */
export function bundleVersionOf(infoPlist: string): string | null {
  return /<key>CFBundleShortVersionString<\/key>\s*<string>([^<]+)<\/string>/.exec(infoPlist)?.[1]?.trim() ?? null;
}

/** The Info.plist of the app inside the update's zip (covered by the code signature Squirrel.Mac checks). */
export function readZippedInfoPlist(zipPath: string): string {
  return execFileSync('/usr/bin/unzip', ['-p', zipPath, '*.app/Contents/Info.plist'], { encoding: 'utf8', timeout: 30_000, maxBuffer: 1024 * 1024 });
}

// ---------------------------------------------------------------- running

export interface StartUpdatesOptions {
  updater: UpdaterLike;
  policy: EnterprisePolicy;
  logger: Logger;
  platform: NodeJS.Platform;
  currentVersion: string;
  windowsPublisher: string;
  readAuthenticode?: (installerPath: string) => Promise<AuthenticodeReport>;
  readZippedInfoPlist?: (zipPath: string) => string;
  setInterval?: (callback: () => void, ms: number) => { unref?: () => void };
}

/** Checks now and every four hours; downloads in the background and installs, once checked, when the app quits. */
export function startUpdates(options: StartUpdatesOptions): void {
  const { updater, policy, logger, platform, currentVersion } = options;
  const every = options.setInterval ?? setInterval;
  updater.autoDownload = true;
  updater.autoInstallOnAppQuit = true;
  updater.allowDowngrade = false;
  if (policy.updateServerUrl) updater.setFeedURL({ provider: 'generic', url: policy.updateServerUrl });

  let announced: string | null = null;
  updater.on('update-available', (info) => {
    announced = info.version;
    // A refused download earlier does not keep a later, good one from installing.
    updater.autoInstallOnAppQuit = true;
    logger.info('update available; downloading it', { version: info.version });
  });

  const read = options.readAuthenticode ?? ((path: string) => readAuthenticode(path, process.env));
  async function windowsProblem(installerPath: string, version: string | null): Promise<string | null> {
    try {
      // Our pin, from the build: the publisher names electron-updater passes come from app-update.yml.
      return windowsInstallerProblem(await read(installerPath), { publisher: options.windowsPublisher, announced: version, current: currentVersion });
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }
  if (platform === 'win32') {
    // During the download: a bad installer is deleted at once.
    updater.verifyUpdateCodeSignature = async (_publisherNames, installerPath) => {
      const problem = await windowsProblem(installerPath, announced);
      if (problem) logger.error('update refused', { problem });
      return problem;
    };
  }

  updater.on('update-downloaded', (info) => {
    const downloaded = (info as { downloadedFile?: string }).downloadedFile;
    if (platform === 'win32') {
      // Checked again where it will be installed from, whatever happened before: electron-updater skips its own
      // check when app-update.yml names no publisher, and reuses a download cached by an earlier run unchecked.
      // Until this check passes, quitting installs nothing.
      updater.autoInstallOnAppQuit = false;
      const checked = downloaded ? windowsProblem(downloaded, announced ?? info.version) : Promise.resolve('the downloaded file is unknown');
      void checked.then((problem) => {
        if (problem) {
          logger.error('update refused', { problem });
          return;
        }
        updater.autoInstallOnAppQuit = true;
        logger.info('update downloaded and checked; it installs when the app quits', { version: info.version });
      });
      return;
    }
    if (platform === 'darwin') {
      // Runs before electron-updater hands the download to Squirrel.Mac, which it does only while autoInstallOnAppQuit is on.
      let problem: string | null;
      try {
        problem = downloaded ? versionProblem(bundleVersionOf((options.readZippedInfoPlist ?? readZippedInfoPlist)(downloaded)), announced ?? info.version, currentVersion) : 'the downloaded file is unknown';
      } catch (error) {
        problem = `the downloaded app cannot be read (${error instanceof Error ? error.message : String(error)})`;
      }
      if (problem) {
        updater.autoInstallOnAppQuit = false;
        logger.error('update refused', { problem });
        return;
      }
    }
    logger.info('update downloaded and checked; it installs when the app quits', { version: info.version });
  });
  updater.on('error', (error) => logger.warn('update check failed', { error: error.message }));
  const check = () => {
    updater.checkForUpdatesAndNotify().catch((error: unknown) => {
      logger.warn('update check failed', { error: error instanceof Error ? error.message : String(error) });
    });
  };
  check();
  every(check, UPDATE_CHECK_INTERVAL_MS).unref?.();
}
