/**
 * Run-time checks of what the renderer sends: the contract's types vanish at run time, and the renderer is the
 * least trusted part of the app. Each bridge method has one schema; anything else is `invalid_input` with the
 * field at fault.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { APPROVAL_CODE_MAX_LENGTH, Identifier, OtpChannel, SecretCode, ValidationId } from '../../protocol/index';
import type { BridgeMethodInput, BridgeMethodName } from '../../preload/contract';
import { CoreError } from './errors';
import './formats';
import { ACCOUNT_ID_PATTERN } from './state';

const closed = { additionalProperties: false } as const;
const Nothing = Type.Union([Type.Undefined(), Type.Null()]);
const AccountId = Type.String({ pattern: ACCOUNT_ID_PATTERN });
const ServerUrl = Type.String({ minLength: 1, maxLength: 2048 });
/**
 * Stricter than protocol's DeviceName, whose `\S` also matches one control character: here the one required
 * visible character must be neither a space nor a control character.
 */
/**
 * Digits only, at most as long as any code may be: the rules (and the policy's minimum) are checked by the core, which
 * says which one a new code breaks. Never echoed back in an error.
 */
const ApprovalCodeInput = Type.String({ minLength: 1, maxLength: APPROVAL_CODE_MAX_LENGTH, pattern: '^[0-9]+$' });
const DeviceNameInput = Type.String({
  minLength: 1, maxLength: 64, pattern: '^[^\\u0000-\\u001f\\u007f]*[^\\s\\u0000-\\u001f\\u007f][^\\u0000-\\u001f\\u007f]*$',
});

export const INPUT_SCHEMAS = {
  getSnapshot: Nothing,
  startActivation: Type.Object({ serverUrl: ServerUrl, identifier: Identifier, secretCode: SecretCode }, closed),
  nameDevice: Type.Object({ accountId: AccountId, deviceName: DeviceNameInput }, closed),
  requestActivationCode: Type.Object({ accountId: AccountId, channel: Type.Union([OtpChannel, Type.Null()]) }, closed),
  refreshActivation: Type.Object({ accountId: AccountId }, closed),
  submitActivationCode: Type.Object({ accountId: AccountId, code: Type.String({ minLength: 1, maxLength: 40 }) }, closed),
  removeAccount: Type.Object({ accountId: AccountId }, closed),
  setApprovalCode: Type.Object({ accountId: AccountId, code: ApprovalCodeInput }, closed),
  changeApprovalCode: Type.Object({ accountId: AccountId, currentCode: ApprovalCodeInput, newCode: ApprovalCodeInput }, closed),
  listPending: Nothing,
  decide: Type.Object(
    {
      accountId: AccountId,
      validationId: ValidationId,
      decision: Type.Union([Type.Literal('approve'), Type.Literal('reject')]),
      numberChoice: Type.Union([Type.Integer({ minimum: 10, maximum: 99 }), Type.Null()]),
      approvalCode: Type.Union([ApprovalCodeInput, Type.Null()]),
    },
    closed,
  ),
  checkNow: Nothing,
  validationOutcome: Type.Object({ accountId: AccountId, validationId: ValidationId }, closed),
  updateSettings: Type.Object(
    {
      language: Type.Optional(Type.Union([Type.Literal('fr'), Type.Literal('en')])),
      startAtLogin: Type.Optional(Type.Boolean()),
      notifications: Type.Optional(Type.Boolean()),
      defaultServerUrl: Type.Optional(Type.String({ maxLength: 2048 })),
    },
    closed,
  ),
} as const satisfies Record<BridgeMethodName, TSchema>;

const checkers = new Map<BridgeMethodName, TypeCheck<TSchema>>();
function checkerFor(method: BridgeMethodName): TypeCheck<TSchema> {
  let checker = checkers.get(method);
  if (!checker) {
    checker = TypeCompiler.Compile(INPUT_SCHEMAS[method]);
    checkers.set(method, checker);
  }
  return checker;
}

/** Fields where leading and trailing spaces are a slip of the keyboard, not part of the value. */
const TRIMMED_FIELDS = ['identifier', 'deviceName', 'serverUrl', 'defaultServerUrl', 'code'] as const;

function trimmed(input: unknown): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
  const copy: Record<string, unknown> = { ...(input as Record<string, unknown>) };
  for (const field of TRIMMED_FIELDS) {
    const value = copy[field];
    if (typeof value === 'string') copy[field] = value.trim();
  }
  return copy;
}

/** Checks one method's input; returns a trimmed copy the handler may use, or throws `invalid_input`. */
export function parseInput<M extends BridgeMethodName>(method: M, input: unknown): BridgeMethodInput<M> {
  const value = trimmed(input);
  const checker = checkerFor(method);
  if (checker.Check(value)) return value as BridgeMethodInput<M>;
  const first = checker.Errors(value).First();
  const field = first?.path.split('/').filter(Boolean)[0];
  throw new CoreError('invalid_input', field ? `Invalid value for ${field}.` : 'Invalid input.', field ? { field } : {});
}
