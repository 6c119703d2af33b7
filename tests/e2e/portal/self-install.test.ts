/**
 * The guide's self-install path, as a treasurer walks it from the Espace Client: the download page serves the
 * installers the bank published (per system, with version, size and SHA-256), or says plainly that none is; the
 * mobile options link to the stores the bank configured, each with a QR code a phone can read.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import decodeQR from 'qr/decode.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../harness/server';
import { checkPage, fillLogin, launchChromium, openPortal, STORY_TIMEOUT_MS, textOf } from './support';

const APP_STORE = 'https://apps.apple.com/fr/app/secure-access-banque/id1234567890';
const PLAY_STORE = 'https://play.google.com/store/apps/details?id=com.banque.secureaccess';
const BANK_APP_STORE = 'https://apps.apple.com/fr/app/banque-entreprises/id987654321';

/** Installers as electron-builder names them, with contents of their own, and what must not be served. */
function publishedFolder(): { dir: string; files: Record<string, Buffer> } {
  const dir = mkdtempSync(join(tmpdir(), 'sa-downloads-'));
  const files: Record<string, Buffer> = {
    'Secure Access-Setup-1.4.0-x64.exe': Buffer.alloc(300_000, 1),
    'Secure Access-1.4.0-x64.msi': Buffer.alloc(250_000, 2),
    'Secure Access-1.4.0-arm64.dmg': Buffer.alloc(400_000, 3),
    'Secure Access-1.4.0-x86_64.AppImage': Buffer.alloc(350_000, 4),
    'secure-access_1.4.0_amd64.deb': Buffer.alloc(200_000, 5),
  };
  for (const [name, contents] of Object.entries(files)) writeFileSync(join(dir, name), contents);
  writeFileSync(join(dir, 'release-notes.txt'), 'internal notes');
  writeFileSync(join(dir, '.secret.exe'), 'hidden');
  mkdirSync(join(dir, 'old.exe'));
  return { dir, files };
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** The modules a QR code draws (its SVG path), rasterised as a camera would see them, then read by a QR decoder. */
function readQr(path: string, modules: number): string {
  const scale = 6;
  const size = modules * scale;
  const data = new Uint8Array(size * size * 4).fill(255);
  for (const match of path.matchAll(/M(\d+) (\d+)h1v1h-1z/g)) {
    const x = Number(match[1]);
    const y = Number(match[2]);
    for (let dy = 0; dy < scale; dy++) {
      for (let dx = 0; dx < scale; dx++) {
        const at = ((y * scale + dy) * size + x * scale + dx) * 4;
        data[at] = 0;
        data[at + 1] = 0;
        data[at + 2] = 0;
      }
    }
  }
  return decodeQR({ width: size, height: size, data });
}

describe('Espace Client: installing Secure Access by oneself', () => {
  let browser: Browser;
  let published: ReturnType<typeof publishedFolder>;
  let server: TestServer;
  let bare: TestServer;

  beforeAll(async () => {
    browser = await launchChromium();
    published = publishedFolder();
    server = await startTestServer({
      startAt: Date.now(),
      downloadsDir: published.dir,
      mobileStoreLinks: { bankApp: { appStore: BANK_APP_STORE }, secureAccessApp: { appStore: APP_STORE, playStore: PLAY_STORE } },
    });
    bare = await startTestServer({ startAt: Date.now() });
  }, STORY_TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await bare?.close();
    rmSync(published.dir, { recursive: true, force: true });
  });

  it(
    'says plainly that no installer is published when the bank has put none there',
    async () => {
      const portal = await openPortal(browser, bare, { path: '/download' });
      await portal.page.getByRole('heading', { level: 1, name: 'Secure Access pour PC/Mac' }).waitFor();
      expect(await textOf(portal.page.locator('.alert-info'))).toBe(
        'Aucun programme d’installation n’est publié sur ce serveur pour le moment. Demandez Secure Access à votre service informatique ou à votre agence ; en attendant, vous pouvez l’installer sur mobile.',
      );
      expect(await portal.page.getByRole('link', { name: /^Télécharger/ }).count()).toBe(0);
      await checkPage(portal, '06-download-none');
      await portal.context.close();
    },
    STORY_TIMEOUT_MS,
  );

  it(
    'lists each published installer with its system, version, size and SHA-256, this computer’s first, and serves exactly those files',
    async () => {
      const portal = await openPortal(browser, server, { path: '/download' });
      const { page } = portal;
      await page.getByRole('heading', { level: 1, name: 'Secure Access pour PC/Mac' }).waitFor();
      const items = page.locator('.installer');
      await items.first().waitFor();
      expect(await items.count()).toBe(5);
      // Chromium here runs on Linux: its installers come first, marked for this computer.
      const first = await textOf(items.first());
      expect(first).toMatch(/^Linux · (AppImage|Paquet Debian et Ubuntu \(\.deb\)) Pour cet ordinateur Version 1\.4\.0 · x64 · /);
      const exe = items.filter({ hasText: 'Secure Access-Setup-1.4.0-x64.exe' });
      expect(await textOf(exe)).toContain('Windows · Programme d’installation (.exe)');
      expect(await textOf(exe)).toContain('Version 1.4.0 · x64 · 293 ko');
      expect(await textOf(exe.locator('code'))).toBe(sha256(published.files['Secure Access-Setup-1.4.0-x64.exe']!));
      expect(await page.getByText('release-notes.txt').count()).toBe(0);
      await checkPage(portal, '06-download');

      // The link downloads the very file, with its fingerprint.
      const link = exe.getByRole('link', { name: 'Télécharger · Programme d’installation (.exe) · Windows' });
      const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
      expect(download.suggestedFilename()).toBe('Secure Access-Setup-1.4.0-x64.exe');
      const answer = await fetch(`${server.baseUrl}/downloads/${encodeURIComponent('Secure Access-1.4.0-arm64.dmg')}`);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-disposition')).toBe(`attachment; filename*=UTF-8''${encodeURIComponent('Secure Access-1.4.0-arm64.dmg')}`);
      expect(answer.headers.get('repr-digest')).toBe(`sha-256=:${Buffer.from(sha256(published.files['Secure Access-1.4.0-arm64.dmg']!), 'hex').toString('base64')}:`);
      expect(Buffer.from(await answer.arrayBuffer()).equals(published.files['Secure Access-1.4.0-arm64.dmg']!)).toBe(true);

      // Nothing else in that folder leaves it.
      for (const name of ['release-notes.txt', '.secret.exe', 'old.exe', '..%2F..%2Fetc%2Fpasswd', 'missing-1.4.0.exe']) {
        const refused = await fetch(`${server.baseUrl}/downloads/${name}`);
        expect(refused.status, name).toBe(404);
      }
      await portal.context.close();
    },
    STORY_TIMEOUT_MS,
  );

  it(
    'points the mobile options to the bank’s store links, each with a QR code that reads back as that link',
    async () => {
      const admin = await server.readyPrimaryAdmin();
      await server.activateDevice(admin);
      const user = await server.readySecondaryUser(admin.portal, 'Marc Petit');
      const portal = await openPortal(browser, server);
      const { page } = portal;
      await fillLogin(page, user.identifier, user.secretCode);
      await page.getByRole('heading', { level: 1, name: 'Installer Secure Access' }).waitFor();

      const dedicated = page.locator('.option', { hasText: 'L’appli dédiée Secure Access' });
      await dedicated.getByRole('link', { name: 'L’appli dédiée Secure Access sur App Store' }).waitFor();
      expect(await dedicated.getByRole('link', { name: 'L’appli dédiée Secure Access sur Google Play' }).getAttribute('href')).toBe(PLAY_STORE);
      const bankApp = page.locator('.option', { hasText: 'L’appli mobile de votre banque' });
      expect(await bankApp.getByRole('link').count()).toBe(1);
      expect(await bankApp.getByRole('link').getAttribute('href')).toBe(BANK_APP_STORE);

      for (const [option, url, store] of [[dedicated, APP_STORE, 'App Store'], [dedicated, PLAY_STORE, 'Google Play'], [bankApp, BANK_APP_STORE, 'App Store']] as const) {
        const qr = option.getByRole('img', { name: `Scannez ce code avec votre mobile pour ouvrir ${store}.` });
        const drawn = await qr.evaluate((svg) => ({ path: svg.querySelector('path')?.getAttribute('d') ?? '', modules: Number(svg.getAttribute('viewBox')?.split(' ')[2]) }));
        expect(readQr(drawn.path, drawn.modules)).toBe(url);
      }
      await checkPage(portal, '05b-install-store-links');
      await portal.context.close();
    },
    STORY_TIMEOUT_MS,
  );
});
