/** What every phase of one database's run works with. */
import type { CountingLogger, DeviceIdentity } from './fleet';
import type { FleetWorkerStats } from './fleet-ipc';
import type { RequestCounter } from './http-transport';
import { ServerHandle } from './processes';
import type { BenchProfile } from './profile';

export type DatabaseKind = 'sqlite' | 'postgres';

export interface SuiteContext {
  profile: BenchProfile;
  database: DatabaseKind;
  databaseUrl: string;
  /** PostgreSQL: the bench's own database (its backends' CPU is counted); null on SQLite. */
  postgresDatabase: string | null;
  workDir: string;
  server: ServerHandle;
  /** Provisioned users with their device keys, by pool name. */
  pools: Map<string, DeviceIdentity[]>;
  companyIds: Map<string, string>;
  /** The interval pollers, which live in this process (fleets count in their workers). */
  requests: RequestCounter;
  logger: CountingLogger;
  /** Things the reader of the results should know (a fleet capped by the file limit...). */
  notes: string[];
  progress(message: string): void;
  /** Adds what a fleet's devices logged and counted (core warnings, transport failures) to the suite's totals. */
  recordFleet(stats: FleetWorkerStats | null): void;
}

export function pool(ctx: SuiteContext, name: string): DeviceIdentity[] {
  const identities = ctx.pools.get(name);
  if (!identities) throw new Error(`no pool ${name}`);
  return identities;
}

/** Another server process on the suite's database, holding long-polls as long as the suite's first one. */
export function startInstance(ctx: SuiteContext, name: string): Promise<ServerHandle> {
  return ServerHandle.start({ databaseUrl: ctx.databaseUrl, workDir: ctx.workDir, name, longPollMaxSeconds: ctx.profile.longPollMaxSeconds });
}
