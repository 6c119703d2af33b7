// Builds what the app and the tests run: the renderer and the portal (Vite), main and preload (esbuild), the server
// (esbuild, server/dist: what a production install runs).
// Each part is built when its entry exists, so the build grows with the project: a new part is one more line in
// `parts`, with its command from node-tools.mjs (never npx or node_modules/.bin, which fail on Windows).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, scriptCommand, toolCommand } from './node-tools.mjs';

const vite = (config) => toolCommand('vite', 'vite', ['build', '--config', config, '--logLevel', 'warn']);

const parts = [
  { name: 'renderer', entry: 'renderer/index.html', command: vite('renderer/vite.config.ts') },
  { name: 'portal', entry: 'server/portal/index.html', command: vite('server/portal/vite.config.ts') },
  { name: 'main and preload', entry: 'scripts/build-main.mjs', command: scriptCommand('scripts/build-main.mjs') },
  { name: 'server', entry: 'scripts/build-server.mjs', command: scriptCommand('scripts/build-server.mjs') },
];

for (const part of parts) {
  if (!existsSync(join(ROOT, part.entry))) continue;
  const [program, args] = part.command;
  const result = spawnSync(program, args, { stdio: 'inherit', cwd: ROOT });
  if (result.status !== 0) {
    console.error(`build of the ${part.name} failed${result.error ? ` (${result.error.message})` : ''}`);
    process.exit(result.status || 1);
  }
  console.log(`built the ${part.name}`);
}
