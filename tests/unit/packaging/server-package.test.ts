/**
 * The server's own package (docs/operations.md, "Why the server is a package of its own"): what its production install
 * gets is what the repository tests, and the desktop app's package carries none of it.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain ES module script without type declarations
import { serverLockfile, serverLockfileText } from '../../../scripts/server-lock.mjs';

const root = resolve(import.meta.dirname, '../../..');
const read = (path: string) => JSON.parse(readFileSync(join(root, path), 'utf8')) as Record<string, unknown>;
type Manifest = { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };

describe('the server package', () => {
  const server = read('server/package.json') as Manifest & { name: string; bin: Record<string, string>; files: string[] };
  const app = read('package.json') as Manifest;

  it('lists each runtime package at the very version the repository develops and tests with', () => {
    const developed = { ...app.dependencies, ...app.devDependencies };
    for (const [name, spec] of Object.entries(server.dependencies ?? {})) expect(developed[name], name).toBe(spec);
    expect(Object.keys(server.dependencies ?? {})).toEqual(expect.arrayContaining(['fastify', 'kysely', 'pg', 'better-sqlite3', 'pino', 'prom-client']));
    expect(server.devDependencies).toBeUndefined();
  });

  it('ships a shrinkwrap derived from the root lockfile (run `node scripts/server-lock.mjs` when this fails)', () => {
    expect(readFileSync(join(root, 'server/npm-shrinkwrap.json'), 'utf8')).toBe((serverLockfileText as (dir: string) => string)(root));
    const lock = read('package-lock.json') as { packages: Record<string, { version?: string }> };
    const shrinkwrap = (serverLockfile as (dir: string) => { packages: Record<string, { version?: string; dev?: boolean }> })(root);
    for (const [path, entry] of Object.entries(shrinkwrap.packages)) {
      if (path === '') continue;
      expect(entry.version, path).toBe(lock.packages[path]?.version);
      expect(entry.dev, `${path} would be left out by --omit=dev`).toBeUndefined();
    }
  });

  it('is started by its compiled entry, and packs only it and the built portal', () => {
    expect(server.bin).toEqual({ 'secure-access-server': 'dist/cli.js' });
    expect(server.files).toEqual(['dist/', 'portal/dist/']);
  });

  it('leaves the desktop app\'s dependencies (what electron-builder ships) without any server package', () => {
    const shipped = Object.keys(app.dependencies ?? {});
    for (const name of Object.keys(server.dependencies ?? {})) {
      // The protocol's Ed25519 and SHA-2 are the app's own too.
      if (name.startsWith('@noble/')) continue;
      expect(shipped, name).not.toContain(name);
    }
  });
});
