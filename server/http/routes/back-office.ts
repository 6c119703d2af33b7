/** The bank's back office (subscriptions) and the development outbox. */
import { createSubscription } from '../../services/users';
import { iso } from '../../context';
import type { Handlers } from '../types';

export const backOfficeHandlers: Pick<Handlers, 'createSubscription' | 'devOutbox'> = {
  async createSubscription({ ctx, body }) {
    return createSubscription(ctx, body);
  },
  async devOutbox({ ctx }) {
    const rows = await ctx.db.selectFrom('outbox').selectAll().orderBy('at', 'desc').limit(100).execute();
    return { messages: rows.map((row) => ({ id: row.id, at: iso(row.at), channel: row.channel, to: row.to_phone, text: row.text, purpose: row.purpose })) };
  },
};
