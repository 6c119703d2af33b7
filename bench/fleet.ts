/**
 * Simulated desktops: each one is the app's real core (createAuthenticator from main/core: inbox long-poll loop,
 * signed API client, decisions), with its account already active and its key in the in-memory vault, talking to
 * the server over real HTTP (node:http, its own connections per device: bench/http-transport.ts). Only the Electron
 * shell, its network stack and the OS keychain are left out. What the bench observes is what the core emits: the
 * pending list, as the renderer would get it. Large fleets live in fleet worker processes (bench/fleet-process.ts).
 */
import type { AuthenticatorCore } from '../main/core/api';
import type { ApprovalKdf } from '../main/core/approval-key';
import { createAuthenticator } from '../main/core/authenticator';
import { DEFAULT_HOLD_POLICY } from '../main/core/hold-learning';
import { systemClock, type Logger, type SettingsStore } from '../main/core/ports';
import { defaultPersistedState, type PersistedStateT } from '../main/core/state';
import { createMemoryVault } from '../main/platform/memory-vault';
import type { DecisionResult, PendingValidation } from '../preload/contract';
import type { BenchHoldPolicy } from './fleet-ipc';
import { createDeviceTransport, type DeviceTransport, type RequestCounter } from './http-transport';
import type { ProvisionedPool, ProvisionedUser } from './provisioning';
import { clockMs, sleep, waitUntil } from './stats';

/** A provisioned user with the secret key of their device (known only to the load process). */
export interface DeviceIdentity extends ProvisionedUser {
  companyName: string;
  secretKey: Uint8Array;
}

export function identitiesOf(pool: ProvisionedPool, secretKeys: Map<string, Uint8Array>): DeviceIdentity[] {
  return pool.users.map((user) => {
    const secretKey = secretKeys.get(user.publicKey);
    if (!secretKey) throw new Error(`no secret key for ${user.identifier}`);
    return { ...user, companyName: pool.companyName, secretKey };
  });
}

/** The core's log, reduced to counts and the first few lines: a healthy run logs no warning. */
export class CountingLogger implements Logger {
  warnings = 0;
  errors = 0;
  readonly firstLines: string[] = [];

  info(): void {}

  warn(message: string, fields?: Record<string, unknown>): void {
    this.warnings += 1;
    this.#keep('warn', message, fields);
  }

  error(message: string, fields?: Record<string, unknown>): void {
    this.errors += 1;
    this.#keep('error', message, fields);
  }

  #keep(level: string, message: string, fields?: Record<string, unknown>): void {
    if (this.firstLines.length < 10) this.firstLines.push(`${level}: ${message} ${fields ? JSON.stringify(fields) : ''}`.trim());
  }
}

export type DeliveryListener = (device: SimulatedDevice, validation: PendingValidation, at: number) => void;

/** The approval code every simulated person chooses, for the fleets that approve. */
export const BENCH_APPROVAL_CODE = '482915';

/**
 * The cost at which the simulated desktops derive their approval key: 2^4 instead of the app's 2^15. The full cycle
 * measures the server; 64 approvals in flight at the app's cost (a quarter of a second each, on the same two cores)
 * would measure the desktops' key derivation instead, and even 2^10 made them the bottleneck. The server cannot tell
 * (it verifies one signature either way); the app's own cost is measured on its own (bench/phases/crypto.ts).
 */
export const BENCH_APPROVAL_KDF: ApprovalKdf = { name: 'scrypt', N: 2 ** 4, r: 8, p: 1 };

export interface FleetDeps {
  serverUrl: string;
  /** Every device gets its own connections; the counts are shared. */
  requests: RequestCounter;
  logger: Logger;
  waitSeconds: number;
  /** Changes to the app's hold policy (a quick run scales its seconds down). */
  hold?: BenchHoldPolicy;
  /** For a fleet that approves: chosen at start (registered with the server as the app does), typed at each approval. */
  approvalCode?: string;
}

export class SimulatedDevice {
  readonly core: AuthenticatorCore;
  readonly accountId: string;
  online = false;
  /** Times each validation entered this device's pending list: more than once would be a duplicate delivery. */
  readonly deliveries = new Map<string, number>();
  onDelivered: DeliveryListener | null = null;
  #listed = new Set<string>();
  readonly #keyStored: Promise<void>;
  readonly #transport: DeviceTransport;
  readonly #approvalCode: string | null;

  constructor(readonly identity: DeviceIdentity, deps: FleetDeps) {
    this.#transport = createDeviceTransport(deps.requests);
    this.#approvalCode = deps.approvalCode ?? null;
    this.accountId = `acc_${identity.deviceId.slice(4)}`;
    const vault = createMemoryVault();
    this.#keyStored = vault.store(this.accountId, identity.secretKey);
    let state: PersistedStateT = defaultPersistedState();
    const activatedAt = new Date().toISOString();
    state.accounts.push({
      id: this.accountId, serverUrl: deps.serverUrl, identifier: identity.identifier, userId: identity.userId, displayName: identity.displayName,
      companyName: identity.companyName, role: 'user', deviceName: 'PC bench', deviceNamed: true, deviceId: identity.deviceId, status: 'active',
      enrolment: null, activeDevices: 1, maxDevices: 5, createdAt: activatedAt, activatedAt, revokedAt: null,
    });
    const store: SettingsStore<PersistedStateT> = {
      read: () => state,
      write: (value) => {
        state = value;
      },
      location: 'memory',
    };
    this.core = createAuthenticator({
      vault, store, transport: this.#transport, clock: systemClock, logger: deps.logger,
      appInfo: { version: 'bench', platform: 'linux', defaultDeviceName: 'PC bench' },
      inbox: { waitSeconds: deps.waitSeconds, hold: { ...DEFAULT_HOLD_POLICY, ...deps.hold } },
      approvalKdf: BENCH_APPROVAL_KDF,
      allowLoopbackHttp: true,
    });
    this.core.on('onConnectivityChanged', (connectivity) => {
      this.online = connectivity.overall === 'online';
    });
    this.core.on('onPendingChanged', (pending) => this.#onPending(pending));
  }

  #onPending(pending: PendingValidation[]): void {
    const at = clockMs();
    const listed = new Set<string>();
    for (const validation of pending) {
      listed.add(validation.id);
      if (this.#listed.has(validation.id)) continue;
      this.deliveries.set(validation.id, (this.deliveries.get(validation.id) ?? 0) + 1);
      this.onDelivered?.(this, validation, at);
    }
    this.#listed = listed;
  }

  /** Deliveries of a validation after the first: zero in a correct run. */
  duplicateDeliveries(): number {
    let duplicates = 0;
    for (const count of this.deliveries.values()) duplicates += count - 1;
    return duplicates;
  }

  async start(): Promise<void> {
    await this.#keyStored;
    await this.core.start();
    // The person chooses the approval code once, as after an activation: its key is registered with the server.
    if (this.#approvalCode !== null) await this.core.handlers.setApprovalCode({ accountId: this.accountId, code: this.#approvalCode });
  }

  stop(): Promise<void> {
    return this.core.stop();
  }

  closeIdleConnections(): void {
    this.#transport.closeIdleConnections();
  }

  /**
   * Approves as the person would: through the core's decide handler, which signs its own copy of the details with the
   * device key and, unmasked by the approval code, the approval key.
   */
  approve(validationId: string): Promise<DecisionResult> {
    if (this.#approvalCode === null) throw new Error('this fleet does not approve: it has no approval code');
    return this.core.handlers.decide({ accountId: this.accountId, validationId, decision: 'approve', numberChoice: null, approvalCode: this.#approvalCode });
  }
}

/** Starts devices a batch at a time, each batch online before the next. */
export async function startDevices(devices: SimulatedDevice[], batch: number, timeoutMs: number): Promise<void> {
  for (let offset = 0; offset < devices.length; offset += batch) {
    const chunk = devices.slice(offset, offset + batch);
    await Promise.all(chunk.map((device) => device.start()));
    await waitUntil(() => chunk.every((device) => device.online), timeoutMs, `devices ${offset + 1}–${offset + chunk.length} to come online`);
  }
}

export async function stopDevices(devices: SimulatedDevice[]): Promise<void> {
  await Promise.all(devices.map((device) => device.stop()));
  // Let the aborted sockets close on both sides before the next measurement.
  await sleep(200);
}
