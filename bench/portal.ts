/**
 * The Espace Client side of the load: a logged-in user clicks "validate the transfer", i.e. the portal API's
 * createTransfer with the session cookie and the CSRF header, exactly as the portal page sends it.
 */
import { ROUTES, type OperationResponseT } from '../protocol/index';
import { clockMs } from './stats';

export interface PortalSession {
  sessionToken: string;
  csrfToken: string;
}

const SESSION_COOKIE = 'sa_session';
/** A valid French IBAN (correct check digits). */
const PAYEE_IBAN = 'FR76 3000 6000 0112 3456 7890 189';

export interface CreatedValidation {
  id: string;
  /** clockMs() just before the request left, and when its answer was read. */
  sentAt: number;
  answeredAt: number;
  /** When the server created it (its own clock: the same machine's wall clock, in ms). */
  createdAt: number;
}

export async function createTransfer(baseUrl: string, session: PortalSession, sequence: number): Promise<CreatedValidation> {
  const body = JSON.stringify({
    amount: `${1 + (sequence % 9_000)}.${String(sequence % 100).padStart(2, '0')}`,
    currency: 'EUR',
    payeeName: 'Fournitures Martin SARL',
    iban: PAYEE_IBAN,
    reference: `Facture ${sequence}`,
  });
  const sentAt = clockMs();
  const response = await fetch(`${baseUrl}${ROUTES.createTransfer.path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      cookie: `${SESSION_COOKIE}=${session.sessionToken}`,
      'x-csrf-token': session.csrfToken,
      'user-agent': 'Mozilla/5.0 (Secure Access bench)',
    },
    body,
  });
  const text = await response.text();
  const answeredAt = clockMs();
  if (response.status !== 201) throw new Error(`createTransfer answered ${response.status}: ${text.slice(0, 200)}`);
  const { operation } = JSON.parse(text) as OperationResponseT;
  return { id: operation.id, sentAt, answeredAt, createdAt: Date.parse(operation.createdAt) };
}
