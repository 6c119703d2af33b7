// Bundles the Electron main process and the preload with esbuild. It only bundles; it never launches Electron.
//   main    main/index.ts    → dist/main/index.js    ESM (package.json "type": "module"; Electron 45 loads an ESM main)
//   preload preload/index.ts → dist/preload/index.cjs one CommonJS file: a sandboxed preload can `require` only 'electron'
// The production dependencies (keytar's native module, electron-store and conf, electron-updater, @noble) stay
// external: electron-builder ships them in node_modules and rebuilds keytar for Electron. Everything else (our
// code, TypeBox) is bundled. Options: --outdir <dir> (default dist), --production (no source maps).
// SECURE_ACCESS_BANK_SERVER_URL, when set, is the bank's server address built into the app (scripts/bank-server-url.mjs).
import { readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { bankServerUrlFrom } from './bank-server-url.mjs';

const { values } = parseArgs({ options: { outdir: { type: 'string', default: 'dist' }, production: { type: 'boolean', default: false } } });
const outdir = resolve(values.outdir);
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
// conf is electron-store's own dependency (so it is in the shipped node_modules) and the settings store's base.
export const MAIN_EXTERNALS = ['electron', ...Object.keys(pkg.dependencies ?? {}), 'conf'];

// A production build leaves no source map behind from an earlier development build.
if (values.production) {
  for (const file of ['main/index.js.map', 'preload/index.cjs.map']) rmSync(join(outdir, file), { force: true });
}

let bankServerUrl;
try {
  bankServerUrl = bankServerUrlFrom();
} catch (error) {
  console.error(`build-main: ${error.message}`);
  process.exit(1);
}
if (bankServerUrl) console.log(`the bank's server address built into the app: ${bankServerUrl}`);

const common = {
  bundle: true,
  sourcemap: values.production ? false : 'linked',
  legalComments: 'eof',
  logLevel: 'warning',
  charset: 'utf8',
};

await build({
  ...common,
  entryPoints: ['main/index.ts'],
  outfile: join(outdir, 'main/index.js'),
  platform: 'node',
  format: 'esm',
  // Electron 45 runs Node 22.
  target: 'node22',
  external: MAIN_EXTERNALS,
  define: { __SECURE_ACCESS_BANK_SERVER_URL__: JSON.stringify(bankServerUrl) },
  // Bundled CommonJS code may require Node's built-ins; an ES module has no `require` of its own.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
});

const preload = await build({
  ...common,
  entryPoints: ['preload/index.ts'],
  outfile: join(outdir, 'preload/index.cjs'),
  platform: 'browser',
  format: 'cjs',
  // Chromium 140 in Electron 45.
  target: 'chrome130',
  external: ['electron'],
  metafile: true,
});

// A sandboxed preload that required anything else would fail at run time: refuse it here.
const imports = Object.values(preload.metafile.outputs).flatMap((output) => output.imports.filter((entry) => entry.external).map((entry) => entry.path));
const unexpected = imports.filter((path) => path !== 'electron');
if (unexpected.length > 0) {
  console.error(`the preload may only require 'electron', not: ${unexpected.join(', ')}`);
  process.exit(1);
}
