/** Everything the server can be told, with the defaults of the installation guide. */
import type { ErrorCode, RouteName } from '../protocol/index';
import type { CommittedChange } from './changes';
import type { Logger } from './ops/logging';
import type { MobileStoreLinks } from './services/installers';
import type { PayeeVerifier, VopGatewayConfig } from './services/payee-verification';

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export interface Limits {
  /** Wrong secret codes in a row before a temporary lock. */
  maxFailedLogins: number;
  lockMinutes: number;
  /** SMS/voice codes (first device of a primary administrator, portal Security Code). */
  phoneCodeValiditySeconds: number;
  /** Codes from Administration. */
  administrationCodeValiditySeconds: number;
  maxCodeAttempts: number;
  /** Wrong approval codes in a row before a device's approvals are locked. */
  maxApprovalCodeAttempts: number;
  /** New code requests per account and per IP address, per window. */
  codeRequestsPerAccount: number;
  codeRequestsPerIp: number;
  codeRequestWindowSeconds: number;
  loginValidationSeconds: number;
  operationValidationSeconds: number;
  sessionIdleSeconds: number;
  sessionMaxSeconds: number;
  maxDevicesPerUser: number;
  /** Verification of Payee requests per user, per window (the portal checks as the payee is typed). */
  payeeChecksPerUser: number;
  payeeCheckWindowSeconds: number;
  /**
   * The longest a device's long-poll is held (a longer ask is held this long), told to the apps in every answer so
   * that they wait that long where their network allows. Load balancers' idle timeouts must be longer.
   */
  longPollMaxSeconds: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxFailedLogins: 5,
  lockMinutes: 15,
  phoneCodeValiditySeconds: 5 * 60,
  administrationCodeValiditySeconds: 24 * 60 * 60,
  maxCodeAttempts: 5,
  maxApprovalCodeAttempts: 5,
  codeRequestsPerAccount: 10,
  codeRequestsPerIp: 60,
  codeRequestWindowSeconds: 15 * 60,
  loginValidationSeconds: 2 * 60,
  operationValidationSeconds: 5 * 60,
  sessionIdleSeconds: 5 * 60,
  sessionMaxSeconds: 8 * 60 * 60,
  maxDevicesPerUser: 5,
  payeeChecksPerUser: 60,
  payeeCheckWindowSeconds: 15 * 60,
  longPollMaxSeconds: 120,
};

export interface OtpGatewayConfig {
  url: string;
  token?: string;
  timeoutMs?: number;
}

/**
 * The variable that lets demo mode listen beyond this computer. Demo mode serves every SMS/voice code it "sends" at
 * /dev/outbox to whoever asks: on loopback that is the person at the keyboard, anywhere else anyone on the network.
 */
export const DEMO_ALLOW_REMOTE_VARIABLE = 'SA_DEMO_ALLOW_REMOTE';

/** A host name or address that only this computer can reach. `0.0.0.0` and `::` are every address, not loopback. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare) || /^::ffff:127(\.\d{1,3}){3}$/.test(bare);
}

export interface ServerOptions {
  /** `postgres://…`, a SQLite path (`sqlite:./data/secure-access.db`) or `:memory:`. Default: ./data/secure-access.db */
  databaseUrl?: string;
  clock?: Clock;
  /** Demo/development mode: the development outbox endpoint, codes in the log. */
  demo?: boolean;
  /** Demo mode may listen on an address other than loopback (SA_DEMO_ALLOW_REMOTE=1): the outbox is then public. */
  demoAllowRemote?: boolean;
  /** SMS/voice through a bank's provider instead of the development outbox. */
  otpGateway?: OtpGatewayConfig;
  /** Bearer token of the back-office API (company subscriptions). Without it that API is closed. */
  opsToken?: string;
  /** Set false only for plain-HTTP deployments other than localhost (browsers accept Secure cookies on localhost). */
  cookieSecure?: boolean;
  /**
   * The log (ops/logging.ts: one line per request and the server's own messages). Default, or false: warnings and
   * errors only, as JSON lines on standard error.
   */
  logger?: Logger | false;
  /**
   * Pending migrations at start: applied ('apply', the default: tests, development), or a refusal to start
   * ('require-current': production, where `migrate` is run explicitly). A schema newer than the code is always refused.
   */
  migrations?: 'apply' | 'require-current';
  limits?: Partial<Limits>;
  /** Where the built portal is (default: server/portal/dist). */
  portalDir?: string;
  /** Addresses/ranges to trust X-Forwarded-For from (load balancers), or a hop count. */
  trustProxy?: boolean | string | number;
  /** Told of every error a route answers (the tests check it against the route's documented error codes). */
  onRouteError?: (route: RouteName, code: ErrorCode) => void;
  /** The bank's time zone: "today" for a transfer's execution date. Default Europe/Paris. */
  timeZone?: string;
  /** Verification of Payee for other banks' IBANs through the bank's scheme gateway (default: demo directory in demo mode, none otherwise). */
  vopGateway?: VopGatewayConfig;
  /** Replaces the whole Verification of Payee (own accounts included): for a bank plugging in its own. */
  payeeVerifier?: PayeeVerifier;
  /** The folder of desktop installers the portal's download page serves (none: the page says none is published). */
  downloadsDir?: string;
  /** The mobile apps' store links shown on the installation step (https:// only), with a QR code each. */
  mobileStoreLinks?: MobileStoreLinks;
  /** Faults injected by tests. Nothing in production sets them (`server/cli.ts` has no way to). */
  faults?: ServerFaults;
}

/**
 * What a test may do to an instance to show that a guarantee holds when things go wrong. Read when they apply, so a
 * test may change them while the instance runs.
 */
export interface ServerFaults {
  /** PostgreSQL: every notification this instance hears from the others is handled this much later. */
  notificationDelayMs?: number;
  /** PostgreSQL: this instance drops every notification it receives, as if each were lost on the way. */
  ignoreNotifications?: boolean;
  /**
   * Called after a transaction that announced changes has committed, before anything follows the commit (this
   * instance applying the changes to its own view, the answer): a test freezes the instance there, or kills it.
   */
  afterCommit?: (changes: CommittedChange[]) => Promise<void> | void;
  /**
   * PostgreSQL: this instance never confirms the user states it keeps against the database (read at start), so that
   * only the announcements can tell it of a change — the safety net off, to test what it nets.
   */
  withoutStateConfirmation?: boolean;
}

export const DEFAULT_TIME_ZONE = 'Europe/Paris';

export const DEFAULT_DATABASE_URL = 'sqlite:./data/secure-access.db';
