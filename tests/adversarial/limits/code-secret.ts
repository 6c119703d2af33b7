/**
 * Rule 5: five wrong Code Secret in a row lock the account, at portal login and at the app's sign-in alike. The
 * burst comes after two wrong codes (as in the attack reported): three more may be checked, no more.
 */
import { generateSecretKey, publicKeyOf, routePath, toBase64Url } from '../../../protocol/index';
import { adminWithDevice, userIdOf } from '../../integration/server/helpers';
import type { LimitPlugin } from '../driver';
import { auditCount, send } from '../support';

const EARLIER_FAILURES = 2;

function codeSecretLimit(path: 'portal login' | 'app sign-in'): LimitPlugin {
  return {
    name: `Code Secret attempts at ${path}: 5 in a row, then locked`,
    burst: { right: 1, wrong: 100 },
    // Counted in the burst: three more wrong ones after the two; a success restarts the count (itself, then five).
    allowed: (accepted) => 5 - EARLIER_FAILURES + accepted * 6,
    maxAccepted: 1,
    refusals: ['invalid_credentials', 'account_locked'],
    async setUp([server]) {
      const { user } = await adminWithDevice(server!);
      const userId = await userIdOf(server!, user.identifier);
      const successEvent = path === 'portal login' ? 'login_succeeded' : 'enrolment_started';
      const attempt = (secretCode: string, target = server!) => path === 'portal login'
        ? send(target, 'POST', routePath('login'), {}, { identifier: user.identifier, secretCode })
        : send(target, 'POST', routePath('createEnrolment'), {}, {
          identifier: user.identifier, secretCode, deviceName: 'PC pirate', publicKey: toBase64Url(publicKeyOf(generateSecretKey())), platform: 'linux', appVersion: 'x',
        });
      for (let i = 0; i < EARLIER_FAILURES; i++) await attempt('Mauvais2026');
      const [failedBefore, succeededBefore] = [await auditCount(server!, 'login_failed', userId), await auditCount(server!, successEvent, userId)];
      return {
        attempt: (kind, target, index) => attempt(kind === 'right' ? user.secretCode : `Mauvais${index}`, target),
        async state() {
          const failed = (await auditCount(server!, 'login_failed', userId)) - failedBefore;
          const succeeded = (await auditCount(server!, successEvent, userId)) - succeededBefore;
          const row = await server!.server.ctx.db.selectFrom('users').select('locked_until').where('id', '=', userId).executeTakeFirstOrThrow();
          return { counted: failed + succeeded, reached: row.locked_until !== null && row.locked_until > server!.clock.now() };
        },
      };
    },
  };
}

export const codeSecretAtPortalLogin = codeSecretLimit('portal login');
export const codeSecretAtAppSignIn = codeSecretLimit('app sign-in');
