/** The server's JSON log lines kept in memory, for tests that read what the server logged. */
import type { Kysely } from 'kysely';
import type { Database } from '../../server/db/schema';
import { createLogger, type Logger } from '../../server/ops/logging';

export interface CapturedLog {
  logger: Logger;
  /** Every line as written (JSON text). */
  text(): string;
  entries(): Record<string, unknown>[];
}

export function captureLog(level: 'info' | 'debug' = 'info'): CapturedLog {
  const lines: string[] = [];
  const logger = createLogger({ level, format: 'json', destination: { write: (line: string) => void lines.push(line) } });
  return {
    logger,
    text: () => lines.join(''),
    entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/**
 * Every secret the bank's database knows of, in the clear, that passed through requests or answers: the one-time codes
 * sent (outbox) and shown to administrators, the sessions' CSRF tokens, the decisions' signatures, the servers' HMAC
 * keys. (Secret Codes and session tokens are stored hashed: the test that typed them adds them itself.)
 */
export async function secretsInDatabase(db: Kysely<Database>): Promise<string[]> {
  const [outbox, enrolments, sessions, validations, serverSecrets] = await Promise.all([
    db.selectFrom('outbox').select('text').execute(),
    db.selectFrom('enrolments').select('code_display').where('code_display', 'is not', null).execute(),
    db.selectFrom('portal_sessions').select('csrf_token').execute(),
    db.selectFrom('validations').select('decision_signature').where('decision_signature', 'is not', null).execute(),
    db.selectFrom('server_secrets').select('value').execute(),
  ]);
  return [
    ...outbox.flatMap((row) => [...row.text.matchAll(/[0-9](?: ?[0-9]){7}/g)].map((match) => match[0].replace(/ /g, ''))),
    ...enrolments.map((row) => String(row.code_display).replace(/\s/g, '')),
    ...sessions.map((row) => row.csrf_token),
    ...validations.map((row) => row.decision_signature as string),
    ...serverSecrets.map((row) => row.value),
  ];
}

/** The secrets that appear in the text; a code counts only as a number of its own (not inside a longer one). */
export function leakedSecrets(text: string, secrets: string[]): string[] {
  const escape = (value: string) => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return [...new Set(secrets.filter((secret) => secret.length > 0))].filter((secret) => {
    const pattern = /^[0-9]+$/.test(secret) ? new RegExp(`(?<![0-9])${escape(secret)}(?![0-9])`) : new RegExp(escape(secret));
    return pattern.test(text);
  });
}
