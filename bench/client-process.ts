/**
 * The desktop client's memory, alone in a process: one core (createAuthenticator) with its accounts active and
 * idle, each waiting on its long-poll, as a person's PC runs it all day. Bundled with esbuild and run by plain
 * Node (no TypeScript loader in the way), so the RSS is the core's and Node's, not the bench's. It reports over
 * IPC, then stops. Node, not Electron: the app adds Chromium's own processes on top.
 */
import { createAuthenticator } from '../main/core/authenticator';
import { systemClock, type Logger, type SettingsStore } from '../main/core/ports';
import { defaultPersistedState, type PersistedStateT } from '../main/core/state';
import { createMemoryVault } from '../main/platform/memory-vault';
import { createNodeTransport } from '../main/platform/node-transport';
import { fromBase64Url } from '../protocol/index';

export interface ClientAccountConfig {
  userId: string;
  identifier: string;
  displayName: string;
  companyName: string;
  deviceId: string;
  secretKey: string;
}

export interface ClientProcessConfig {
  serverUrl: string;
  waitSeconds: number;
  settleSeconds: number;
  accounts: ClientAccountConfig[];
}

export interface ClientMemoryReport {
  accounts: number;
  online: boolean;
  /** After loading the code, before the core exists. */
  rssBeforeBytes: number;
  heapBeforeBytes: number;
  /** With every account active and idle. */
  rssBytes: number;
  heapUsedBytes: number;
  warnings: number;
  firstWarnings: string[];
}

const gc = (globalThis as { gc?: () => void }).gc;

function collect(): void {
  gc?.();
  gc?.();
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env.SA_BENCH_CLIENT_CONFIG ?? '{}') as ClientProcessConfig;
  collect();
  const before = process.memoryUsage();

  let warnings = 0;
  const firstWarnings: string[] = [];
  const note = (message: string, fields?: Record<string, unknown>) => {
    warnings += 1;
    if (firstWarnings.length < 5) firstWarnings.push(`${message} ${fields ? JSON.stringify(fields) : ''}`.trim());
  };
  const logger: Logger = { info() {}, warn: note, error: note };
  const vault = createMemoryVault();
  let state: PersistedStateT = defaultPersistedState();
  const activatedAt = new Date().toISOString();
  for (const account of config.accounts) {
    const accountId = `acc_${account.deviceId.slice(4)}`;
    await vault.store(accountId, fromBase64Url(account.secretKey));
    state.accounts.push({
      id: accountId, serverUrl: config.serverUrl, identifier: account.identifier, userId: account.userId, displayName: account.displayName,
      companyName: account.companyName, role: 'user', deviceName: 'PC bench', deviceNamed: true, deviceId: account.deviceId, status: 'active',
      enrolment: null, activeDevices: 1, maxDevices: 5, createdAt: activatedAt, activatedAt, revokedAt: null,
    });
  }
  const store: SettingsStore<PersistedStateT> = { read: () => state, write: (value) => void (state = value), location: 'memory' };
  const core = createAuthenticator({
    vault, store, transport: createNodeTransport(), clock: systemClock, logger,
    appInfo: { version: 'bench', platform: 'linux', defaultDeviceName: 'PC bench' },
    inbox: { waitSeconds: config.waitSeconds },
    allowLoopbackHttp: true,
  });
  let online = false;
  const allOnline = new Promise<void>((resolve) => {
    core.on('onConnectivityChanged', (connectivity) => {
      online = connectivity.accounts.length === config.accounts.length && connectivity.overall === 'online';
      if (online) resolve();
    });
  });
  await core.start();
  await Promise.race([allOnline, new Promise((resolve) => setTimeout(resolve, 30_000))]);
  await new Promise((resolve) => setTimeout(resolve, config.settleSeconds * 1000));
  collect();
  const after = process.memoryUsage();
  const report: ClientMemoryReport = {
    accounts: config.accounts.length, online,
    rssBeforeBytes: before.rss, heapBeforeBytes: before.heapUsed, rssBytes: after.rss, heapUsedBytes: after.heapUsed, warnings, firstWarnings,
  };
  process.send?.(report);
  await core.stop();
  process.disconnect?.();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
