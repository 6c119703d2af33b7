/**
 * What the core keeps between runs (through the SettingsStore port): accounts without their keys, in-progress
 * activations and settings. Checked whenever it is read: a value from an older or newer version, or a file edited
 * by hand, is logged and replaced by a fresh state, never trusted and never a crash.
 */
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { EnrolmentView, Role } from '../../protocol/index';
import './formats';
import type { Logger, SettingsStore } from './ports';

export const STATE_VERSION = 1;

export const ACCOUNT_ID_PATTERN = '^acc_[A-Za-z0-9_-]{8,40}$';

export const StoredSettings = Type.Object(
  {
    language: Type.Union([Type.Literal('fr'), Type.Literal('en')]),
    startAtLogin: Type.Boolean(),
    notifications: Type.Boolean(),
    defaultServerUrl: Type.String({ maxLength: 2048 }),
  },
  { additionalProperties: false },
);

/**
 * An account's approval key as kept on this computer (main/core/approval-key.ts): the seed masked by the approval
 * code, its salt and the derivation's cost. No public key and no signature: nothing a guess could be checked against.
 */
export const StoredApprovalKey = Type.Object(
  {
    kdf: Type.Object(
      {
        name: Type.Literal('scrypt'),
        N: Type.Integer({ minimum: 2, maximum: 2 ** 20 }),
        r: Type.Integer({ minimum: 1, maximum: 32 }),
        p: Type.Integer({ minimum: 1, maximum: 16 }),
      },
      { additionalProperties: false },
    ),
    salt: Type.String({ pattern: '^[A-Za-z0-9_-]{22}$' }),
    maskedSeed: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }),
    setAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

export const StoredAccount = Type.Object(
  {
    id: Type.String({ pattern: ACCOUNT_ID_PATTERN }),
    serverUrl: Type.String({ maxLength: 2048 }),
    identifier: Type.String({ maxLength: 64 }),
    userId: Type.String({ maxLength: 64 }),
    displayName: Type.String({ maxLength: 200 }),
    companyName: Type.String({ maxLength: 200 }),
    role: Role,
    deviceName: Type.String({ maxLength: 64 }),
    /** Whether the person confirmed or changed the proposed device name (the "name this device" screen is done). */
    deviceNamed: Type.Boolean(),
    deviceId: Type.Union([Type.String({ maxLength: 64 }), Type.Null()]),
    status: Type.Union([Type.Literal('activating'), Type.Literal('active'), Type.Literal('locked'), Type.Literal('revoked')]),
    /** The server's last word on the activation, while the account is activating. */
    enrolment: Type.Union([EnrolmentView, Type.Null()]),
    activeDevices: Type.Integer({ minimum: 0 }),
    maxDevices: Type.Integer({ minimum: 0 }),
    createdAt: Type.String({ format: 'date-time' }),
    activatedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    /**
     * Absent in the files of versions before approval codes (same state version: such an account is kept, and asks
     * for a code before its next approval); null until the code is chosen.
     */
    approvalKey: Type.Optional(Type.Union([StoredApprovalKey, Type.Null()])),
  },
  { additionalProperties: false },
);

export const PersistedState = Type.Object(
  {
    version: Type.Literal(STATE_VERSION),
    settings: StoredSettings,
    accounts: Type.Array(StoredAccount, { maxItems: 100 }),
  },
  { additionalProperties: false },
);

export type StoredSettingsT = Static<typeof StoredSettings>;
export type StoredAccountT = Static<typeof StoredAccount>;
export type StoredApprovalKeyT = Static<typeof StoredApprovalKey>;
export type PersistedStateT = Static<typeof PersistedState>;

const checker = TypeCompiler.Compile(PersistedState);

/** For SettingsStore adapters: checks a value read from disk before anything uses it. */
export function isPersistedState(value: unknown): value is PersistedStateT {
  if (!checker.Check(value)) return false;
  const ids = new Set(value.accounts.map((account) => account.id));
  return ids.size === value.accounts.length;
}

/** Where the first problem is, for a log line (never the value itself). */
export function describeStateProblem(value: unknown): string {
  const first = checker.Errors(value).First();
  if (first) return `${first.path || '/'}: ${first.message}`;
  return 'duplicate account ids';
}

export function defaultPersistedState(): PersistedStateT {
  return {
    version: STATE_VERSION,
    settings: { language: 'fr', startAtLogin: true, notifications: true, defaultServerUrl: '' },
    accounts: [],
  };
}

/** Reads the state through the port; anything unreadable or invalid → logged, and a fresh state. */
export function loadPersistedState(store: SettingsStore<PersistedStateT>, logger: Logger): PersistedStateT {
  let value: unknown;
  try {
    value = store.read();
  } catch (error) {
    logger.error('the saved state could not be read; starting from a fresh state', {
      location: store.location,
      message: error instanceof Error ? error.message : String(error),
    });
    return defaultPersistedState();
  }
  if (isPersistedState(value)) return structuredClone(value);
  logger.warn('the saved state is not one this version understands; starting from a fresh state', {
    location: store.location,
    problem: describeStateProblem(value),
  });
  return defaultPersistedState();
}
