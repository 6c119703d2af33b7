/**
 * The server's environment variables, in one table: what each accepts, its default, what it means. `readEnvironment`
 * checks every one before anything starts and fails with one line naming the variable and what it accepts (a secret's
 * value is never repeated); `--help` prints the same table, and the README's configuration table follows it (a test
 * compares them).
 */
import { isIP } from 'node:net';
import { isPostgresUrl } from '../db/database';
import { DEVICE_LONG_POLL_CEILING_SECONDS, LONG_POLL_MAX_SECONDS } from '../../protocol/index';
import { DEFAULT_DATABASE_URL, DEFAULT_LIMITS, isLoopbackHost } from '../config';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export type LogFormat = 'json' | 'pretty';

export interface ServerEnvironment {
  port: number;
  host: string;
  databaseUrl: string;
  demo: boolean;
  /** Demo mode may listen on a non-loopback HOST (its outbox is then readable by anyone who reaches it). */
  demoAllowRemote: boolean;
  otpGateway: { url: string; token?: string } | undefined;
  opsToken: string | undefined;
  cookieSecure: boolean;
  /** Fastify's trustProxy: addresses/ranges of the load balancers, or a hop count. */
  trustProxy: string | number | undefined;
  logLevel: LogLevel;
  logFormat: LogFormat;
  metricsPort: number | undefined;
  metricsHost: string;
  shutdownDelaySeconds: number;
  shutdownTimeoutSeconds: number;
  longPollMaxSeconds: number;
  autoMigrate: boolean;
  /** Server processes on this machine sharing the port (ops/workers.ts); more than 1 on PostgreSQL only. */
  workers: number;
  timeZone: string | undefined;
  vopGateway: { url: string; token?: string } | undefined;
  downloadsDir: string | undefined;
  mobileStoreLinks: {
    bankApp: { appStore?: string; playStore?: string; appGallery?: string };
    secureAccessApp: { appStore?: string; playStore?: string };
  };
}

export class ConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigurationError';
  }
}

interface Variable {
  name: string;
  /** What it accepts, as the error and --help say it. */
  accepts: string;
  /** The default, as --help and the README say it ('—' for none). */
  shownDefault: string;
  meaning: string;
  /** A secret: its value is never repeated in an error. */
  secret?: boolean;
}

const BOOLEAN_TRUE = /^(1|true|yes|on)$/i;
const BOOLEAN_FALSE = /^(0|false|no|off)$/i;
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const PROXY_KEYWORDS = new Set(['loopback', 'linklocal', 'uniquelocal']);
/** An operations token guards the back-office API and the metrics: long enough not to be guessed. */
export const MIN_OPS_TOKEN_LENGTH = 24;

export const VARIABLES: readonly Variable[] = [
  { name: 'PORT', accepts: 'a port number from 0 to 65535', shownDefault: '8080', meaning: 'listening port' },
  { name: 'HOST', accepts: 'an IP address or a host name', shownDefault: '127.0.0.1', meaning: 'listening address (0.0.0.0 for every interface)' },
  {
    name: 'DATABASE_URL', accepts: 'sqlite:<file>, a file path, :memory: or postgres://user:password@host:port/database', shownDefault: DEFAULT_DATABASE_URL,
    meaning: 'a SQLite file (one instance), or PostgreSQL (several instances may share it)', secret: true,
  },
  {
    name: 'SA_DEMO', accepts: '1 or 0 (true/false, yes/no, on/off)', shownDefault: '1',
    meaning: 'demo mode: the demo company is created in an empty database, SMS/voice codes go to the development outbox page; on loopback only (another HOST refuses to start)',
  },
  {
    name: 'SA_DEMO_ALLOW_REMOTE', accepts: '1 or 0', shownDefault: '0',
    meaning: 'let demo mode listen on a non-loopback HOST all the same (a shared demo): anyone who reaches it reads every code at /dev/outbox; the start says so',
  },
  { name: 'SA_OTP_GATEWAY_URL', accepts: 'an http:// or https:// URL', shownDefault: '—', meaning: 'send SMS/voice through the bank\'s provider (JSON POST {to, channel, text, purpose}); required when SA_DEMO=0' },
  { name: 'SA_OTP_GATEWAY_TOKEN', accepts: 'any text (sent as a bearer token)', shownDefault: '—', meaning: 'bearer token for SA_OTP_GATEWAY_URL', secret: true },
  {
    name: 'SA_OPS_TOKEN', accepts: `at least ${MIN_OPS_TOKEN_LENGTH} characters`, shownDefault: '—',
    meaning: 'bearer token of the operations API (company subscriptions) and of /metrics; both closed without it', secret: true,
  },
  { name: 'SA_COOKIE_SECURE', accepts: '1 or 0', shownDefault: '1', meaning: 'Secure session cookies (browsers accept them on localhost over HTTP)' },
  {
    name: 'SA_TRUST_PROXY', accepts: 'comma-separated IP addresses or CIDR ranges (or loopback, linklocal, uniquelocal), or a number of proxy hops',
    shownDefault: '—', meaning: 'trust X-Forwarded-For/-Proto from these load balancers (the client\'s address for limits, audit and logs)',
  },
  { name: 'SA_LOG_LEVEL', accepts: LOG_LEVELS.join(', '), shownDefault: 'info', meaning: 'log level (info: one line per request)' },
  { name: 'SA_LOG_FORMAT', accepts: 'json or pretty', shownDefault: 'pretty on a terminal, json otherwise', meaning: 'JSON lines for log collectors, or human-readable lines' },
  { name: 'SA_METRICS_PORT', accepts: 'a port number from 1 to 65535', shownDefault: '—', meaning: 'also serve /metrics without a token on this port (keep it off the public network)' },
  { name: 'SA_METRICS_HOST', accepts: 'an IP address or a host name', shownDefault: '127.0.0.1', meaning: 'listening address of SA_METRICS_PORT' },
  {
    name: 'SA_SHUTDOWN_DELAY_SECONDS', accepts: 'a whole number from 0 to 300', shownDefault: '0',
    meaning: 'on SIGTERM, keep serving (answering /readyz 503) this long so the load balancer stops sending new requests first',
  },
  {
    name: 'SA_SHUTDOWN_TIMEOUT_SECONDS', accepts: 'a whole number from 1 to 300', shownDefault: '10',
    meaning: 'then, at most this long to finish the requests in flight before their connections are cut',
  },
  {
    name: 'SA_LONG_POLL_MAX_SECONDS', accepts: `a whole number from ${LONG_POLL_MAX_SECONDS} to ${DEVICE_LONG_POLL_CEILING_SECONDS}`, shownDefault: String(DEFAULT_LIMITS.longPollMaxSeconds),
    meaning: 'the longest a device\'s long-poll is held (the apps are told, and wait that long where their network allows); load balancer idle timeouts must be longer',
  },
  {
    name: 'SA_WORKERS', accepts: 'a whole number from 1 to 64', shownDefault: '1',
    meaning: 'server processes on this machine sharing PORT, to use every core (one per core is a good start); more than 1 needs PostgreSQL (a SQLite file is served by one process)',
  },
  { name: 'SA_AUTO_MIGRATE', accepts: '1 or 0', shownDefault: 'same as SA_DEMO', meaning: 'apply pending database migrations at start (otherwise: run the migrate command)' },
  { name: 'SA_TIME_ZONE', accepts: 'an IANA time zone name such as Europe/Paris', shownDefault: 'Europe/Paris', meaning: 'the bank\'s time zone: "today" for a transfer\'s execution date' },
  { name: 'SA_VOP_URL', accepts: 'an http:// or https:// URL', shownDefault: '—', meaning: 'Verification of Payee for other banks\' IBANs through the bank\'s scheme gateway' },
  { name: 'SA_VOP_TOKEN', accepts: 'any text (sent as a bearer token)', shownDefault: '—', meaning: 'bearer token for SA_VOP_URL', secret: true },
  { name: 'SA_DOWNLOADS_DIR', accepts: 'a folder path', shownDefault: '—', meaning: 'the folder of signed installers the portal\'s download page serves' },
  ...['SA_STORE_BANK_APP_APPLE', 'SA_STORE_BANK_APP_GOOGLE', 'SA_STORE_BANK_APP_HUAWEI', 'SA_STORE_SECURE_ACCESS_APPLE', 'SA_STORE_SECURE_ACCESS_GOOGLE'].map((name) => ({
    name, accepts: 'an https:// URL', shownDefault: '—', meaning: 'a mobile app\'s store link, shown with a QR code on the installation step',
  })),
];

const KNOWN = new Set(VARIABLES.map((variable) => variable.name));
/** Variables that once existed, with what replaced them. */
const RETIRED: Record<string, string> = { SA_HTTP_LOG: 'SA_HTTP_LOG was replaced by SA_LOG_LEVEL (info logs every request; warn does not)' };

function fail(name: string, value: string): never {
  const variable = VARIABLES.find((candidate) => candidate.name === name);
  if (!variable) throw new ConfigurationError(`${name}: not a variable of this server`);
  const shown = variable.secret ? '(value hidden)' : JSON.stringify(value);
  throw new ConfigurationError(`${name}=${shown} is not valid: ${name} accepts ${variable.accepts}.`);
}

function isHostName(value: string): boolean {
  return isIP(value) !== 0 || /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(value);
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

function isProxyEntry(entry: string): boolean {
  if (PROXY_KEYWORDS.has(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  if (rest.length > 0 || !address) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (prefix === undefined) return true;
  return /^[0-9]{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

function isDatabaseUrl(value: string): boolean {
  if (isPostgresUrl(value)) {
    try {
      const url = new URL(value);
      return url.hostname !== '' && url.pathname.length > 1;
    } catch {
      return false;
    }
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return false; // mysql://, https://…: not a database this server speaks
  const file = value.replace(/^sqlite:(\/\/)?/, '');
  return file.length > 0;
}

/** Reads and checks every variable; throws ConfigurationError (one line) at the first wrong one. */
export function readEnvironment(env: NodeJS.ProcessEnv, stdoutIsTerminal = false): ServerEnvironment {
  const raw = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value === '' ? undefined : value;
  };
  const flag = (name: string, fallback: boolean): boolean => {
    const value = raw(name);
    if (value === undefined) return fallback;
    if (BOOLEAN_TRUE.test(value)) return true;
    if (BOOLEAN_FALSE.test(value)) return false;
    return fail(name, value);
  };
  const wholeNumber = (name: string, min: number, max: number, fallback: number): number => {
    const value = raw(name);
    if (value === undefined) return fallback;
    if (!/^[0-9]{1,6}$/.test(value) || Number(value) < min || Number(value) > max) return fail(name, value);
    return Number(value);
  };
  const host = (name: string, fallback: string): string => {
    const value = raw(name) ?? fallback;
    return isHostName(value) ? value : fail(name, value);
  };

  const port = wholeNumber('PORT', 0, 65535, 8080);
  const databaseUrl = raw('DATABASE_URL') ?? DEFAULT_DATABASE_URL;
  if (!isDatabaseUrl(databaseUrl)) fail('DATABASE_URL', databaseUrl);
  const demo = flag('SA_DEMO', true);
  const demoAllowRemote = flag('SA_DEMO_ALLOW_REMOTE', false);
  const listenHost = host('HOST', '127.0.0.1');
  if (demo && !demoAllowRemote && !isLoopbackHost(listenHost)) {
    // The development outbox shows every code it "sends" to whoever asks: on loopback, that is the person at the keyboard.
    throw new ConfigurationError(`demo mode listens on loopback only (HOST=127.0.0.1): its development outbox shows every SMS/voice code to whoever asks. Set SA_DEMO_ALLOW_REMOTE=1 to listen on ${listenHost} all the same, or SA_DEMO=0 with an SMS/voice provider.`);
  }

  const gatewayUrl = raw('SA_OTP_GATEWAY_URL');
  if (gatewayUrl !== undefined && !isHttpUrl(gatewayUrl)) fail('SA_OTP_GATEWAY_URL', gatewayUrl);
  const gatewayToken = raw('SA_OTP_GATEWAY_TOKEN');
  if (gatewayToken !== undefined && gatewayUrl === undefined) {
    throw new ConfigurationError('SA_OTP_GATEWAY_TOKEN is set but SA_OTP_GATEWAY_URL is not: set the provider\'s URL too, or remove the token.');
  }
  if (!demo && gatewayUrl === undefined) {
    // Outside demo mode nobody reads the development outbox: codes must reach real phones.
    throw new ConfigurationError('SA_DEMO=0 needs an SMS/voice provider: set SA_OTP_GATEWAY_URL (an http:// or https:// URL) and SA_OTP_GATEWAY_TOKEN.');
  }

  const opsToken = raw('SA_OPS_TOKEN');
  if (opsToken !== undefined && (opsToken.length < MIN_OPS_TOKEN_LENGTH || /\s/.test(opsToken))) fail('SA_OPS_TOKEN', opsToken);

  const trustProxyText = raw('SA_TRUST_PROXY');
  let trustProxy: string | number | undefined;
  if (trustProxyText !== undefined) {
    if (/^[0-9]{1,2}$/.test(trustProxyText) && Number(trustProxyText) >= 1) trustProxy = Number(trustProxyText);
    else if (trustProxyText.split(',').map((entry) => entry.trim()).every(isProxyEntry)) trustProxy = trustProxyText.split(',').map((entry) => entry.trim()).join(',');
    else fail('SA_TRUST_PROXY', trustProxyText);
  }

  const logLevel = (raw('SA_LOG_LEVEL') ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) fail('SA_LOG_LEVEL', logLevel);
  const logFormat = (raw('SA_LOG_FORMAT') ?? (stdoutIsTerminal ? 'pretty' : 'json')) as LogFormat;
  if (logFormat !== 'json' && logFormat !== 'pretty') fail('SA_LOG_FORMAT', logFormat);

  const metricsPortText = raw('SA_METRICS_PORT');
  const metricsPort = metricsPortText === undefined ? undefined : wholeNumber('SA_METRICS_PORT', 1, 65535, 0);
  const shutdownDelaySeconds = wholeNumber('SA_SHUTDOWN_DELAY_SECONDS', 0, 300, 0);
  const shutdownTimeoutSeconds = wholeNumber('SA_SHUTDOWN_TIMEOUT_SECONDS', 1, 300, 10);
  const longPollMaxSeconds = wholeNumber('SA_LONG_POLL_MAX_SECONDS', LONG_POLL_MAX_SECONDS, DEVICE_LONG_POLL_CEILING_SECONDS, DEFAULT_LIMITS.longPollMaxSeconds);

  const workers = wholeNumber('SA_WORKERS', 1, 64, 1);
  if (workers > 1 && !isPostgresUrl(databaseUrl)) {
    throw new ConfigurationError(`SA_WORKERS=${workers} needs PostgreSQL: a SQLite file is served by one process. Set DATABASE_URL=postgres://… to use every core, or SA_WORKERS=1.`);
  }

  const timeZone = raw('SA_TIME_ZONE');
  if (timeZone !== undefined) {
    try {
      new Intl.DateTimeFormat('en', { timeZone }).format(0);
    } catch {
      fail('SA_TIME_ZONE', timeZone);
    }
  }
  const vopUrl = raw('SA_VOP_URL');
  if (vopUrl !== undefined && !isHttpUrl(vopUrl)) fail('SA_VOP_URL', vopUrl);
  const vopToken = raw('SA_VOP_TOKEN');
  const store = (name: string): string | undefined => {
    const value = raw(name);
    if (value !== undefined && !(isHttpUrl(value) && value.startsWith('https://'))) fail(name, value);
    return value;
  };

  return {
    timeZone,
    vopGateway: vopUrl === undefined ? undefined : { url: vopUrl, ...(vopToken === undefined ? {} : { token: vopToken }) },
    downloadsDir: raw('SA_DOWNLOADS_DIR'),
    mobileStoreLinks: {
      bankApp: { appStore: store('SA_STORE_BANK_APP_APPLE'), playStore: store('SA_STORE_BANK_APP_GOOGLE'), appGallery: store('SA_STORE_BANK_APP_HUAWEI') },
      secureAccessApp: { appStore: store('SA_STORE_SECURE_ACCESS_APPLE'), playStore: store('SA_STORE_SECURE_ACCESS_GOOGLE') },
    },
    port,
    host: listenHost,
    databaseUrl,
    demo,
    demoAllowRemote,
    otpGateway: gatewayUrl === undefined ? undefined : { url: gatewayUrl, ...(gatewayToken === undefined ? {} : { token: gatewayToken }) },
    opsToken,
    cookieSecure: flag('SA_COOKIE_SECURE', true),
    trustProxy,
    logLevel,
    logFormat,
    metricsPort,
    metricsHost: host('SA_METRICS_HOST', '127.0.0.1'),
    shutdownDelaySeconds,
    shutdownTimeoutSeconds,
    longPollMaxSeconds,
    autoMigrate: flag('SA_AUTO_MIGRATE', demo),
    workers,
  };
}

/**
 * Warnings for variables that look like ours but are not read: a typo (SA_OPS_TOKNE) or one that was retired. They
 * do not stop the server (nothing they could mean is unsafe to ignore), but a person should see them.
 */
export function ignoredVariables(env: NodeJS.ProcessEnv): string[] {
  return Object.keys(env).filter((name) => name.startsWith('SA_') && !KNOWN.has(name) && !/^SA_(TEST|BENCH)_/.test(name)).sort()
    .map((name) => (Object.hasOwn(RETIRED, name) ? `${RETIRED[name]}: ignored` : `${name} is not a variable of this server: ignored (--help lists them)`));
}

/** The table --help prints. */
export function variablesHelp(): string {
  const width = Math.max(...VARIABLES.map((variable) => variable.name.length));
  return VARIABLES.map((variable) => [
    `  ${variable.name.padEnd(width)}  ${variable.meaning}`,
    `  ${''.padEnd(width)}  accepts: ${variable.accepts}; default: ${variable.shownDefault}`,
  ].join('\n')).join('\n');
}
