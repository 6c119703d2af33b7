// `npm run screenshots [-- <test files or filters>]`: rewrites docs/screenshots/ from the e2e suites (the app's screens,
// the portal's pages, the story). `npm test` takes the same pictures into test-results/screenshots/ and leaves
// docs/ alone; this is the one command that changes them. Look at each changed picture before committing it.
import { spawnSync } from 'node:child_process';
import { scriptCommand, toolCommand } from './node-tools.mjs';

const SUITES = ['tests/e2e/renderer', 'tests/e2e/portal', 'tests/e2e/story'];
const args = process.argv.slice(2);

function run(title, [program, programArgs], env = process.env) {
  console.log(`\n▶ ${title}`);
  const result = spawnSync(program, programArgs, { stdio: 'inherit', env });
  if (result.status !== 0) {
    console.error(`✖ ${title} failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status || 1);
  }
}

run('build', scriptCommand('scripts/build.mjs'));
const [node, vitest] = toolCommand('vitest', 'vitest', ['run', ...(args.length ? args : SUITES)]);
run('e2e suites, writing docs/screenshots/', ['sh', ['scripts/with-keyring.sh', node, ...vitest]], { ...process.env, SA_SCREENSHOTS: '1' });
console.log('\nScreenshots changed (git status --short docs/screenshots):');
spawnSync('git', ['status', '--short', 'docs/screenshots'], { stdio: 'inherit' });
