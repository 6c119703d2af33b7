/** What an installer's file name says (electron-builder's artifact names), and the store links the bank may configure. */
import { describe, expect, it } from 'vitest';
import { checkStoreLink, describeInstallerName } from '../../../server/services/installers';

describe('an installer file name', () => {
  it.each([
    ['Secure Access-Setup-1.4.0-x64.exe', { platform: 'windows', format: 'exe', version: '1.4.0', arch: 'x64' }],
    ['Secure Access-1.4.0-x64.msi', { platform: 'windows', format: 'msi', version: '1.4.0', arch: 'x64' }],
    ['Secure Access-1.4.0-arm64.dmg', { platform: 'mac', format: 'dmg', version: '1.4.0', arch: 'arm64' }],
    ['Secure Access-1.4.0-universal.pkg', { platform: 'mac', format: 'pkg', version: '1.4.0', arch: 'universal' }],
    ['Secure Access-1.4.0-x86_64.AppImage', { platform: 'linux', format: 'AppImage', version: '1.4.0', arch: 'x64' }],
    ['secure-access_1.4.0_amd64.deb', { platform: 'linux', format: 'deb', version: '1.4.0', arch: 'x64' }],
    ['secure-access_2.0.0-beta.2_arm64.deb', { platform: 'linux', format: 'deb', version: '2.0.0-beta.2', arch: 'arm64' }],
    ['SecureAccess.exe', { platform: 'windows', format: 'exe', version: null, arch: null }],
  ])('%s', (name, expected) => {
    expect(describeInstallerName(name)).toEqual(expected);
  });

  it.each(['release-notes.txt', '.hidden.exe', 'latest.yml', 'sub/dir.exe', 'Secure Access-1.4.0.exe.blockmap'])('%s is not an installer', (name) => {
    expect(describeInstallerName(name)).toBeNull();
  });
});

describe('a mobile store link', () => {
  it('is an https:// URL or nothing', () => {
    expect(checkStoreLink('x', 'https://apps.apple.com/fr/app/id1')).toBe('https://apps.apple.com/fr/app/id1');
    expect(checkStoreLink('x', undefined)).toBeNull();
    expect(checkStoreLink('x', '')).toBeNull();
    expect(() => checkStoreLink('the App Store link', 'http://apps.apple.com/app')).toThrow('the App Store link must be an https:// URL: "http://apps.apple.com/app"');
    expect(() => checkStoreLink('the App Store link', 'javascript:alert(1)')).toThrow(/must be an https:\/\/ URL/);
    expect(() => checkStoreLink('the App Store link', 'not a url')).toThrow('the App Store link is not a URL: "not a url"');
  });
});
