// @ts-check
/**
 * Stryker for one part of the security-critical code (stryker/parts.mjs), chosen by SA_MUTATION_PART: run it
 * with `npm run mutation -- <part>` (scripts/mutation.mjs). Mutants are type-checked first (a mutant that does
 * not compile is not a test's business), then judged by the tests that cover them.
 */
import { filesToMutate, partNamed } from './parts.mjs';

const name = process.env.SA_MUTATION_PART ?? '';
const part = partNamed(name);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'stryker/vitest.config.mjs', related: false },
  checkers: ['typescript'],
  tsconfigFile: 'stryker/tsconfig.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  coverageAnalysis: 'perTest',
  mutate: filesToMutate(name),
  // Two cores shared with others: at most two test processes at once (SA_MUTATION_CONCURRENCY=1 for one).
  concurrency: Number(process.env.SA_MUTATION_CONCURRENCY ?? 2),
  timeoutMS: 15_000,
  timeoutFactor: 2,
  // Code run once at import (schemas, tables, constants) is judged by reloading every test of the part for each of
  // its mutants: affordable where the tests take seconds (parts.mjs says where), not for the server's suites.
  ignoreStatic: !part.staticMutants,
  ignorePatterns: ['docs', 'bench/results', 'dist', 'server/portal/dist', 'deploy', 'build', 'reports', '.stryker-tmp'],
  tempDirName: `.stryker-tmp/${name}`,
  // Not where code run at import is mutated: Stryker reuses such a mutant's old result even when a new test would
  // kill it (it records no test as covering it), so a stale "survived" would stay.
  incremental: process.env.SA_MUTATION_INCREMENTAL === '1' && !part.staticMutants,
  incrementalFile: `reports/mutation/${name}.incremental.json`,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: `reports/mutation/${name}.html` },
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true, reportMutants: true },
  thresholds: { high: 90, low: 85, break: null },
  cleanTempDir: 'always',
};
