/** What the load process and a fleet worker say to each other. Types only. */
import type { HoldPolicy } from '../main/core/hold-learning';

/** Changes to the app's hold policy (a quick run scales its seconds down). */
export type BenchHoldPolicy = Partial<Omit<HoldPolicy, 'startSeconds'>>;

export interface WorkerDevice {
  /** Position in the pool (the load process addresses devices by it). */
  index: number;
  userId: string;
  identifier: string;
  displayName: string;
  companyName: string;
  deviceId: string;
  publicKey: string;
  sessionToken: string;
  csrfToken: string;
  /** base64url; the worker keeps it in its in-memory vault. */
  secretKey: string;
}

export interface FleetWorkerConfig {
  serverUrl: string;
  waitSeconds: number;
  /** How the devices learn their hold beyond waitSeconds (the app's own policy when absent). */
  hold?: BenchHoldPolicy;
  /** A fleet that approves: its people's approval code. */
  approvalCode?: string;
  devices: WorkerDevice[];
}

/** off: nothing reported; record: each new validation reported; approve: approved at once, the outcome reported. */
export type FleetMode = 'off' | 'record' | 'approve';

export interface FleetWorkerStats {
  started: number;
  online: number;
  duplicateDeliveries: number;
  requests: number;
  failures: number;
  warnings: number;
  errors: number;
  firstLines: string[];
  /** process.cpuUsage() of the worker(s), user + system, in microseconds. */
  cpuMicros: number;
}

export type FleetRequest =
  | { id: number; type: 'start'; indices: number[]; timeoutMs: number }
  | { id: number; type: 'mode'; mode: FleetMode }
  | { id: number; type: 'closeIdle' }
  | { id: number; type: 'stats' }
  | { id: number; type: 'stop' };

export type FleetEvent =
  | { type: 'ready' }
  | { type: 'delivered'; index: number; validationId: string; at: number }
  | { type: 'recorded'; validationId: string; at: number; status: string }
  | { type: 'decisionError'; validationId: string; code: string }
  | { id: number; type: 'answer'; ok: true; value: unknown }
  | { id: number; type: 'answer'; ok: false; message: string };
