import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain .mjs script without type declarations; its exports are used as the script uses them
import { signingPlan } from '../../../scripts/dist.mjs';

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

  it('says which signing and notarization apply, and skips them with a clear message when their variables are absent', () => {
    const unsigned = signingPlan('win', {}) as { lines: string[]; args: string[] };
    expect(unsigned.args).toEqual([]);
    expect(unsigned.lines[0]).toMatch(/^Windows signing: skipped, because neither CSC_LINK/);
    const azure = signingPlan('win', {
      AZURE_TRUSTED_SIGNING_ENDPOINT: 'https://weu.codesigning.azure.net', AZURE_TRUSTED_SIGNING_ACCOUNT_NAME: 'bank-signing',
      AZURE_TRUSTED_SIGNING_CERTIFICATE_PROFILE_NAME: 'secure-access', AZURE_TRUSTED_SIGNING_PUBLISHER_NAME: 'Banque Exemple SA',
    }) as { lines: string[]; args: string[] };
    expect(azure.args).toContain('-c.win.azureSignOptions.publisherName=Banque Exemple SA');
    expect(azure.lines[0]).toMatch(/^Windows signing: Azure Trusted Signing/);
    const notNotarized = signingPlan('mac', {}) as { lines: string[] };
    expect(notNotarized.lines[1]).toMatch(/^macOS notarization: skipped, because APPLE_API_KEY/);
    const notarized = signingPlan('mac', { APPLE_API_KEY: '/keys/AuthKey.p8', APPLE_API_KEY_ID: 'ABC123', APPLE_API_ISSUER: 'issuer' }) as { lines: string[] };
    expect(notarized.lines[1]).toBe('macOS notarization: with the App Store Connect API key.');
  });
});
