/**
 * `npm run bench -- --quick` keeps the benchmark from rotting: it runs every measurement end to end, on SQLite and
 * on PostgreSQL (the test cluster), in separate server processes, and must write well-formed results. Timings are
 * not checked here (speed belongs to the bench itself), but correctness is: the full cycle must lose and duplicate
 * nothing, every wake-up must arrive, every metric must be there with a real number.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Metric } from '../../bench/report';
import { requiredMetricIds } from '../../bench/report';
import type { SuiteResult } from '../../bench/suite';
import { TEST_PG_ENV } from '../harness/postgres';

interface ResultsFile {
  mode: string;
  database: 'sqlite' | 'postgres';
  machine: { cpuModel: string; cores: number; memoryBytes: number; node: string; os: string };
  metrics: Metric[];
  results: SuiteResult;
}

function runBench(args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...args], { cwd: process.cwd(), env: process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => void (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`the quick bench did not finish in ${timeoutMs / 1000} s\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const outDir = mkdtempSync(join(tmpdir(), 'sa-bench-quick-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('npm run bench -- --quick', () => {
  it('measures everything on SQLite and PostgreSQL, losing and duplicating no validation, and writes complete results', async () => {
    const adminUrl = process.env[TEST_PG_ENV];
    if (!adminUrl) throw new Error(`${TEST_PG_ENV} is not set: the global setup starts PostgreSQL`);
    const run = await runBench(['--quick', '--out', outDir, '--pg-admin-url', adminUrl], 330_000);
    expect(run.code, run.stderr.slice(-3000)).toBe(0);
    expect(run.stdout).toContain('| Metric | SQLite | Met? | PostgreSQL | Met? | Target |');

    for (const database of ['sqlite', 'postgres'] as const) {
      const name = readdirSync(outDir).find((file) => file.endsWith(`-${database}-quick.json`));
      expect(name, `results file for ${database}`).toBeDefined();
      const file = JSON.parse(readFileSync(join(outDir, name as string), 'utf8')) as ResultsFile;
      expect(file.mode).toBe('quick');
      expect(file.database).toBe(database);
      expect(file.machine.cores).toBeGreaterThan(0);
      expect(file.machine.cpuModel).not.toBe('');
      expect(file.machine.node).toMatch(/^v\d+/);

      const byId = new Map(file.metrics.map((metric) => [metric.id, metric]));
      for (const id of requiredMetricIds(database)) {
        const metric = byId.get(id);
        expect(metric, `${database}: metric ${id}`).toBeDefined();
        expect(Number.isFinite(metric?.value), `${database}: ${id} = ${metric?.value}`).toBe(true);
        expect(metric?.display).not.toBe('');
      }

      // Counted, not assumed: what the load created is what the devices approved and the database recorded, once.
      const { throughput, idleFleet, interval, twoInstances } = file.results;
      expect(byId.get('throughput.lost')?.value).toBe(0);
      expect(byId.get('throughput.duplicated')?.value).toBe(0);
      expect(throughput?.created).toBeGreaterThan(0);
      expect(throughput?.check.createdApproved).toBe(throughput?.created);
      expect(throughput?.check.decisionAudits).toBe(throughput?.created);
      expect(throughput?.check.unexpected).toBe(0);

      // Every wake-up arrived, on every path.
      for (const wakeup of [idleFleet?.small, idleFleet?.large, ...(database === 'postgres' ? [twoInstances] : [])]) {
        expect(wakeup?.created).toBeGreaterThan(0);
        expect(wakeup?.missing).toBe(0);
        expect(wakeup?.duplicateDeliveries).toBe(0);
      }
      expect(interval.map((result) => result.intervalSeconds)).toEqual([1, 5]);
      for (const result of interval) expect(result.missing).toBe(0);

      // The idle fleet kept polling while idle (how often is the bench's verdict, not this test's).
      expect(idleFleet?.idle.serverRequests).toBeGreaterThan(0);
      expect(idleFleet?.idle.clientRequests).toBeGreaterThan(0);
      expect(file.results.core.errors).toBe(0);

      // Behind a proxy that cuts idle connections (once per run: on SQLite, the first): learned, every wake-up arrived,
      // no cut once learned, no warning from the devices' core.
      if (database === 'sqlite') {
        const { proxy } = file.results;
        expect(byId.get('proxy.wakeup')).toBeDefined();
        expect(byId.get('proxy.requestsPerDevicePerHour')).toBeDefined();
        expect(proxy?.cutsWhileLearning).toBeGreaterThanOrEqual(proxy?.devices ?? 1);
        expect(proxy?.wakeup.created).toBeGreaterThan(0);
        expect(proxy?.wakeup.missing).toBe(0);
        expect(proxy?.wakeup.duplicateDeliveries).toBe(0);
        expect(proxy?.cutsAfterLearning).toBe(0);
        expect(proxy?.coreWarnings).toBe(0);
      } else {
        expect(file.results.proxy).toBeNull();
      }

      // A graceful restart of one of two instances (PostgreSQL): nothing lost, no device saw a failure.
      if (database === 'postgres') {
        const { restart } = file.results;
        expect(restart?.created).toBeGreaterThan(0);
        expect(restart?.missing).toBe(0);
        expect(restart?.duplicateDeliveries).toBe(0);
        expect(restart?.transportFailures).toBe(0);
        expect(restart?.shutdown.answeredLongPolls).toBeGreaterThan(0);
        expect(restart?.shutdown.cutRequests).toBe(0);
      } else {
        expect(file.results.restart).toBeNull();
      }
    }
  }, 400_000);
});
