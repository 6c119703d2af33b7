// Bundles the Electron main process and the preload with esbuild. It only bundles; it never launches Electron.
//   main    main/index.ts    → dist/main/index.js    ESM (package.json "type": "module"; Electron 45 loads an ESM main)
//   preload preload/index.ts → dist/preload/index.cjs one CommonJS file: a sandboxed preload can `require` only 'electron'
// The production dependencies (@napi-rs/keyring's prebuilt native module, electron-store and conf,
// electron-updater, @noble, and the optional keytar that only reads the keys an earlier version wrote) stay
// external: electron-builder ships them in node_modules. Everything else (our code, TypeBox) is bundled. Options: --outdir <dir> (default dist), --production (no source maps).
// SECURE_ACCESS_WINDOWS_PUBLISHER (the full distinguished name of the Windows signing certificate, which
// `npm run dist:win` requires) is pinned into the bundle: the updater installs only installers signed by it.
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
export const MAIN_EXTERNALS = ['electron', ...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {}), 'conf'];

// A production build leaves no source map behind from an earlier development build.
if (values.production) {
  for (const file of ['main/index.js.map', 'preload/index.cjs.map']) rmSync(join(outdir, file), { force: true });
}

let bankServerUrl;
try {
  bankServerUrl = bankServerUrlFrom(process.env, { production: values.production });
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
  define: { __SECURE_ACCESS_BUILD__: JSON.stringify({ windowsPublisher: process.env.SECURE_ACCESS_WINDOWS_PUBLISHER ?? '', bankServerUrl }) },
  outfile: join(outdir, 'main/index.js'),
  platform: 'node',
  format: 'esm',
  // Electron 45 runs Node 22.
  target: 'node22',
  external: MAIN_EXTERNALS,
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
