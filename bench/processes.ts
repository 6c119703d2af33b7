/**
 * Child processes of the bench: each a plain `node --import tsx` (so its pid is the process measured), started
 * under `sh` with its open-file limit raised as far as the system allows (ten thousand waiting sockets need ten
 * thousand descriptors), with an IPC channel. Every child is killed when the bench ends, however it ends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { ProvisionRequest, ProvisionResult } from './provisioning';
import type { DecisionCheck, ServerMessage, ServerProcessConfig, ServerRequest, ServerStats, ShutdownMessage } from './server-ipc';

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(BENCH_DIR, '..');

/** Raises the soft limit to the hard one (or 65,536 where the hard limit is unlimited), then runs the command. */
export const RAISE_FILE_LIMIT = 'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"';

/**
 * Built child entry points: under node_modules (ignored by git and the linter), so that their packages resolve; one
 * folder per run, so that two runs at once never start each other's half-written files.
 */
export const BUILD_DIR = join(REPO_ROOT, 'node_modules', '.cache', 'secure-access-bench', String(process.pid));

const builds = new Map<string, Promise<string>>();

/**
 * Builds a bench entry point (and our own sources it imports) into one JavaScript file, once per run: children
 * start in a fraction of the time tsx takes, and no TypeScript loader sits in the memory or the CPU profile being
 * measured. `bundleDependencies` also bundles the packages (the client: what the app ships); otherwise they stay
 * imports of node_modules (the server: native better-sqlite3, pg).
 */
export function builtEntry(script: string, bundleDependencies: boolean): Promise<string> {
  const key = `${script}:${bundleDependencies}`;
  let built = builds.get(key);
  if (!built) {
    const outfile = join(BUILD_DIR, script.replace(/\.ts$/, bundleDependencies ? '.bundle.mjs' : '.mjs'));
    mkdirSync(BUILD_DIR, { recursive: true });
    built = build({
      entryPoints: [join(BENCH_DIR, script)], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'error',
      ...(bundleDependencies ? {} : { packages: 'external' as const }),
    }).then(() => outfile);
    builds.set(key, built);
  }
  return built;
}

/** `--cpu-prof DIR`: the bench server processes write V8 CPU profiles there when they stop. */
export const SERVER_CPU_PROFILE_ENV = 'SA_BENCH_SERVER_CPU_PROFILE_DIR';
/** Extra Node flags for the bench server processes, for investigations (e.g. `--trace-gc`). */
export const SERVER_NODE_FLAGS_ENV = 'SA_BENCH_SERVER_NODE_FLAGS';

const children = new Set<ChildProcess>();

export function killAllChildren(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  children.clear();
  builds.clear();
  rmSync(BUILD_DIR, { recursive: true, force: true });
}

process.once('exit', killAllChildren);

/** `script` is a TypeScript file of bench/ run through tsx, or (`plain`) an absolute path to built JavaScript. */
export function spawnNodeChild(
  script: string,
  env: Record<string, string>,
  options: { exposeGc?: boolean; maxOldSpaceMb?: number; plain?: boolean; cpuProfileDir?: string; nodeFlags?: string[] } = {},
): ChildProcess {
  const nodeArgs = [
    ...(options.nodeFlags ?? []),
    ...(options.exposeGc ? ['--expose-gc'] : []),
    ...(options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : []),
    ...(options.maxOldSpaceMb ? [`--max-old-space-size=${options.maxOldSpaceMb}`] : []),
    ...(options.plain ? [script] : ['--import', 'tsx', join(BENCH_DIR, script)]),
  ];
  const child = spawn('sh', ['-c', RAISE_FILE_LIMIT, 'sh', process.execPath, ...nodeArgs], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Waits for the first message that `pick` accepts; fails if the child exits first or time runs out. */
export function firstMessage<T>(child: ChildProcess, pick: (message: unknown) => T | undefined, timeoutMs: number, what: string): Promise<T> {
  return new Promise((resolvePromise, reject) => {
    const cleanup = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`));
    }, timeoutMs);
    const onMessage = (message: unknown) => {
      let picked: T | undefined;
      try {
        picked = pick(message);
      } catch (error) {
        cleanup();
        reject(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      if (picked === undefined) return;
      cleanup();
      resolvePromise(picked);
    };
    const onExit = (code: number | null, signal: string | null) => {
      cleanup();
      reject(new Error(`${what}: the process exited (${code ?? signal})`));
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Stops a child with SIGTERM, then SIGKILL if it lingers. */
export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolvePromise) => child.once('exit', () => resolvePromise()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** An answer on a child's IPC channel, to the request with the same id. */
export type IpcAnswer = { id: number; type: 'answer'; ok: true; value: unknown } | { id: number; type: 'answer'; ok: false; message: string };

/** A request without its id (the channel numbers them). */
export type IpcRequestBody<R> = R extends { id: number } ? Omit<R, 'id'> : never;

/**
 * Requests to a child process over its IPC channel, each answered by the message carrying its id; whatever else the
 * child says goes to `onEvent`. A request not answered in time, or pending when the child exits, fails.
 */
export class ChildChannel<Request extends { id: number; type: string }> {
  #nextId = 1;
  readonly #pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();

  constructor(readonly child: ChildProcess, readonly what: string, onEvent: (message: unknown) => void = () => {}) {
    child.on('message', (raw) => {
      const message = raw as IpcAnswer | { type: string };
      if (message.type !== 'answer') {
        onEvent(message);
        return;
      }
      const answer = message as IpcAnswer;
      const pending = this.#pending.get(answer.id);
      if (!pending) return;
      this.#pending.delete(answer.id);
      if (answer.ok) pending.resolve(answer.value);
      else pending.reject(new Error(answer.message));
    });
    child.once('exit', (code, signal) => {
      for (const pending of this.#pending.values()) pending.reject(new Error(`${what} exited (${code ?? signal})`));
      this.#pending.clear();
    });
  }

  ask<T>(request: IpcRequestBody<Request>, timeoutMs = 60_000): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolvePromise, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${this.what} did not answer ${request.type} within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      this.#pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolvePromise(value as T);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.child.send({ ...request, id });
    });
  }
}

/** A bench server process, seen from the load process. */
export class ServerHandle {
  readonly #channel: ChildChannel<ServerRequest>;

  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
    readonly pid: number,
    readonly provisioned: ProvisionResult | null,
  ) {
    this.#channel = new ChildChannel<ServerRequest>(child, 'the server process');
  }

  static async start(input: {
    databaseUrl: string; provision?: ProvisionRequest; workDir: string; name: string; timeoutMs?: number; longPollMaxSeconds?: number;
  }): Promise<ServerHandle> {
    const config: ServerProcessConfig = { databaseUrl: input.databaseUrl, longPollMaxSeconds: input.longPollMaxSeconds };
    if (input.provision) {
      config.provisionRequestFile = join(input.workDir, `${input.name}-provision.json`);
      writeFileSync(config.provisionRequestFile, JSON.stringify(input.provision));
    }
    const child = spawnNodeChild(await builtEntry('server-process.ts', false), { SA_BENCH_SERVER_CONFIG: JSON.stringify(config) }, {
      exposeGc: true, maxOldSpaceMb: 4096, cpuProfileDir: process.env[SERVER_CPU_PROFILE_ENV] || undefined, plain: true,
      nodeFlags: process.env[SERVER_NODE_FLAGS_ENV]?.split(' ').filter(Boolean),
    });
    const ready = await firstMessage(child, (raw) => {
      const message = raw as ServerMessage;
      if (message.type === 'failed') throw new Error(`the bench server could not start: ${message.message}`);
      return message.type === 'ready' ? message : undefined;
    }, input.timeoutMs ?? 180_000, `the ${input.name} server to start`);
    return new ServerHandle(child, ready.url, ready.pid, ready.provisioned);
  }

  stats(options: { gc?: boolean; loopDelay?: 'start' | 'stop' } = {}): Promise<ServerStats> {
    return this.#channel.ask({ type: 'stats', gc: options.gc ?? false, loopDelay: options.loopDelay ?? null });
  }

  checkDecisions(companyId: string, createdIds: string[]): Promise<DecisionCheck> {
    return this.#channel.ask({ type: 'checkDecisions', companyId, createdIds }, 120_000);
  }

  stop(): Promise<void> {
    return stopChild(this.child);
  }

  /** SIGTERM, as a service manager sends it: resolves with what the graceful shutdown did, once the process exited. */
  async shutdown(): Promise<ShutdownMessage> {
    const report = firstMessage(this.child, (raw) => ((raw as ServerMessage).type === 'shutdown' ? (raw as ShutdownMessage) : undefined), 30_000, 'the shutdown report')
      .catch(() => null);
    const exited = new Promise<void>((resolvePromise) => this.child.once('exit', () => resolvePromise()));
    this.child.kill('SIGTERM');
    const [received] = await Promise.all([report, exited]);
    if (!received) throw new Error('the server exited without reporting its shutdown');
    return received;
  }

  get port(): number {
    return Number(new URL(this.url).port);
  }
}

/** Share of one core used between two readings, in percent. */
export function cpuPercent(before: ServerStats, after: ServerStats): number {
  const micros = after.cpuUserMicros + after.cpuSystemMicros - before.cpuUserMicros - before.cpuSystemMicros;
  const elapsedMs = after.at - before.at;
  return elapsedMs > 0 ? (micros / 1000 / elapsedMs) * 100 : 0;
}

export function cpuMillis(before: ServerStats, after: ServerStats): number {
  return (after.cpuUserMicros + after.cpuSystemMicros - before.cpuUserMicros - before.cpuSystemMicros) / 1000;
}
