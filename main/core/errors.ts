/**
 * The core's errors and the one function that turns anything thrown into what may cross the bridge:
 * a stable code, a short message and the few facts a person needs (attempts left, lock end, device counts).
 * Never a stack trace, never an arbitrary property of the thrown object (which could carry key material).
 */
import { isErrorCode, SecureAccessError, type ErrorFacts } from '../../protocol/index';
import type { AppErrorCode, BridgeErrorBody, InvokeResult } from '../../preload/contract';
import type { Logger } from './ports';

const APP_ONLY_CODES = [
  'server_unreachable', 'invalid_input', 'account_not_found', 'validation_not_pending', 'keychain_unavailable',
  'not_allowed_by_policy', 'unexpected_response', 'account_already_added', 'approval_code_too_weak',
  'keychain_missing', 'activation_path_changed',
] as const satisfies readonly AppErrorCode[];

export function isAppErrorCode(value: unknown): value is AppErrorCode {
  return isErrorCode(value) || (APP_ONLY_CODES as readonly unknown[]).includes(value);
}

/** An error the core means to show: its code is part of the bridge contract. */
export class CoreError extends Error {
  readonly code: AppErrorCode;
  readonly facts: ErrorFacts;

  constructor(code: AppErrorCode, message: string, facts: ErrorFacts = {}) {
    super(message);
    this.name = 'CoreError';
    this.code = code;
    this.facts = facts;
  }

  static from(error: SecureAccessError): CoreError {
    return new CoreError(error.code, error.message, error.facts);
  }
}

/** The code of a CoreError or SecureAccessError, or null for anything else. */
export function errorCode(error: unknown): AppErrorCode | null {
  if (error instanceof CoreError || error instanceof SecureAccessError) return error.code;
  return null;
}

const MAX_MESSAGE_LENGTH = 300;
// eslint-disable-next-line no-control-regex -- the point is to strip control characters
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]+/g;

function cleanMessage(message: string): string {
  return message.replace(CONTROL_CHARACTERS, ' ').slice(0, MAX_MESSAGE_LENGTH);
}

/** Copies only the known facts, each checked for its type, so nothing else can ride along. */
function pickFacts(facts: ErrorFacts): ErrorFacts {
  const picked: ErrorFacts = {};
  if (Number.isSafeInteger(facts.attemptsLeft)) picked.attemptsLeft = facts.attemptsLeft;
  if (typeof facts.lockedUntil === 'string' || facts.lockedUntil === null) picked.lockedUntil = facts.lockedUntil;
  if (Number.isSafeInteger(facts.retryAfterSeconds)) picked.retryAfterSeconds = facts.retryAfterSeconds;
  if (Number.isSafeInteger(facts.maxDevices)) picked.maxDevices = facts.maxDevices;
  if (Number.isSafeInteger(facts.activeDevices)) picked.activeDevices = facts.activeDevices;
  if (typeof facts.field === 'string') picked.field = facts.field.slice(0, 100);
  return picked;
}

/**
 * Anything thrown → a BridgeErrorBody. Known errors keep their code, message and facts; anything else becomes
 * `internal_error` with a generic message, and only its name and message go to the log (never to the renderer).
 */
export function toBridgeErrorBody(error: unknown, logger?: Logger): BridgeErrorBody {
  if (error instanceof CoreError || error instanceof SecureAccessError) {
    return { code: error.code, message: cleanMessage(error.message), ...pickFacts(error.facts) };
  }
  logger?.error('unexpected error in a bridge handler', {
    name: error instanceof Error ? error.name : typeof error,
    message: error instanceof Error ? cleanMessage(error.message) : undefined,
  });
  return { code: 'internal_error', message: 'Something went wrong in Secure Access.' };
}

/** Runs a handler and wraps its outcome for a transport: `{ ok: true, value }` or `{ ok: false, error }`. Never rejects. */
export async function toInvokeResult<T>(run: () => Promise<T>, logger?: Logger): Promise<InvokeResult<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    return { ok: false, error: toBridgeErrorBody(error, logger) };
  }
}
