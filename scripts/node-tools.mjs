// How the scripts start a program: always this Node (process.execPath) on a JavaScript file, never `npx`, `npm`
// or node_modules/.bin/*. On Windows those are .cmd files, which Node refuses to spawn without a shell (ENOENT,
// or EINVAL since the CVE-2024-27980 fix); a shell would bring its own quoting problems. A package's command-line
// tool is run from the entry its package.json names under "bin" (tests/unit/packaging/scripts-spawn.test.ts keeps
// every script to this).
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root: the scripts run from anywhere, their paths do not depend on the working directory. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The JavaScript file behind a package's command (`vite`, `electron-builder`, `tsx`, `vitest`…). */
export function toolEntry(packageName, command = packageName, root = ROOT) {
  const packageDir = join(root, 'node_modules', ...packageName.split('/'));
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
  const entry = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin?.[command];
  if (typeof entry !== 'string') throw new Error(`the package ${packageName} has no command named ${command}`);
  return join(packageDir, entry);
}

/** [program, args] that run a package's command with this Node. */
export function toolCommand(packageName, command, args = []) {
  return [process.execPath, [toolEntry(packageName, command), ...args]];
}

/** [program, args] that run one of our own .mjs scripts with this Node. */
export function scriptCommand(script, args = []) {
  return [process.execPath, [join(ROOT, script), ...args]];
}
