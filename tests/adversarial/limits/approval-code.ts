/**
 * Issue 12: five wrong approval codes in a row on a device, then its approvals are locked. A pending transfer, the
 * device's approvals sent at once with its device key, one with the approval key the right code unmasks and the
 * others with keys a wrong code unmasks. Counted: every code the server evaluated (a wrong one is audited, a right
 * one records the approval); once the transfer is approved no code is evaluated for it, and at the fifth wrong one
 * the device is locked.
 */
import { TestDevice } from '../../harness/http-client';
import { SAMPLE_TRANSFER, adminWithDevice, pendingValidation, userIdOf } from '../../integration/server/helpers';
import type { LimitPlugin } from '../driver';
import { auditCount, sendSigned } from '../support';

export const approvalCodeAttempts: LimitPlugin = {
  name: 'approval code attempts: 5 wrong in a row per device, then its approvals are locked',
  burst: { right: 1, wrong: 99 },
  allowed: () => 5,
  maxAccepted: 1,
  refusals: ['approval_code_invalid', 'approval_code_locked', 'validation_already_decided'],
  async setUp([server]) {
    const { user, device } = await adminWithDevice(server!);
    const { operation } = await user.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER } });
    const validation = await pendingValidation(device, operation.id);
    const userId = await userIdOf(server!, user.identifier);
    const deviceId = device.keyId as string;
    return {
      attempt(kind, target) {
        const approvalKey = kind === 'right' ? device.approvalSecretKey : TestDevice.wrongApprovalKey();
        const body = device.decisionBody(validation, 'approve', null, validation.detailsHash, approvalKey);
        return sendSigned(target, device, deviceId, 'decide', { id: operation.id }, 'POST', body);
      },
      async state() {
        const wrong = await auditCount(server!, 'approval_code_failed', userId);
        const approvals = await server!.server.ctx.db.selectFrom('validations').select('id')
          .where('id', '=', operation.id).where('status', '=', 'approved').where('approval_signature', 'is not', null).execute();
        const row = await server!.server.ctx.db.selectFrom('devices').select(['status', 'approval_failures']).where('id', '=', deviceId).executeTakeFirstOrThrow();
        // The device's own count agrees with the audit: the right code cleared it, and none was evaluated after it.
        const expected = approvals.length === 1 ? 0 : wrong;
        if (row.approval_failures !== expected) throw new Error(`the device counts ${row.approval_failures} wrong codes, ${expected} expected (${wrong} audited)`);
        return { counted: wrong + approvals.length, reached: row.status === 'locked' || approvals.length === 1 };
      },
    };
  },
};
