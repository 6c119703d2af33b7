/** Stable error codes: the only codes that exist are the protocol's, each with its HTTP status. */
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, isErrorCode, SecureAccessError } from '../../../protocol/errors';

describe('error codes', () => {
  it('knows the protocol’s codes and nothing else, not even what every object has', () => {
    expect(isErrorCode('session_expired')).toBe(true);
    expect(ERROR_CODES.every(isErrorCode)).toBe(true);
    for (const other of ['toString', 'constructor', '__proto__', 'Session_expired', '', 42, null, undefined]) expect(isErrorCode(other), String(other)).toBe(false);
  });

  it('an error carries its code, its status, its facts, and says what it is', () => {
    const error = new SecureAccessError('rate_limited', 'Too many requests.', { retryAfterSeconds: 300 });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('SecureAccessError');
    expect(error.status).toBe(429);
    expect(error.toBody()).toEqual({ code: 'rate_limited', message: 'Too many requests.', retryAfterSeconds: 300 });
    expect(new SecureAccessError('session_expired', 'Expired.').status).toBe(401);
    expect(new SecureAccessError('session_expired', 'Expired.').facts).toEqual({});
  });
});
