/**
 * The canonical bytes of every signed message. Both sides build them with these functions only,
 * so what the app signs is byte for byte what the server verifies (see protocol/vectors.json).
 *
 * Format: a domain-separation line `secure-access/v1/<kind>`, then one field per line, in a fixed order.
 * Fields never contain a newline (checked), so the encoding is unambiguous.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { toBase64Url, utf8 } from './encoding';

export const PROTOCOL_VERSION = 'v1';

const domain = <K extends string>(kind: K) => `secure-access/${PROTOCOL_VERSION}/${kind}` as const;

export const SIGNING_DOMAINS = {
  request: domain('request'),
  decision: domain('decision'),
  details: domain('details'),
  approval: domain('approval'),
  approvalKey: domain('approval-key'),
  approvalKeyChange: domain('approval-key-change'),
} as const;

export type CanonicalValue = string | number | boolean | null | CanonicalValue[] | { [key: string]: CanonicalValue };

/**
 * JSON with object keys sorted by UTF-16 code units, no whitespace, integers only
 * (amounts travel as decimal strings, so no float formatting can differ between hosts).
 */
export function canonicalJson(value: CanonicalValue): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new TypeError('canonical JSON allows safe integers only');
    return String(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys
    .filter((key) => value[key] !== undefined)
    .map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key] as CanonicalValue)}`)
    .join(',')}}`;
}

function lines(domain: string, fields: readonly (string | number)[]): Uint8Array {
  const text = [domain, ...fields.map(String)];
  for (const field of text) {
    if (field.includes('\n') || field.includes('\r')) throw new TypeError('a signed field cannot contain a line break');
  }
  return utf8(text.join('\n'));
}

export function sha256Base64Url(bytes: Uint8Array): string {
  return toBase64Url(sha256(bytes));
}

/** The hash of the details a person sees before deciding: the "dynamic linking" of PSD2. */
export function detailsHash(details: CanonicalValue): string {
  return sha256Base64Url(utf8(`${SIGNING_DOMAINS.details}\n${canonicalJson(details)}`));
}

export interface RequestSigningInput {
  /** Device id (`dev_…`) once active, enrolment id (`enr_…`) while activating. */
  keyId: string;
  method: string;
  /** Path and query string exactly as sent, e.g. `/api/authenticator/v1/validations/pending?waitSeconds=25`. */
  path: string;
  /** Milliseconds since the epoch, as sent in `x-sa-timestamp`. */
  timestamp: number;
  nonce: string;
  /** `sha256Base64Url` of the raw body bytes (of the empty string for a body-less request). */
  bodySha256: string;
}

export function requestSigningBytes(input: RequestSigningInput): Uint8Array {
  return lines(SIGNING_DOMAINS.request, [
    input.keyId,
    input.method.toUpperCase(),
    input.path,
    input.timestamp,
    input.nonce,
    input.bodySha256,
  ]);
}

export type DecisionValue = 'approve' | 'reject';

export interface DecisionSigningInput {
  validationId: string;
  validationNonce: string;
  decision: DecisionValue;
  detailsHash: string;
  deviceId: string;
  /** Milliseconds since the epoch. */
  decidedAt: number;
  /** The number the person picked for a login, or null. */
  numberChoice: number | null;
}

export function decisionSigningBytes(input: DecisionSigningInput): Uint8Array {
  return lines(SIGNING_DOMAINS.decision, [
    input.validationId,
    input.validationNonce,
    input.decision,
    input.detailsHash,
    input.deviceId,
    input.decidedAt,
    input.numberChoice === null ? '-' : input.numberChoice,
  ]);
}

/**
 * What the account's approval key signs next to the device key's decision: the same facts, under its own domain, for
 * an approval only (a rejection needs no code). The approval key is unmasked by the approval code on the device and
 * its public half is known to the server alone, so this signature is the server's proof that the person typed the
 * right code (knowledge), as the decision's is that the request came from the device (possession).
 */
export type ApprovalSigningInput = Omit<DecisionSigningInput, 'decision'>;

export function approvalSigningBytes(input: ApprovalSigningInput): Uint8Array {
  return lines(SIGNING_DOMAINS.approval, [
    input.validationId,
    input.validationNonce,
    input.detailsHash,
    input.deviceId,
    input.decidedAt,
    input.numberChoice === null ? '-' : input.numberChoice,
  ]);
}

export interface ApprovalKeySigningInput {
  deviceId: string;
  /** The approval public key being registered, base64url. */
  publicKey: string;
}

/** Signed by a new approval key when it is registered: the app can sign with the key it registers (and does). */
export function approvalKeySigningBytes(input: ApprovalKeySigningInput): Uint8Array {
  return lines(SIGNING_DOMAINS.approvalKey, [input.deviceId, input.publicKey]);
}

export interface ApprovalKeyChangeSigningInput extends ApprovalKeySigningInput {
  /** Milliseconds since the epoch: the proof is accepted only within REQUEST_TIME_WINDOW_MS of the server's clock. */
  signedAt: number;
}

/** Signed by the current approval key to change the code: the old code proven and the new key named in one step. */
export function approvalKeyChangeSigningBytes(input: ApprovalKeyChangeSigningInput): Uint8Array {
  return lines(SIGNING_DOMAINS.approvalKeyChange, [input.deviceId, input.publicKey, input.signedAt]);
}

/** Header names of a signed authenticator request. */
export const AUTH_HEADERS = {
  keyId: 'x-sa-key-id',
  timestamp: 'x-sa-timestamp',
  nonce: 'x-sa-nonce',
  signature: 'x-sa-signature',
} as const;

/** A signed request is accepted only this close to the server's clock, and its nonce only once. */
export const REQUEST_TIME_WINDOW_MS = 60_000;

/**
 * How long a device token lasts. Short enough that a token seen by someone else is soon worthless (and a revoked
 * or suspended device is refused on its next call anyway); long enough that an idle device asks for one twice an
 * hour next to its 144 long-polls.
 */
export const DEVICE_TOKEN_TTL_MS = 30 * 60_000;
