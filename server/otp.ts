/**
 * Delivery of SMS and voice codes to the Security Phone, through one interface with two real implementations:
 * the development outbox (stored, readable at /api/dev/v1/outbox and on the portal's /dev/outbox page in demo mode;
 * the log only says a message is there, never its code) and an HTTP gateway (POST to the bank's SMS/voice provider).
 */
import type { Kysely } from 'kysely';
import { SecureAccessError } from '../protocol/index';
import type { Clock, OtpGatewayConfig } from './config';
import type { Database } from './db/schema';
import { newId } from './ids';

export interface OtpMessage {
  to: string;
  channel: 'sms' | 'voice';
  text: string;
  purpose: 'security_code' | 'activation_code';
  userId: string;
}

export interface OtpSender {
  send(message: OtpMessage): Promise<void>;
}

/** "+33612345642" → "+33 6 •• •• •• 42": the Security Phone is never shown in full. */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/[^0-9+]/g, '');
  if (digits.length < 6) return '••••';
  const country = digits.startsWith('+33') ? '+33 ' + digits.slice(3, 4) : digits.slice(0, 3);
  return `${country} •• •• •• ${digits.slice(-2)}`;
}

export class DevelopmentOutbox implements OtpSender {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly log: (message: string, fields: Record<string, unknown>) => void,
  ) {}

  async send(message: OtpMessage): Promise<void> {
    await this.db.insertInto('outbox').values({
      id: newId('msg'), at: this.clock.now(), channel: message.channel, to_phone: message.to, text: message.text, purpose: message.purpose, user_id: message.userId,
    }).execute();
    // The code stays in the outbox: a log is read by more people, for longer, than a phone.
    this.log(`[development outbox] ${message.channel.toUpperCase()} to ${maskPhone(message.to)}: ${message.purpose === 'security_code' ? 'a Code Sécurité' : 'an activation code'}, on the development outbox page`, {
      channel: message.channel, purpose: message.purpose, userId: message.userId,
    });
  }
}

export class HttpOtpGateway implements OtpSender {
  constructor(private readonly config: OtpGatewayConfig) {}

  async send(message: OtpMessage): Promise<void> {
    let response: Response;
    try {
      response = await fetch(this.config.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(this.config.token ? { authorization: `Bearer ${this.config.token}` } : {}) },
        body: JSON.stringify({ to: message.to, channel: message.channel, text: message.text, purpose: message.purpose }),
        signal: AbortSignal.timeout(this.config.timeoutMs ?? 5000),
      });
    } catch {
      throw new SecureAccessError('service_unavailable', 'The SMS/voice service cannot be reached; try again in a moment.');
    }
    if (!response.ok) {
      throw new SecureAccessError('service_unavailable', `The SMS/voice service refused the message (HTTP ${response.status}); try again in a moment.`);
    }
  }
}

export function codeMessageText(code: string, purpose: OtpMessage['purpose'], channel: 'sms' | 'voice', validityMinutes: number): string {
  const what = purpose === 'security_code' ? 'Code Sécurité Espace Client' : "Code d'activation Secure Access";
  // Spoken digit by digit for a voice call.
  const shown = channel === 'voice' ? code.split('').join(' ') : code;
  return `${what} : ${shown}. Valable ${validityMinutes} minutes. Ne le communiquez à personne.`;
}
