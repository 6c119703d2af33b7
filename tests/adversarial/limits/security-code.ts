/** Rule 3: five attempts at the Code Sécurité per session; the fifth wrong one ends the session. */
import { routePath } from '../../../protocol/index';
import { userIdOf } from '../../integration/server/helpers';
import type { LimitPlugin } from '../driver';
import { auditCount, send, wrongDigits } from '../support';

export const securityCodeAttempts: LimitPlugin = {
  name: 'Code Sécurité attempts: 5 per session, then the session ends',
  burst: { right: 1, wrong: 99 },
  allowed: () => 5,
  maxAccepted: 1,
  refusals: ['security_code_invalid', 'security_code_attempts_exhausted', 'session_required', 'step_required'],
  async setUp([server]) {
    const { admin } = await server!.createCompany();
    const login = await fetch(server!.baseUrl + routePath('login'), {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ identifier: admin.identifier, secretCode: admin.temporarySecretCode }),
    });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const headers = { cookie, 'x-csrf-token': csrfToken };
    await send(server!, 'POST', routePath('sendSecurityCode'), headers, { channel: 'sms' });
    const code = await server!.latestCode('security_code', admin.securityPhone);
    const userId = await userIdOf(server!, admin.identifier);
    return {
      attempt: (kind, target, index) => send(target, 'POST', routePath('verifySecurityCode'), headers, { code: kind === 'right' ? code : wrongDigits(code, index) }),
      async state() {
        const failed = await auditCount(server!, 'security_code_failed', userId);
        const verified = await auditCount(server!, 'security_code_verified', userId);
        const session = await server!.server.ctx.db.selectFrom('portal_sessions').select(['ended_at', 'security_code_attempts']).where('user_id', '=', userId).executeTakeFirstOrThrow();
        return { counted: failed + verified, reached: session.ended_at !== null || session.security_code_attempts >= 5 };
      },
    };
  },
};
