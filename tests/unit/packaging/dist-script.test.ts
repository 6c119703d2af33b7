import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain .mjs script without type declarations; its exports are used as the script uses them
import { missingKeyStoreBinaries, signingPlan } from '../../../scripts/dist.mjs';

const root = resolve(import.meta.dirname, '../../..');
const emptyCache = mkdtempSync(join(tmpdir(), 'sa-electron-cache-'));
afterAll(() => rmSync(emptyCache, { recursive: true, force: true }));

/** A local port nothing listens on: a download from it is refused at once, as on a machine without network. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

function runDist(args: string[], env: Record<string, string>) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/proxy|^ELECTRON_|^SECURE_ACCESS_ELECTRON_DIST$/i.test(key)));
  return spawnSync('node', ['scripts/dist.mjs', ...args], { cwd: root, encoding: 'utf8', env: { ...clean, ...env }, timeout: 60_000 });
}

describe('npm run dist where Electron cannot be fetched', () => {
  it('fails at once with one plain line, no stack trace, before building anything', async () => {
    const port = await closedPort();
    const result = runDist(['linux'], { ELECTRON_MIRROR: `http://127.0.0.1:${port}/`, ELECTRON_CACHE: emptyCache });
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^npm run dist: cannot package Secure Access here: the Electron \d+\.\d+\.\d+ binary electron-v[\d.]+-linux-(x64|arm64)\.zip is not in the cache/);
    expect(lines[0]).toContain(emptyCache);
    expect(lines[0]).toContain('ELECTRON_MIRROR');
    expect(result.stderr).not.toMatch(/^\s+at /m);
    // Nothing was built or packaged: the check comes first.
    expect(result.stdout).not.toMatch(/built the|electron-builder/);
  });

  it('says so plainly for an unknown platform, and for macOS installers off a Mac', () => {
    const unknown = runDist(['beos'], {});
    expect(unknown.status).toBe(1);
    expect(unknown.stderr.trim()).toBe('npm run dist: unknown platform "beos": use mac, win or linux.');
    if (process.platform !== 'darwin') {
      const mac = runDist(['mac'], {});
      expect(mac.stderr.trim()).toBe('npm run dist: cannot package Secure Access for macOS here: DMG and PKG installers are built, signed and notarized on macOS only.');
    }
  });

  it('refuses to make unsigned Windows installers, or ones whose updates could not be checked, unless asked for a test build', () => {
    type Plan = { lines: string[]; args: string[]; problem: string | null };
    const plan = signingPlan as (target: string, env: Record<string, string>) => Plan;
    const bare = plan('win', {});
    expect(bare.problem).toMatch(/^cannot package signed Windows installers: set a code-signing certificate .*; and SECURE_ACCESS_WINDOWS_PUBLISHER/);
    const commonNameOnly = plan('win', { CSC_LINK: '/certs/bank.pfx', SECURE_ACCESS_WINDOWS_PUBLISHER: 'CN=Banque Exemple SA' });
    expect(commonNameOnly.problem).toMatch(/SECURE_ACCESS_WINDOWS_PUBLISHER, the full subject/);
    const publisher = 'CN="Banque Exemple SA", O="Banque Exemple SA", L=Paris, C=FR';
    const azure = plan('win', {
      AZURE_TRUSTED_SIGNING_ENDPOINT: 'https://weu.codesigning.azure.net', AZURE_TRUSTED_SIGNING_ACCOUNT_NAME: 'bank-signing',
      AZURE_TRUSTED_SIGNING_CERTIFICATE_PROFILE_NAME: 'secure-access', AZURE_TRUSTED_SIGNING_PUBLISHER_NAME: 'Banque Exemple SA',
      SECURE_ACCESS_WINDOWS_PUBLISHER: publisher,
    });
    expect(azure.problem).toBeNull();
    expect(azure.args).toContain('-c.win.azureSignOptions.publisherName=Banque Exemple SA');
    expect(azure.args).toContain(`-c.publish.publisherName=${publisher}`);
    expect(azure.lines[0]).toMatch(/^Windows signing: Azure Trusted Signing/);
    const test = plan('win', { SECURE_ACCESS_UNSIGNED: '1' });
    expect(test.problem).toBeNull();
    expect(test.args).toEqual(['-c.forceCodeSigning=false']);
    expect(test.lines.at(-1)).toMatch(/^UNSIGNED TEST BUILD/);
  });

  it('says which macOS signing and notarization apply: the app, the DMG and the PKG', () => {
    type Plan = { lines: string[]; problem: string | null };
    const plan = signingPlan as (target: string, env: Record<string, string>) => Plan;
    expect(plan('mac', {}).lines[1]).toMatch(/^macOS notarization: skipped, because APPLE_API_KEY/);
    const notarized = plan('mac', { APPLE_API_KEY: '/keys/AuthKey.p8', APPLE_API_KEY_ID: 'ABC123', APPLE_API_ISSUER: 'issuer' });
    expect(notarized.lines[1]).toBe('macOS notarization: with the App Store Connect API key (the app, then the DMG and the PKG, stapled).');
    expect(plan('linux', {}).problem).toBeNull();
  });

  it('names the key store’s native binaries a platform’s installers need and npm did not install (only the host’s)', () => {
    const missing = missingKeyStoreBinaries as (target: string, root?: string) => string[];
    expect(missing('win')).toEqual([]);
    expect(missing('linux')).toEqual([]);
    expect(missing('mac', emptyCache)).toEqual(['@napi-rs/keyring-darwin-arm64', '@napi-rs/keyring-darwin-x64']);
  });
});
