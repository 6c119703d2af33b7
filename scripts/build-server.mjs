// Compiles the reference server to JavaScript: server/cli.ts and everything of ours it imports (server/, protocol/)
// → server/dist/cli.js, one ES module run by plain `node` (no TypeScript loader at run time). npm packages stay
// imports, installed from server/package.json (`npm ci --omit=dev` in server/); the build refuses any import that
// is neither a Node built-in nor listed there, so the production install can never miss one.
// Options: --outdir <dir> (default server/dist).
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const root = resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { outdir: { type: 'string', default: join(root, 'server/dist') } } });
const serverPackage = JSON.parse(readFileSync(join(root, 'server/package.json'), 'utf8'));
const dependencies = new Set(Object.keys(serverPackage.dependencies));

const result = await build({
  entryPoints: [join(root, 'server/cli.ts')],
  outfile: join(resolve(values.outdir), 'cli.js'),
  bundle: true,
  packages: 'external',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  legalComments: 'eof',
  logLevel: 'warning',
  charset: 'utf8',
  metafile: true,
});

const packageOf = (specifier) => (specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]);
const imported = Object.values(result.metafile.outputs).flatMap((output) => output.imports.filter((entry) => entry.external).map((entry) => entry.path));
const unlisted = [...new Set(imported)].filter((path) => !path.startsWith('node:') && !builtinModules.includes(path) && !dependencies.has(packageOf(path)));
if (unlisted.length > 0) {
  console.error(`the server imports packages that server/package.json does not list: ${unlisted.join(', ')}`);
  process.exit(1);
}
