/** Rules 10–11: five attempts at an activation code per enrolment; the fifth wrong one kills the code. */
import { adminWithDevice, startEnrolment, userIdOf } from '../../integration/server/helpers';
import type { LimitPlugin } from '../driver';
import { auditCount, sendSigned } from '../support';

const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

export const activationCodeAttempts: LimitPlugin = {
  name: 'activation code attempts: 5 per enrolment, then the code is dead',
  burst: { right: 1, wrong: 99 },
  allowed: () => 5,
  maxAccepted: 1,
  refusals: ['activation_code_invalid', 'activation_attempts_exhausted', 'activation_code_used'],
  async setUp([server]) {
    const { user } = await adminWithDevice(server!);
    const { device, enrolment } = await startEnrolment(server!, user, 'Portable');
    await device.call('requestActivationCode', { params: { id: enrolment.id }, body: {} }, enrolment.id);
    const { activations } = await user.portal.call('listActivations');
    const code = activations.find((activation) => activation.enrolmentId === enrolment.id)?.code as string;
    const wrong = (index: number) => {
      const letters = [...code.replace(/-/g, '')];
      letters[index % letters.length] = ALPHABET[(ALPHABET.indexOf(letters[index % letters.length] as string) + 1 + (index % 7)) % ALPHABET.length] as string;
      return letters.join('');
    };
    const userId = await userIdOf(server!, user.identifier);
    const activatedBefore = await auditCount(server!, 'device_activated', userId);
    return {
      attempt: (kind, target, index) => sendSigned(target, device, enrolment.id, 'activate', { id: enrolment.id }, 'POST', { code: kind === 'right' ? code : wrong(index) }),
      async state() {
        const failed = await auditCount(server!, 'activation_code_failed', userId, { key: 'enrolmentId', value: enrolment.id });
        const activated = (await auditCount(server!, 'device_activated', userId)) - activatedBefore;
        const row = await server!.server.ctx.db.selectFrom('enrolments').select(['state', 'failed_attempts']).where('id', '=', enrolment.id).executeTakeFirstOrThrow();
        return { counted: failed + activated, reached: row.state === 'failed' || row.state === 'active' };
      },
    };
  },
};
