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
  },
  getEnrolment: {
    method: 'GET', path: `${AUTHENTICATOR_PREFIX}/enrolments/:id`, auth: 'signed',
    summary: 'Enrolment state (signed with the enrolment key)', params: S.IdParams, response: S.EnrolmentResponse,
  },
  renameEnrolment: {
    method: 'PATCH', path: `${AUTHENTICATOR_PREFIX}/enrolments/:id`, auth: 'signed',
    summary: 'Name the device (before its activation code is requested)', params: S.IdParams, body: S.RenameEnrolmentBody, response: S.EnrolmentResponse,
  },
  requestActivationCode: {
    method: 'POST', path: `${AUTHENTICATOR_PREFIX}/enrolments/:id/code`, auth: 'signed',
    summary: 'Ask for an activation code: SMS/voice, from Administration, or a request to the administrator',
    params: S.IdParams, body: S.RequestCodeBody, response: S.EnrolmentResponse,
  },
  activate: {
    method: 'POST', path: `${AUTHENTICATOR_PREFIX}/enrolments/:id/activate`, auth: 'signed',
    summary: 'Activate with the code; the signature proves possession of the enrolment key',
    params: S.IdParams, body: S.ActivateBody, response: S.ActivateResponse,
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
  },
  changeApprovalKey: {
    method: 'POST', path: `${AUTHENTICATOR_PREFIX}/devices/self/approval-key/change`, auth: 'signed',
    summary: 'Replace the approval key, signed by the current one (the approval code changed)', body: S.ChangeApprovalKeyBody, response: S.DeviceResponse,
  },
  pendingValidations: {
    method: 'GET', path: `${AUTHENTICATOR_PREFIX}/validations/pending`, auth: 'device',
    summary: 'Long-poll: pending validations of this account, answered at once if the cursor is stale',
    query: S.PendingQuery, response: S.PendingResponse,
  },
  decide: {
    method: 'POST', path: `${AUTHENTICATOR_PREFIX}/validations/:id/decision`, auth: 'device',
    summary: 'Approve or reject, signed over the canonical decision bytes (an approval also by the approval key)', params: S.IdParams, body: S.DecisionBody, response: S.DecisionResponse,
  },
  validationOutcome: {
    method: 'GET', path: `${AUTHENTICATOR_PREFIX}/validations/:id`, auth: 'device',
    summary: "How one of this account's requests ended: status, time, and the device that decided it", params: S.IdParams, response: S.ValidationOutcome,
  },

  // ------------------------------------------------------------ portal
  login: {
    method: 'POST', path: `${PORTAL_PREFIX}/session`, auth: 'none',
    summary: 'Identifier + secret code; opens a session at its first step', body: S.LoginBody, response: S.SessionView,
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
  },
  verifySecurityCode: {
    method: 'POST', path: `${PORTAL_PREFIX}/session/security-code/verify`, auth: 'session', steps: ['security_code'],
    summary: 'Check the Security Code', body: S.VerifySecurityCodeBody, response: S.SessionView,
  },
  changeSecret: {
    method: 'POST', path: `${PORTAL_PREFIX}/session/secret-code`, auth: 'session', steps: ['change_secret', 'authenticated'],
    summary: 'Change the secret code (mandatory for a temporary one)', body: S.ChangeSecretBody, response: S.SessionView,
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
  },
  createTransfer: {
    method: 'POST', path: `${PORTAL_PREFIX}/operations/transfers`, auth: 'session', status: 201,
    summary: 'New transfer, awaiting validation on Secure Access', body: S.CreateTransferBody, response: S.OperationResponse,
  },
  createBeneficiary: {
    method: 'POST', path: `${PORTAL_PREFIX}/operations/beneficiaries`, auth: 'session', status: 201,
    summary: 'New beneficiary, awaiting validation on Secure Access', body: S.CreateBeneficiaryBody, response: S.OperationResponse,
  },
  checkPayee: {
    method: 'POST', path: `${PORTAL_PREFIX}/payee-check`, auth: 'session',
    summary: "Verification of Payee: does this name match the IBAN's holder, as the payee's bank knows it", body: S.PayeeCheckBody, response: S.PayeeCheckResponse,
  },
  myDevices: {
    method: 'GET', path: `${PORTAL_PREFIX}/me/devices`, auth: 'session', summary: 'My devices', response: S.DevicesResponse,
  },
  revokeMyDevice: {
    method: 'POST', path: `${PORTAL_PREFIX}/me/devices/:id/revoke`, auth: 'session',
    summary: 'Revoke one of my devices', params: S.IdParams, response: S.DeviceResponse,
  },

  // ------------------------------------------------------------ administration
  listUsers: {
    method: 'GET', path: `${ADMIN_PREFIX}/users`, auth: 'admin', summary: "The company's users", response: S.UsersResponse,
  },
  createUser: {
    method: 'POST', path: `${ADMIN_PREFIX}/users`, auth: 'admin', status: 201,
    summary: 'Create a secondary user; the temporary secret code is shown once', body: S.CreateUserBody, response: S.CreatedUserResponse,
  },
  lockUser: {
    method: 'POST', path: `${ADMIN_PREFIX}/users/:id/lock`, auth: 'admin', summary: 'Suspend a user', params: S.IdParams, response: S.UserResponse,
  },
  unlockUser: {
    method: 'POST', path: `${ADMIN_PREFIX}/users/:id/unlock`, auth: 'admin',
    summary: 'Lift a suspension or a temporary lock', params: S.IdParams, response: S.UserResponse,
  },
  listActivations: {
    method: 'GET', path: `${ADMIN_PREFIX}/activations`, auth: 'admin',
    summary: 'Gestion de la sécurité › Activation: pending activation requests and their codes', response: S.ActivationsResponse,
  },
  generateActivationCode: {
    method: 'POST', path: `${ADMIN_PREFIX}/activations/:id/code`, auth: 'admin',
    summary: 'Generate the 24-hour code of an activation request', params: S.IdParams, response: S.ActivationResponse,
  },
  listCompanyDevices: {
    method: 'GET', path: `${ADMIN_PREFIX}/devices`, auth: 'admin', summary: "Every user's devices", response: S.CompanyDevicesResponse,
  },
  renameDevice: {
    method: 'PATCH', path: `${ADMIN_PREFIX}/devices/:id`, auth: 'admin',
    summary: 'Rename a device', params: S.IdParams, body: S.RenameDeviceBody, response: S.DeviceResponse,
  },
  revokeDevice: {
    method: 'POST', path: `${ADMIN_PREFIX}/devices/:id/revoke`, auth: 'admin',
    summary: 'Revoke a device of a company user', params: S.IdParams, response: S.DeviceResponse,
  },

  // ------------------------------------------------------------ back office and development
  createSubscription: {
    method: 'POST', path: '/api/ops/v1/subscriptions', auth: 'ops', status: 201,
    summary: 'Create a company subscription (requires a Security Phone for the primary administrator)',
    body: S.CreateSubscriptionBody, response: S.CreatedSubscriptionResponse,
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

/** Fills `:param` placeholders, URL-encoding each value. */
export function routePath(name: RouteName, params: Record<string, string> = {}): string {
  return ROUTES[name].path.replace(/:([A-Za-z]+)/g, (_, key: string) => {
    const value = params[key];
    if (value === undefined) throw new TypeError(`missing route parameter ${key}`);
    return encodeURIComponent(value);
  });
}
