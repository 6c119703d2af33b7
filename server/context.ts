import type { Kysely } from 'kysely';
import type { Clock, Limits } from './config';
import type { DatabaseKind } from './db/database';
import type { Database } from './db/schema';
import type { Notifier } from './notifier';
import type { OtpSender } from './otp';
import type { PendingState } from './services/validations';
import type { UserStateCache } from './user-state-cache';

export interface Log {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** What every service needs: the database, time, the rules in force, wake-ups, SMS/voice, the code secret. */
export interface ServerContext {
  db: Kysely<Database>;
  kind: DatabaseKind;
  clock: Clock;
  limits: Limits;
  notifier: Notifier;
  /** What each user's devices were last told by a long-poll, until the next change of that user's. */
  pendingStates: UserStateCache<PendingState>;
  otp: OtpSender;
  /** HMAC key of one-time codes, shared by every instance through the database. */
  codePepper: string;
  /** HMAC key of device tokens, shared by every instance through the database. */
  deviceTokenKey: string;
  demo: boolean;
  log: Log;
}

/** Who is asking, for the audit log and per-IP limits. */
export interface RequestOrigin {
  ip: string;
  userAgent: string;
}

export const iso = (ms: number): string => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));
