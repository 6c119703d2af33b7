/**
 * The bridge contract: every method the renderer may call on `window.secureAccess`, every event it may receive,
 * and the IPC channel names. Types and names only: the preload bundles it, the renderer type-imports it,
 * main registers one handler per method by walking BRIDGE_METHODS (so none can be forgotten).
 *
 * What crosses this bridge is statuses and results. Never key material: the device keys stay in main's keychain.
 * The approval code crosses once, from the renderer to main, with the approval (or the change) it is for; nothing
 * ever sends it back.
 */
import type {
  CodeDeliveryT, EnrolmentStateT, ErrorCode, ErrorFacts, OtpChannelT, RoleT, ValidationDetailsT, ValidationKindT,
} from '../protocol/index';

/** `locked`: five wrong approval codes in a row; its approvals are locked on the server until its user activates again. */
export type AccountStatus = 'activating' | 'active' | 'locked' | 'revoked';

/** Where an account's activation stands, as the onboarding screens need it. */
export interface ActivationProgress {
  enrolmentId: string;
  /** Which screen comes next: name the device, ask for a code, type the code. */
  step: 'name_device' | 'request_code' | 'enter_code' | 'failed';
  enrolmentState: EnrolmentStateT;
  codeDelivery: CodeDeliveryT;
  securityPhoneMasked: string | null;
  channel: OtpChannelT | null;
  codeFormat: 'digits8' | 'grouped';
  codeGeneratedAt: string | null;
  codeExpiresAt: string | null;
  codeValiditySeconds: number;
  attemptsLeft: number;
}

export interface AccountSummary {
  id: string;
  serverUrl: string;
  identifier: string;
  displayName: string;
  companyName: string;
  role: RoleT;
  deviceName: string;
  deviceId: string | null;
  status: AccountStatus;
  activation: ActivationProgress | null;
  activeDevices: number;
  maxDevices: number;
  createdAt: string;
  activatedAt: string | null;
  /** Whether this account has its approval code on this computer (chosen after activation, or since). */
  approvalCodeSet: boolean;
}

export interface PendingValidation {
  accountId: string;
  /** Who it is for, as people on a shared computer tell each other apart: e.g. "Alice Martin · Durand Industrie". */
  accountLabel: string;
  id: string;
  kind: ValidationKindT;
  details: ValidationDetailsT;
  /** For a login: the three numbers to choose from; the portal shows the right one. */
  numberChoices: number[] | null;
  createdAt: string;
  expiresAt: string;
  receivedAt: string;
}

export type Decision = 'approve' | 'reject';

export interface DecisionResult {
  validationId: string;
  accountId: string;
  decision: Decision;
  status: 'approved' | 'rejected' | 'expired';
  decidedAt: string;
}

/** How a request that left the pending list ended, as the bank recorded it: "already approved on « PC Trésorerie » at 11:50". */
export interface ValidationOutcome {
  accountId: string;
  validationId: string;
  status: 'pending' | 'approved' | 'rejected' | 'expired';
  decidedAt: string | null;
  /** The name of the device that decided, or null (expired, or still pending). */
  deviceName: string | null;
  /** Decided by this computer's device for that account. */
  decidedHere: boolean;
}

export type LinkState = 'connecting' | 'online' | 'offline' | 'server_error';

export interface AccountConnectivity {
  accountId: string;
  state: LinkState;
  lastContactAt: string | null;
  nextRetryAt: string | null;
  /** A readable error code, e.g. 'server_unreachable', when not online. */
  lastError: string | null;
}

export interface ConnectivityState {
  overall: LinkState | 'idle';
  accounts: AccountConnectivity[];
}

export type Language = 'fr' | 'en';

export interface Settings {
  language: Language;
  startAtLogin: boolean;
  notifications: boolean;
  /** The server used for a new account when no policy fixes it. */
  defaultServerUrl: string;
}

/** What IT's managed configuration sets, shown in Settings › About. */
export interface PolicyInForce {
  source: string | null;
  serverUrl: string | null;
  serverUrlLocked: boolean;
  allowAdditionalServers: boolean;
  startAtLogin: boolean | null;
  updatesEnabled: boolean;
  /** The fewest digits a new approval code may have: 6, or more if IT asks. */
  approvalCodeMinLength: number;
  errors: string[];
}

export interface AppInfo {
  version: string;
  platform: 'mac' | 'windows' | 'linux' | 'other';
  /** OS user and machine name, e.g. "amartin – PC-COMPTA-04". */
  defaultDeviceName: string;
  /** The bank's server address built into this installer (`npm run dist` with SECURE_ACCESS_BANK_SERVER_URL), or null. */
  bankServerUrl: string | null;
  policy: PolicyInForce;
}

export interface Snapshot {
  accounts: AccountSummary[];
  pending: PendingValidation[];
  connectivity: ConnectivityState;
  settings: Settings;
  appInfo: AppInfo;
}

/** Codes the app adds to the server's stable codes. */
export type AppErrorCode =
  | ErrorCode
  | 'server_unreachable'
  | 'invalid_input'
  | 'account_not_found'
  | 'validation_not_pending'
  | 'keychain_unavailable'
  | 'not_allowed_by_policy'
  | 'unexpected_response'
  /** This identifier on this server is already active on this installation. */
  | 'account_already_added'
  /** A new approval code breaks one of the rules (repeated, a run, the identifier's digits, too short). */
  | 'approval_code_too_weak'
  /** This computer has no protected key store at all (Linux without a Secret Service): no account can be activated. */
  | 'keychain_missing'
  /** The bank now sends this activation's code another way (the user's other device revoked or activated meanwhile). */
  | 'activation_path_changed';

export interface BridgeErrorBody extends ErrorFacts {
  code: AppErrorCode;
  message: string;
}

/** Where a notification click or the tray asks the renderer to go. */
export type NavigationTarget = { screen: 'inbox' } | { screen: 'validation'; accountId: string; validationId: string } | { screen: 'accounts' } | { screen: 'settings' };

export type Unsubscribe = () => void;

export interface SecureAccessBridge {
  getSnapshot(): Promise<Snapshot>;

  /** Sign in (identifier + secret code): generates this account's key in the keychain and registers it. */
  startActivation(input: { serverUrl: string; identifier: string; secretCode: string }): Promise<AccountSummary>;
  nameDevice(input: { accountId: string; deviceName: string }): Promise<AccountSummary>;
  requestActivationCode(input: { accountId: string; channel: OtpChannelT | null }): Promise<AccountSummary>;
  /** Asks the server where the activation stands (e.g. whether the administrator generated the code). */
  refreshActivation(input: { accountId: string }): Promise<AccountSummary>;
  submitActivationCode(input: { accountId: string; code: string }): Promise<AccountSummary>;
  /** Removes the account from this installation; deletes its key. An active device is deactivated on the server first. */
  removeAccount(input: { accountId: string }): Promise<void>;

  /** The account's first approval code, typed twice by the person (the screen compares them): once per account. */
  setApprovalCode(input: { accountId: string; code: string }): Promise<AccountSummary>;
  /** A new approval code, proven with the current one. */
  changeApprovalCode(input: { accountId: string; currentCode: string; newCode: string }): Promise<AccountSummary>;

  listPending(): Promise<PendingValidation[]>;
  /** An approval needs the account's approval code (`approvalCode`); a rejection none (null). */
  decide(input: { accountId: string; validationId: string; decision: Decision; numberChoice: number | null; approvalCode: string | null }): Promise<DecisionResult>;
  /** Asks the bank how a request ended (decided on another device, expired). */
  validationOutcome(input: { accountId: string; validationId: string }): Promise<ValidationOutcome>;
  checkNow(): Promise<void>;

  updateSettings(input: Partial<Settings>): Promise<Settings>;

  onPendingChanged(listener: (pending: PendingValidation[]) => void): Unsubscribe;
  onAccountsChanged(listener: (accounts: AccountSummary[]) => void): Unsubscribe;
  onConnectivityChanged(listener: (connectivity: ConnectivityState) => void): Unsubscribe;
  onSettingsChanged(listener: (settings: Settings) => void): Unsubscribe;
  onNavigate(listener: (target: NavigationTarget) => void): Unsubscribe;
}

type MethodKeys<T> = { [K in keyof T]: K extends `on${string}` ? never : K }[keyof T];
export type BridgeMethodName = MethodKeys<SecureAccessBridge>;
export type BridgeEventName = Exclude<keyof SecureAccessBridge, BridgeMethodName>;

export type BridgeMethodInput<M extends BridgeMethodName> = Parameters<SecureAccessBridge[M]> extends [infer A] ? A : undefined;
export type BridgeMethodOutput<M extends BridgeMethodName> = Awaited<ReturnType<SecureAccessBridge[M]>>;
export type BridgeEventPayload<E extends BridgeEventName> = Parameters<Parameters<SecureAccessBridge[E]>[0]>[0];

/** Every method, once. `satisfies` makes the compiler refuse a list that misses or invents one. */
export const BRIDGE_METHODS = [
  'getSnapshot', 'startActivation', 'nameDevice', 'requestActivationCode', 'refreshActivation', 'submitActivationCode',
  'removeAccount', 'setApprovalCode', 'changeApprovalCode', 'listPending', 'decide', 'checkNow', 'updateSettings',
  'validationOutcome',
] as const satisfies readonly BridgeMethodName[];

export const BRIDGE_EVENTS = [
  'onPendingChanged', 'onAccountsChanged', 'onConnectivityChanged', 'onSettingsChanged', 'onNavigate',
] as const satisfies readonly BridgeEventName[];

type Missing<All, Listed> = Exclude<All, Listed>;
// Compile-time completeness: these fail to type-check if a method or event is missing from the lists above.
export const _allMethodsListed: Missing<BridgeMethodName, (typeof BRIDGE_METHODS)[number]> extends never ? true : never = true;
export const _allEventsListed: Missing<BridgeEventName, (typeof BRIDGE_EVENTS)[number]> extends never ? true : never = true;

export const invokeChannel = (method: BridgeMethodName) => `secure-access:invoke:${method}` as const;
export const eventChannel = (event: BridgeEventName) => `secure-access:event:${event}` as const;

/** What crosses the transport for one call: never a thrown Error (Electron would flatten its code into a string). */
export type InvokeResult<T> = { ok: true; value: T } | { ok: false; error: BridgeErrorBody };

/** The transport a bridge is built over: Electron IPC in the app, a Playwright binding in the renderer tests. */
export interface BridgeTransport {
  invoke(channel: string, input: unknown): Promise<InvokeResult<unknown>>;
  subscribe(channel: string, listener: (payload: unknown) => void): Unsubscribe;
}
