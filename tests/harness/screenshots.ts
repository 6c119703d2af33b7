/**
 * Where the e2e suites put their screenshots. `npm test` must leave the work tree as it found it, so by default the
 * pictures go to test-results/screenshots/ (ignored by git) — still taken, so a screen that cannot be drawn still
 * fails. `npm run screenshots` (SA_SCREENSHOTS=1) writes them to docs/screenshots/, to be looked at and committed.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SCREENSHOTS_ENV = 'SA_SCREENSHOTS';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export function screenshotsForDocs(): boolean {
  return process.env[SCREENSHOTS_ENV] === '1';
}

/** `screenshotDir('portal')` → docs/screenshots/portal/ on demand, test-results/screenshots/portal/ otherwise. */
export function screenshotDir(...subdirectories: string[]): string {
  return join(ROOT, screenshotsForDocs() ? 'docs/screenshots' : 'test-results/screenshots', ...subdirectories);
}
