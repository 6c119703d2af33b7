/** What the load process and a bench server process say to each other over the IPC channel. Types only. */
import type { ProvisionResult } from './provisioning';
import type { LoopDelay } from './stats';

export interface ServerProcessConfig {
  databaseUrl: string;
  /** JSON file with a ProvisionRequest: rows written before listening (the result comes back in the ready message). */
  provisionRequestFile?: string;
  /** The longest hold of a device's long-poll (the server's SA_LONG_POLL_MAX_SECONDS); its default when absent. */
  longPollMaxSeconds?: number;
}

export interface ServerStats {
  rssBytes: number;
  heapUsedBytes: number;
  externalBytes: number;
  /** process.cpuUsage() of the whole server process (every thread), in microseconds. */
  cpuUserMicros: number;
  cpuSystemMicros: number;
  /** HTTP requests received since start, and those not yet answered (long-polls waiting). */
  requestsTotal: number;
  requestsInFlight: number;
  /** PostgreSQL only: the connection pool, and how many queries wait for a connection. */
  pool: { total: number; idle: number; waiting: number } | null;
  /** How late the server's event loop ran between a `start` and this `stop` (null otherwise). */
  loopDelayMs: LoopDelay | null;
  at: number;
}

/** What the database holds after a throughput run: the count that proves nothing was lost or recorded twice. */
export interface DecisionCheck {
  /** Validations the load created that the database knows, and how many of them are approved by a device. */
  createdKnown: number;
  createdApproved: number;
  /** Validations of the pool the load does not know of (should be none). */
  unexpected: number;
  statuses: Record<string, number>;
  /** `validation_decided` audit entries for those validations, and how many distinct validations they name. */
  decisionAudits: number;
  decisionAuditsDistinct: number;
}

export type ServerRequest =
  /**
   * `loopDelay`: 'start' begins watching the event loop, 'stop' reads and ends it. Watching samples the loop 100 times
   * a second, so it runs only around latency measurements, never while idle CPU is measured.
   */
  | { id: number; type: 'stats'; gc: boolean; loopDelay: 'start' | 'stop' | null }
  | { id: number; type: 'checkDecisions'; companyId: string; createdIds: string[] };

/** What a graceful shutdown (SIGTERM) did, sent just before the process exits. */
export interface ShutdownMessage {
  type: 'shutdown';
  answeredLongPolls: number;
  otherRequestsInFlight: number;
  cutRequests: number;
  durationMs: number;
}

export type ServerMessage =
  | { type: 'ready'; url: string; pid: number; kind: string; provisioned: ProvisionResult | null }
  | ShutdownMessage
  | { type: 'failed'; message: string }
  | { id: number; type: 'answer'; ok: true; value: unknown }
  | { id: number; type: 'answer'; ok: false; message: string };
