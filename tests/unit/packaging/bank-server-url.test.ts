/**
 * `npm run dist` can build the bank's server address into the app (SECURE_ACCESS_BANK_SERVER_URL): a treasurer who
 * installs it from the bank's download page never types a URL. IT's policy still wins over it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain .mjs script without type declarations; its export is used as build-main.mjs uses it
import { bankServerUrlFrom } from '../../../scripts/bank-server-url.mjs';
import { createCoreUnderTest, ManualClock } from '../core/support';

const root = resolve(import.meta.dirname, '../../..');
const outdir = mkdtempSync(join(tmpdir(), 'sa-build-main-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const BANK = 'https://espace-client.banque.example';
const withUrl = (value: string) => (bankServerUrlFrom as (env: Record<string, string>) => string)({ SECURE_ACCESS_BANK_SERVER_URL: value });

describe('the bank server address built into the app', () => {
  it('is an https:// address (http:// only on this machine), kept without its trailing slash', () => {
    expect(withUrl(`${BANK}/`)).toBe(BANK);
    expect(withUrl(`  ${BANK}/espace  `)).toBe(`${BANK}/espace`);
    expect(withUrl('http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080');
    expect(withUrl('')).toBe('');
    // An installer is a production build: the packaged app refuses plain http even on the computer it runs on.
    expect(() => (bankServerUrlFrom as (env: Record<string, string>, options: { production: boolean }) => string)(
      { SECURE_ACCESS_BANK_SERVER_URL: 'http://127.0.0.1:8080' }, { production: true },
    )).toThrow('SECURE_ACCESS_BANK_SERVER_URL must be an https:// address in an installer: "http://127.0.0.1:8080"');
    for (const wrong of ['http://banque.example', 'ftp://banque.example', 'banque.example', `https://user:pass@banque.example`, `${BANK}/?next=x`]) {
      expect(() => withUrl(wrong), wrong).toThrow(/SECURE_ACCESS_BANK_SERVER_URL/);
    }
  });

  it('is compiled into the main bundle by build-main.mjs, and refused there when wrong', () => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== 'SECURE_ACCESS_BANK_SERVER_URL'));
    const built = spawnSync('node', ['scripts/build-main.mjs', '--outdir', outdir], { cwd: root, encoding: 'utf8', env: { ...env, SECURE_ACCESS_BANK_SERVER_URL: BANK }, timeout: 120_000 });
    expect(built.status, built.stderr).toBe(0);
    expect(built.stdout).toContain(`the bank's server address built into the app: ${BANK}`);
    expect(readFileSync(join(outdir, 'main/index.js'), 'utf8')).toMatch(new RegExp(`bankServerUrl: "${BANK.replace(/[./]/g, '\\$&')}"`));

    const refused = spawnSync('node', ['scripts/build-main.mjs', '--outdir', outdir], { cwd: root, encoding: 'utf8', env: { ...env, SECURE_ACCESS_BANK_SERVER_URL: 'http://banque.example' }, timeout: 120_000 });
    expect(refused.status).toBe(1);
    expect(refused.stderr.trim()).toBe('build-main: SECURE_ACCESS_BANK_SERVER_URL must be an https:// address (http:// only on this machine): "http://banque.example"');
  });

  it('is the default server of a new account, unless IT’s policy names one', async () => {
    const plain = await createCoreUnderTest({ clock: new ManualClock(), bankServerUrl: `${BANK}/` });
    const snapshot = await plain.bridge.getSnapshot();
    expect(snapshot.appInfo.bankServerUrl).toBe(BANK);
    expect(snapshot.settings.defaultServerUrl).toBe(BANK);
    await plain.stop();

    const policy = {
      source: '/etc/secure-access/policy.json', serverUrl: 'https://it.durand.example', serverUrlLocked: false, allowAdditionalServers: true,
      startAtLogin: null, updatesEnabled: true, approvalCodeMinLength: 6, errors: [],
    };
    const managed = await createCoreUnderTest({ clock: new ManualClock(), bankServerUrl: BANK, policy });
    expect((await managed.bridge.getSnapshot()).settings.defaultServerUrl).toBe('https://it.durand.example');
    await managed.stop();

    const wrong = await createCoreUnderTest({ clock: new ManualClock(), bankServerUrl: 'ftp://banque.example' });
    expect((await wrong.bridge.getSnapshot()).appInfo.bankServerUrl).toBeNull();
    expect(wrong.logger.text()).toContain('the server address built into this installer is not acceptable and is ignored');
    await wrong.stop();
  });
});
