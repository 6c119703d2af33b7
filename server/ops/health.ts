/**
 * Readiness: may a load balancer send this instance traffic? Yes when the database answers, every migration this code
 * needs is applied, the LISTEN connection that hears other instances is up (PostgreSQL), and it is not shutting down.
 * Otherwise it says which of these fails, in words. Liveness (/healthz) is only "the process answers".
 */
import { sql } from 'kysely';
import type { ServerContext } from '../context';
import { pendingMigrations } from '../db/migrate';
import type { Lifecycle } from './lifecycle';

const DATABASE_TIMEOUT_MS = 2_000;

export type CheckState = 'ok' | 'failing' | 'not_applicable';

export interface Readiness {
  ready: boolean;
  checks: { database: CheckState; migrations: CheckState; listen: CheckState; shutdown: CheckState };
  /** Why it is not ready, one sentence each (empty when ready). */
  reasons: string[];
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms / 1000} s`)), ms);
    }),
  ]);
}

export async function readiness(ctx: ServerContext, lifecycle: Lifecycle): Promise<Readiness> {
  const reasons: string[] = [];
  const checks: Readiness['checks'] = { database: 'ok', migrations: 'ok', listen: 'not_applicable', shutdown: 'ok' };
  if (lifecycle.draining) {
    checks.shutdown = 'failing';
    reasons.push('The instance is shutting down.');
  }
  try {
    await withTimeout(sql`SELECT 1`.execute(ctx.db), DATABASE_TIMEOUT_MS, 'the database');
    try {
      const pending = await withTimeout(pendingMigrations(ctx.db), DATABASE_TIMEOUT_MS, 'the database');
      if (pending.length > 0) {
        checks.migrations = 'failing';
        reasons.push(`Migrations not applied: ${pending.join(', ')} (run the migrate command).`);
      }
    } catch (error) {
      checks.migrations = 'failing';
      reasons.push(`The migration table cannot be read: ${error instanceof Error ? error.message : String(error)}.`);
    }
  } catch (error) {
    checks.database = 'failing';
    checks.migrations = 'failing';
    reasons.push(`The database does not answer: ${error instanceof Error ? error.message : String(error)}.`);
  }
  if (ctx.kind === 'postgres') {
    checks.listen = ctx.notifier.hearsEverything() ? 'ok' : 'failing';
    if (checks.listen === 'failing') reasons.push('The LISTEN connection to PostgreSQL is down: changes made on other instances would reach this one late.');
  }
  return { ready: reasons.length === 0, checks, reasons };
}
