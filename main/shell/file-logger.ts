/**
 * The app's log: one line per event in `main.log` under the OS's log folder (app.getPath('logs')), rotated at
 * 5 MB to `main.old.log`, so support can ask for two small files. It never holds a secret: fields whose name
 * says secret, code, key, token, signature, cookie or password are replaced, byte arrays are never written,
 * and every value is cut to one short line.
 */
import { appendFileSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../core/ports';
import type { LogLevel } from '../platform/policy';

export const LOG_FILE = 'main.log';
export const OLD_LOG_FILE = 'main.old.log';
const MAX_VALUE_LENGTH = 300;
const LEVEL_RANK: Record<LogLevel, number> = { info: 0, warn: 1, error: 2 };

const SECRET_KEY = /secret|password|passphrase|private|token|signature|cookie|authori[sz]ation|otp|^key$|secretkey|activationcode|^code$/i;
/** A stable error code ("activation_code_expired") is what support needs; an activation code never looks like one. */
const ERROR_CODE_VALUE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;

// eslint-disable-next-line no-control-regex -- control characters are what must not reach a log line
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]+/g;

function oneLine(value: string): string {
  const cleaned = value.replace(CONTROL_CHARACTERS, ' ');
  return cleaned.length > MAX_VALUE_LENGTH ? `${cleaned.slice(0, MAX_VALUE_LENGTH)}…` : cleaned;
}

/** The fields as they may be written: secrets replaced, bytes dropped, strings on one short line. */
export function redactFields(fields: Record<string, unknown>, depth = 0): Record<string, unknown> {
  const safe: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) safe[key] = redactValue(key, value, depth);
  return safe;
}

function redactValue(key: string, value: unknown, depth: number): unknown {
  if (SECRET_KEY.test(key) && !(key.toLowerCase() === 'code' && typeof value === 'string' && ERROR_CODE_VALUE.test(value))) {
    return value === null || value === undefined ? value : '[redacted]';
  }
  if (value instanceof Uint8Array || value instanceof ArrayBuffer) return '[bytes]';
  if (typeof value === 'string') return oneLine(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return value;
  if (value instanceof Error) return oneLine(`${value.name}: ${value.message}`);
  if (depth >= 2) return '[…]';
  if (Array.isArray(value)) return value.slice(0, 20).map((item) => redactValue(key, item, depth + 1));
  if (typeof value === 'object') return redactFields(value as Record<string, unknown>, depth + 1);
  return oneLine(String(value));
}

export interface FileLoggerOptions {
  directory: string;
  minimumLevel: LogLevel;
  maxBytes?: number;
  now?: () => number;
  /** Also on stderr (development, `npm start`). */
  echo?: boolean;
}

export interface FileLogger extends Logger {
  readonly path: string;
  setMinimumLevel(level: LogLevel): void;
}

export function createFileLogger(options: FileLoggerOptions): FileLogger {
  const path = join(options.directory, LOG_FILE);
  const maxBytes = options.maxBytes ?? 5 * 1024 * 1024;
  const now = options.now ?? Date.now;
  let minimum = options.minimumLevel;
  let ready = false;

  function write(level: LogLevel, message: string, fields?: Record<string, unknown>): void {
    if (LEVEL_RANK[level] < LEVEL_RANK[minimum]) return;
    const line = `${new Date(now()).toISOString()} ${level.toUpperCase().padEnd(5)} ${oneLine(message)}${
      fields && Object.keys(fields).length > 0 ? ` ${JSON.stringify(redactFields(fields))}` : ''
    }\n`;
    if (options.echo) process.stderr.write(line);
    try {
      if (!ready) {
        mkdirSync(options.directory, { recursive: true });
        ready = true;
      }
      if (fileSize(path) + line.length > maxBytes) renameSync(path, join(options.directory, OLD_LOG_FILE));
      appendFileSync(path, line, { mode: 0o600 });
    } catch {
      // A log that cannot be written must never stop the authenticator.
    }
  }

  return {
    path,
    setMinimumLevel(level) {
      minimum = level;
    },
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
  };
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
