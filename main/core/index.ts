/** main/core's public face for the shell, the composition root and the test harnesses. */
export type { AuthenticatorCore, CoreEvents, CoreHandlers } from './api';
export { ApiClient, RequestAborted, type RequestSigner } from './api-client';
export { accountLabel, activationStep, createAuthenticator, NO_POLICY, proposedDeviceName, type AuthenticatorDeps } from './authenticator';
export { backoffDelay, RECONNECT_BACKOFF, type BackoffPolicy } from './backoff';
export { CoreError, errorCode, isAppErrorCode, toBridgeErrorBody, toInvokeResult } from './errors';
export { DEFAULT_INBOX_OPTIONS, type InboxOptions } from './inbox';
export { invokeCore, isBridgeMethod } from './invoke';
export { parseInput } from './inputs';
export * from './ports';
export { normalizeServerUrl } from '../../protocol/server-url';
export {
  defaultPersistedState, describeStateProblem, isPersistedState, loadPersistedState, PersistedState, type PersistedStateT, type StoredAccountT,
} from './state';
