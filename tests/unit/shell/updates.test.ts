import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../../main/platform/policy';
import {
  bundleVersionOf, compareVersions, isFullDistinguishedName, NSIS_UNINSTALLER, parseDistinguishedName, sameDistinguishedName, startUpdates,
  updatesDecision, versionProblem, windowsInstallerProblem, type AuthenticodeReport, type UpdaterLike, type UpdatesContext,
} from '../../../main/shell/updates';

const PUBLISHER = 'CN="Secure Access Contributors, SAS", O="Secure Access Contributors, SAS", L=Paris, S=Île-de-France, C=FR';
const silent = { info() {}, warn() {}, error() {} };

describe('when the app updates itself', () => {
  const on = parsePolicy(null);
  const windows: UpdatesContext = {
    policy: on, isPackaged: true, platform: 'win32', env: {}, windowsPublisher: PUBLISHER,
    execPath: 'C:\\Users\\a\\AppData\\Local\\Programs\\secure-access\\Secure Access.exe', exists: () => true,
  };
  const mac: UpdatesContext = {
    policy: on, isPackaged: true, platform: 'darwin', env: {}, windowsPublisher: '',
    execPath: '/Applications/Secure Access.app/Contents/MacOS/Secure Access', ownerOf: () => 501,
  };

  it('updates the per-user Windows install when a full publisher name was pinned in the build', () => {
    const seen: string[] = [];
    expect(updatesDecision({ ...windows, exists: (path) => { seen.push(path); return true; } })).toEqual({ enabled: true, reason: 'enabled' });
    expect(seen[0]?.endsWith(NSIS_UNINSTALLER)).toBe(true);
    expect(updatesDecision({ ...windows, windowsPublisher: '' }).reason).toBe('no publisher was pinned when this build was made, so no installer could be checked');
    // A common name alone is not a pin.
    expect(updatesDecision({ ...windows, windowsPublisher: 'CN=Secure Access' }).enabled).toBe(false);
    expect(updatesDecision({ ...windows, exists: () => false }).reason).toBe('installed by the MSI package: IT deploys updates');
  });

  it('updates the app dragged from the DMG, never the root-owned PKG install', () => {
    const owners: string[] = [];
    expect(updatesDecision({ ...mac, ownerOf: (path) => { owners.push(path); return 501; } }).enabled).toBe(true);
    expect(owners).toEqual(['/Applications/Secure Access.app']);
    expect(updatesDecision({ ...mac, ownerOf: () => 0 })).toEqual({ enabled: false, reason: 'installed by the PKG (owned by root): IT deploys updates' });
    expect(updatesDecision({ ...mac, ownerOf: () => { throw new Error('ENOENT'); } }).enabled).toBe(false);
  });

  it('never updates on Linux: the AppImage’s feed is not authenticated, the deb follows the package manager', () => {
    expect(updatesDecision({ ...mac, platform: 'linux', execPath: '/tmp/.mount_x/secure-access', env: { APPIMAGE: '/home/a/Secure Access.AppImage' } }).reason)
      .toMatch(/^the AppImage does not update itself/);
    expect(updatesDecision({ ...mac, platform: 'linux', execPath: '/opt/Secure Access/secure-access' }).reason).toMatch(/package manager/);
  });

  it('is off when the policy says so, and in development', () => {
    const off = parsePolicy({ source: 'p', contents: '{"updatesEnabled": false}' });
    expect(updatesDecision({ ...windows, policy: off })).toEqual({ enabled: false, reason: 'disabled by the enterprise policy' });
    expect(updatesDecision({ ...mac, isPackaged: false }).reason).toBe('not a packaged build');
  });
});

describe('the publisher pin', () => {
  it('reads a subject as PowerShell prints it, quoted values with commas included', () => {
    expect([...parseDistinguishedName(PUBLISHER)]).toEqual([
      ['CN', 'Secure Access Contributors, SAS'], ['O', 'Secure Access Contributors, SAS'], ['L', 'Paris'], ['S', 'Île-de-France'], ['C', 'FR'],
    ]);
    expect(isFullDistinguishedName(PUBLISHER)).toBe(true);
    expect(isFullDistinguishedName('CN=Secure Access Contributors')).toBe(false);
  });

  it('matches the same attributes in any order, and nothing less or more', () => {
    expect(sameDistinguishedName(PUBLISHER, 'C=FR, S=Île-de-France, L=Paris, O="Secure Access Contributors, SAS", CN="Secure Access Contributors, SAS"')).toBe(true);
    expect(sameDistinguishedName(PUBLISHER, 'CN="Secure Access Contributors, SAS"')).toBe(false);
    expect(sameDistinguishedName(PUBLISHER, `${PUBLISHER}, OU=Evil`)).toBe(false);
    expect(sameDistinguishedName(PUBLISHER, PUBLISHER.replace('C=FR', 'C=US'))).toBe(false);
  });
});

describe('a downloaded update is installed only if it is the announced version, newer than ours', () => {
  it('compares versions', () => {
    expect(compareVersions('1.2.10', '1.2.9')).toBe(1);
    expect(compareVersions('1.2.0', '1.2.0-beta.1')).toBe(1);
    expect(compareVersions('1.2.0', '1.2.0')).toBe(0);
    expect(compareVersions('1.2', '1.2.0')).toBeNull();
    expect(versionProblem('1.3.0', '1.3.0', '1.2.0')).toBeNull();
    expect(versionProblem('1.1.0', '1.3.0', '1.2.0')).toBe('the update is version 1.1.0, not the announced 1.3.0');
    expect(versionProblem('1.1.0', '1.1.0', '1.2.0')).toBe('the update is version 1.1.0, not newer than the running 1.2.0');
    expect(versionProblem(null, '1.3.0', '1.2.0')).toBe('the update carries no version');
  });

  it('Windows: a valid signature by exactly the pinned publisher, on the announced version', () => {
    const good: AuthenticodeReport = { status: 'Valid', subject: PUBLISHER, productVersion: '1.3.0' };
    const pin = { publisher: PUBLISHER, announced: '1.3.0', current: '1.2.0' };
    expect(windowsInstallerProblem(good, pin)).toBeNull();
    expect(windowsInstallerProblem({ ...good, status: 'HashMismatch' }, pin)).toBe('the installer’s signature is not valid (HashMismatch)');
    expect(windowsInstallerProblem({ ...good, status: 'NotSigned', subject: null }, pin)).toMatch(/not valid \(NotSigned\)/);
    // Someone else's certificate with our common name.
    expect(windowsInstallerProblem({ ...good, subject: 'CN="Secure Access Contributors, SAS", O=Other Ltd, C=GB' }, pin)).toMatch(/not by the pinned publisher/);
    // Our own older installer served as the newer one.
    expect(windowsInstallerProblem({ ...good, productVersion: '1.0.0' }, pin)).toBe('the update is version 1.0.0, not the announced 1.3.0');
  });

  it('macOS: the version inside the downloaded app', () => {
    const plist = '<dict><key>CFBundleShortVersionString</key>\n\t<string>1.3.0</string><key>CFBundleVersion</key><string>1.3.0</string></dict>';
    expect(bundleVersionOf(plist)).toBe('1.3.0');
    expect(bundleVersionOf('<dict></dict>')).toBeNull();
  });
});

/** electron-updater's side of the conversation, as far as startUpdates uses it. */
class FakeUpdater extends EventEmitter {
  autoDownload = false;
  autoInstallOnAppQuit = false;
  allowDowngrade = true;
  feeds: unknown[] = [];
  checks = 0;
  verifyUpdateCodeSignature?: (publisherNames: string[], path: string) => Promise<string | null>;
  setFeedURL(options: unknown) {
    this.feeds.push(options);
  }
  async checkForUpdatesAndNotify() {
    this.checks += 1;
    return null;
  }
}

function started(platform: NodeJS.Platform, overrides: Partial<Parameters<typeof startUpdates>[0]> = {}) {
  const updater = new FakeUpdater();
  const errors: unknown[] = [];
  const intervals: number[] = [];
  startUpdates({
    updater: updater as unknown as UpdaterLike, policy: parsePolicy(null), platform, currentVersion: '1.2.0', windowsPublisher: PUBLISHER,
    logger: { ...silent, error: (_message: string, fields?: Record<string, unknown>) => void errors.push(fields?.problem) },
    setInterval: (_callback, ms) => { intervals.push(ms); return {}; },
    ...overrides,
  });
  return { updater, errors, intervals };
}

describe('the updater as the app runs it', () => {
  it('checks at once and every four hours, from the policy’s mirror, downloads, never downgrades', () => {
    const policy = parsePolicy({ source: 'p', contents: '{"updateServerUrl": "https://updates.corp.example/secure-access"}' });
    const { updater, intervals } = started('darwin', { policy });
    expect(updater.feeds).toEqual([{ provider: 'generic', url: 'https://updates.corp.example/secure-access' }]);
    expect(updater.checks).toBe(1);
    expect(intervals).toEqual([4 * 60 * 60 * 1000]);
    expect({ autoDownload: updater.autoDownload, autoInstallOnAppQuit: updater.autoInstallOnAppQuit, allowDowngrade: updater.allowDowngrade })
      .toEqual({ autoDownload: true, autoInstallOnAppQuit: true, allowDowngrade: false });
  });

  it('Windows: checks each installer against the pin in the build, not the names electron-updater passes; fails closed', async () => {
    const reports: Record<string, AuthenticodeReport | Error> = {
      'good.exe': { status: 'Valid', subject: PUBLISHER, productVersion: '1.3.0' },
      'old.exe': { status: 'Valid', subject: PUBLISHER, productVersion: '1.1.0' },
      'blocked.exe': new Error('PowerShell could not check the installer (spawn EACCES)'),
    };
    const { updater, errors } = started('win32', {
      readAuthenticode: async (path) => {
        const report = reports[path];
        if (report instanceof Error) throw report;
        if (!report) throw new Error(`unexpected ${path}`);
        return report;
      },
    });
    const verify = updater.verifyUpdateCodeSignature;
    if (!verify) throw new Error('no installer check set');
    updater.emit('update-available', { version: '1.3.0' });
    expect(await verify(['CN=Anyone'], 'good.exe')).toBeNull();
    expect(await verify([PUBLISHER], 'old.exe')).toBe('the update is version 1.1.0, not the announced 1.3.0');
    expect(await verify([PUBLISHER], 'blocked.exe')).toBe('PowerShell could not check the installer (spawn EACCES)');
    expect(errors).toEqual(['the update is version 1.1.0, not the announced 1.3.0', 'PowerShell could not check the installer (spawn EACCES)']);
  });

  it('Windows: checks the installer again where it will be installed from, and installs nothing until then', async () => {
    const reports: Record<string, AuthenticodeReport> = {
      'pending\\setup-1.3.0.exe': { status: 'Valid', subject: PUBLISHER, productVersion: '1.3.0' },
      'pending\\setup-old.exe': { status: 'Valid', subject: PUBLISHER, productVersion: '1.1.0' },
    };
    const checked: string[] = [];
    const { updater, errors } = started('win32', {
      readAuthenticode: async (path) => {
        checked.push(path);
        const report = reports[path];
        if (!report) throw new Error(`unexpected ${path}`);
        return report;
      },
    });
    const settled = () => new Promise((resolve) => setImmediate(resolve));
    // A download cached by an earlier run (electron-updater does not check it again), or one it never checked.
    updater.emit('update-available', { version: '1.3.0' });
    updater.emit('update-downloaded', { version: '1.3.0', downloadedFile: 'pending\\setup-1.3.0.exe' });
    expect(updater.autoInstallOnAppQuit).toBe(false);
    await settled();
    expect(updater.autoInstallOnAppQuit).toBe(true);
    updater.emit('update-downloaded', { version: '1.3.0', downloadedFile: 'pending\\setup-old.exe' });
    await settled();
    expect(updater.autoInstallOnAppQuit).toBe(false);
    expect(errors).toEqual(['the update is version 1.1.0, not the announced 1.3.0']);
    expect(checked).toEqual(['pending\\setup-1.3.0.exe', 'pending\\setup-old.exe']);
  });

  it('macOS: an app of another version inside the download is not handed to Squirrel.Mac for installation', () => {
    const inside: Record<string, string> = {
      '/cache/good.zip': '<key>CFBundleShortVersionString</key><string>1.3.0</string>',
      '/cache/old.zip': '<key>CFBundleShortVersionString</key><string>1.0.0</string>',
    };
    const { updater, errors } = started('darwin', { readZippedInfoPlist: (path) => inside[path] ?? '' });
    updater.emit('update-available', { version: '1.3.0' });
    updater.emit('update-downloaded', { version: '1.3.0', downloadedFile: '/cache/old.zip' });
    expect(updater.autoInstallOnAppQuit).toBe(false);
    expect(errors).toEqual(['the update is version 1.0.0, not the announced 1.3.0']);
    // The next good one installs again.
    updater.emit('update-available', { version: '1.3.0' });
    updater.emit('update-downloaded', { version: '1.3.0', downloadedFile: '/cache/good.zip' });
    expect(updater.autoInstallOnAppQuit).toBe(true);
    expect(errors).toHaveLength(1);
  });
});
