/**
 * Stable error codes. The server answers `{ code, message, ...details }` with the HTTP status below;
 * the app and the portal build their own wording from the code, in the user's language.
 */
export const ERROR_STATUS = {
  // Input
  bad_request: 400,
  body_too_large: 413,
  unsupported_media_type: 415,
  not_found: 404,
  invalid_iban: 400,
  invalid_amount: 400,
  unsafe_text: 400,
  currency_mismatch: 400,
  insufficient_funds: 409,
  invalid_execution_date: 400,
  secret_code_too_weak: 400,
  secret_code_unchanged: 400,
  security_phone_required: 400,
  identifier_taken: 409,
  // Sign-in and sessions
  invalid_credentials: 401,
  account_locked: 423,
  secret_code_change_required: 403,
  session_required: 401,
  session_expired: 401,
  csrf_invalid: 403,
  step_required: 403,
  forbidden: 403,
  rate_limited: 429,
  // Security Code of the portal's first connection
  security_code_invalid: 400,
  security_code_expired: 410,
  security_code_attempts_exhausted: 410,
  security_code_not_requested: 409,
  // Enrolment and activation
  enrolment_not_found: 404,
  enrolment_closed: 409,
  channel_not_available: 409,
  activation_code_not_issued: 409,
  activation_code_invalid: 400,
  activation_code_expired: 410,
  activation_code_used: 410,
  activation_attempts_exhausted: 410,
  device_limit_reached: 409,
  // Signed authenticator requests
  auth_missing: 401,
  auth_unknown_key: 401,
  auth_signature_invalid: 401,
  auth_timestamp_out_of_window: 401,
  auth_replayed: 401,
  auth_token_invalid: 401,
  auth_token_expired: 401,
  device_revoked: 403,
  // Validations
  validation_not_found: 404,
  validation_expired: 409,
  validation_already_decided: 409,
  details_mismatch: 409,
  number_mismatch: 409,
  decision_signature_invalid: 401,
  // Approval code (the knowledge factor of every approval)
  approval_code_invalid: 400,
  approval_code_locked: 423,
  approval_code_not_set: 409,
  approval_code_already_set: 409,
  // Administration
  user_not_found: 404,
  device_not_found: 404,
  // Server
  internal_error: 500,
  service_unavailable: 503,
  /** The instance is shutting down and did not process the request: send it again at once (a new connection). */
  server_restarting: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_STATUS, value);
}

/** Optional facts some errors carry, so a person can be told what to do next. */
export interface ErrorFacts {
  attemptsLeft?: number;
  lockedUntil?: string | null;
  retryAfterSeconds?: number;
  maxDevices?: number;
  activeDevices?: number;
  field?: string;
}

export interface ErrorBody extends ErrorFacts {
  code: ErrorCode;
  message: string;
}

/** The one error type thrown by the server's services and the app's API client. */
export class SecureAccessError extends Error {
  readonly code: ErrorCode;
  readonly facts: ErrorFacts;

  constructor(code: ErrorCode, message: string, facts: ErrorFacts = {}) {
    super(message);
    this.name = 'SecureAccessError';
    this.code = code;
    this.facts = facts;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }

  toBody(): ErrorBody {
    return { code: this.code, message: this.message, ...this.facts };
  }
}
