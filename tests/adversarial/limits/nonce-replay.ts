/**
 * Rule 17: a signed request is accepted once. One captured request sent a hundred times at once to every instance,
 * with copies whose signature was altered (same nonce): one answer 200, every other refused.
 */
import { routePath } from '../../../protocol/index';
import { adminWithDevice, signedHeaders } from '../../integration/server/helpers';
import type { Answer, LimitPlugin } from '../driver';
import { send } from '../support';

export const nonceReplay: LimitPlugin = {
  name: 'signed requests: each nonce once, on every instance',
  burst: { right: 80, wrong: 20 },
  allowed: () => 1,
  maxAccepted: 1,
  refusals: ['auth_replayed', 'auth_signature_invalid'],
  async setUp([server]) {
    const { device } = await adminWithDevice(server!);
    const path = routePath('getSelf');
    const headers = await signedHeaders(device, device.keyId as string, 'GET', path, '', { timestamp: server!.clock.now() });
    const signature = headers['x-sa-signature'] as string;
    const forged = { ...headers, 'x-sa-signature': `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BA' : 'AA'}` };
    let accepted = 0;
    return {
      async attempt(kind, target): Promise<Answer> {
        const answer = await send(target, 'GET', path, kind === 'right' ? headers : forged);
        if (answer.status === 200) accepted += 1;
        return answer;
      },
      async state() {
        const nonce = await server!.server.ctx.db.selectFrom('request_nonces').select('nonce')
          .where('key_id', '=', device.keyId as string).where('nonce', '=', headers['x-sa-nonce'] as string).execute();
        return { counted: accepted, reached: nonce.length === 1 };
      },
    };
  },
};
