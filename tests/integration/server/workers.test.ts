/**
 * SA_WORKERS=2 on PostgreSQL, as an operator starts it: two server processes share the port (connections go to both),
 * the demo company is created once, the metrics port sums both processes, a process killed with -9 is replaced while
 * the other keeps serving, and SIGTERM to the primary stops them all gracefully with status 0.
 */
import { createServer as createNetServer } from 'node:net';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../../../server/db/database';
import { createTestDatabase } from '../../harness/postgres';
import { startServerProcess, type ServerProcess } from './helpers';

/** Two processes (and a third, the replacement) starting on two cores shared with the rest of the suite. */
const PROCESSES_MS = 300_000;

interface LogLine {
  msg: string;
  worker?: number;
  pid?: number;
  path?: string;
}

function logLines(server: ServerProcess): LogLine[] {
  return server.output().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as LogLine);
}

/** The workers that said they listen, each with the pid it had then (a replaced worker appears twice). */
function listening(server: ServerProcess): { worker: number; pid: number }[] {
  return logLines(server).filter((line) => line.msg.startsWith('Secure Access reference server on') && line.worker !== undefined)
    .map((line) => ({ worker: line.worker as number, pid: line.pid as number }));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** A new connection for each request, so the primary hands each to a process in turn. */
async function healthzOnNewConnection(baseUrl: string): Promise<number> {
  // Bounded: a connection handed to a process that no longer answers fails here instead of hanging the test.
  const response = await fetch(`${baseUrl}/healthz`, { headers: { connection: 'close' }, signal: AbortSignal.timeout(30_000) });
  await response.arrayBuffer();
  return response.status;
}

describe('several server processes on one machine (SA_WORKERS, PostgreSQL)', () => {
  let server: ServerProcess | undefined;
  afterAll(async () => server?.kill());

  it('share the port, seed once, sum their metrics, replace a killed process and stop together on SIGTERM', async () => {
    const databaseUrl = await createTestDatabase('sa_workers');
    const metricsPort = await freePort();
    server = await startServerProcess({
      DATABASE_URL: databaseUrl, SA_WORKERS: '2', SA_METRICS_PORT: String(metricsPort), SA_LOG_FORMAT: 'json', SA_LOG_LEVEL: 'debug',
      SA_SHUTDOWN_TIMEOUT_SECONDS: '5',
    });
    const running = server;
    try {
      await checkWorkers(running, databaseUrl, metricsPort);
    } catch (error) {
      // What the processes said is the first thing to read when this fails.
      throw new Error(`${error instanceof Error ? error.message : String(error)}\n--- server output (end) ---\n${running.output().slice(-6000)}`);
    }
  }, PROCESSES_MS);
});

async function checkWorkers(running: ServerProcess, databaseUrl: string, metricsPort: number): Promise<void> {
    await vi.waitFor(() => expect(new Set(listening(running).map((line) => line.worker))).toEqual(new Set([1, 2])), { timeout: 150_000, interval: 50 });

    // Connections reach both processes.
    for (let request = 0; request < 20; request += 1) expect(await healthzOnNewConnection(running.baseUrl)).toBe(200);
    const answeredBy = new Set(logLines(running).filter((line) => line.msg === 'request' && line.path === '/healthz').map((line) => line.worker));
    expect(answeredBy.has(1) && answeredBy.has(2), `request lines by worker: ${[...answeredBy].join(', ')}`).toBe(true);

    // The demo company exists once, whatever the two processes raced to do.
    const database = await openDatabase(databaseUrl);
    try {
      expect(await database.db.selectFrom('companies').select('id').execute()).toHaveLength(1);
    } finally {
      await database.close();
    }

    // The primary's metrics port answers for both processes: two event loops, two processes' memory.
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/^sa_build_info\{version="[^"]+"\} 2$/m);
    expect(metrics).toMatch(/^sa_long_polls_waiting\{api="authenticator"\} 0$/m);

    // kill -9 of worker 2: the primary starts another; worker 1 serves meanwhile.
    const second = listening(running).find((line) => line.worker === 2);
    if (!second) throw new Error('worker 2 never listened');
    process.kill(second.pid, 'SIGKILL');
    // Once the primary has seen it die, new connections go to worker 1 alone until the replacement listens.
    await vi.waitFor(() => expect(logLines(running).some((line) => line.msg.startsWith('server process 2 died unexpectedly'))).toBe(true), { timeout: 150_000, interval: 50 });
    expect(await healthzOnNewConnection(running.baseUrl)).toBe(200);
    await vi.waitFor(() => expect(listening(running).filter((line) => line.worker === 2)).toHaveLength(2), { timeout: 150_000, interval: 50 });
    expect(await healthzOnNewConnection(running.baseUrl)).toBe(200);

    // SIGTERM to the primary: each process shuts down gracefully, then the primary exits 0.
    await running.stop();
    expect(running.exitCode()).toBe(0);
    const stopped = logLines(running).filter((line) => line.msg.startsWith('server process ') && line.msg.endsWith(' stopped'));
    expect(stopped).toHaveLength(2);
    expect(logLines(running).some((line) => line.msg === 'every server process stopped')).toBe(true);
}
