// `npm test`: OS prerequisites, typecheck, lint, build, then every test suite inside a private D-Bus session
// with an unlocked gnome-keyring (the real Secret Service behind keytar). Ends with the runner's summary line.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureOsPrerequisites } from './os-prerequisites.mjs';

const extraArgs = process.argv.slice(2);

function step(title, command, args, options = {}) {
  console.log(`\n▶ ${title}`);
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.status !== 0) {
    console.error(`✖ ${title} failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status || 1);
  }
}

try {
  ensureOsPrerequisites();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
if (!existsSync('node_modules')) {
  console.error('Dependencies are not installed: run `ELECTRON_SKIP_BINARY_DOWNLOAD=1 npm ci` first.');
  process.exit(1);
}

step('typecheck', 'npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']);
step('lint', 'npx', ['eslint', '--max-warnings=0', '.']);
step('build', 'node', ['scripts/build.mjs']);

const keyringHome = mkdtempSync(join(tmpdir(), 'sa-keyring-'));
const report = join(keyringHome, 'vitest-report.json');
// A throwaway keyring: its own HOME, unlocked with a throwaway password, gone after the run.
const inner = [
  'echo -n throwaway-test-keyring | gnome-keyring-daemon --unlock --components=secrets >/dev/null',
  `exec npx vitest run ${extraArgs.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ')}`,
].join(' && ');
console.log('\n▶ tests (vitest, in a private D-Bus session with gnome-keyring)');
const run = spawnSync('dbus-run-session', ['--', 'sh', '-c', inner], {
  stdio: 'inherit',
  env: { ...process.env, HOME: keyringHome, XDG_RUNTIME_DIR: keyringHome, XDG_DATA_HOME: join(keyringHome, 'data'), VITEST_JSON_REPORT: report, npm_config_cache: process.env.npm_config_cache ?? join(process.env.HOME ?? keyringHome, '.npm') },
});

let summary = 'no test report';
if (existsSync(report)) {
  const json = JSON.parse(readFileSync(report, 'utf8'));
  summary = `${json.numPassedTests} passed, ${json.numFailedTests} failed, ${json.numPendingTests + (json.numTodoTests ?? 0)} skipped`;
}
rmSync(keyringHome, { recursive: true, force: true });
console.log(`\n${summary}`);
process.exit(run.status ?? 1);
