// `node scripts/check-clean-tree.mjs [directory]`: exits 1, printing `git status --short`, if the work tree has any
// change or untracked file that .gitignore does not cover. .ci/run calls it after `npm test`: a test that rewrites a
// tracked file (a screenshot, a generated document, the vectors) or leaves a file behind would make every run a
// change to commit.
import { spawnSync } from 'node:child_process';

const directory = process.argv[2] ?? process.cwd();

function git(args) {
  const result = spawnSync('git', args, { cwd: directory, encoding: 'utf8' });
  if (result.status !== 0) {
    console.error(`✖ git ${args.join(' ')} failed in ${directory}: ${(result.stderr || result.error?.message || '').trim()}`);
    process.exit(2);
  }
  return result.stdout;
}

const status = git(['status', '--porcelain', '--untracked-files=all']);
if (status.trim()) {
  console.error('✖ the tests changed the work tree (screenshots are rewritten only by `npm run screenshots`):');
  console.error(git(['status', '--short', '--untracked-files=all']).trimEnd());
  process.exit(1);
}
console.log('work tree clean after the tests');
