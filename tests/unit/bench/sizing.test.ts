/**
 * The sizing model in docs/performance.md is the script's output for the bench result it names (never typed by
 * hand), and the model's arithmetic gives known answers for known costs.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ASSUMPTIONS, SIZING_END, SIZING_START, measuredCosts, newestPostgresResult, sizingModel, sizingSection } from '../../../bench/sizing';

describe('the sizing model', () => {
  it('is in docs/performance.md exactly as bench/sizing.ts computes it from the newest PostgreSQL result', () => {
    const document = readFileSync('docs/performance.md', 'utf8');
    const shown = document.slice(document.indexOf(SIZING_START), document.indexOf(SIZING_END) + SIZING_END.length);
    const source = newestPostgresResult('bench/results');
    const expected = sizingSection(measuredCosts(JSON.parse(readFileSync(source, 'utf8')), source));
    expect(shown).toBe(expected);
  });

  it('adds waiting and peak work, keeps headroom, and never plans fewer than two machines', () => {
    const costs = {
      source: 'known', requestsPerDevicePerHour: 36, serverCpuMicrosPerIdleRequest: 100, rssBytesPerWaitingDevice: 10_000,
      serverCpuMsPerValidation: 1, databaseCpuMsPerValidation: 0.5, databaseCpuMicrosPerIdleRequest: 10,
    };
    const model = sizingModel(costs);
    // 1,000,000 × 36 / 3,600 = 10,000 requests/s; × 100 µs = 1 core waiting.
    expect(model.idleRequestsPerSecond).toBe(10_000);
    expect(model.serverCoresIdle).toBeCloseTo(1, 9);
    // 1,000,000 × 10 % × 3 / 3,600 × 4 = 333.3 validations/s; × 1 ms = 0.333 core.
    expect(model.peakValidationsPerSecond).toBeCloseTo(333.333, 2);
    expect(model.serverCoresNeeded).toBeCloseTo((1 + 1 / 3) / ASSUMPTIONS.targetCpuUtilisation, 9);
    expect(model.machines).toBe(2);
    expect(model.processes).toBe(2 * ASSUMPTIONS.coresPerMachine);
    expect(model.postgresConnections).toBe(model.processes * 21);
    // 10 KB × 1,000,000 + 16 processes × 150 MB = 12.4 GB.
    expect(model.memoryGigabytes).toBeCloseTo(10 + 2.4, 9);
    expect(model.writesPerSecond).toBeCloseTo(333.333 * ASSUMPTIONS.rowWritesPerValidation, 1);
  });

  it('reads the newest PostgreSQL result that measured both the idle fleet and the full cycle', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sa-sizing-'));
    try {
      const write = (...names: string[]) => names.forEach((name) => writeFileSync(join(dir, name), '{}'));
      write('2026-11-27-postgres.json', '2026-11-27-sqlite.json', '2026-12-01-postgres-restart.json', '2026-12-01-postgres-large.json', '2026-12-01-postgres-quick.json');
      expect(newestPostgresResult(dir)).toBe(join(dir, '2026-11-27-postgres.json'));
      write('2026-12-01-postgres-idle+interval+throughput.json');
      expect(newestPostgresResult(dir)).toBe(join(dir, '2026-12-01-postgres-idle+interval+throughput.json'));
      // On the same day, a complete run is preferred to a partial one.
      write('2026-12-01-postgres.json');
      expect(newestPostgresResult(dir)).toBe(join(dir, '2026-12-01-postgres.json'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
