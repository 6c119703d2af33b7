// `npm start`: builds everything, starts the reference server on embedded SQLite with its demo seed, then the
// desktop app pointed at it (SECURE_ACCESS_SERVER_URL). Where Electron cannot start (no binary, no display), it
// says so in one sentence and keeps the server running. Ctrl-C stops both.
// Options: --skip-build (the build is already there). Environment: PORT (8080, or a free port when it is taken),
// HOST (127.0.0.1), DATABASE_URL (sqlite:./data/secure-access.db) as `npm run server` takes them.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { scriptCommand, toolCommand } from './node-tools.mjs';

const skipBuild = process.argv.includes('--skip-build');
const children = new Set();
let stopping = false;

function say(line) {
  console.log(`\n${line}`);
}

async function portIsFree(port, host) {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

/** Where the Electron binary is, or why there is none; never triggers the download that require('electron') would. */
export function electronBinary(root = process.cwd(), env = process.env, platform = process.platform) {
  const packageDir = join(root, 'node_modules', 'electron');
  if (!existsSync(join(packageDir, 'package.json'))) return { reason: 'the electron package is not installed' };
  const pathFile = join(packageDir, 'path.txt');
  if (!existsSync(pathFile)) return { reason: 'no Electron binary is installed (node_modules/electron/dist is missing and none can be downloaded here)' };
  const binary = join(env.ELECTRON_OVERRIDE_DIST_PATH ?? join(packageDir, 'dist'), readFileSync(pathFile, 'utf8').trim());
  if (!existsSync(binary)) return { reason: `the Electron binary ${binary} is missing` };
  if (platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) return { reason: 'there is no display (DISPLAY and WAYLAND_DISPLAY are not set)' };
  return { binary };
}

/**
 * Electron ≥ 42 downloads its binary on first use, not at install: on a fresh checkout do that first use here
 * (quietly, as `require('electron')` would), then look again. Where the download cannot happen, the reason stays.
 */
function electronBinaryFetchedOnFirstUse() {
  const found = electronBinary();
  if (found.binary || !/no Electron binary is installed/.test(found.reason)) return found;
  say('Fetching the Electron binary (first use)...');
  const install = spawnSync(process.execPath, [join('node_modules', 'electron', 'install.js')], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10 * 60_000 });
  const again = electronBinary();
  if (again.binary || install.status === 0) return again;
  return { reason: 'the Electron binary could not be downloaded (no access to its download server)' };
}

function stopAll(code) {
  if (stopping) return;
  stopping = true;
  for (const child of children) child.kill('SIGTERM');
  const exit = () => process.exit(code);
  if (children.size === 0) exit();
  // Give the server a moment to close its database, then leave anyway.
  setTimeout(exit, 5000).unref();
  for (const child of children) child.once('exit', () => children.size === 0 && exit());
}

function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Starts `npm run server`'s program and resolves with the base URL it prints. */
function startServer(env) {
  return new Promise((resolve, reject) => {
    const [program, args] = toolCommand('tsx', 'tsx', ['server/cli.ts']);
    const server = track(spawn(program, args, { env, stdio: ['ignore', 'pipe', 'inherit'] }));
    let buffered = '';
    let quiet = null;
    server.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      buffered += chunk.toString('utf8');
      const match = /reference server on (https?:\/\/\S+)/.exec(buffered);
      if (!match) return;
      // Let the server finish printing the portal address and the demo login before speaking after it.
      clearTimeout(quiet);
      quiet = setTimeout(() => resolve({ server, url: match[1] }), 300);
    });
    server.once('exit', (code, signal) => {
      if (!stopping) reject(new Error(`the reference server stopped (exit ${code ?? signal})`));
    });
    server.once('error', reject);
  });
}

async function main() {
  process.on('SIGINT', () => stopAll(0));
  process.on('SIGTERM', () => stopAll(0));

  if (!skipBuild) {
    const [program, args] = scriptCommand('scripts/build.mjs');
    const build = spawnSync(program, args, { stdio: 'inherit' });
    if (build.status !== 0) {
      console.error('npm start: the build failed.');
      process.exit(build.status || 1);
    }
  }

  const host = process.env.HOST ?? '127.0.0.1';
  const port = process.env.PORT ?? ((await portIsFree(8080, host)) ? '8080' : '0');
  // Human-readable log lines (its stdout is a pipe, which would otherwise mean JSON for a log collector).
  const { server, url } = await startServer({ ...process.env, HOST: host, PORT: port, SA_DEMO: process.env.SA_DEMO ?? '1', SA_LOG_FORMAT: process.env.SA_LOG_FORMAT ?? 'pretty' });
  server.once('exit', (code) => {
    if (stopping) return;
    console.error(`npm start: the reference server stopped (exit ${code}).`);
    stopAll(1);
  });

  const electron = electronBinaryFetchedOnFirstUse();
  if (!electron.binary) {
    say(`The desktop app cannot start here because ${electron.reason}; the server keeps running: open the Espace Client at ${url}/ (Ctrl-C to stop).`);
    return;
  }
  const app = track(spawn(electron.binary, ['.'], { stdio: 'inherit', env: { ...process.env, SECURE_ACCESS_SERVER_URL: url } }));
  app.once('error', (error) => {
    say(`The desktop app cannot start here because ${error.message}; the server keeps running: open the Espace Client at ${url}/ (Ctrl-C to stop).`);
  });
  app.once('exit', (code) => {
    if (stopping) return;
    say(code === 0
      ? `The desktop app has quit; the server keeps running at ${url}/ (Ctrl-C to stop).`
      : `The desktop app stopped (exit ${code}); the server keeps running at ${url}/ (Ctrl-C to stop).`);
  });
  say(`Secure Access is starting, pointed at ${url} (Ctrl-C stops the app and the server).`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error) => {
    console.error(`npm start: ${error instanceof Error ? error.message : String(error)}`);
    stopAll(1);
  });
}
