import type { Kysely } from 'kysely';
import type { Clock, Limits, ServerFaults } from './config';
import type { DatabaseKind } from './db/database';
import type { Database } from './db/schema';
import type { Notifier } from './notifier';
import type { ServerMetrics } from './ops/metrics';
import type { OtpSender } from './otp';
import type { MobileAppsT } from '../protocol/index';
import type { InstallerShelf } from './services/installers';
import type { PayeeVerifier } from './services/payee-verification';
import type { AuthenticatorState } from './services/validations';
import type { UserStateCache } from './user-state-cache';

/** The server's own messages, with optional fields (never a secret: see ops/logging.ts). */
export interface Log {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** What every service needs: the database, time, the rules in force, wake-ups, SMS/voice, the code secret. */
export interface ServerContext {
  db: Kysely<Database>;
  kind: DatabaseKind;
  clock: Clock;
  limits: Limits;
  notifier: Notifier;
  /** What the authenticator API last read of each user (pending list, active devices), until their next change. */
  authenticatorStates: UserStateCache<AuthenticatorState | null>;
  otp: OtpSender;
  /** Verification of Payee: the name entered against the IBAN's holder. */
  payees: PayeeVerifier;
  /** The bank's time zone (IANA), for "today". */
  timeZone: string;
  /** Self-install: the desktop installers the bank publishes, and its mobile store links. */
  installers: InstallerShelf;
  mobileApps: MobileAppsT;
  /** HMAC key of one-time codes, shared by every instance through the database. */
  codePepper: string;
  /** HMAC key of device tokens, shared by every instance through the database. */
  deviceTokenKey: string;
  demo: boolean;
  log: Log;
  metrics: ServerMetrics;
  /** Faults a test injects (none in production). */
  faults: ServerFaults;
}

/** Who is asking, for the audit log and per-IP limits. */
export interface RequestOrigin {
  ip: string;
  userAgent: string;
}

/** The last instant formatted, kept: the long-polls a timer tick ends together answer with the same server time. */
let lastIsoMs = Number.NaN;
let lastIsoText = '';
export const iso = (ms: number): string => {
  if (ms !== lastIsoMs) {
    lastIsoText = new Date(ms).toISOString();
    lastIsoMs = ms;
  }
  return lastIsoText;
};
export const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));
