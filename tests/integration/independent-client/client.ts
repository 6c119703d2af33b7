/**
 * A Secure Access client written from docs/protocol.md and docs/protocol-reference.md alone, as a bank's integrator
 * would write one: plain fetch and node:crypto, nothing of this repository (a lint rule keeps protocol/, main/ and
 * server/ out of this folder). If the story cannot be walked with what the documents say, they are incomplete.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** "Canonical JSON" in protocol.md, rule by rule. */
export function canonicalJson(value: Json): string {
  if (value === null) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new TypeError(`not a safe integer: ${value}`);
    return Object.is(value, -0) ? '0' : String(value);
  }
  if (typeof value === 'string') return quote(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  // UTF-16 code units, compared one by one: what < does on JavaScript strings.
  const keys = Object.keys(value).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${keys.map((key) => `${quote(key)}:${canonicalJson(value[key] as Json)}`).join(',')}}`;
}

const SHORT_ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function quote(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    const char = text[i] as string;
    if (SHORT_ESCAPES[char]) out += SHORT_ESCAPES[char];
    else if (unit < 0x20) out += `\\u${unit.toString(16).padStart(4, '0')}`;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && text.charCodeAt(i + 1) >= 0xdc00 && text.charCodeAt(i + 1) <= 0xdfff) {
      out += char + text[i + 1];
      i++;
    } else if (unit >= 0xd800 && unit <= 0xdfff) out += `\\u${unit.toString(16)}`; // a lone surrogate
    else out += char;
  }
  return `${out}"`;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64url');
}

export function detailsHash(details: Json): string {
  return sha256(`secure-access/v1/details\n${canonicalJson(details)}`);
}

export function requestLines(keyId: string, method: string, pathAndQuery: string, timestamp: number, nonce: string, body: string): string {
  return ['secure-access/v1/request', keyId, method.toUpperCase(), pathAndQuery, String(timestamp), nonce, sha256(body)].join('\n');
}

export function decisionLines(input: { id: string; nonce: string; decision: string; detailsHash: string; deviceId: string; decidedAt: number; numberChoice: number | null }): string {
  return ['secure-access/v1/decision', input.id, input.nonce, input.decision, input.detailsHash, input.deviceId, String(input.decidedAt),
    input.numberChoice === null ? '-' : String(input.numberChoice)].join('\n');
}

/** The server's clock as this client knows it: from the `Date` header, then from `serverTime` (protocol.md). */
/** The approval code's second signature, over the same facts as the decision but the decision itself. */
export function approvalLines(input: { id: string; nonce: string; detailsHash: string; deviceId: string; decidedAt: number; numberChoice: number | null }): string {
  return ['secure-access/v1/approval', input.id, input.nonce, input.detailsHash, input.deviceId, String(input.decidedAt),
    input.numberChoice === null ? '-' : String(input.numberChoice)].join('\n');
}

export function approvalKeyLines(deviceId: string, publicKey: string): string {
  return ['secure-access/v1/approval-key', deviceId, publicKey].join('\n');
}

export class ServerClock {
  private offsetMs = 0;

  fromDateHeader(header: string | null): void {
    if (!header) return;
    // To the second: the middle of that second is the best guess.
    this.offsetMs = Date.parse(header) + 500 - Date.now();
  }

  fromServerTime(iso: string): void {
    this.offsetMs = Date.parse(iso) - Date.now();
  }

  now(): number {
    return Math.round(Date.now() + this.offsetMs);
  }
}

export class ProtocolError extends Error {
  constructor(readonly status: number, readonly body: { code?: string; field?: string; [fact: string]: unknown }) {
    super(`${status} ${body.code ?? ''}: ${String(body.message ?? '')}`);
  }
}

export interface Answer {
  status: number;
  json: Record<string, unknown>;
  headers: Headers;
}

async function exchange(url: string, init: { method: string; headers: Record<string, string>; body?: string }, clock: ServerClock): Promise<Answer> {
  const response = await fetch(url, init);
  clock.fromDateHeader(response.headers.get('date'));
  const text = await response.text();
  const json = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
  if (!response.ok) throw new ProtocolError(response.status, json as ProtocolError['body']);
  return { status: response.status, json, headers: response.headers };
}

/** A browser-like portal client: the sa_session cookie, and x-csrf-token on everything but GET. */
export class Portal {
  private cookie: string | null = null;
  private csrfToken: string | null = null;
  readonly clock = new ServerClock();

  constructor(private readonly baseUrl: string) {}

  async call(method: string, path: string, body?: Json): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (this.cookie) headers.cookie = this.cookie;
    if (method !== 'GET' && this.csrfToken) headers['x-csrf-token'] = this.csrfToken;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const answer = await exchange(this.baseUrl + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }, this.clock);
    const setCookie = answer.headers.get('set-cookie');
    if (setCookie?.startsWith('sa_session=')) this.cookie = setCookie.split(';')[0] as string;
    if (typeof answer.json.csrfToken === 'string') this.csrfToken = answer.json.csrfToken;
    return answer;
  }
}

/** An installation of the authenticator: one Ed25519 key pair, its key id, its device token. */
export class Device {
  readonly clock = new ServerClock();
  private readonly privateKey: KeyObject;
  readonly publicKey: string;
  keyId: string | null = null;
  private token: { value: string; expiresAt: number } | null = null;
  /**
   * The approval key (the approval code's): how a client keeps it is its own affair as long as nothing it stores can
   * confirm a guess of the code (protocol.md); this client only holds it in memory.
   */
  private approvalKey: KeyObject | null = null;

  constructor(private readonly baseUrl: string) {
    const pair = generateKeyPairSync('ed25519');
    this.privateKey = pair.privateKey;
    // The JWK's x is the raw 32-byte key, in base64url without padding: the protocol's form.
    this.publicKey = pair.publicKey.export({ format: 'jwk' }).x as string;
  }

  signText(text: string): string {
    return sign(null, Buffer.from(text, 'utf8'), this.privateKey).toString('base64url');
  }

  /** `auth`: none (the enrolment), signed by the key (enrolment or device), or the device token. */
  async call(method: string, pathAndQuery: string, options: { body?: Json; auth: 'none' | 'signed' | 'token' }): Promise<Answer> {
    const body = options.body === undefined ? '' : JSON.stringify(options.body);
    const headers: Record<string, string> = body ? { 'content-type': 'application/json' } : {};
    if (options.auth === 'signed') {
      if (!this.keyId) throw new Error('no key id yet');
      const timestamp = this.clock.now();
      const nonce = randomBytes(16).toString('base64url');
      Object.assign(headers, {
        'x-sa-key-id': this.keyId, 'x-sa-timestamp': String(timestamp), 'x-sa-nonce': nonce,
        'x-sa-signature': this.signText(requestLines(this.keyId, method, pathAndQuery, timestamp, nonce, body)),
      });
    } else if (options.auth === 'token') {
      headers.authorization = `Bearer ${await this.deviceToken()}`;
    }
    return exchange(this.baseUrl + pathAndQuery, { method, headers, ...(body ? { body } : {}) }, this.clock);
  }

  /** Bought with a signed, body-less POST; used until a minute before it expires by the server's clock. */
  private async deviceToken(): Promise<string> {
    if (this.token && this.token.expiresAt - 60_000 > this.clock.now()) return this.token.value;
    const { json } = await this.call('POST', '/api/authenticator/v1/devices/self/token', { auth: 'signed' });
    this.token = { value: json.token as string, expiresAt: Date.parse(json.expiresAt as string) };
    return this.token.value;
  }

  /** The long-poll: the whole pending list, the cursor to send back, the server's time. */
  async pending(cursor?: string, waitSeconds = 0): Promise<{ cursor: string; validations: Validation[] }> {
    const query = new URLSearchParams();
    if (cursor !== undefined) query.set('cursor', cursor);
    if (waitSeconds > 0) query.set('waitSeconds', String(waitSeconds));
    const search = query.toString();
    const { json } = await this.call('GET', `/api/authenticator/v1/validations/pending${search ? `?${search}` : ''}`, { auth: 'token' });
    this.clock.fromServerTime(json.serverTime as string);
    return { cursor: json.cursor as string, validations: json.validations as Validation[] };
  }

  /** The approval code chosen: a new approval key, its public half registered once, signed by itself and the device key. */
  async registerApprovalKey(): Promise<Answer> {
    const pair = generateKeyPairSync('ed25519');
    const publicKey = pair.publicKey.export({ format: 'jwk' }).x as string;
    const signature = sign(null, Buffer.from(approvalKeyLines(this.keyId as string, publicKey), 'utf8'), pair.privateKey).toString('base64url');
    const answer = await this.call('POST', '/api/authenticator/v1/devices/self/approval-key', { auth: 'signed', body: { publicKey, signature } });
    this.approvalKey = pair.privateKey;
    return answer;
  }

  /**
   * Hashes the details as received, refuses to decide if they do not match their hash, and signs the decision; an
   * approval is also signed by the approval key (a rejection carries no approval signature).
   */
  async decide(validation: Validation, decision: 'approve' | 'reject', numberChoice: number | null): Promise<Answer> {
    const hash = detailsHash(validation.details);
    if (hash !== validation.detailsHash) throw new Error(`validation ${validation.id}: its details do not match their hash`);
    const decidedAt = this.clock.now();
    const facts = { id: validation.id, nonce: validation.nonce, detailsHash: hash, deviceId: this.keyId as string, decidedAt, numberChoice };
    const signature = this.signText(decisionLines({ ...facts, decision }));
    const body: { [key: string]: Json } = { decision, detailsHash: hash, decidedAt, numberChoice, signature };
    if (decision === 'approve') {
      if (!this.approvalKey) throw new Error('no approval key: choose the approval code first');
      body.approvalSignature = sign(null, Buffer.from(approvalLines(facts), 'utf8'), this.approvalKey).toString('base64url');
    }
    return this.call('POST', `/api/authenticator/v1/validations/${encodeURIComponent(validation.id)}/decision`, { auth: 'token', body });
  }
}

export interface Validation {
  id: string;
  nonce: string;
  kind: 'login' | 'transfer' | 'beneficiary';
  details: { [key: string]: Json };
  detailsHash: string;
  numberChoices: number[] | null;
  createdAt: string;
  expiresAt: string;
}

/** The newest code sent to a phone for a purpose, read in the development outbox as protocol.md describes it. */
export async function outboxCode(baseUrl: string, phone: string, purpose: 'security_code' | 'activation_code'): Promise<string> {
  const { json } = await exchange(`${baseUrl}/api/dev/v1/outbox`, { method: 'GET', headers: {} }, new ServerClock());
  const message = (json.messages as { to: string; purpose: string; text: string }[]).find((candidate) => candidate.to === phone && candidate.purpose === purpose);
  if (!message) throw new Error(`no ${purpose} for ${phone} in the outbox`);
  const code = / : ([^.]+)\./.exec(message.text)?.[1];
  if (!code) throw new Error(`no code in "${message.text}"`);
  return code.replace(/ /g, '');
}
