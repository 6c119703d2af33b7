/** Small helpers the limit plug-ins share: raw answers, signed requests to any instance, audit counts. */
import { routePath, type RouteName } from '../../protocol/index';
import type { TestDevice } from '../harness/http-client';
import type { TestServer } from '../harness/server';
import { raw, signedHeaders, type RawSession } from '../integration/server/helpers';
import type { Answer } from './driver';

/** One JSON request exactly as given, to one instance; the answer as the driver reads it. */
export async function send(server: TestServer, method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<Answer> {
  const text = body === undefined ? undefined : JSON.stringify(body);
  const answer = await raw(server.baseUrl, method, path, { headers: text === undefined ? headers : { 'content-type': 'application/json', ...headers }, body: text });
  const code = (answer.json as { code?: unknown } | null)?.code;
  return { status: answer.status, code: typeof code === 'string' ? code : null };
}

/** A request signed by this key (a device or an enrolment), fresh nonce, the servers' time: valid on any instance. */
export async function sendSigned(server: TestServer, device: TestDevice, keyId: string, name: RouteName, params: Record<string, string>, method: string, body?: unknown): Promise<Answer> {
  const path = routePath(name, params);
  const text = body === undefined ? '' : JSON.stringify(body);
  const headers = await signedHeaders(device, keyId, method, path, text, { timestamp: server.clock.now() });
  return send(server, method, path, headers, body);
}

/** A portal request of one session (its cookie and CSRF token), to any instance: sessions live in the database. */
export function sendInSession(server: TestServer, session: RawSession, name: RouteName, method: string, body?: unknown): Promise<Answer> {
  return send(server, method, routePath(name), { cookie: session.cookie, 'x-csrf-token': session.csrfToken }, body);
}

export async function auditCount(server: TestServer, event: string, userId: string, detail?: { key: string; value: string }): Promise<number> {
  const rows = await server.server.ctx.db.selectFrom('audit_log').select('details_json').where('event', '=', event).where('user_id', '=', userId).execute();
  if (!detail) return rows.length;
  return rows.filter((row) => (JSON.parse(row.details_json) as Record<string, unknown>)[detail.key] === detail.value).length;
}

/** A wrong code of the same shape as the right one (never equal to it). */
export function wrongDigits(right: string, index: number): string {
  return String((Number(right) + 1 + index) % 10 ** right.length).padStart(right.length, '0');
}
