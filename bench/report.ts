/**
 * From measurements to what people read: one metric per line with its target and whether it is met, a table for
 * the terminal and the README, and bench/results/<date>-<db>.json with the machine it was measured on.
 */
import { cpus, loadavg, release, totalmem, type as osType, arch } from 'node:os';
import { DEVICE_TOKEN_TTL_MS } from '../protocol/index';
import type { ClientMemoryReport } from './client-process';
import type { DatabaseKind } from './context';
import type { CryptoResult } from './phases/crypto';
import type { LargeFleetResult } from './phases/large-fleet';
import type { ThroughputResult } from './phases/throughput';
import type { WakeupResult } from './phases/wakeup';
import type { Distribution, LoopDelay } from './stats';
import type { SuiteResult } from './suite';

export interface Metric {
  id: string;
  label: string;
  /** The number the target is checked against. */
  value: number;
  unit: string;
  display: string;
  target: string | null;
  met: boolean | null;
}

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  node: string;
  os: string;
  /** 1-minute load average when the run started and ended: other work on the machine makes numbers noisy. */
  loadAverageAtStart: number;
  loadAverageAtEnd?: number;
}

export function describeMachine(): Machine {
  const processors = cpus();
  return {
    cpuModel: processors[0]?.model.trim() ?? 'unknown',
    cores: processors.length,
    memoryBytes: totalmem(),
    node: process.version,
    os: `${osType()} ${release()} ${arch()}`,
    loadAverageAtStart: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
}

/** Targets of the issue, on this 2-core class of machine. */
export const TARGETS = {
  wakeupP99Ms: 50,
  throughputPerSecond: { sqlite: 2_000, postgres: 1_000 } as Record<DatabaseKind, number>,
  serverBytesPerWaitingDevice: 20 * 1024,
  /** Measured requests may exceed one per period by this share (the period is the wait plus a round trip). */
  idleRequestsTolerance: 0.05,
  /** The issue's idle cost on an open path, with the server's longest hold. */
  idleRequestsPerDevicePerHour: 40,
  emptyServerCpuPercent: 1,
} as const;

/** The metrics each results file must hold (the quick run's test checks them). */
export function requiredMetricIds(database: DatabaseKind): string[] {
  return [
    'wakeup.longPoll.small', 'wakeup.longPoll.large', 'wakeup.interval.1s', 'wakeup.interval.5s',
    'throughput.fullCycle', 'throughput.lost', 'throughput.duplicated',
    'memory.serverPerWaitingDevice', 'memory.clientCore',
    'idle.requestsPerDevicePerHour', 'idle.serverCpuEmpty', 'idle.serverCpuFleet',
    'crypto.nobleSign', 'crypto.nodeVerify', 'crypto.nobleVerify', 'crypto.approvalKey',
    ...(database === 'postgres'
      ? ['wakeup.twoInstances', 'restart.lost', 'restart.delay', 'throughput.twoProcesses', 'large.wakeup', 'large.memory', 'large.cpu']
      : []),
  ];
}

const n = (value: number, digits = 0) => value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const ms = (value: number) => (value >= 100 ? n(value) : value >= 10 ? n(value, 1) : n(value, 2));

function latency(distribution: Distribution): string {
  return `p50 ${ms(distribution.p50)} · p95 ${ms(distribution.p95)} · p99 ${ms(distribution.p99)} · max ${ms(distribution.max)} ms`;
}

/**
 * How late each side's event loop ran (a lagging load process inflates what it measures), and on PostgreSQL how
 * many queries queued for a pool connection at worst (a queue means the database, not the wake-up, set the pace).
 */
function lag(load: LoopDelay, server: LoopDelay, poolWaitingMax: number | null): string {
  const queue = poolWaitingMax === null ? '' : `; pool queue max ${n(poolWaitingMax)}`;
  return `event-loop lag p99: load ${ms(load.p99)} ms, server ${ms(server.p99)} ms${queue}`;
}

function wakeupMetric(id: string, label: string, result: WakeupResult, target: boolean): Metric {
  const lostNote = result.missing > 0 ? ` (${result.missing} of ${result.created} never arrived)` : '';
  const p99 = result.latencyMs.p99;
  return {
    id, label, value: p99, unit: 'ms',
    display: `${latency(result.latencyMs)}${lostNote}; from the portal click: p50 ${ms(result.fromClickMs.p50)} · p99 ${ms(result.fromClickMs.p99)} ms; ${lag(result.loadLoopDelayMs, result.serverLoopDelayMs, result.serverPoolWaitingMax)}`,
    target: target ? `p99 < ${TARGETS.wakeupP99Ms} ms` : null,
    // A wake-up that never came is not fast.
    met: target ? Number.isFinite(p99) && p99 < TARGETS.wakeupP99Ms && result.missing === 0 : null,
  };
}

function throughputMetric(id: string, label: string, throughput: ThroughputResult, database: DatabaseKind): Metric {
  const throughputTarget = TARGETS.throughputPerSecond[database];
  const postgresCost = throughput.databaseCpuMsPerValidation === null ? '' : `, PostgreSQL ${n(throughput.databaseCpuMsPerValidation, 2)} ms at ${n(throughput.databaseCpuPercent ?? 0)} %`;
  return {
    id, label, value: throughput.perSecond, unit: 'validations/s',
    display: `${n(throughput.perSecond, 1)}/s (cycle ${latency(throughput.cycleMs)}; CPU per validation: server ${n(throughput.serverCpuMsPerValidation, 2)} ms at ${n(throughput.serverCpuPercent)} % of a core${postgresCost}, load ${n(throughput.loadCpuMsPerValidation, 2)} ms at ${n(throughput.loadCpuPercent)} %; ${lag(throughput.loadLoopDelayMs, throughput.serverLoopDelayMs, throughput.serverPoolWaitingMax)})`,
    target: `≥ ${n(throughputTarget)}/s`,
    met: throughput.perSecond >= throughputTarget,
  };
}

export function buildMetrics(suite: SuiteResult, crypto: CryptoResult, client: ClientMemoryReport | null): Metric[] {
  const { idleFleet, throughput } = suite;
  const metrics: Metric[] = [];
  if (idleFleet) {
    const { small, large } = idleFleet;
    metrics.push(wakeupMetric('wakeup.longPoll.small', `Wake-up, long-poll, ${n(small.devices)} idle devices`, small, false));
    metrics.push(wakeupMetric('wakeup.longPoll.large', `Wake-up, long-poll, ${n(large.devices)} idle devices`, large, true));
  }
  // Compared with the long-poll at the smaller fleet, the closer to these few hundred devices in load.
  const longPoll = idleFleet?.small;
  for (const interval of suite.interval) {
    const times = longPoll ? interval.latencyMs.mean / longPoll.latencyMs.mean : Number.NaN;
    const ratio = longPoll && longPoll.latencyMs.mean > 0 ? `; ×${n(times, times < 10 ? 1 : 0)} the long-poll mean (${n(longPoll.devices)} devices)` : '';
    metrics.push({
      id: `wakeup.interval.${interval.intervalSeconds}s`,
      label: `Wake-up, polling every ${interval.intervalSeconds} s (${n(interval.devices)} devices)`,
      value: interval.latencyMs.mean,
      unit: 'ms',
      display: `mean ${ms(interval.latencyMs.mean)} ms, ${latency(interval.latencyMs)}${ratio}; ${n(interval.requestsPerDevicePerHour)} requests/device/hour`,
      target: null,
      met: null,
    });
  }
  if (suite.twoInstances) metrics.push(wakeupMetric('wakeup.twoInstances', `Wake-up across two instances (${n(suite.twoInstances.devices)} devices on A, created on B)`, suite.twoInstances, true));
  if (suite.largeFleet) {
    const large = suite.largeFleet;
    const perInstance = (describe: (instance: LargeFleetResult['instances'][number]) => string) => large.instances.map((instance, index) => `${'AB'[index] ?? index}: ${describe(instance)}`).join('; ');
    metrics.push(wakeupMetric('large.wakeup', `Wake-up, ${n(large.devices)} idle devices on two instances (created on A)`, large.wakeup, true));
    const worstBytes = Math.max(...large.instances.map((instance) => instance.rssPerDeviceBytes));
    metrics.push({
      id: 'large.memory', label: `Server RSS per waiting device, ${n(large.devices)} devices on two instances`, value: Math.round((worstBytes / 1024) * 100) / 100, unit: 'KB',
      display: perInstance((instance) => `${n(instance.rssPerDeviceBytes / 1024, 1)} KB (heap ${n(instance.heapPerDeviceBytes / 1024, 1)} KB) × ${n(instance.waiting)} waiting, RSS ${n(instance.rssEmptyBytes / 2 ** 20)} → ${n(instance.rssFleetBytes / 2 ** 20)} MB`),
      target: null, met: null,
    });
    metrics.push({
      id: 'large.cpu', label: `Server CPU per instance, ${n(large.devices)} idle devices on two instances`, value: Math.max(...large.instances.map((instance) => instance.cpuPercent)), unit: '% of a core',
      display: `${perInstance((instance) => `${n(instance.cpuPercent, 1)} % (${n(instance.requests)} requests in ${n(large.windowSeconds, 1)} s, ${n(instance.cpuMicrosPerRequest)} µs each)`)}${large.databaseCpuPercent === null ? '' : `; PostgreSQL ${n(large.databaseCpuPercent, 1)} %`}; fleet start ${n(large.startPerSecond)} devices/s`,
      target: null, met: null,
    });
  }

  if (suite.restart) {
    const restart = suite.restart;
    const { before, during, after } = restart.latencyMs;
    const worst = Math.max(during.max || 0, after.max || 0);
    const shutdown = restart.shutdown;
    metrics.push({
      id: 'restart.lost', label: `Restart of one of two instances under ${n(restart.devices)} idle devices: validations lost`, value: restart.missing, unit: 'validations',
      display: `${n(restart.missing)} of ${n(restart.created)} created during ${n(restart.ratePerSecond)}/s (duplicates ${n(restart.duplicateDeliveries)}; transport failures ${n(restart.transportFailures)}, core warnings ${n(restart.coreWarnings)})`,
      target: '= 0', met: restart.missing === 0 && restart.duplicateDeliveries === 0,
    });
    metrics.push({
      id: 'restart.delay', label: 'Restart: longest delivery during and after it, against the fleet\'s reconnection', value: worst, unit: 'ms',
      display: `max ${ms(worst)} ms (during: ${latency(during)}; after: p99 ${ms(after.p99)} ms; before: p99 ${ms(before.p99)} ms); reconnect: every device back on the other instance ${ms(restart.reconnectMs)} ms after SIGTERM; `
        + `instance stopped in ${ms(shutdown.exitMs)} ms (${n(shutdown.answeredLongPolls)} long-polls answered server_restarting, ${n(shutdown.otherRequestsInFlight)} other requests finished, ${n(shutdown.cutRequests)} cut); back, ready in ${ms(restart.restartedReadyMs)} ms`,
      target: '≤ the reconnect + the usual p99', met: Number.isFinite(restart.reconnectMs) && worst <= restart.reconnectMs + (before.p99 || 0) && restart.transportFailures === 0,
    });
  }

  if (throughput) {
    metrics.push(throughputMetric('throughput.fullCycle', `Full cycle create → deliver → sign → verify → record, ${n(throughput.windowSeconds)} s`, throughput, suite.database));
    metrics.push({
      id: 'throughput.lost', label: 'Full cycle: validations lost (created, never recorded approved)', value: throughput.lost, unit: 'validations',
      display: `${n(throughput.lost)} of ${n(throughput.created)} created`, target: '= 0', met: throughput.lost === 0,
    });
    metrics.push({
      id: 'throughput.duplicated', label: 'Full cycle: duplicated (delivered twice, recorded twice)', value: throughput.duplicated, unit: 'validations',
      display: `${n(throughput.duplicated)} (deliveries ${throughput.duplicates.deliveries}, confirmations ${throughput.duplicates.decisionsConfirmedTwice}, audit entries ${throughput.duplicates.auditEntries})`,
      target: '= 0', met: throughput.duplicated === 0,
    });
  }

  if (suite.throughputTwoProcesses) {
    const two = suite.throughputTwoProcesses;
    const single = throughput ? ` (one process: ${n(throughput.perSecond, 1)}/s; lost ${n(two.lost)}, duplicated ${n(two.duplicated)})` : '';
    const metric = throughputMetric('throughput.twoProcesses', `Full cycle with two server processes on one PostgreSQL database, ${n(two.windowSeconds)} s`, two, suite.database);
    // Nothing lost or recorded twice across processes, or the rate means nothing.
    metrics.push({ ...metric, display: `${metric.display}${single}`, met: metric.met === true && two.lost === 0 && two.duplicated === 0 });
  }

  if (idleFleet) {
    const memory = idleFleet.memory;
    const kb = memory.rssPerDeviceBytes / 1024;
    metrics.push({
      id: 'memory.serverPerWaitingDevice', label: 'Server RSS per idle waiting device', value: Math.round(kb * 100) / 100, unit: 'KB',
      display: `${n(kb, 1)} KB (heap ${n(memory.heapPerDeviceBytes / 1024, 1)} KB; RSS ${n(memory.rssSmallBytes / 2 ** 20)} MB with ${n(memory.smallFleet)} → ${n(memory.rssLargeBytes / 2 ** 20)} MB with ${n(memory.largeFleet)})`,
      target: `< ${TARGETS.serverBytesPerWaitingDevice / 1024} KB`, met: memory.rssPerDeviceBytes < TARGETS.serverBytesPerWaitingDevice,
    });
  }
  if (client) {
    const mb = client.rssBytes / 2 ** 20;
    metrics.push({
      id: 'memory.clientCore', label: `Client core RSS, ${client.accounts} accounts idle (Node, no Electron)`, value: Math.round(mb * 10) / 10, unit: 'MB',
      display: `${n(mb, 1)} MB (${n(client.rssBeforeBytes / 2 ** 20, 1)} MB before the core started; heap ${n(client.heapUsedBytes / 2 ** 20, 1)} MB)${client.online ? '' : ' — accounts not all online!'}`,
      target: null, met: null,
    });
  }

  if (idleFleet) {
    const idle = idleFleet.idle;
    const allowed = Math.min(TARGETS.idleRequestsPerDevicePerHour, idle.expectedPerDevicePerHour * (1 + TARGETS.idleRequestsTolerance));
    metrics.push({
      id: 'idle.requestsPerDevicePerHour', label: `Requests per idle device per hour (long-poll held ${idle.waitSeconds} s, the server's longest)`, value: idle.requestsPerDevicePerHour, unit: 'requests/h',
      display: `${n(idle.requestsPerDevicePerHour, 1)} (${n(idle.serverRequests)} requests from ${n(idle.devices)} devices in ${n(idle.windowSeconds, 1)} s, once grown from ${n(idle.startSeconds)} s)`,
      target: `≤ ${n(TARGETS.idleRequestsPerDevicePerHour)} (one per hold, ${n(idle.expectedPerDevicePerHour, 1)} with ${n(3_600_000 / DEVICE_TOKEN_TTL_MS)} token renewals)`,
      met: idle.requestsPerDevicePerHour <= allowed,
    });
    metrics.push({
      id: 'idle.serverCpuEmpty', label: 'Server CPU with nothing connected', value: idle.emptyServerCpuPercent, unit: '% of a core',
      display: `${n(idle.emptyServerCpuPercent, 2)} % over ${n(idle.emptyWindowSeconds, 1)} s`,
      target: `< ${TARGETS.emptyServerCpuPercent} % (no timer spinning)`, met: idle.emptyServerCpuPercent < TARGETS.emptyServerCpuPercent,
    });
    metrics.push({
      id: 'idle.serverCpuFleet', label: `Server CPU with ${n(idle.devices)} idle devices`, value: idle.serverCpuPercent, unit: '% of a core',
      display: `${n(idle.serverCpuPercent, 1)} % (${n(idle.serverCpuMicrosPerRequest)} µs CPU per long-poll request)${idle.databaseCpuPercent === null ? '' : `, plus PostgreSQL ${n(idle.databaseCpuPercent, 1)} %`}`,
      target: null, met: null,
    });
  }

  if (suite.proxy) {
    const proxy = suite.proxy;
    metrics.push(wakeupMetric('proxy.wakeup', `Wake-up behind a proxy that cuts idle connections at ${n(proxy.idleCutSeconds)} s (${n(proxy.devices)} devices, once learned)`, proxy.wakeup, true));
    const allowed = proxy.expectedPerDevicePerHour * (1 + TARGETS.idleRequestsTolerance);
    metrics.push({
      id: 'proxy.requestsPerDevicePerHour', label: `Requests per device per hour behind that proxy, once learned`, value: proxy.requestsPerDevicePerHour, unit: 'requests/h',
      display: `${n(proxy.requestsPerDevicePerHour, 1)} (hold ${n(proxy.learnedHoldSeconds)} s under the cut; ${n(proxy.serverRequests)} requests in ${n(proxy.windowSeconds, 1)} s; `
        + `learned in ${n(proxy.learnSeconds, 1)} s with ${n(proxy.cutsWhileLearning)} cuts, ${n(proxy.cutsAfterLearning)} cuts after; core warnings ${n(proxy.coreWarnings)})`,
      target: `≤ ${n(proxy.expectedPerDevicePerHour, 1)} (one per learned hold, and ${n(3_600_000 / DEVICE_TOKEN_TTL_MS)} token renewals); no cut once learned, no warning`,
      met: proxy.requestsPerDevicePerHour <= allowed && proxy.cutsAfterLearning === 0 && proxy.coreWarnings === 0,
    });
  }

  metrics.push({ id: 'crypto.nobleSign', label: 'Ed25519 sign, @noble/ed25519 (app)', value: crypto.nobleSignPerSecond, unit: 'ops/s', display: `${n(crypto.nobleSignPerSecond)} /s`, target: null, met: null });
  metrics.push({ id: 'crypto.nodeVerify', label: 'Ed25519 verify, node:crypto (server)', value: crypto.nodeVerifyPerSecond, unit: 'ops/s', display: `${n(crypto.nodeVerifyPerSecond)} /s`, target: null, met: null });
  metrics.push({ id: 'crypto.nobleVerify', label: 'Ed25519 verify, @noble/ed25519 (strict)', value: crypto.nobleVerifyPerSecond, unit: 'ops/s', display: `${n(crypto.nobleVerifyPerSecond)} /s`, target: null, met: null });
  metrics.push({
    id: 'crypto.approvalKey', label: 'Approval code → approval key, scrypt 2^15 (app, once per approval)', value: crypto.approvalKeyDerivationMs, unit: 'ms',
    display: `${ms(crypto.approvalKeyDerivationMs)} ms`, target: null, met: null,
  });
  return metrics;
}

const DATABASE_LABEL: Record<DatabaseKind, string> = { sqlite: 'SQLite', postgres: 'PostgreSQL' };

function mark(met: boolean | null): string {
  return met === null ? '—' : met ? 'yes' : '**no**';
}

/** A Markdown table (readable as is in a terminal): one row per metric, a value and a verdict per database. */
export function renderTable(byDatabase: { database: DatabaseKind; metrics: Metric[] }[]): string {
  const ids: string[] = [];
  for (const { metrics } of byDatabase) for (const metric of metrics) if (!ids.includes(metric.id)) ids.push(metric.id);
  const header = ['Metric', ...byDatabase.flatMap(({ database }) => [DATABASE_LABEL[database], 'Met?']), 'Target'];
  const rows = ids.map((id) => {
    const found = byDatabase.map(({ metrics }) => metrics.find((metric) => metric.id === id));
    const first = found.find((metric) => metric !== undefined) as Metric;
    const perDatabase = new Set(found.map((metric) => metric?.target ?? null)).size > 1;
    const targets = [...new Set(byDatabase.map(({ database }, index) => {
      const target = found[index]?.target;
      if (!target) return null;
      return perDatabase ? `${DATABASE_LABEL[database]} ${target}` : target;
    }).filter((target) => target !== null))];
    return [first.label, ...found.flatMap((metric) => (metric ? [metric.display, mark(metric.met)] : ['n/a', '—'])), targets.join(' · ') || '—'];
  });
  const escape = (cell: string) => cell.replace(/\|/g, '\\|');
  return [header, header.map(() => '---'), ...rows].map((row) => `| ${row.map(escape).join(' | ')} |`).join('\n');
}
