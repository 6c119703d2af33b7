/** What every phase of one database's run works with. */
import type { CountingLogger, DeviceIdentity, FleetDeps } from './fleet';
import type { RequestCounter } from './http-transport';
import type { ServerHandle } from './processes';
import type { BenchProfile } from './profile';

export type DatabaseKind = 'sqlite' | 'postgres';

export interface SuiteContext {
  profile: BenchProfile;
  database: DatabaseKind;
  databaseUrl: string;
  workDir: string;
  server: ServerHandle;
  /** Provisioned users with their device keys, by pool name. */
  pools: Map<string, DeviceIdentity[]>;
  companyIds: Map<string, string>;
  requests: RequestCounter;
  logger: CountingLogger;
  /** Things the reader of the results should know (a fleet capped by the file limit...). */
  notes: string[];
  progress(message: string): void;
}

export function pool(ctx: SuiteContext, name: string): DeviceIdentity[] {
  const identities = ctx.pools.get(name);
  if (!identities) throw new Error(`no pool ${name}`);
  return identities;
}

export function fleetDeps(ctx: SuiteContext, serverUrl = ctx.server.url): FleetDeps {
  return { serverUrl, requests: ctx.requests, logger: ctx.logger, waitSeconds: ctx.profile.longPollWaitSeconds };
}
