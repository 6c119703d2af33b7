import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain .mjs script without type declarations
import { electronBinary } from '../../../scripts/start.mjs';
import { CONNECTION_REFUSED } from '../../harness/network';

const root = resolve(import.meta.dirname, '../../..');
const temporary = mkdtempSync(join(tmpdir(), 'sa-start-'));
afterAll(() => rmSync(temporary, { recursive: true, force: true }));

type Found = { binary?: string; reason?: string };
const find = electronBinary as (root: string, env: Record<string, string | undefined>, platform: string) => Found;

function fakeElectronPackage(withBinary: boolean): string {
  const dir = mkdtempSync(join(temporary, 'repo-'));
  mkdirSync(join(dir, 'node_modules/electron/dist'), { recursive: true });
  writeFileSync(join(dir, 'node_modules/electron/package.json'), '{"name":"electron"}');
  if (withBinary) {
    writeFileSync(join(dir, 'node_modules/electron/path.txt'), 'electron');
    writeFileSync(join(dir, 'node_modules/electron/dist/electron'), '');
  }
  return dir;
}

describe('npm start deciding whether the desktop app can start', () => {
  it('finds the Electron binary from path.txt without triggering a download', () => {
    const repo = fakeElectronPackage(true);
    expect(find(repo, { DISPLAY: ':0' }, 'linux')).toEqual({ binary: join(repo, 'node_modules/electron/dist/electron') });
    // macOS and Windows need no DISPLAY.
    expect(find(repo, {}, 'darwin')).toEqual({ binary: join(repo, 'node_modules/electron/dist/electron') });
  });

  it('gives the reason when there is no binary or no display', () => {
    expect(find(fakeElectronPackage(false), { DISPLAY: ':0' }, 'linux').reason).toMatch(/^no Electron binary is installed/);
    expect(find(fakeElectronPackage(true), {}, 'linux').reason).toBe('there is no display (DISPLAY and WAYLAND_DISPLAY are not set)');
    expect(find(temporary, { DISPLAY: ':0' }, 'linux').reason).toBe('the electron package is not installed');
  });
});

describe('npm start on a machine where Electron cannot start', () => {
  let child: ChildProcess | null = null;
  afterAll(() => {
    // Its own process group: nothing it started (the server under tsx) outlives a failed test.
    if (child?.pid && child.exitCode === null) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });

  it('says so in one sentence, keeps the server running with its portal, and stops it on Ctrl-C', async () => {
    const env = { ...process.env, PORT: '0', DATABASE_URL: `sqlite:${join(temporary, 'demo.db')}`, DISPLAY: '', WAYLAND_DISPLAY: '' };
    child = spawn('node', ['scripts/start.mjs', '--skip-build'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const sentence = await new Promise<string>((done, failed) => {
      const timer = setTimeout(() => failed(new Error(`no word about the desktop app:\n${output}`)), 60_000);
      child?.stdout?.on('data', () => {
        const line = output.split('\n').find((candidate) => candidate.startsWith('The desktop app cannot start here'));
        if (line) {
          clearTimeout(timer);
          done(line);
        }
      });
    });
    expect(output.split('\n').filter((line) => line.startsWith('The desktop app'))).toHaveLength(1);
    expect(sentence).toMatch(/^The desktop app cannot start here because .+; the server keeps running: open the Espace Client at http:\/\/127\.0\.0\.1:\d+\/ \(Ctrl-C to stop\)\.$/);
    // The demo login was printed before it, so the sentence is the last thing a person reads.
    expect(output.indexOf('identifier:')).toBeLessThan(output.indexOf('The desktop app'));
    const url = /(http:\/\/127\.0\.0\.1:\d+)\//.exec(sentence)?.[1];
    expect((await fetch(`${url}/openapi.json`)).status).toBe(200);

    const exited = new Promise<number | null>((done) => child?.once('exit', (code) => done(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    // Stopped for good: nothing listens on its port any more.
    await expect(fetch(`${url}/openapi.json`)).rejects.toMatchObject(CONNECTION_REFUSED);
  });
});
