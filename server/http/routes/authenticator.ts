/** The authenticator API: thin — check who calls, call a service, map the result. */
import { SecureAccessError, MAX_DEVICES_PER_USER, READS_HEADER, type PendingResponseT } from '../../../protocol/index';
import type { ServerContext } from '../../context';
import { approvalLockedError, changeApprovalKey, registerApprovalKey } from '../../services/approval-keys';
import { deviceView, revokeDevice } from '../../services/devices';
import { activate, createEnrolment, enrolmentView, getEnrolment, renameEnrolment, requestActivationCode } from '../../services/enrolments';
import { countActiveDevices, getUser, holderOf } from '../../services/users';
import { decide, validationOutcome, waitForPending } from '../../services/validations';
import { issueDeviceToken } from '../signed-auth';
import type { Handlers, SignedCaller } from '../types';

type AuthenticatorRoutes = 'createEnrolment' | 'getEnrolment' | 'renameEnrolment' | 'requestActivationCode' | 'activate' | 'issueDeviceToken' | 'getSelf' | 'removeSelf'
  | 'registerApprovalKey' | 'changeApprovalKey' | 'pendingValidations' | 'decide' | 'validationOutcome';

function enrolmentOf(caller: SignedCaller) {
  if (caller.kind !== 'enrolment') throw new SecureAccessError('auth_unknown_key', 'Activation requests are signed with the enrolment key.');
  return caller.enrolment;
}

/** The calling device; one whose approvals are locked may only remove itself (its user activates again). */
function deviceOf(caller: SignedCaller, { evenLocked = false } = {}) {
  if (caller.kind !== 'device') throw new SecureAccessError('auth_unknown_key', 'This request must be signed by an active device.');
  if (caller.device.status === 'locked' && !evenLocked) throw approvalLockedError();
  return caller.device;
}

/**
 * The wake-up latency metric: for a device that was waiting with its cursor, each validation created while it waited
 * (by the server's clock), from its creation to this answer.
 */
function recordWakeups(ctx: ServerContext, answer: PendingResponseT, waitingSince: number): void {
  const now = ctx.clock.now();
  for (const validation of answer.validations) {
    const createdAt = Date.parse(validation.createdAt);
    if (createdAt >= waitingSince) ctx.metrics.wakeup((now - createdAt) / 1000);
  }
}

/** Whether the client said it reads `maxWaitSeconds` (an older app refuses an answer carrying a field it does not know). */
function readsMaxWait(header: string | string[] | undefined): boolean {
  const value = Array.isArray(header) ? header.join(',') : header;
  return value !== undefined && value.split(',').some((name) => name.trim() === 'maxWaitSeconds');
}

export const authenticatorHandlers: Pick<Handlers, AuthenticatorRoutes> = {
  async createEnrolment({ ctx, body, origin }) {
    return { enrolment: await enrolmentView(ctx, await createEnrolment(ctx, body, origin)) };
  },
  async getEnrolment({ ctx, caller }) {
    return { enrolment: await enrolmentView(ctx, await getEnrolment(ctx, enrolmentOf(caller).id)) };
  },
  async renameEnrolment({ ctx, caller, body }) {
    return { enrolment: await enrolmentView(ctx, await renameEnrolment(ctx, enrolmentOf(caller), body.deviceName)) };
  },
  async requestActivationCode({ ctx, caller, body, origin }) {
    return { enrolment: await enrolmentView(ctx, await requestActivationCode(ctx, enrolmentOf(caller), body.channel, origin)) };
  },
  async activate({ ctx, caller, body, origin }) {
    return activate(ctx, enrolmentOf(caller).id, body.code, origin);
  },
  async getSelf({ ctx, caller }) {
    const device = deviceOf(caller);
    const user = await getUser(ctx, device.user_id);
    return { device: deviceView(device), holder: await holderOf(ctx, user), activeDevices: await countActiveDevices(ctx, user.id), maxDevices: ctx.limits.maxDevicesPerUser ?? MAX_DEVICES_PER_USER };
  },
  async removeSelf({ ctx, caller, origin }) {
    const device = deviceOf(caller, { evenLocked: true });
    await revokeDevice(ctx, device, { userId: device.user_id, reason: 'self' }, origin);
    return { ok: true as const };
  },
  async issueDeviceToken({ ctx, caller }) {
    return issueDeviceToken(ctx, deviceOf(caller));
  },
  async registerApprovalKey({ ctx, caller, body, origin }) {
    return { device: await registerApprovalKey(ctx, deviceOf(caller), body, origin) };
  },
  async changeApprovalKey({ ctx, caller, body, origin }) {
    return { device: await changeApprovalKey(ctx, deviceOf(caller), body, origin) };
  },
  async pendingValidations({ ctx, caller, query, cancellation, request }) {
    const startedAt = ctx.clock.now();
    // A longer ask than this server grants is held as long as it grants (the answer says how long that is).
    const maxWaitSeconds = ctx.limits.longPollMaxSeconds;
    const answer = await waitForPending(ctx, deviceOf(caller), query.cursor, Math.min(query.waitSeconds ?? 0, maxWaitSeconds), cancellation);
    if (query.cursor !== undefined && answer.cursor !== query.cursor) recordWakeups(ctx, answer, startedAt);
    return readsMaxWait(request.headers[READS_HEADER]) ? { ...answer, maxWaitSeconds } : answer;
  },
  async decide({ ctx, caller, params, body, origin }) {
    return decide(ctx, deviceOf(caller), params.id, body, origin);
  },
  async validationOutcome({ ctx, caller, params }) {
    return validationOutcome(ctx, deviceOf(caller), params.id);
  },
};
