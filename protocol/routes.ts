/**
 * Every route of the reference server, in one table: the server registers exactly these,
 * the app's API client and the portal call them by name, and /openapi.json is generated from them.
 *
 * auth:
 * - `none`: public.
 * - `signed`: authenticator request signed by a device key (or an enrolment key), see canonical.ts.
 * - `device`: a device token (`authorization: Bearer …`, from `issueDeviceToken`) or a request signed by the device
 *   key. The token spares the frequent calls (the long-poll, decisions, which carry their own signature) a signature
 *   and a recorded nonce each; the server still checks the device and its user on every call.
 * - `session`: portal session cookie; state-changing methods also need the `x-csrf-token` header.
 *   `step` says which portal step the session must have reached ('authenticated' unless stated).
 * - `admin`: a session at step 'authenticated' whose user is an administrator.
 * - `ops`: the bank back office's bearer token (SA_OPS_TOKEN).
 * - `dev`: served only when the server runs in demo/development mode.
 */
import type { TSchema } from '@sinclair/typebox';
import type { ErrorCode } from './errors';
import * as S from './schemas';
import type { PortalStepT } from './schemas';

export type RouteAuth = 'none' | 'signed' | 'device' | 'session' | 'admin' | 'ops' | 'dev';

export interface RouteSpec {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  auth: RouteAuth;
  /** For `session` routes: the steps at which the route is reachable. */
  steps?: readonly PortalStepT[];
  summary: string;
  params?: TSchema;
  query?: TSchema;
  body?: TSchema;
  response: TSchema;
  /** HTTP status of a success (200 unless stated). */
  status?: number;
  /**
   * The errors the route's own work may answer, beyond those of its input and its authentication (routeErrorCodes
   * adds them). The test server refuses to answer a route's error that is not listed, so this cannot drift.
   */
  errors?: readonly ErrorCode[];
}

const ANY_STEP: readonly PortalStepT[] = ['security_code', 'change_secret', 'install', 'secure_access', 'authenticated'];

export const AUTHENTICATOR_PREFIX = '/api/authenticator/v1';
export const PORTAL_PREFIX = '/api/portal/v1';
export const ADMIN_PREFIX = '/api/admin/v1';

export const ROUTES = {
  // ------------------------------------------------------------ authenticator
  createEnrolment: {
    method: 'POST', path: `${AUTHENTICATOR_PREFIX}/enrolments`, auth: 'none', status: 201,
    summary: 'Sign in with identifier + secret code, name the device and register its public key',
    body: S.CreateEnrolmentBody, response: S.EnrolmentResponse,
    errors: ['invalid_credentials', 'account_locked', 'secret_code_change_required', 'device_limit_reached'],
  },
  getEnrolment: {
    method: 'GET', path: `${AUTHENTICATOR_PREFIX}/enrolments/:id`, auth: 'signed',
    summary: 'Enrolment state (signed with the enrolment key)', params: S.IdParams, response: S.EnrolmentResponse,
  },
  renameEnrolment: {
    method: 'PATCH', path: `${AUTHENTICATOR_PREFIX}/enrolments/:id`, auth: 'signed',
    summary: 'Name the device (before its activation code is requested)', params: S.IdParams, body: S.RenameEnrolmentBody, response: S.EnrolmentResponse,
    errors: ['enrolment_closed', 'activation_code_used', 'activation_attempts_exhausted'],
  },
  requestActivationCode: {
    method: 'POST', path: `${AUTHENTICATOR_PREFIX}/enrolments/:id/code`, auth: 'signed',
    summary: 'Ask for an activation code: SMS/voice, from Administration, or a request to the administrator',
    params: S.IdParams, body: S.RequestCodeBody, response: S.EnrolmentResponse,
    errors: ['channel_not_available', 'activation_code_used', 'activation_attempts_exhausted', 'rate_limited', 'service_unavailable', 'account_locked'],
  },
  activate: {
    method: 'POST', path: `${AUTHENTICATOR_PREFIX}/enrolments/:id/activate`, auth: 'signed',
    summary: 'Activate with the code; the signature proves possession of the enrolment key',
    params: S.IdParams, body: S.ActivateBody, response: S.ActivateResponse,
    errors: ['activation_code_invalid', 'activation_code_expired', 'activation_code_used', 'activation_code_not_issued', 'activation_attempts_exhausted', 'device_limit_reached', 'account_locked'],
  },
  issueDeviceToken: {
    method: 'POST', path: `${AUTHENTICATOR_PREFIX}/devices/self/token`, auth: 'signed',
    summary: 'A short-lived device token, in exchange for a request signed by the device key', response: S.DeviceTokenResponse,
  },
  getSelf: {
    method: 'GET', path: `${AUTHENTICATOR_PREFIX}/devices/self`, auth: 'device',
    summary: 'This device and its account holder', response: S.DeviceSelfResponse,
  },
  removeSelf: {
    method: 'DELETE', path: `${AUTHENTICATOR_PREFIX}/devices/self`, auth: 'signed',
    summary: 'Deactivate this device (the user removed the account from the app)', response: S.OkResponse,
  },
  registerApprovalKey: {
    method: 'POST', path: `${AUTHENTICATOR_PREFIX}/devices/self/approval-key`, auth: 'signed',
    summary: 'Register the approval key of this device, once (the approval code chosen)', body: S.RegisterApprovalKeyBody, response: S.DeviceResponse,
    errors: ['approval_code_already_set'],
  },
  changeApprovalKey: {
    method: 'POST', path: `${AUTHENTICATOR_PREFIX}/devices/self/approval-key/change`, auth: 'signed',
    summary: 'Replace the approval key, signed by the current one (the approval code changed)', body: S.ChangeApprovalKeyBody, response: S.DeviceResponse,
    errors: ['approval_code_invalid', 'approval_code_not_set'],
  },
  pendingValidations: {
    method: 'GET', path: `${AUTHENTICATOR_PREFIX}/validations/pending`, auth: 'device',
    summary: 'Long-poll: pending validations of this account, answered at once if the cursor is stale',
    query: S.PendingQuery, response: S.PendingResponse,
  },
  decide: {
    method: 'POST', path: `${AUTHENTICATOR_PREFIX}/validations/:id/decision`, auth: 'device',
    summary: 'Approve or reject, signed over the canonical decision bytes (an approval also by the approval key)', params: S.IdParams, body: S.DecisionBody, response: S.DecisionResponse,
    errors: [
      'validation_not_found', 'decision_signature_invalid', 'details_mismatch', 'number_mismatch', 'validation_expired', 'validation_already_decided', 'insufficient_funds',
      'approval_code_invalid', 'approval_code_not_set',
    ],
  },
  validationOutcome: {
    method: 'GET', path: `${AUTHENTICATOR_PREFIX}/validations/:id`, auth: 'device',
    summary: "How one of this account's requests ended: status, time, and the device that decided it", params: S.IdParams, response: S.ValidationOutcome,
    errors: ['validation_not_found'],
  },

  // ------------------------------------------------------------ portal
  login: {
    method: 'POST', path: `${PORTAL_PREFIX}/session`, auth: 'none',
    summary: 'Identifier + secret code; opens a session at its first step', body: S.LoginBody, response: S.SessionView,
    errors: ['invalid_credentials', 'account_locked'],
  },
  getSession: {
    method: 'GET', path: `${PORTAL_PREFIX}/session`, auth: 'session', steps: ANY_STEP,
    summary: 'Current step; long-polls until stateKey differs from knownState', query: S.SessionQuery, response: S.SessionView,
  },
  logout: {
    method: 'DELETE', path: `${PORTAL_PREFIX}/session`, auth: 'session', steps: ANY_STEP,
    summary: 'Log out', response: S.OkResponse,
  },
  startSecureAccessLogin: {
    method: 'POST', path: `${PORTAL_PREFIX}/session/secure-access`, auth: 'session', steps: ['secure_access'],
    summary: 'Ask Secure Access to approve this session (number matching) when it has no login validation yet: a session opened before the first device was activated',
    response: S.SessionView,
  },
  sendSecurityCode: {
    method: 'POST', path: `${PORTAL_PREFIX}/session/security-code`, auth: 'session', steps: ['security_code'],
    summary: 'Send the Security Code by SMS or voice to the Security Phone', body: S.SendSecurityCodeBody, response: S.SessionView,
    errors: ['channel_not_available', 'rate_limited', 'service_unavailable'],
  },
  verifySecurityCode: {
    method: 'POST', path: `${PORTAL_PREFIX}/session/security-code/verify`, auth: 'session', steps: ['security_code'],
    summary: 'Check the Security Code', body: S.VerifySecurityCodeBody, response: S.SessionView,
    errors: ['security_code_invalid', 'security_code_expired', 'security_code_attempts_exhausted', 'security_code_not_requested'],
  },
  changeSecret: {
    method: 'POST', path: `${PORTAL_PREFIX}/session/secret-code`, auth: 'session', steps: ['change_secret', 'authenticated'],
    summary: 'Change the secret code (mandatory for a temporary one)', body: S.ChangeSecretBody, response: S.SessionView,
    errors: ['invalid_credentials', 'secret_code_too_weak', 'secret_code_unchanged'],
  },
  accounts: {
    method: 'GET', path: `${PORTAL_PREFIX}/accounts`, auth: 'session', summary: 'Bank accounts summary', response: S.AccountsResponse,
  },
  operations: {
    method: 'GET', path: `${PORTAL_PREFIX}/operations`, auth: 'session', summary: "The company's operations and their status", response: S.OperationsResponse,
  },
  getOperation: {
    method: 'GET', path: `${PORTAL_PREFIX}/operations/:id`, auth: 'session',
    summary: 'One operation; long-polls until its status differs from knownStatus', params: S.IdParams, query: S.OperationQuery, response: S.OperationResponse,
    errors: ['validation_not_found'],
  },
  createTransfer: {
    method: 'POST', path: `${PORTAL_PREFIX}/operations/transfers`, auth: 'session', status: 201,
    summary: 'New transfer, awaiting validation on Secure Access', body: S.CreateTransferBody, response: S.OperationResponse,
    errors: ['invalid_amount', 'invalid_iban', 'invalid_execution_date', 'unsafe_text', 'currency_mismatch', 'insufficient_funds'],
  },
  createBeneficiary: {
    method: 'POST', path: `${PORTAL_PREFIX}/operations/beneficiaries`, auth: 'session', status: 201,
    summary: 'New beneficiary, awaiting validation on Secure Access', body: S.CreateBeneficiaryBody, response: S.OperationResponse,
    errors: ['invalid_iban', 'unsafe_text'],
  },
  checkPayee: {
    method: 'POST', path: `${PORTAL_PREFIX}/payee-check`, auth: 'session',
    summary: "Verification of Payee: does this name match the IBAN's holder, as the payee's bank knows it", body: S.PayeeCheckBody, response: S.PayeeCheckResponse,
    errors: ['invalid_iban', 'rate_limited'],
  },
  myDevices: {
    method: 'GET', path: `${PORTAL_PREFIX}/me/devices`, auth: 'session', summary: 'My devices', response: S.DevicesResponse,
  },
  revokeMyDevice: {
    method: 'POST', path: `${PORTAL_PREFIX}/me/devices/:id/revoke`, auth: 'session',
    summary: 'Revoke one of my devices', params: S.IdParams, response: S.DeviceResponse,
    errors: ['device_not_found'],
  },

  // ------------------------------------------------------------ administration
  listUsers: {
    method: 'GET', path: `${ADMIN_PREFIX}/users`, auth: 'admin', summary: "The company's users", response: S.UsersResponse,
  },
  createUser: {
    method: 'POST', path: `${ADMIN_PREFIX}/users`, auth: 'admin', status: 201,
    summary: 'Create a secondary user; the temporary secret code is shown once', body: S.CreateUserBody, response: S.CreatedUserResponse,
    errors: ['identifier_taken'],
  },
  lockUser: {
    method: 'POST', path: `${ADMIN_PREFIX}/users/:id/lock`, auth: 'admin', summary: 'Suspend a user', params: S.IdParams, response: S.UserResponse,
    errors: ['user_not_found', 'forbidden'],
  },
  unlockUser: {
    method: 'POST', path: `${ADMIN_PREFIX}/users/:id/unlock`, auth: 'admin',
    summary: 'Lift a suspension or a temporary lock', params: S.IdParams, response: S.UserResponse,
    errors: ['user_not_found', 'forbidden'],
  },
  listActivations: {
    method: 'GET', path: `${ADMIN_PREFIX}/activations`, auth: 'admin',
    summary: 'Gestion de la sécurité › Activation: pending activation requests and their codes', response: S.ActivationsResponse,
  },
  generateActivationCode: {
    method: 'POST', path: `${ADMIN_PREFIX}/activations/:id/code`, auth: 'admin',
    summary: 'Generate the 24-hour code of an activation request', params: S.IdParams, response: S.ActivationResponse,
    errors: ['enrolment_not_found', 'activation_code_not_issued', 'channel_not_available', 'activation_code_used', 'activation_attempts_exhausted'],
  },
  listCompanyDevices: {
    method: 'GET', path: `${ADMIN_PREFIX}/devices`, auth: 'admin', summary: "Every user's devices", response: S.CompanyDevicesResponse,
  },
  renameDevice: {
    method: 'PATCH', path: `${ADMIN_PREFIX}/devices/:id`, auth: 'admin',
    summary: 'Rename a device', params: S.IdParams, body: S.RenameDeviceBody, response: S.DeviceResponse,
    errors: ['device_not_found'],
  },
  revokeDevice: {
    method: 'POST', path: `${ADMIN_PREFIX}/devices/:id/revoke`, auth: 'admin',
    summary: 'Revoke a device of a company user', params: S.IdParams, response: S.DeviceResponse,
    errors: ['device_not_found'],
  },

  // ------------------------------------------------------------ back office and development
  createSubscription: {
    method: 'POST', path: '/api/ops/v1/subscriptions', auth: 'ops', status: 201,
    summary: 'Create a company subscription (requires a Security Phone for the primary administrator)',
    body: S.CreateSubscriptionBody, response: S.CreatedSubscriptionResponse,
    errors: ['security_phone_required', 'identifier_taken'],
  },
  downloads: {
    method: 'GET', path: '/api/public/v1/downloads', auth: 'none',
    summary: 'What the bank publishes for self-install: desktop installers (served at /downloads/<file>) and mobile store links', response: S.DownloadsResponse,
  },
  devOutbox: {
    method: 'GET', path: '/api/dev/v1/outbox', auth: 'dev', summary: 'SMS and voice messages "sent" (demo mode only)', response: S.OutboxResponse,
  },
} as const satisfies Record<string, RouteSpec>;

export type RouteName = keyof typeof ROUTES;

/** Errors a route may answer before its own work starts, by its authentication. */
const AUTH_ERRORS: Record<RouteAuth, readonly ErrorCode[]> = {
  none: [],
  signed: ['auth_missing', 'auth_unknown_key', 'auth_signature_invalid', 'auth_timestamp_out_of_window', 'auth_replayed'],
  device: ['auth_missing', 'auth_unknown_key', 'auth_signature_invalid', 'auth_timestamp_out_of_window', 'auth_replayed', 'auth_token_invalid', 'auth_token_expired'],
  session: ['session_required', 'session_expired', 'account_locked', 'step_required'],
  admin: ['session_required', 'session_expired', 'account_locked', 'step_required', 'forbidden'],
  ops: ['forbidden'],
  dev: ['not_found'],
};

/** Signed with the enrolment key (before activation) rather than a device key: the path names the enrolment. */
export function isEnrolmentKeyRoute(spec: RouteSpec): boolean {
  return spec.path.includes('/enrolments/:id');
}

/**
 * Every error code a route may answer: its input's (a body, parameters, a query), its authentication's, its own
 * work's (`errors`), and those any route may answer: `internal_error`, and `server_restarting` from an instance
 * shutting down. In that order, each once.
 */
export function routeErrorCodes(name: RouteName): ErrorCode[] {
  const spec: RouteSpec = ROUTES[name];
  const codes: ErrorCode[] = [];
  if (spec.method !== 'GET') codes.push('bad_request', 'body_too_large', 'unsupported_media_type');
  if (spec.params || spec.query) codes.push('bad_request');
  codes.push(...AUTH_ERRORS[spec.auth]);
  if (spec.auth === 'signed' || spec.auth === 'device') {
    // A device key's request fails for a revoked device or a suspended user; an enrolment key's for a closed enrolment.
    // A device whose approvals are locked (five wrong approval codes) is refused everything but removing itself.
    codes.push(...(isEnrolmentKeyRoute(spec) ? ['enrolment_not_found' as const] : ['device_revoked' as const, 'account_locked' as const, 'approval_code_locked' as const]));
  }
  if ((spec.auth === 'session' || spec.auth === 'admin') && spec.method !== 'GET') codes.push('csrf_invalid');
  codes.push(...(spec.errors ?? []), 'internal_error', 'server_restarting');
  return [...new Set(codes)];
}

/** Fills `:param` placeholders, URL-encoding each value. */
export function routePath(name: RouteName, params: Record<string, string> = {}): string {
  return ROUTES[name].path.replace(/:([A-Za-z]+)/g, (_, key: string) => {
    const value = params[key];
    if (value === undefined) throw new TypeError(`missing route parameter ${key}`);
    return encodeURIComponent(value);
  });
}
