// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const electronImportBan = {
  patterns: [
    {
      group: ['electron', 'electron/*', 'electron-store', 'electron-updater'],
      message: 'main/core and protocol are host-agnostic: talk to Electron through a port in main/core/ports.ts.',
    },
  ],
};

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'out/', 'server/portal/dist/', 'server/dist/', 'server/node_modules/', 'bench/results/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['main/core/**/*.ts', 'protocol/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', electronImportBan] },
  },
  {
    files: ['protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...electronImportBan.patterns,
            { group: ['**/server/**', '**/main/**', '**/renderer/**', '**/preload/**'], message: 'protocol/ imports nothing else of ours.' },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/main/**', '**/server/**', 'electron', 'node:*'], message: 'The renderer only talks to window.secureAccess (preload/contract.ts).' },
          ],
        },
      ],
    },
  },
  {
    // Written from docs/protocol.md alone, as another team would: nothing of ours may leak in.
    files: ['tests/integration/independent-client/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/protocol/**', '**/main/**', '**/server/**', '**/preload/**', '**/renderer/**', '@noble/*', '@sinclair/*'], message: 'The independent client knows the protocol from its documents only.' },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' } },
  },
  {
    // CommonJS files (electron-builder hooks).
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
