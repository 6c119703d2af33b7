/**
 * A test run that is killed leaves nothing behind: the PostgreSQL cluster it started is stopped and removed by its
 * watcher as soon as the run's process is gone, the server processes it started end with it, and the clusters of
 * runs killed so hard that even the watcher died are removed at the next run's start (and only those).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { removeLeftoverClusters, startPostgresCluster } from '../../harness/postgres';

/** Running: a process that has exited but not been reaped yet (a zombie, whose parent may be a container's init) is not. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function postmasterPid(clusterDir: string): number {
  return Number(readFileSync(join(clusterDir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
}

describe('a killed test run', () => {
  it('leaves no PostgreSQL cluster and no server process behind', async () => {
    const run = spawn(process.execPath, ['--import', 'tsx', 'tests/integration/harness/doomed-run.ts'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const started = await new Promise<{ clusterDir: string; serverPid: number }>((resolve, reject) => {
      run.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const line = output.split('\n').find((candidate) => candidate.startsWith('{"clusterDir"'));
        if (line) resolve(JSON.parse(line) as { clusterDir: string; serverPid: number });
      });
      run.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      run.once('exit', (code) => reject(new Error(`the run ended by itself (${code}): ${output}`)));
    });
    const postgres = postmasterPid(started.clusterDir);
    expect(isAlive(postgres)).toBe(true);
    expect(isAlive(started.serverPid)).toBe(true);

    run.kill('SIGKILL');
    await vi.waitFor(() => {
      expect(isAlive(started.serverPid), 'the server process').toBe(false);
      expect(isAlive(postgres), 'PostgreSQL').toBe(false);
      expect(existsSync(started.clusterDir), 'the cluster folder').toBe(false);
    }, { timeout: 60_000, interval: 250 });
  }, 120_000);

  it('whose watcher died too: its cluster is removed at the next start, and a live run’s cluster is left alone', async () => {
    const owner = spawn('sleep', ['600'], { stdio: 'ignore' });
    const orphan = await startPostgresCluster(owner.pid as number, { watch: false });
    const alive = await startPostgresCluster(process.pid, { watch: false });
    try {
      const postgres = postmasterPid(orphan.dir);
      owner.kill('SIGKILL');
      await new Promise((resolve) => owner.once('exit', resolve));
      const removed = removeLeftoverClusters();
      expect(removed).toContain(orphan.dir);
      expect(removed).not.toContain(alive.dir);
      expect(existsSync(orphan.dir)).toBe(false);
      expect(isAlive(postgres)).toBe(false);
      expect(existsSync(alive.dir)).toBe(true);
      expect(spawnSync('pg_isready', ['-h', '127.0.0.1', '-p', new URL(alive.adminUrl).port]).status).toBe(0);
    } finally {
      alive.stop();
      orphan.stop();
    }
  }, 120_000);
});
