/**
 * Rule 11: new codes are rate-limited per account (SMS and voice cost money and can harass a phone). Right: a
 * request for a code; wrong: a request the server refuses for what it says (it must not use up the allowance).
 */
import { routePath } from '../../../protocol/index';
import { startEnrolment } from '../../integration/server/helpers';
import type { LimitPlugin } from '../driver';
import { ADVERSARIAL_LIMITS } from '../driver';
import { send, sendSigned } from '../support';

const PER_ACCOUNT = ADVERSARIAL_LIMITS.codeRequestsPerAccount as number;

async function codesSentTo(server: Parameters<LimitPlugin['setUp']>[0][number], phone: string, purpose: 'activation_code' | 'security_code'): Promise<number> {
  const rows = await server.server.ctx.db.selectFrom('outbox').select('id').where('to_phone', '=', phone).where('purpose', '=', purpose).execute();
  return rows.length;
}

export const activationCodeRequests: LimitPlugin = {
  name: `activation code requests: ${PER_ACCOUNT} per account and window, then rate_limited`,
  burst: { right: 80, wrong: 20 },
  allowed: () => PER_ACCOUNT,
  maxAccepted: PER_ACCOUNT,
  refusals: ['rate_limited', 'bad_request'],
  async setUp([server]) {
    const admin = await server!.readyPrimaryAdmin();
    const { device, enrolment } = await startEnrolment(server!, admin, 'PC bureau');
    const phone = admin.securityPhone as string;
    return {
      // Wrong: no channel, where the code goes to the Security Phone (refused before anything is counted).
      attempt: (kind, target) => sendSigned(target, device, enrolment.id, 'requestActivationCode', { id: enrolment.id }, 'POST', kind === 'right' ? { channel: 'sms' } : {}),
      async state() {
        const sent = await codesSentTo(server!, phone, 'activation_code');
        return { counted: sent, reached: sent >= PER_ACCOUNT };
      },
    };
  },
};

export const securityCodeRequests: LimitPlugin = {
  name: `Code Sécurité sends: ${PER_ACCOUNT} per account and window, then rate_limited`,
  burst: { right: 80, wrong: 20 },
  allowed: () => PER_ACCOUNT,
  maxAccepted: PER_ACCOUNT,
  refusals: ['rate_limited', 'bad_request'],
  async setUp([server]) {
    const { admin } = await server!.createCompany();
    const login = await fetch(server!.baseUrl + routePath('login'), {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ identifier: admin.identifier, secretCode: admin.temporarySecretCode }),
    });
    const headers = { cookie: (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '', 'x-csrf-token': ((await login.json()) as { csrfToken: string }).csrfToken };
    return {
      attempt: (kind, target) => send(target, 'POST', routePath('sendSecurityCode'), headers, { channel: kind === 'right' ? 'voice' : 'fax' }),
      async state() {
        const sent = await codesSentTo(server!, admin.securityPhone, 'security_code');
        return { counted: sent, reached: sent >= PER_ACCOUNT };
      },
    };
  },
};
