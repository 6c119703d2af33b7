/**
 * Rule 18: one decision per validation. A transfer, two devices of its user: valid approvals from both, and
 * decisions that must fail (a signature by the other device's key, details that are not the stored ones). The
 * debit is made once, with the one decision recorded.
 */
import type { TestDevice } from '../../harness/http-client';
import { SAMPLE_TRANSFER, adminWithDevice, pendingValidation, userIdOf } from '../../integration/server/helpers';
import type { LimitPlugin } from '../driver';
import { auditCount, sendSigned } from '../support';

export const oneDecision: LimitPlugin = {
  name: 'decisions: one per validation, and one debit',
  burst: { right: 20, wrong: 80 },
  allowed: () => 1,
  maxAccepted: 1,
  refusals: ['validation_already_decided', 'decision_signature_invalid', 'details_mismatch'],
  async setUp([server]) {
    const { user, device } = await adminWithDevice(server!);
    const other = await server!.activateDevice(user, { deviceName: 'Portable' });
    const { accounts } = await user.portal.call('accounts');
    const account = accounts.find((candidate) => candidate.name === 'Compte courant')!;
    const { operation } = await user.portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER, debitAccountId: account.id } });
    const userId = await userIdOf(server!, user.identifier);
    const validation = await pendingValidation(device, operation.id);
    const devices: TestDevice[] = [device, other];
    const balanceMinor = async () => (await server!.server.ctx.db.selectFrom('bank_accounts').select('balance_minor').where('id', '=', account.id).executeTakeFirstOrThrow()).balance_minor;
    const before = await balanceMinor();
    return {
      attempt(kind, target, index) {
        const signer = devices[index % 2] as TestDevice;
        const body = signer.decisionBody(validation, 'approve', null, kind === 'wrong' && index % 3 === 0 ? 'X'.repeat(43) : validation.detailsHash);
        // The other wrong ones: signed by this device, sent in the other's name.
        const sender = kind === 'wrong' && index % 3 !== 0 ? (devices[(index + 1) % 2] as TestDevice) : signer;
        return sendSigned(target, sender, sender.keyId as string, 'decide', { id: operation.id }, 'POST', body);
      },
      async state() {
        const decided = await auditCount(server!, 'validation_decided', userId, { key: 'validationId', value: operation.id });
        const debited = before - (await balanceMinor());
        // Counted: each recorded decision, and each debit beyond the one the approval makes.
        const row = await server!.server.ctx.db.selectFrom('validations').select('status').where('id', '=', operation.id).executeTakeFirstOrThrow();
        const debits = debited / 1_234_567;
        if (!Number.isInteger(debits)) throw new Error(`half a debit: ${debited}`);
        return { counted: Math.max(decided, debits), reached: row.status !== 'pending' };
      },
    };
  },
};
