import { describe, expect, it } from 'vitest';
import { SecureAccessError } from '../../../protocol/index';
import { backoffDelay, MIN_DELAY_MS, RECONNECT_BACKOFF } from '../../../main/core/backoff';
import { CoreError, toBridgeErrorBody, toInvokeResult } from '../../../main/core/errors';
import { invokeCore } from '../../../main/core/invoke';
import { defaultPersistedState, loadPersistedState, type PersistedStateT } from '../../../main/core/state';
import { proposedDeviceName } from '../../../main/core/authenticator';
import { createCoreUnderTest, ManualClock, memoryStore, recordingLogger } from './support';

describe('reconnection backoff', () => {
  it('doubles from one second, is capped at a minute, and draws each delay in the upper half', () => {
    const low = Array.from({ length: 10 }, (_, index) => backoffDelay(index + 1, () => 0));
    const high = Array.from({ length: 10 }, (_, index) => backoffDelay(index + 1, () => 0.999999));
    expect(low).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000]);
    expect(high).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000, 60000]);
    expect(backoffDelay(10_000, () => 1)).toBe(RECONNECT_BACKOFF.maxMs);
  });

  it('never gives zero, whatever the policy or the random source', () => {
    expect(backoffDelay(0, () => 0, { initialMs: 0, maxMs: 0, factor: 2, jitter: 1 })).toBe(MIN_DELAY_MS);
    expect(backoffDelay(1, () => -5, { initialMs: 10, maxMs: 10, factor: 2, jitter: 3 })).toBe(MIN_DELAY_MS);
    expect(backoffDelay(Number.NaN, () => Number.NaN)).toBeGreaterThanOrEqual(MIN_DELAY_MS);
  });
});

describe('errors that cross the bridge', () => {
  it('carry a code, a message and known facts only: no stack, no stray property', () => {
    const error = Object.assign(new CoreError('activation_code_invalid', 'This activation code is incorrect.', { attemptsLeft: 3 }), { secretKey: 'c2VjcmV0', cause: new Error('x') });
    const body = toBridgeErrorBody(error);
    expect(body).toEqual({ code: 'activation_code_invalid', message: 'This activation code is incorrect.', attemptsLeft: 3 });
    const server = toBridgeErrorBody(new SecureAccessError('account_locked', 'Locked.', { lockedUntil: '2030-01-01T00:00:00.000Z', field: 'x'.repeat(500) }));
    expect(server).toEqual({ code: 'account_locked', message: 'Locked.', lockedUntil: '2030-01-01T00:00:00.000Z', field: 'x'.repeat(100) });
  });

  it('anything unexpected becomes internal_error with a generic message, logged without its stack', async () => {
    const logger = recordingLogger();
    const result = await toInvokeResult(async () => {
      throw new TypeError('Cannot read properties of undefined (reading "sign") at /app/main/core/secret.ts:12');
    }, logger);
    expect(result).toEqual({ ok: false, error: { code: 'internal_error', message: 'Something went wrong in Secure Access.' } });
    expect(logger.text()).not.toContain('stack');
    expect(logger.lines[0]?.fields).toMatchObject({ name: 'TypeError' });
  });

  it('an unknown method is refused without calling anything', async () => {
    const { core, stop } = await createCoreUnderTest({ clock: new ManualClock(), start: false });
    expect(await invokeCore(core, 'toString', undefined)).toEqual({ ok: false, error: { code: 'invalid_input', message: 'Unknown method.' } });
    expect(await invokeCore(core, '__proto__', undefined)).toMatchObject({ ok: false });
    await stop();
  });
});

describe('saved state', () => {
  it('a value from another version, or edited by hand, is logged and replaced by a fresh state', () => {
    const logger = recordingLogger();
    const broken = { version: 1, settings: { language: 'de' }, accounts: 'nope' } as unknown as PersistedStateT;
    expect(loadPersistedState(memoryStore(broken), logger)).toEqual(defaultPersistedState());
    expect(logger.lines[0]).toMatchObject({ level: 'warn', fields: { location: 'memory' } });
    const throwing = { location: 'disk', read: () => { throw new SyntaxError('Unexpected token'); }, write: () => {} };
    expect(loadPersistedState(throwing, logger)).toEqual(defaultPersistedState());
  });

  it('a core started on a corrupt state starts empty instead of crashing', async () => {
    const store = memoryStore({ version: 99 } as unknown as PersistedStateT);
    const { bridge, stop } = await createCoreUnderTest({ clock: new ManualClock(), store });
    const snapshot = await bridge.getSnapshot();
    expect(snapshot.accounts).toEqual([]);
    expect(snapshot.settings).toEqual({ language: 'fr', startAtLogin: true, notifications: true, defaultServerUrl: '' });
    expect(snapshot.connectivity).toEqual({ overall: 'idle', accounts: [] });
    await stop();
  });
});

describe('settings', () => {
  it('are saved and announced; start at login follows the policy when it sets it', async () => {
    const store = memoryStore<PersistedStateT>();
    const policy = { source: '/etc/secure-access/policy.json', serverUrl: null, serverUrlLocked: false, allowAdditionalServers: true, startAtLogin: true, updatesEnabled: false, approvalCodeMinLength: 6, errors: [] };
    const { bridge, events, stop } = await createCoreUnderTest({ clock: new ManualClock(), store, policy });
    const settings = await bridge.updateSettings({ language: 'en', defaultServerUrl: 'https://secure-access.bank.example/' });
    expect(settings).toEqual({ language: 'en', startAtLogin: true, notifications: true, defaultServerUrl: 'https://secure-access.bank.example' });
    expect(store.saved?.settings.language).toBe('en');
    expect(events.filter((entry) => entry.event === 'onSettingsChanged').map((entry) => entry.payload)).toEqual([settings]);
    await expect(bridge.updateSettings({ startAtLogin: false })).rejects.toMatchObject({ code: 'not_allowed_by_policy', field: 'startAtLogin' });
    expect((await bridge.getSnapshot()).appInfo.policy).toEqual(policy);
    await stop();
  });
});

describe('navigation', () => {
  it('the shell can send the renderer to a validation (a notification click)', async () => {
    const { core, events, stop } = await createCoreUnderTest({ clock: new ManualClock(), start: false });
    core.navigate({ screen: 'validation', accountId: 'acc_0123456789ab', validationId: 'val_0123456789ab' });
    core.navigate({ screen: 'inbox' });
    expect(events.filter((entry) => entry.event === 'onNavigate').map((entry) => entry.payload)).toEqual([
      { screen: 'validation', accountId: 'acc_0123456789ab', validationId: 'val_0123456789ab' },
      { screen: 'inbox' },
    ]);
    await stop();
  });
});

describe('small rules', () => {
  it('the proposed device name is one printable line of at most 64 characters', () => {
    expect(proposedDeviceName('amartin – PC-COMPTA-04')).toBe('amartin – PC-COMPTA-04');
    expect(proposedDeviceName('a\u0000b\nc   d')).toBe('a b c d');
    expect([...proposedDeviceName('é'.repeat(100))]).toHaveLength(64);
    expect(proposedDeviceName('\u0007\u0008')).toBe('Secure Access');
  });
});
