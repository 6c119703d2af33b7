// `npm test`: OS prerequisites, typecheck, lint, build, then every test suite inside a private D-Bus session
// with an unlocked throwaway gnome-keyring (the real Secret Service behind the key store). Ends with a summary line.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scriptCommand, toolCommand } from './node-tools.mjs';
import { ensureOsPrerequisites } from './os-prerequisites.mjs';

const extraArgs = process.argv.slice(2);

function step(title, [program, args], options = {}) {
  console.log(`\n▶ ${title}`);
  const result = spawnSync(program, args, { stdio: 'inherit', ...options });
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

step('typecheck', toolCommand('typescript', 'tsc', ['-p', 'tsconfig.json', '--noEmit']));
step('lint', toolCommand('eslint', 'eslint', ['--max-warnings=0', '.']));
step('build', scriptCommand('scripts/build.mjs'));

const reportDir = mkdtempSync(join(tmpdir(), 'sa-test-report-'));
const report = join(reportDir, 'vitest-report.json');
console.log('\n▶ tests (vitest, in a private D-Bus session with a throwaway gnome-keyring)');
const [node, vitest] = toolCommand('vitest', 'vitest', ['run', ...extraArgs]);
const run = spawnSync('sh', ['scripts/with-keyring.sh', node, ...vitest], {
  stdio: 'inherit',
  env: { ...process.env, VITEST_JSON_REPORT: report },
});

let summary = 'no test report';
if (existsSync(report)) {
  const json = JSON.parse(readFileSync(report, 'utf8'));
  summary = `${json.numPassedTests} passed, ${json.numFailedTests} failed, ${json.numPendingTests + (json.numTodoTests ?? 0)} skipped`;
}
rmSync(reportDir, { recursive: true, force: true });
console.log(`\n${summary}`);
process.exit(run.status ?? 1);
