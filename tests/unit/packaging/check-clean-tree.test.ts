/**
 * .ci/run ends with scripts/check-clean-tree.mjs: `npm test` must leave a clean clone clean. Run on a throwaway
 * repository: clean, a tracked file rewritten (as a screenshot would be), an untracked file left behind, and an
 * ignored one (test-results/), which is allowed.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const SCRIPT = resolve(import.meta.dirname, '../../../scripts/check-clean-tree.mjs');
let repository: string;

function git(...args: string[]): void {
  const result = spawnSync('git', args, { cwd: repository, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
}

function check(): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [SCRIPT, repository], { encoding: 'utf8' });
}

beforeEach(() => {
  repository = mkdtempSync(join(tmpdir(), 'sa-clean-tree-'));
  git('init', '--quiet');
  mkdirSync(join(repository, 'docs/screenshots'), { recursive: true });
  writeFileSync(join(repository, 'docs/screenshots/login.png'), 'before');
  writeFileSync(join(repository, '.gitignore'), 'test-results/\n');
  git('add', '.');
  git('-c', 'user.name=CI', '-c', 'user.email=ci@example.invalid', 'commit', '--quiet', '-m', 'start');
});

afterEach(() => rmSync(repository, { recursive: true, force: true }));

describe('scripts/check-clean-tree.mjs (the end of .ci/run)', () => {
  it('passes on a clean tree, and ignored files (test-results/) do not count', () => {
    mkdirSync(join(repository, 'test-results/screenshots'), { recursive: true });
    writeFileSync(join(repository, 'test-results/screenshots/login.png'), 'taken by npm test');
    const result = check();
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('work tree clean after the tests\n');
  });

  it('fails, naming the file, when a test rewrote a tracked screenshot', () => {
    writeFileSync(join(repository, 'docs/screenshots/login.png'), 'after');
    const result = check();
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('✖ the tests changed the work tree');
    expect(result.stderr).toContain(' M docs/screenshots/login.png');
  });

  it('fails, naming the file, when a test left an untracked file behind (inside a new directory too)', () => {
    mkdirSync(join(repository, 'data/run'), { recursive: true });
    writeFileSync(join(repository, 'data/run/secure-access.db'), '');
    const result = check();
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('?? data/run/secure-access.db');
  });

  it('is what .ci/run runs after npm test', () => {
    const ci = readFileSync(resolve(import.meta.dirname, '../../../.ci/run'), 'utf8');
    expect(ci.indexOf('node scripts/check-clean-tree.mjs')).toBeGreaterThan(ci.indexOf('npm test'));
  });
});
