/**
 * Rule 12: at most five active devices per user. Twenty enrolments of one user, each with its code: for each, its
 * right code and four wrong ones, all at once (each enrolment's five attempts are all allowed).
 */
import type { TestDevice } from '../../harness/http-client';
import { adminWithDevice, startEnrolment, userIdOf } from '../../integration/server/helpers';
import type { LimitPlugin } from '../driver';
import { sendSigned } from '../support';

const ENROLMENTS = 20;

export const deviceCap: LimitPlugin = {
  name: 'active devices: 5 per user, whatever arrives at once',
  burst: { right: ENROLMENTS, wrong: 4 * ENROLMENTS },
  allowed: () => 5,
  maxAccepted: 5,
  refusals: ['device_limit_reached', 'activation_code_invalid', 'activation_attempts_exhausted', 'activation_code_used'],
  async setUp([server]) {
    const { user: admin } = await adminWithDevice(server!);
    const secondary = await server!.readySecondaryUser(admin.portal, 'Marc Petit');
    const userId = await userIdOf(server!, secondary.identifier);
    const ready: { device: TestDevice; enrolmentId: string; code: string }[] = [];
    // One more than the burst uses: the right attempt after it.
    for (let i = 0; i <= ENROLMENTS; i++) {
      const { device, enrolment } = await startEnrolment(server!, secondary, `Appareil ${i + 1}`);
      await device.call('requestActivationCode', { params: { id: enrolment.id }, body: {} }, enrolment.id);
      const { activation } = await admin.portal.call('generateActivationCode', { params: { id: enrolment.id } });
      ready.push({ device, enrolmentId: enrolment.id, code: activation.code as string });
    }
    let rights = 0;
    let wrongs = 0;
    return {
      attempt(kind, target) {
        const entry = ready[kind === 'right' ? rights++ : wrongs++ % ENROLMENTS] as (typeof ready)[number];
        const code = kind === 'right' ? entry.code : `${entry.code.slice(0, -1)}${entry.code.endsWith('A') ? 'B' : 'A'}`;
        return sendSigned(target, entry.device, entry.enrolmentId, 'activate', { id: entry.enrolmentId }, 'POST', { code });
      },
      async state() {
        const active = await server!.server.ctx.db.selectFrom('devices').select('id').where('user_id', '=', userId).where('status', '=', 'active').execute();
        return { counted: active.length, reached: active.length >= 5 };
      },
    };
  },
};
