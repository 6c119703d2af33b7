/**
 * Issue 11's adversarial suite: every counter and limit of the protocol under a burst of concurrent requests that
 * mixes the right answer with wrong ones, on SQLite, PostgreSQL and two PostgreSQL instances (see driver.ts and
 * README.md). A new limit is one plug-in file in limits/, listed here.
 */
import { describeLimits } from './driver';
import { activationCodeAttempts } from './limits/activation-code';
import { approvalCodeAttempts } from './limits/approval-code';
import { codeSecretAtAppSignIn, codeSecretAtPortalLogin } from './limits/code-secret';
import { activationCodeRequests, securityCodeRequests } from './limits/code-requests';
import { oneDecision } from './limits/decision';
import { deviceCap } from './limits/device-cap';
import { nonceReplay } from './limits/nonce-replay';
import { securityCodeAttempts } from './limits/security-code';

describeLimits([
  codeSecretAtPortalLogin,
  codeSecretAtAppSignIn,
  securityCodeAttempts,
  activationCodeAttempts,
  activationCodeRequests,
  securityCodeRequests,
  deviceCap,
  oneDecision,
  nonceReplay,
  approvalCodeAttempts,
]);
