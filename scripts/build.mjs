// Builds what the app and the tests run: the renderer and the portal (Vite), main and preload (esbuild), the server
// (esbuild, server/dist: what a production install runs).
// Each part is built when its entry exists, so the build grows with the project.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const parts = [
  { name: 'renderer', entry: 'renderer/index.html', command: ['npx', 'vite', 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn'] },
  { name: 'portal', entry: 'server/portal/index.html', command: ['npx', 'vite', 'build', '--config', 'server/portal/vite.config.ts', '--logLevel', 'warn'] },
  { name: 'main and preload', entry: 'scripts/build-main.mjs', command: ['node', 'scripts/build-main.mjs'] },
  { name: 'server', entry: 'scripts/build-server.mjs', command: [process.execPath, 'scripts/build-server.mjs'] },
];

for (const part of parts) {
  if (!existsSync(part.entry)) continue;
  const [command, ...args] = part.command;
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`build of the ${part.name} failed`);
    process.exit(result.status || 1);
  }
  console.log(`built the ${part.name}`);
}
