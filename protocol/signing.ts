/**
 * Ed25519 over the canonical bytes, with @noble/ed25519 (the app's side, and the reference verifier of the vectors).
 * The server verifies with node:crypto instead (server/crypto.ts), against the same vectors.
 */
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { AUTH_HEADERS, requestSigningBytes, sha256Base64Url } from './canonical';
import { toBase64Url, utf8 } from './encoding';

ed.hashes.sha512 = sha512;

/** Strict RFC 8032 verification: canonical encodings only, no small-order keys (not ZIP-215's relaxed rules). */
export const STRICT_VERIFY = { zip215: false } as const;

export function generateSecretKey(): Uint8Array {
  return ed.utils.randomSecretKey();
}

export function publicKeyOf(secretKey: Uint8Array): Uint8Array {
  return ed.getPublicKey(secretKey);
}

export function signMessage(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  return ed.sign(message, secretKey);
}

export function verifyMessage(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    return ed.verify(signature, message, publicKey, STRICT_VERIFY);
  } catch {
    return false;
  }
}

/** Signs with a key that stays where it is kept: the caller passes a signing function, never the key. */
export type MessageSigner = (message: Uint8Array) => Uint8Array | Promise<Uint8Array>;

export function randomNonce(bytes = 16): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(bytes)));
}

export interface SignedRequestInput {
  keyId: string;
  method: string;
  /** Path with query string, exactly as it will be sent. */
  path: string;
  /** The exact body text that will be sent ('' for none). */
  body: string;
  timestamp: number;
  nonce?: string;
}

export async function signedRequestHeaders(input: SignedRequestInput, sign: MessageSigner): Promise<Record<string, string>> {
  const nonce = input.nonce ?? randomNonce();
  const bytes = requestSigningBytes({
    keyId: input.keyId,
    method: input.method,
    path: input.path,
    timestamp: input.timestamp,
    nonce,
    bodySha256: sha256Base64Url(utf8(input.body)),
  });
  const signature = await sign(bytes);
  return {
    [AUTH_HEADERS.keyId]: input.keyId,
    [AUTH_HEADERS.timestamp]: String(input.timestamp),
    [AUTH_HEADERS.nonce]: nonce,
    [AUTH_HEADERS.signature]: toBase64Url(signature),
  };
}
