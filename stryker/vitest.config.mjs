// @ts-check
/** Vitest as the mutation runs use it: only the tests of the part named by SA_MUTATION_PART. */
import { defineConfig } from 'vitest/config';
import { partNamed } from './parts.mjs';

const part = partNamed(process.env.SA_MUTATION_PART ?? '');

export default defineConfig({
  test: {
    root: '.',
    include: part.tests,
    globalSetup: part.postgres ? ['tests/harness/global-setup.ts'] : [],
    env: part.databases ? { SA_TEST_DATABASES: part.databases } : {},
    testTimeout: 30_000,
    hookTimeout: 90_000,
    teardownTimeout: 30_000,
  },
});
