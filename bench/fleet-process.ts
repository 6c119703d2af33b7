/**
 * A fleet worker: a share of the simulated desktops (bench/fleet.ts) in a process of its own. Ten thousand cores in
 * one process made a 300 MB heap whose garbage collections stalled every device at once for hundreds of
 * milliseconds, which the bench would then have reported as server latency; a few workers keep each heap small.
 * It reports what its devices receive (and, in approve mode, what they decided) with the shared clock.
 */
import { readFileSync } from 'node:fs';
import { errorCode } from '../main/core/errors';
import { fromBase64Url } from '../protocol/index';
import { CountingLogger, SimulatedDevice, startDevices, stopDevices, type DeliveryListener } from './fleet';
import type { FleetEvent, FleetMode, FleetRequest, FleetWorkerConfig, FleetWorkerStats } from './fleet-ipc';
import { RequestCounter } from './http-transport';
import { clockMs } from './stats';

function send(event: FleetEvent): void {
  process.send?.(event);
}

// A file, not the environment: a few thousand devices do not fit in one environment variable.
const config = JSON.parse(readFileSync(process.env.SA_BENCH_FLEET_CONFIG_FILE ?? '', 'utf8')) as FleetWorkerConfig;
const requests = new RequestCounter();
const logger = new CountingLogger();
const devices = new Map<number, SimulatedDevice>();
const started = new Set<SimulatedDevice>();
for (const device of config.devices) {
  devices.set(device.index, new SimulatedDevice(
    { ...device, secretKey: fromBase64Url(device.secretKey) },
    { serverUrl: config.serverUrl, requests, logger, waitSeconds: config.waitSeconds, hold: config.hold, approvalCode: config.approvalCode },
  ));
}
const indexOf = new Map([...devices].map(([index, device]) => [device, index]));

let mode: FleetMode = 'off';
const onDelivered: DeliveryListener = (device, validation, at) => {
  if (mode === 'record') {
    send({ type: 'delivered', index: indexOf.get(device) ?? -1, validationId: validation.id, at });
  } else if (mode === 'approve') {
    device.approve(validation.id).then(
      (result) => send({ type: 'recorded', validationId: validation.id, at: clockMs(), status: result.status }),
      (error: unknown) => send({ type: 'decisionError', validationId: validation.id, code: errorCode(error) ?? 'internal_error' }),
    );
  }
};
for (const device of devices.values()) device.onDelivered = onDelivered;

function cpuMicros(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

function stats(): FleetWorkerStats {
  let online = 0;
  let duplicateDeliveries = 0;
  for (const device of started) {
    if (device.online) online += 1;
    duplicateDeliveries += device.duplicateDeliveries();
  }
  return {
    started: started.size, online, duplicateDeliveries, requests: requests.requests, failures: requests.failures,
    warnings: logger.warnings, errors: logger.errors, firstLines: logger.firstLines, cpuMicros: cpuMicros(),
  };
}

async function handle(request: FleetRequest): Promise<unknown> {
  switch (request.type) {
    case 'start': {
      const chosen = request.indices.map((index) => devices.get(index)).filter((device): device is SimulatedDevice => device !== undefined && !started.has(device));
      for (const device of chosen) started.add(device);
      await startDevices(chosen, chosen.length || 1, request.timeoutMs);
      return stats();
    }
    case 'mode':
      mode = request.mode;
      return null;
    case 'closeIdle':
      for (const device of started) device.closeIdleConnections();
      return null;
    case 'stats':
      return stats();
    case 'stop':
      await stopDevices([...started]);
      started.clear();
      return stats();
  }
}

process.on('message', (raw) => {
  const request = raw as FleetRequest;
  handle(request).then(
    (value) => send({ id: request.id, type: 'answer', ok: true, value }),
    (error: unknown) => send({ id: request.id, type: 'answer', ok: false, message: error instanceof Error ? error.message : String(error) }),
  );
});
// Nobody left to stop this worker: stop.
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
