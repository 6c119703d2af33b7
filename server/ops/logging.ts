/**
 * The server's log: Fastify's own logger (pino), as JSON lines for a log collector or as human-readable lines in
 * development. One line per answered request (request id, route, method, path, status, duration, user and device
 * where known, client address) and the server's own messages, all through the same logger.
 *
 * What is logged is chosen field by field, never a whole request: no header, no query string, no body, no cookie,
 * so no secret code, one-time code, session, CSRF or device token, signature or key can reach the log. The redaction
 * list below is a second line of defence for an object logged by mistake (tests/e2e/story greps a whole run's log
 * for every secret it used).
 */
import { Writable } from 'node:stream';
import pino, { type Bindings, type ChildLoggerOptions, type DestinationStream, type Level, type LevelWithSilentOrString, type Logger } from 'pino';
import type { Log } from '../context';
import type { LogFormat, LogLevel } from './environment';

export type { Logger };

const REDACTED_PATHS = [
  'req.headers.authorization', 'req.headers.cookie', 'req.headers["x-sa-signature"]', 'req.headers["x-csrf-token"]', 'res.headers["set-cookie"]',
  '*.secretCode', '*.currentSecretCode', '*.newSecretCode', '*.code', '*.token', '*.csrfToken', '*.signature', '*.temporarySecretCode',
];

export interface LoggerOptions {
  level: LogLevel;
  format: LogFormat;
  /** Where lines go (default: standard output). */
  destination?: DestinationStream | NodeJS.WritableStream;
  /** Pretty lines in colour (a terminal). */
  colour?: boolean;
}

export function createLogger(options: LoggerOptions): Logger {
  const destination = options.format === 'pretty'
    ? prettyStream(options.destination ?? process.stdout, options.colour ?? false)
    : (options.destination ?? pino.destination({ dest: 1, sync: true }));
  return pino({
    level: options.level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    // The level's name, not its number: what a person and a collector's query both read.
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  }, destination);
}

/**
 * Each request's logger (Fastify's `request.log`, bound to the request id), made when the request first logs. pino's
 * child costs a few microseconds and a few hundred bytes kept for the request's life — for ten thousand waiting
 * long-polls that log nothing until their answer (and nothing at all below `info`), on every one of them.
 */
export class RequestLogger {
  #child: Logger | null = null;

  constructor(private readonly parent: Logger, private readonly bindings: Bindings, private readonly options: ChildLoggerOptions) {}

  #logger(): Logger {
    this.#child ??= this.parent.child(this.bindings, this.options);
    return this.#child;
  }

  get level(): LevelWithSilentOrString {
    return this.#child?.level ?? this.options.level ?? this.parent.level;
  }

  set level(level: LevelWithSilentOrString) {
    this.#logger().level = level;
  }

  isLevelEnabled(level: LevelWithSilentOrString): boolean {
    return this.#child || this.options.level !== undefined ? this.#logger().isLevelEnabled(level) : this.parent.isLevelEnabled(level);
  }

  fatal(object: unknown, message?: string, ...args: unknown[]): void {
    this.#log('fatal', object, message, args);
  }

  error(object: unknown, message?: string, ...args: unknown[]): void {
    this.#log('error', object, message, args);
  }

  warn(object: unknown, message?: string, ...args: unknown[]): void {
    this.#log('warn', object, message, args);
  }

  info(object: unknown, message?: string, ...args: unknown[]): void {
    this.#log('info', object, message, args);
  }

  debug(object: unknown, message?: string, ...args: unknown[]): void {
    this.#log('debug', object, message, args);
  }

  trace(object: unknown, message?: string, ...args: unknown[]): void {
    this.#log('trace', object, message, args);
  }

  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): Logger {
    return this.#logger().child(bindings, options);
  }

  #log(level: Level, object: unknown, message: string | undefined, args: unknown[]): void {
    // Nothing made for a line that would not be written.
    if (!this.isLevelEnabled(level)) return;
    const logger = this.#logger();
    if (message === undefined) logger[level](object as object);
    else logger[level](object as object, message, ...args);
  }
}

/** The server's own messages (`ctx.log`) through the same logger, with their fields. */
export function serverLog(logger: Logger): Log {
  const child = logger.child({ component: 'server' });
  return {
    info: (message, fields) => child.info(fields ?? {}, message),
    warn: (message, fields) => child.warn(fields ?? {}, message),
    error: (message, fields) => child.error(fields ?? {}, message),
  };
}

const LEVEL_COLOURS: Record<string, string> = { fatal: '35', error: '31', warn: '33', info: '32', debug: '36', trace: '90' };
/** Fields every line has, or that the pretty line already shows in its own place. */
const SHOWN_APART = new Set(['level', 'time', 'pid', 'msg', 'component', 'reqId', 'method', 'path', 'status', 'durationMs', 'route']);

/** One JSON line from pino → `12:01:02.345 INFO  GET /api/… 200 3.1 ms  user=… device=… [req-1]`. */
export function prettyLine(json: string, colour = false): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.trimEnd();
  }
  const time = typeof entry.time === 'string' ? entry.time.slice(11, 23) : '';
  const level = String(entry.level ?? 'info');
  const levelText = level.toUpperCase().padEnd(5);
  const shownLevel = colour ? `\u001b[${LEVEL_COLOURS[level] ?? '0'}m${levelText}\u001b[0m` : levelText;
  const head = entry.method !== undefined
    ? `${String(entry.method)} ${String(entry.path)} ${String(entry.status)} ${String(entry.durationMs)} ms`
    : String(entry.msg ?? '');
  const rest = Object.entries(entry).filter(([key]) => !SHOWN_APART.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  const request = typeof entry.reqId === 'string' ? ` [${entry.reqId}]` : '';
  return `${time} ${shownLevel} ${head}${rest.length ? `  ${rest.join(' ')}` : ''}${request}`;
}

function prettyStream(target: DestinationStream | NodeJS.WritableStream, colour: boolean): Writable {
  let pending = '';
  return new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _encoding, done) {
      pending += chunk.toString();
      let newline = pending.indexOf('\n');
      while (newline !== -1) {
        target.write(`${prettyLine(pending.slice(0, newline), colour)}\n`);
        pending = pending.slice(newline + 1);
        newline = pending.indexOf('\n');
      }
      done();
    },
  });
}
