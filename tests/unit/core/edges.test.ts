/**
 * The core's small building blocks at their edges, each rule held by an exact expectation: what an error may carry
 * across the bridge (fact by fact, type by type), how the renderer's input is trimmed and refused, how a saved state is
 * judged and handed out, and what the approval key's record holds and refuses. Written against the mutants that the
 * flow tests let through (docs/testing.md, "Mutation testing").
 */
import { describe, expect, it } from 'vitest';
import {
  approvalKeySigningBytes, fromBase64Url, SecureAccessError, toBase64Url, utf8, verifyMessage,
} from '../../../protocol/index';
import { createApprovalKey, withApprovalKey } from '../../../main/core/approval-key';
import { CoreError, errorCode, isAppErrorCode, toBridgeErrorBody, toInvokeResult } from '../../../main/core/errors';
import { parseInput } from '../../../main/core/inputs';
import {
  defaultPersistedState, describeStateProblem, isPersistedState, loadPersistedState, type PersistedStateT, type StoredAccountT,
} from '../../../main/core/state';
import { memoryStore, recordingLogger, TEST_APPROVAL_KDF } from './support';

describe('error codes', () => {
  it('an app error code is a protocol code or one of the app’s own, nothing else', () => {
    expect(isAppErrorCode('activation_code_invalid')).toBe(true);
    expect(isAppErrorCode('server_unreachable')).toBe(true);
    expect(isAppErrorCode('keychain_missing')).toBe(true);
    expect(isAppErrorCode('approval_code_too_weak')).toBe(true);
    expect(isAppErrorCode('no_such_code')).toBe(false);
    expect(isAppErrorCode('')).toBe(false);
    expect(isAppErrorCode(undefined)).toBe(false);
  });

  it('the code of a core or protocol error, null for anything else', () => {
    expect(errorCode(new CoreError('account_not_found', 'No such account.'))).toBe('account_not_found');
    expect(errorCode(new SecureAccessError('device_revoked', 'Revoked.'))).toBe('device_revoked');
    expect(errorCode(new Error('account_not_found'))).toBeNull();
    expect(errorCode({ code: 'account_not_found' })).toBeNull();
  });

  it('a protocol error becomes a core error with the same code, message and facts', () => {
    const from = CoreError.from(new SecureAccessError('device_limit_reached', 'Five devices already.', { maxDevices: 5, activeDevices: 5 }));
    expect(from).toBeInstanceOf(CoreError);
    expect(from.name).toBe('CoreError');
    expect([from.code, from.message, from.facts]).toEqual(['device_limit_reached', 'Five devices already.', { maxDevices: 5, activeDevices: 5 }]);
    expect(new CoreError('invalid_input', 'Bad.').facts).toEqual({});
  });
});

describe('an error’s body on the bridge', () => {
  it('keeps every known fact of the right type', () => {
    const facts = { attemptsLeft: 0, lockedUntil: '2030-01-01T00:00:00.000Z', retryAfterSeconds: 30, maxDevices: 5, activeDevices: 4, field: 'code' };
    expect(toBridgeErrorBody(new CoreError('device_limit_reached', 'Full.', facts))).toEqual({ code: 'device_limit_reached', message: 'Full.', ...facts });
    expect(toBridgeErrorBody(new CoreError('account_locked', 'Locked.', { lockedUntil: null }))).toEqual({ code: 'account_locked', message: 'Locked.', lockedUntil: null });
  });

  it('drops a fact of the wrong type, one by one', () => {
    const wrong = { attemptsLeft: 1.5, lockedUntil: 42, retryAfterSeconds: '30', maxDevices: Number.NaN, activeDevices: 2 ** 60, field: 7 };
    // The facts arrive from a server's answer or a thrown object: their types are checked here, not trusted.
    expect(toBridgeErrorBody(new CoreError('invalid_input', 'Bad.', wrong as never))).toEqual({ code: 'invalid_input', message: 'Bad.' });
    for (const [name, value] of Object.entries(wrong)) {
      const body = toBridgeErrorBody(new CoreError('invalid_input', 'Bad.', { [name]: value } as never));
      expect(Object.keys(body), name).toEqual(['code', 'message']);
    }
  });

  it('turns each run of control characters into one space and keeps at most 300 characters of the message', () => {
    expect(toBridgeErrorBody(new CoreError('invalid_input', 'line one\r\n\u0000line\ttwo\u007f')).message).toBe('line one line two ');
    const long = toBridgeErrorBody(new SecureAccessError('bad_request', 'é'.repeat(299) + 'xyz')).message;
    expect(long).toBe('é'.repeat(299) + 'x');
  });

  it('logs an unexpected error’s name and cleaned message; a thrown non-error by its type, without a message', () => {
    const logger = recordingLogger();
    expect(toBridgeErrorBody(new RangeError('bad\nthing'), logger)).toEqual({ code: 'internal_error', message: 'Something went wrong in Secure Access.' });
    expect(toBridgeErrorBody('a string', logger)).toEqual({ code: 'internal_error', message: 'Something went wrong in Secure Access.' });
    expect(logger.lines).toEqual([
      { level: 'error', message: 'unexpected error in a bridge handler', fields: { name: 'RangeError', message: 'bad thing' } },
      { level: 'error', message: 'unexpected error in a bridge handler', fields: { name: 'string', message: undefined } },
    ]);
    expect(() => toBridgeErrorBody(new Error('no logger'))).not.toThrow();
  });

  it('a handler’s value is wrapped as ok, and a known error keeps its code', async () => {
    expect(await toInvokeResult(async () => 42)).toEqual({ ok: true, value: 42 });
    expect(await toInvokeResult(async () => { throw new CoreError('account_not_found', 'No such account.'); })).toEqual({
      ok: false, error: { code: 'account_not_found', message: 'No such account.' },
    });
  });
});

describe('the renderer’s input', () => {
  const accountId = 'acc_0123456789ab';

  it('trims the fields where spaces are a slip of the keyboard, and only those', () => {
    expect(parseInput('startActivation', { serverUrl: ' https://bank.example ', identifier: ' amartin ', secretCode: '12345678' })).toEqual({
      serverUrl: 'https://bank.example', identifier: 'amartin', secretCode: '12345678',
    });
    expect(parseInput('nameDevice', { accountId, deviceName: '  PC compta  ' })).toEqual({ accountId, deviceName: 'PC compta' });
    expect(parseInput('submitActivationCode', { accountId, code: ' 482915 ' })).toEqual({ accountId, code: '482915' });
    expect(parseInput('updateSettings', { defaultServerUrl: ' https://bank.example ' })).toEqual({ defaultServerUrl: 'https://bank.example' });
    // An account id is not trimmed: a space there is not a slip, and the id is refused.
    expect(() => parseInput('removeAccount', { accountId: ` ${accountId}` })).toThrow(CoreError);
  });

  it('does not change the caller’s object', () => {
    const input = { accountId, deviceName: ' PC ' };
    parseInput('nameDevice', input);
    expect(input.deviceName).toBe(' PC ');
  });

  it('names the first field at fault in the code’s facts and the message', () => {
    const refusal = (method: Parameters<typeof parseInput>[0], input: unknown) => {
      try {
        parseInput(method, input);
      } catch (error) {
        return error instanceof CoreError ? { code: error.code, message: error.message, facts: error.facts } : error;
      }
      return 'accepted';
    };
    expect(refusal('nameDevice', { accountId, deviceName: '' })).toEqual({ code: 'invalid_input', message: 'Invalid value for deviceName.', facts: { field: 'deviceName' } });
    expect(refusal('decide', { accountId, validationId: 'val_x', decision: 'approve', numberChoice: null, approvalCode: null })).toMatchObject({ facts: { field: 'validationId' } });
    // Not an object at all: no field to name.
    expect(refusal('nameDevice', 'PC')).toEqual({ code: 'invalid_input', message: 'Invalid input.', facts: {} });
    expect(refusal('nameDevice', [accountId, 'PC'])).toEqual({ code: 'invalid_input', message: 'Invalid input.', facts: {} });
    expect(refusal('getSnapshot', null)).toBe('accepted');
    expect(refusal('getSnapshot', undefined)).toBe('accepted');
    expect(refusal('getSnapshot', {})).toMatchObject({ code: 'invalid_input' });
  });

  it('the same method checked twice gives the same answer (its compiled check is kept)', () => {
    expect(parseInput('removeAccount', { accountId })).toEqual({ accountId });
    expect(parseInput('removeAccount', { accountId })).toEqual({ accountId });
    expect(() => parseInput('removeAccount', { accountId, extra: 1 })).toThrow('Invalid value for extra.');
  });
});

function storedAccount(id: string): StoredAccountT {
  return {
    id, serverUrl: 'https://bank.example', identifier: 'amartin', userId: 'usr_1', displayName: 'Alice Martin', companyName: 'Martin SA',
    role: 'primary_admin', deviceName: 'PC', deviceNamed: true, deviceId: null, status: 'activating', enrolment: null, activeDevices: 0,
    maxDevices: 5, createdAt: '2030-03-04T09:00:00.000Z', activatedAt: null, revokedAt: null,
  };
}

describe('the saved state', () => {
  const valid = (): PersistedStateT => ({ ...defaultPersistedState(), accounts: [storedAccount('acc_0123456789ab'), storedAccount('acc_abcdefghij')] });

  it('starts in French, at login, with notifications, without a server and without accounts', () => {
    expect(defaultPersistedState()).toEqual({
      version: 1, settings: { language: 'fr', startAtLogin: true, notifications: true, defaultServerUrl: '' }, accounts: [],
    });
    expect(defaultPersistedState()).not.toBe(defaultPersistedState());
  });

  it('refuses two accounts with one id, and says so', () => {
    expect(isPersistedState(valid())).toBe(true);
    const twice = { ...valid(), accounts: [storedAccount('acc_0123456789ab'), storedAccount('acc_0123456789ab')] };
    expect(isPersistedState(twice)).toBe(false);
    expect(describeStateProblem(twice)).toBe('duplicate account ids');
  });

  it('says where the first problem is, the root as “/”, never the value', () => {
    expect(describeStateProblem({ ...valid(), version: 2 })).toMatch(/^\/version: /);
    expect(describeStateProblem('secret-looking text')).toMatch(/^\/: /);
    expect(describeStateProblem('secret-looking text')).not.toContain('secret-looking');
  });

  it('is handed out as a copy: changing it does not change what the store read', () => {
    const store = memoryStore(valid());
    const logger = recordingLogger();
    const loaded = loadPersistedState(store, logger);
    expect(loaded).toEqual(valid());
    loaded.accounts.pop();
    expect(store.saved?.accounts).toHaveLength(2);
    expect(logger.lines).toEqual([]);
    // A store that hands out its own object (as electron-store does) keeps it too.
    const shared = valid();
    const sharing = { location: 'shared', read: () => shared, write: () => {} };
    loadPersistedState(sharing, logger).accounts.pop();
    expect(shared.accounts).toHaveLength(2);
  });

  it('an unreadable store is logged as an error with its location and reason, then a fresh state', () => {
    const logger = recordingLogger();
    const throwing = { location: '/home/amartin/.config/secure-access/state.json', read: () => { throw new SyntaxError('Unexpected token } in JSON'); }, write: () => {} };
    expect(loadPersistedState(throwing, logger)).toEqual(defaultPersistedState());
    const notAnError = { location: 'disk', read: () => { throw 'EACCES'; }, write: () => {} };
    expect(loadPersistedState(notAnError, logger)).toEqual(defaultPersistedState());
    expect(logger.lines).toEqual([
      { level: 'error', message: 'the saved state could not be read; starting from a fresh state', fields: { location: '/home/amartin/.config/secure-access/state.json', message: 'Unexpected token } in JSON' } },
      { level: 'error', message: 'the saved state could not be read; starting from a fresh state', fields: { location: 'disk', message: 'EACCES' } },
    ]);
  });

  it('a state it does not understand is logged as a warning with the problem, then a fresh state', () => {
    const logger = recordingLogger();
    expect(loadPersistedState(memoryStore({ ...valid(), version: 2 } as unknown as PersistedStateT), logger)).toEqual(defaultPersistedState());
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]).toMatchObject({
      level: 'warn', message: 'the saved state is not one this version understands; starting from a fresh state', fields: { location: 'memory' },
    });
    expect(logger.lines[0]?.fields?.problem).toMatch(/^\/version: /);
  });
});

describe('the approval key’s record', () => {
  it('holds the derivation’s own copy of its cost, a 16-byte salt, a 32-byte masked seed and the date', async () => {
    const kdf = { ...TEST_APPROVAL_KDF };
    const created = await createApprovalKey('482915', 'dev_AAAAAAAAAAAAAAAAAAAAAA', '2030-03-04T09:00:00.000Z', kdf);
    expect(created.record.kdf).toEqual(TEST_APPROVAL_KDF);
    expect(created.record.kdf).not.toBe(kdf);
    expect(fromBase64Url(created.record.salt)).toHaveLength(16);
    expect(fromBase64Url(created.record.maskedSeed)).toHaveLength(32);
    expect(created.record.setAt).toBe('2030-03-04T09:00:00.000Z');
  });

  it('registers with a signature of the new key over its device and public key', async () => {
    const created = await createApprovalKey('482915', 'dev_AAAAAAAAAAAAAAAAAAAAAA', '2030-03-04T09:00:00.000Z', TEST_APPROVAL_KDF);
    const publicKey = fromBase64Url(created.publicKey);
    const registration = approvalKeySigningBytes({ deviceId: 'dev_AAAAAAAAAAAAAAAAAAAAAA', publicKey: created.publicKey });
    expect(verifyMessage(fromBase64Url(created.signature), registration, publicKey)).toBe(true);
    expect(verifyMessage(fromBase64Url(created.signature), approvalKeySigningBytes({ deviceId: 'dev_BBBBBBBBBBBBBBBBBBBBBB', publicKey: created.publicKey }), publicKey)).toBe(false);
  });

  it('two keys made with one code differ in salt and seed', async () => {
    const first = await createApprovalKey('482915', 'dev_AAAAAAAAAAAAAAAAAAAAAA', '2030-03-04T09:00:00.000Z', TEST_APPROVAL_KDF);
    const second = await createApprovalKey('482915', 'dev_AAAAAAAAAAAAAAAAAAAAAA', '2030-03-04T09:00:00.000Z', TEST_APPROVAL_KDF);
    expect(first.record.salt).not.toBe(second.record.salt);
    expect(first.record.maskedSeed).not.toBe(second.record.maskedSeed);
    expect(first.publicKey).not.toBe(second.publicKey);
  });

  it('a damaged masked seed is refused before any signature', async () => {
    const created = await createApprovalKey('482915', 'dev_AAAAAAAAAAAAAAAAAAAAAA', '2030-03-04T09:00:00.000Z', TEST_APPROVAL_KDF);
    let used = false;
    const damaged = { ...created.record, maskedSeed: toBase64Url(fromBase64Url(created.record.maskedSeed).slice(0, 31)) };
    await expect(withApprovalKey(damaged, '482915', () => { used = true; })).rejects.toThrow('the stored approval key is damaged');
    expect(used).toBe(false);
  });

  it('the right code signs what the server verifies, and keeps signing while it is handed over', async () => {
    const created = await createApprovalKey('482915', 'dev_AAAAAAAAAAAAAAAAAAAAAA', '2030-03-04T09:00:00.000Z', TEST_APPROVAL_KDF);
    const publicKey = fromBase64Url(created.publicKey);
    const [first, second] = await withApprovalKey(created.record, '482915', (sign) => [sign(utf8('one')), sign(utf8('two'))]);
    expect(verifyMessage(first!, utf8('one'), publicKey)).toBe(true);
    expect(verifyMessage(second!, utf8('two'), publicKey)).toBe(true);
    // A code differing by one character, and the same code with a trailing space, unmask other keys.
    const near = await withApprovalKey(created.record, '482914', (sign) => sign(utf8('one')));
    const spaced = await withApprovalKey(created.record, '482915 ', (sign) => sign(utf8('one')));
    expect(verifyMessage(near, utf8('one'), publicKey)).toBe(false);
    expect(verifyMessage(spaced, utf8('one'), publicKey)).toBe(false);
  });
});
