/**
 * Request and response schemas of every route. TypeBox gives both the JSON Schema the server validates with
 * (and publishes at /openapi.json) and the static types the app and the portal compile against.
 * Objects are closed (`additionalProperties: false`): an unknown field is a 400, not silently ignored.
 */
import { Type, type Static, type TSchema, type TProperties, type ObjectOptions, type TUnion, type TLiteral } from '@sinclair/typebox';
import { ERROR_CODES } from './errors';

const closed = <T extends TProperties>(properties: T, options: ObjectOptions = {}) =>
  Type.Object(properties, { additionalProperties: false, ...options });

/** A closed set of strings. Typed as one TLiteral of the union, which gives the right static type. */
const literals = <const T extends readonly string[]>(values: T): TUnion<TLiteral<T[number]>[]> =>
  Type.Union(values.map((value) => Type.Literal(value))) as TUnion<TLiteral<T[number]>[]>;

// ---------------------------------------------------------------- limits and common values

export const MAX_DEVICES_PER_USER = 5;
/** The longest wait of the portal's long-polls, and the longest hold every server grants a device. */
export const LONG_POLL_MAX_SECONDS = 30;
/**
 * The longest hold a device may ask for. Each server grants up to its own maximum (at least LONG_POLL_MAX_SECONDS,
 * 120 s by default), holds a longer ask that long only, and says its maximum in `maxWaitSeconds`.
 */
export const DEVICE_LONG_POLL_CEILING_SECONDS = 300;
/** The request header by which a client says which optional answer fields it reads (comma-separated names). */
export const READS_HEADER = 'x-sa-reads';
/** Printable text on one line: no control characters, so nothing can break a signed field or a log line. */
const ONE_LINE = '^[^\\u0000-\\u001f\\u007f]*$';

export const IsoDateTime = Type.String({ format: 'date-time', description: 'ISO 8601, UTC' });
export const Identifier = Type.String({ minLength: 3, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$', description: 'Espace Client identifier' });
export const SecretCode = Type.String({ minLength: 4, maxLength: 128, pattern: ONE_LINE });
export const NewSecretCode = Type.String({ minLength: 8, maxLength: 128, pattern: ONE_LINE, description: 'At least 8 characters, with letters and digits' });
export const DisplayName = Type.String({ minLength: 1, maxLength: 80, pattern: ONE_LINE });
export const DeviceName = Type.String({ minLength: 1, maxLength: 64, pattern: '^[^\\u0000-\\u001f\\u007f]*[^\\s\\u0000-\\u001f\\u007f][^\\u0000-\\u001f\\u007f]*$', description: 'Name the user gives the device' });
export const Base64Url = Type.String({ pattern: '^[A-Za-z0-9_-]+$', maxLength: 200 });
export const PublicKey = Type.String({ pattern: '^[A-Za-z0-9_-]{43}$', description: 'Ed25519 public key, 32 bytes base64url' });
export const Signature = Type.String({ pattern: '^[A-Za-z0-9_-]{86}$', description: 'Ed25519 signature, 64 bytes base64url' });
export const PrefixedId = (prefix: string) => Type.String({ pattern: `^${prefix}_[A-Za-z0-9_-]{10,40}$` });
export const UserId = PrefixedId('usr');
export const DeviceId = PrefixedId('dev');
export const EnrolmentId = PrefixedId('enr');
export const ValidationId = PrefixedId('val');
export const OtpChannel = literals(['sms', 'voice'] as const);
export const Role = literals(['primary_admin', 'admin', 'user'] as const);
export const Iban = Type.String({ minLength: 15, maxLength: 42, pattern: '^[A-Za-z0-9 ]+$' });
/** Decimal string, at most two decimals, strictly positive, at most 1 000 000 000.00 (checked by the service). */
export const Amount = Type.String({ pattern: '^(0|[1-9][0-9]{0,9})(\\.[0-9]{1,2})?$' });
export const Currency = literals(['EUR', 'USD', 'GBP', 'CHF', 'JPY', 'CAD'] as const);
export const Reference = Type.String({ maxLength: 140, pattern: ONE_LINE });
export const PayeeName = Type.String({ minLength: 1, maxLength: 70, pattern: ONE_LINE });
/** A calendar day in the bank's time zone, e.g. a transfer's execution date. */
export const IsoDate = Type.String({ pattern: '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$', description: 'YYYY-MM-DD' });
/** ISO 3166-1 alpha-2, e.g. the payee's country (the first two letters of their IBAN). */
export const CountryCode = Type.String({ pattern: '^[A-Z]{2}$' });

export const ErrorResponse = Type.Object(
  {
    code: literals(ERROR_CODES),
    message: Type.String(),
    attemptsLeft: Type.Optional(Type.Integer({ minimum: 0 })),
    lockedUntil: Type.Optional(Type.Union([IsoDateTime, Type.Null()])),
    retryAfterSeconds: Type.Optional(Type.Integer({ minimum: 0 })),
    maxDevices: Type.Optional(Type.Integer()),
    activeDevices: Type.Optional(Type.Integer()),
    field: Type.Optional(Type.String()),
  },
);

// ---------------------------------------------------------------- verification of payee (VoP)

/**
 * What the payee's bank says of the name entered for an IBAN (the EU's Verification of Payee): the name is the
 * account holder's (`match`), almost (`close_match`, with the name the bank holds), not at all (`no_match`), or the
 * check could not be made (`unavailable`: the payee's bank does not answer or takes no part in the scheme).
 */
export const PayeeCheckResult = literals(['match', 'close_match', 'no_match', 'unavailable'] as const);
export const PayeeCheck = closed({
  result: PayeeCheckResult,
  /** The holder's name as the payee's bank registered it: given for a close match only. */
  registeredName: Type.Union([Type.String({ maxLength: 140 }), Type.Null()]),
});

// ---------------------------------------------------------------- validation details (what is shown, hashed and signed)

/**
 * Every fact the app shows before a decision is one of these fields, so it is hashed and signed with the decision:
 * who the request is for (`userDisplayName`, `companyName`) and, for an operation, who entered it.
 */
export const LoginDetails = closed({
  type: Type.Literal('login'),
  channel: literals(['portal'] as const),
  userDisplayName: DisplayName,
  companyName: Type.String({ maxLength: 100 }),
  ipAddress: Type.String({ maxLength: 64 }),
  userAgent: Type.String({ maxLength: 200 }),
  requestedAt: IsoDateTime,
});
export const TransferDetails = closed({
  type: Type.Literal('transfer'),
  channel: literals(['portal'] as const),
  userDisplayName: DisplayName,
  companyName: Type.String({ maxLength: 100 }),
  initiatorDisplayName: DisplayName,
  amount: Amount,
  currency: Currency,
  payeeName: PayeeName,
  iban: Type.String({ description: 'normalized: no spaces, upper case' }),
  payeeCountry: CountryCode,
  payeeCheck: PayeeCheck,
  reference: Reference,
  debitAccountName: Type.String({ maxLength: 100 }),
  debitAccountIban: Type.String(),
  executionDate: IsoDate,
  requestedAt: IsoDateTime,
});
export const BeneficiaryDetails = closed({
  type: Type.Literal('beneficiary'),
  channel: literals(['portal'] as const),
  userDisplayName: DisplayName,
  companyName: Type.String({ maxLength: 100 }),
  initiatorDisplayName: DisplayName,
  name: PayeeName,
  iban: Type.String(),
  payeeCountry: CountryCode,
  payeeCheck: PayeeCheck,
  requestedAt: IsoDateTime,
});
export const ValidationDetails = Type.Union([LoginDetails, TransferDetails, BeneficiaryDetails]);
export const ValidationKind = literals(['login', 'transfer', 'beneficiary'] as const);
export const ValidationStatus = literals(['pending', 'approved', 'rejected', 'expired'] as const);

// ---------------------------------------------------------------- shared views

export const AccountHolder = closed({
  userId: UserId,
  identifier: Identifier,
  displayName: DisplayName,
  role: Role,
  companyName: Type.String(),
});

export const DeviceView = closed({
  id: DeviceId,
  userId: UserId,
  name: DeviceName,
  /** `locked`: five wrong approval codes in a row; it approves nothing more and no longer counts toward the 5. */
  status: literals(['active', 'locked', 'revoked'] as const),
  platform: Type.String(),
  activatedAt: IsoDateTime,
  lastSeenAt: Type.Union([IsoDateTime, Type.Null()]),
  revokedAt: Type.Union([IsoDateTime, Type.Null()]),
  /** When its approval key was registered (the approval code chosen or changed); null until then. */
  approvalCodeSetAt: Type.Union([IsoDateTime, Type.Null()]),
  lockedAt: Type.Union([IsoDateTime, Type.Null()]),
});

// ---------------------------------------------------------------- authenticator API (desktop app; signed requests)

export const CodeDelivery = literals(['security_phone', 'administration', 'administrator'] as const);
export const EnrolmentState = literals([
  'awaiting_code_request', // device named and key sent; the user has not asked for a code yet
  'code_sent', // SMS or voice code sent to the Security Phone (5 minutes)
  'awaiting_administrator', // secondary user: request sent, the administrator has not generated the code yet
  'code_available', // code generated in Administration (24 hours)
  'active', // activated: a device exists
  'failed', // too many wrong codes: start again
] as const);

export const EnrolmentView = closed({
  id: EnrolmentId,
  holder: AccountHolder,
  deviceName: DeviceName,
  state: EnrolmentState,
  codeDelivery: CodeDelivery,
  securityPhoneMasked: Type.Union([Type.String(), Type.Null()]),
  channel: Type.Union([OtpChannel, Type.Null()]),
  codeFormat: literals(['digits8', 'grouped'] as const),
  codeGeneratedAt: Type.Union([IsoDateTime, Type.Null()]),
  codeExpiresAt: Type.Union([IsoDateTime, Type.Null()]),
  codeValiditySeconds: Type.Integer({ description: '300 for SMS/voice codes, 86400 for codes from Administration' }),
  attemptsLeft: Type.Integer({ minimum: 0 }),
  activeDevices: Type.Integer({ minimum: 0 }),
  maxDevices: Type.Integer(),
  deviceId: Type.Union([DeviceId, Type.Null()]),
  createdAt: IsoDateTime,
});

export const CreateEnrolmentBody = closed({
  identifier: Identifier,
  secretCode: SecretCode,
  deviceName: DeviceName,
  publicKey: PublicKey,
  platform: literals(['mac', 'windows', 'linux', 'other'] as const),
  appVersion: Type.String({ maxLength: 32, pattern: ONE_LINE }),
});
export const EnrolmentResponse = closed({ enrolment: EnrolmentView });

export const RenameEnrolmentBody = closed({ deviceName: DeviceName });
export const RequestCodeBody = closed({ channel: Type.Optional(OtpChannel) });
export const ActivateBody = closed({ code: Type.String({ minLength: 1, maxLength: 40, pattern: ONE_LINE }) });
export const ActivateResponse = closed({ enrolment: EnrolmentView, device: DeviceView });

export const ValidationForDevice = closed({
  id: ValidationId,
  nonce: Base64Url,
  kind: ValidationKind,
  details: ValidationDetails,
  detailsHash: Base64Url,
  numberChoices: Type.Union([Type.Array(Type.Integer({ minimum: 10, maximum: 99 }), { minItems: 3, maxItems: 3 }), Type.Null()]),
  createdAt: IsoDateTime,
  expiresAt: IsoDateTime,
});
export const PendingQuery = closed({
  cursor: Type.Optional(Type.String({ maxLength: 40, pattern: '^[0-9]+$' })),
  waitSeconds: Type.Optional(Type.Integer({
    minimum: 0, maximum: DEVICE_LONG_POLL_CEILING_SECONDS,
    description: `Held at most the server's maximum (maxWaitSeconds, at least ${LONG_POLL_MAX_SECONDS}): a longer ask is held that long`,
  })),
});
export const PendingResponse = closed({
  cursor: Type.String({ description: 'Opaque; send it back to wait for the next change' }),
  validations: Type.Array(ValidationForDevice),
  serverTime: IsoDateTime,
  /** The account's active devices now: the app shows "n of 5" without asking again. */
  activeDevices: Type.Integer({ minimum: 0 }),
  /**
   * The longest this server holds a long-poll. Only when the request's `x-sa-reads` header names it: an app that
   * predates it refuses an answer with a field it does not know (closed schemas).
   */
  maxWaitSeconds: Type.Optional(Type.Integer({
    minimum: 1, maximum: DEVICE_LONG_POLL_CEILING_SECONDS,
    description: 'The longest this server holds a long-poll; sent when the x-sa-reads header names it',
  })),
});

export const DecisionBody = closed({
  decision: literals(['approve', 'reject'] as const),
  detailsHash: Base64Url,
  decidedAt: Type.Integer({ minimum: 0 }),
  numberChoice: Type.Union([Type.Integer({ minimum: 10, maximum: 99 }), Type.Null()]),
  signature: Signature,
  /** An approval only: the approval key's signature over the approval bytes (what proves the approval code). */
  approvalSignature: Type.Optional(Signature),
});
export const DecisionResponse = closed({ id: ValidationId, status: ValidationStatus, decidedAt: IsoDateTime });
/** How one of the account's requests ended: the app says "already approved on « PC Trésorerie » at 11:50". */
export const ValidationOutcome = closed({
  id: ValidationId,
  status: ValidationStatus,
  decidedAt: Type.Union([IsoDateTime, Type.Null()]),
  decidedByDevice: Type.Union([closed({ id: DeviceId, name: DeviceName }), Type.Null()]),
});

/** The first approval key of a device (chosen at activation, or by a device activated before approval codes existed). */
export const RegisterApprovalKeyBody = closed({
  publicKey: PublicKey,
  /** The new key's signature over the approval-key bytes. */
  signature: Signature,
});
/** A new approval code: the current key signs the change (the old code proven), the new key its registration. */
export const ChangeApprovalKeyBody = closed({
  publicKey: PublicKey,
  signature: Signature,
  signedAt: Type.Integer({ minimum: 0 }),
  previousSignature: Signature,
});

/** Opaque to the app: sent back as `authorization: Bearer <token>` until `expiresAt` (server time). */
export const DeviceTokenResponse = closed({
  token: Type.String({ pattern: '^[A-Za-z0-9._-]{20,200}$' }),
  expiresAt: IsoDateTime,
});

export const DeviceSelfResponse = closed({ device: DeviceView, holder: AccountHolder, activeDevices: Type.Integer(), maxDevices: Type.Integer() });

// ---------------------------------------------------------------- portal API (Espace Client; session cookie + CSRF header)

export const PortalStep = literals([
  'security_code', // primary administrator without an active device: SMS/voice Security Code
  'change_secret', // temporary secret code must be changed
  'install', // no active device: install and activate Secure Access
  'secure_access', // validate the login on Secure Access (number matching)
  'authenticated',
] as const);

export const LoginValidationView = closed({
  id: ValidationId,
  number: Type.Integer({ minimum: 10, maximum: 99 }),
  status: ValidationStatus,
  expiresAt: IsoDateTime,
});

export const SessionView = closed({
  step: PortalStep,
  stateKey: Type.String({ description: 'Changes whenever anything shown here changes; send it back as knownState to wait' }),
  holder: AccountHolder,
  securityPhoneMasked: Type.Union([Type.String(), Type.Null()]),
  csrfToken: Type.String(),
  idleTimeoutSeconds: Type.Integer(),
  activeDevices: Type.Integer(),
  maxDevices: Type.Integer(),
  securityCode: Type.Union([
    closed({ channel: OtpChannel, sentAt: IsoDateTime, expiresAt: IsoDateTime, attemptsLeft: Type.Integer() }),
    Type.Null(),
  ]),
  loginValidation: Type.Union([LoginValidationView, Type.Null()]),
});
export const SessionQuery = closed({
  knownState: Type.Optional(Type.String({ maxLength: 200 })),
  waitSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: LONG_POLL_MAX_SECONDS })),
});
export const LoginBody = closed({ identifier: Identifier, secretCode: SecretCode });
export const SendSecurityCodeBody = closed({ channel: OtpChannel });
export const VerifySecurityCodeBody = closed({ code: Type.String({ minLength: 1, maxLength: 20, pattern: ONE_LINE }) });
export const ChangeSecretBody = closed({ currentSecretCode: SecretCode, newSecretCode: NewSecretCode });

export const BankAccountView = closed({ id: Type.String(), name: Type.String(), iban: Type.String(), currency: Currency, balance: Type.String({ pattern: '^-?[0-9]+\\.[0-9]{2}$' }) });
export const AccountsResponse = closed({ accounts: Type.Array(BankAccountView) });

export const CreateTransferBody = closed({
  amount: Amount,
  currency: Currency,
  payeeName: PayeeName,
  iban: Iban,
  reference: Reference,
  debitAccountId: Type.Optional(Type.String({ maxLength: 40 })),
  /** Today (in the bank's time zone) when absent; at most a year ahead. */
  executionDate: Type.Optional(IsoDate),
});
export const CreateBeneficiaryBody = closed({ name: PayeeName, iban: Iban });
/** Verification of Payee before an operation is sent: the portal shows the answer under the payee's name. */
export const PayeeCheckBody = closed({ name: PayeeName, iban: Iban });
export const PayeeCheckResponse = closed({ check: PayeeCheck, payeeCountry: CountryCode });
export const OperationView = closed({
  id: ValidationId,
  kind: literals(['transfer', 'beneficiary'] as const),
  details: Type.Union([TransferDetails, BeneficiaryDetails]),
  status: ValidationStatus,
  createdBy: Identifier,
  createdAt: IsoDateTime,
  expiresAt: IsoDateTime,
  decidedAt: Type.Union([IsoDateTime, Type.Null()]),
  decidedByDevice: Type.Union([DeviceName, Type.Null()]),
});
export const OperationResponse = closed({ operation: OperationView });
export const OperationsResponse = closed({ operations: Type.Array(OperationView) });
export const OperationQuery = closed({
  knownStatus: Type.Optional(ValidationStatus),
  waitSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: LONG_POLL_MAX_SECONDS })),
});

export const DevicesResponse = closed({ devices: Type.Array(DeviceView), maxDevices: Type.Integer() });
export const IdParams = closed({ id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }) });

// ---------------------------------------------------------------- administration API (administrator's portal session)

export const UserView = closed({
  id: UserId,
  identifier: Identifier,
  displayName: DisplayName,
  role: Role,
  status: literals(['active', 'locked', 'suspended'] as const),
  mustChangeSecret: Type.Boolean(),
  activeDevices: Type.Integer(),
  createdAt: IsoDateTime,
});
export const CreateUserBody = closed({
  displayName: DisplayName,
  identifier: Type.Optional(Identifier),
  role: Type.Optional(literals(['admin', 'user'] as const)),
});
export const CreatedUserResponse = closed({ user: UserView, temporarySecretCode: Type.String() });
export const UsersResponse = closed({ users: Type.Array(UserView) });
export const UserResponse = closed({ user: UserView });

export const ActivationView = closed({
  enrolmentId: EnrolmentId,
  user: closed({ id: UserId, identifier: Identifier, displayName: DisplayName }),
  deviceName: DeviceName,
  requestedAt: IsoDateTime,
  codeDelivery: CodeDelivery,
  codeState: literals(['not_generated', 'unused', 'used', 'expired', 'dead'] as const),
  /** Shown only while usable: generated, unused, unexpired. */
  code: Type.Union([Type.String(), Type.Null()]),
  codeGeneratedAt: Type.Union([IsoDateTime, Type.Null()]),
  codeExpiresAt: Type.Union([IsoDateTime, Type.Null()]),
  attemptsLeft: Type.Integer(),
});
export const ActivationsResponse = closed({ activations: Type.Array(ActivationView) });
export const ActivationResponse = closed({ activation: ActivationView });

export const CompanyDevicesResponse = closed({
  users: Type.Array(closed({ user: UserView, devices: Type.Array(DeviceView) })),
  maxDevices: Type.Integer(),
});
export const RenameDeviceBody = closed({ name: DeviceName });
export const DeviceResponse = closed({ device: DeviceView });

// ---------------------------------------------------------------- bank back office (ops token) and development

export const SecurityPhone = Type.String({ pattern: '^\\+[1-9][0-9]{7,14}$', description: 'E.164' });
export const CreateSubscriptionBody = closed({
  companyName: Type.String({ minLength: 1, maxLength: 100, pattern: ONE_LINE }),
  primaryAdmin: closed({
    identifier: Type.Optional(Identifier),
    displayName: DisplayName,
    securityPhone: Type.Optional(SecurityPhone),
  }),
});
export const CreatedSubscriptionResponse = closed({ companyId: Type.String(), primaryAdmin: UserView, temporarySecretCode: Type.String() });

export const OutboxMessage = closed({
  id: Type.String(),
  at: IsoDateTime,
  channel: OtpChannel,
  to: Type.String(),
  text: Type.String(),
  purpose: literals(['security_code', 'activation_code'] as const),
});
export const OutboxResponse = closed({ messages: Type.Array(OutboxMessage) });

export const OkResponse = closed({ ok: Type.Literal(true) });

// ---------------------------------------------------------------- self-install: what the bank publishes

export const InstallerPlatform = literals(['windows', 'mac', 'linux'] as const);
export const InstallerFormat = literals(['exe', 'msi', 'dmg', 'pkg', 'AppImage', 'deb'] as const);
export const InstallerView = closed({
  platform: InstallerPlatform,
  format: InstallerFormat,
  fileName: Type.String(),
  /** Read from the file name (electron-builder's artifact names), null when it says none. */
  version: Type.Union([Type.String(), Type.Null()]),
  arch: Type.Union([Type.String(), Type.Null()]),
  sizeBytes: Type.Integer({ minimum: 0 }),
  sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  /** Where the portal downloads it from: same origin. */
  url: Type.String(),
});
const StoreUrl = Type.Union([Type.String({ pattern: '^https://', maxLength: 2048 }), Type.Null()]);
export const MobileApps = closed({
  /** The bank's own app with Secure Access built in. */
  bankApp: closed({ appStore: StoreUrl, playStore: StoreUrl, appGallery: StoreUrl }),
  /** The dedicated Secure Access app (security functions only). */
  secureAccessApp: closed({ appStore: StoreUrl, playStore: StoreUrl }),
});
export const DownloadsResponse = closed({ installers: Type.Array(InstallerView), mobileApps: MobileApps });

// ---------------------------------------------------------------- static types

export type Schema = TSchema;
export type ErrorResponseT = Static<typeof ErrorResponse>;
export type LoginDetailsT = Static<typeof LoginDetails>;
export type TransferDetailsT = Static<typeof TransferDetails>;
export type BeneficiaryDetailsT = Static<typeof BeneficiaryDetails>;
export type ValidationDetailsT = Static<typeof ValidationDetails>;
export type ValidationKindT = Static<typeof ValidationKind>;
export type ValidationStatusT = Static<typeof ValidationStatus>;
export type AccountHolderT = Static<typeof AccountHolder>;
export type RoleT = Static<typeof Role>;
export type OtpChannelT = Static<typeof OtpChannel>;
export type DeviceViewT = Static<typeof DeviceView>;
export type CodeDeliveryT = Static<typeof CodeDelivery>;
export type EnrolmentStateT = Static<typeof EnrolmentState>;
export type EnrolmentViewT = Static<typeof EnrolmentView>;
export type CreateEnrolmentBodyT = Static<typeof CreateEnrolmentBody>;
export type EnrolmentResponseT = Static<typeof EnrolmentResponse>;
export type RenameEnrolmentBodyT = Static<typeof RenameEnrolmentBody>;
export type RequestCodeBodyT = Static<typeof RequestCodeBody>;
export type ActivateBodyT = Static<typeof ActivateBody>;
export type ActivateResponseT = Static<typeof ActivateResponse>;
export type ValidationForDeviceT = Static<typeof ValidationForDevice>;
export type PendingQueryT = Static<typeof PendingQuery>;
export type PendingResponseT = Static<typeof PendingResponse>;
export type DecisionBodyT = Static<typeof DecisionBody>;
export type DecisionResponseT = Static<typeof DecisionResponse>;
export type RegisterApprovalKeyBodyT = Static<typeof RegisterApprovalKeyBody>;
export type ChangeApprovalKeyBodyT = Static<typeof ChangeApprovalKeyBody>;
export type ValidationOutcomeT = Static<typeof ValidationOutcome>;
export type PayeeCheckT = Static<typeof PayeeCheck>;
export type PayeeCheckResultT = Static<typeof PayeeCheckResult>;
export type PayeeCheckBodyT = Static<typeof PayeeCheckBody>;
export type PayeeCheckResponseT = Static<typeof PayeeCheckResponse>;
export type DeviceSelfResponseT = Static<typeof DeviceSelfResponse>;
export type DeviceTokenResponseT = Static<typeof DeviceTokenResponse>;
export type PortalStepT = Static<typeof PortalStep>;
export type LoginValidationViewT = Static<typeof LoginValidationView>;
export type SessionViewT = Static<typeof SessionView>;
export type SessionQueryT = Static<typeof SessionQuery>;
export type LoginBodyT = Static<typeof LoginBody>;
export type SendSecurityCodeBodyT = Static<typeof SendSecurityCodeBody>;
export type VerifySecurityCodeBodyT = Static<typeof VerifySecurityCodeBody>;
export type ChangeSecretBodyT = Static<typeof ChangeSecretBody>;
export type BankAccountViewT = Static<typeof BankAccountView>;
export type AccountsResponseT = Static<typeof AccountsResponse>;
export type CreateTransferBodyT = Static<typeof CreateTransferBody>;
export type CreateBeneficiaryBodyT = Static<typeof CreateBeneficiaryBody>;
export type OperationViewT = Static<typeof OperationView>;
export type OperationResponseT = Static<typeof OperationResponse>;
export type OperationsResponseT = Static<typeof OperationsResponse>;
export type OperationQueryT = Static<typeof OperationQuery>;
export type DevicesResponseT = Static<typeof DevicesResponse>;
export type UserViewT = Static<typeof UserView>;
export type CreateUserBodyT = Static<typeof CreateUserBody>;
export type CreatedUserResponseT = Static<typeof CreatedUserResponse>;
export type UsersResponseT = Static<typeof UsersResponse>;
export type ActivationViewT = Static<typeof ActivationView>;
export type ActivationsResponseT = Static<typeof ActivationsResponse>;
export type CompanyDevicesResponseT = Static<typeof CompanyDevicesResponse>;
export type RenameDeviceBodyT = Static<typeof RenameDeviceBody>;
export type CreateSubscriptionBodyT = Static<typeof CreateSubscriptionBody>;
export type CreatedSubscriptionResponseT = Static<typeof CreatedSubscriptionResponse>;
export type OutboxMessageT = Static<typeof OutboxMessage>;
export type InstallerViewT = Static<typeof InstallerView>;
export type MobileAppsT = Static<typeof MobileApps>;
export type DownloadsResponseT = Static<typeof DownloadsResponse>;
