/**
 * The demo company of an empty database: a primary administrator with a temporary secret code and a Security
 * Phone, as the bank's agency would have set up at subscription. Printed once, for the person trying the demo.
 */
import type { ServerContext } from './context';
import { createSubscription } from './services/users';

export interface DemoSeed {
  companyName: string;
  identifier: string;
  temporarySecretCode: string;
  securityPhone: string;
}

export const DEMO_COMPANY = 'Durand Industrie SAS';
export const DEMO_ADMIN = { identifier: 'admin.durand', displayName: 'Claire Durand', securityPhone: '+33612345678' };

export async function seedDemoIfEmpty(ctx: ServerContext): Promise<DemoSeed | null> {
  const any = await ctx.db.selectFrom('companies').select('id').limit(1).executeTakeFirst();
  if (any) return null;
  const created = await createSubscription(ctx, { companyName: DEMO_COMPANY, primaryAdmin: DEMO_ADMIN });
  return { companyName: DEMO_COMPANY, identifier: DEMO_ADMIN.identifier, temporarySecretCode: created.temporarySecretCode, securityPhone: DEMO_ADMIN.securityPhone };
}
