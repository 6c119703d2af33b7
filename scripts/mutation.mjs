// `npm run mutation [-- <part> ...]`: Stryker over the security-critical code, one part after the other
// (stryker/parts.mjs; all of them when none is named). Not part of `npm test`: it is long. Prints each part's
// score and duration, writes reports/mutation/<part>.html and .json, and fails when a part scores below 85 %.
// SA_MUTATION_CONCURRENCY=1 runs one test process at a time (default 2); SA_MUTATION_INCREMENTAL=1 reuses the
// previous run's results for the mutants and tests that did not change (not in the parts that mutate code run at
// import: stryker/stryker.config.mjs says why). SA_MUTATION_FILES=a.ts,b.ts mutates only those files of the part
// (named as in stryker/parts.mjs), for a run shorter than the whole part; the score printed is then theirs alone.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { filesToMutate, PARTS } from '../stryker/parts.mjs';
import { toolCommand } from './node-tools.mjs';

const MINIMUM_SCORE = 85;
const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !(name in PARTS));
if (unknown.length > 0) {
  console.error(`unknown mutation part${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}; the parts are ${Object.keys(PARTS).join(', ')}`);
  process.exit(2);
}
const names = requested.length > 0 ? requested : Object.keys(PARTS);

/** Mutation score as Stryker counts it: detected (killed, timed out) over valid mutants (not compile errors, not ignored). */
function scoreOf(report) {
  const counts = { Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0, CompileError: 0, RuntimeError: 0, Ignored: 0 };
  for (const file of Object.values(report.files)) for (const mutant of file.mutants) counts[mutant.status] = (counts[mutant.status] ?? 0) + 1;
  const detected = counts.Killed + counts.Timeout;
  const valid = detected + counts.Survived + counts.NoCoverage;
  return { ...counts, detected, valid, score: valid === 0 ? 100 : (100 * detected) / valid };
}

const results = [];
for (const name of names) {
  const files = filesToMutate(name);
  const subset = files.length < PARTS[name].mutate.length ? ` (only ${files.join(', ')})` : '';
  console.log(`\n▶ mutation: ${name}${subset} — ${PARTS[name].summary}`);
  const started = Date.now();
  const [program, args] = toolCommand('@stryker-mutator/core', 'stryker', ['run', 'stryker/stryker.config.mjs']);
  const run = spawnSync(program, args, { stdio: 'inherit', env: { ...process.env, SA_MUTATION_PART: name } });
  const minutes = (Date.now() - started) / 60_000;
  const reportFile = `reports/mutation/${name}.json`;
  if (run.status !== 0 || !existsSync(reportFile)) {
    results.push({ name: `${name}${subset}`, minutes, failed: `Stryker exited with ${run.status ?? run.signal}` });
    continue;
  }
  results.push({ name: `${name}${subset}`, minutes, ...scoreOf(JSON.parse(readFileSync(reportFile, 'utf8'))) });
}

console.log('\nmutation scores');
for (const result of results) {
  const line = result.failed
    ? `${result.name}: ${result.failed}`
    : `${result.name}: ${result.score.toFixed(1)} % (${result.detected} of ${result.valid} mutants detected, ${result.Survived} survived, ${result.NoCoverage} not covered) in ${result.minutes.toFixed(1)} min`;
  console.log(`  ${line}`);
}
const short = results.filter((result) => result.failed || result.score < MINIMUM_SCORE);
if (short.length > 0) {
  console.error(`below ${MINIMUM_SCORE} % or failed: ${short.map((result) => result.name).join(', ')}`);
  process.exit(1);
}
