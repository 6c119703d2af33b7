/** Server-side cryptography with node:crypto: Ed25519 verification (strict RFC 8032), scrypt, HMAC. */
import { createHash, createHmac, createPublicKey, scrypt as scryptCallback, timingSafeEqual, verify, randomBytes, type KeyObject } from 'node:crypto';
import { Point } from '@noble/ed25519';
import { fromBase64Url, toBase64Url } from '../protocol/index';

const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

const keyCache = new Map<string, KeyObject>();

/**
 * Strict RFC 8032 decoding of a public key (canonical y < p, no x = 0 with the sign bit set), and no point of
 * small order. OpenSSL decodes non-canonical encodings (y = p + 1 is the identity): under such a key one forged
 * signature verifies for every message, so the key is checked here, once, before node:crypto ever sees it.
 */
function isStrictPublicKey(raw: Uint8Array): boolean {
  try {
    return !Point.fromBytes(raw, false).isSmallOrder();
  } catch {
    return false;
  }
}

/** Parses a base64url Ed25519 public key; null if it is malformed, non-canonical or of small order. */
export function parsePublicKey(publicKey: string): KeyObject | null {
  const cached = keyCache.get(publicKey);
  if (cached) return cached;
  let raw: Uint8Array;
  try {
    raw = fromBase64Url(publicKey);
  } catch {
    return null;
  }
  if (raw.length !== 32 || !isStrictPublicKey(raw)) return null;
  try {
    const key = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
    if (keyCache.size > 50_000) keyCache.clear();
    keyCache.set(publicKey, key);
    return key;
  } catch {
    return null;
  }
}

/** OpenSSL's Ed25519 verification rejects non-canonical S (S ≥ L), as RFC 8032 requires. */
export function verifyEd25519(publicKey: string, message: Uint8Array, signature: string): boolean {
  const key = parsePublicKey(publicKey);
  if (!key) return false;
  let sig: Uint8Array;
  try {
    sig = fromBase64Url(signature);
  } catch {
    return false;
  }
  if (sig.length !== 64) return false;
  try {
    return verify(null, message, key, sig);
  } catch {
    return false;
  }
}

const SCRYPT = { N: 16384, r: 8, p: 1, keyLength: 32 };

function scrypt(secret: string, salt: Buffer, params: { N: number; r: number; p: number }, keyLength: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCallback(secret.normalize('NFC'), salt, keyLength, { ...params, maxmem: 64 * 1024 * 1024 }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** `scrypt$N$r$p$salt$hash`: the parameters travel with the hash, so they can be raised later. */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(secret, salt, SCRYPT, SCRYPT.keyLength);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, toBase64Url(salt), toBase64Url(hash)].join('$');
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(fromBase64Url(hash));
  const actual = await scrypt(secret, Buffer.from(fromBase64Url(salt)), { N: Number(n), r: Number(r), p: Number(p) }, expected.length);
  return timingSafeEqual(actual, expected);
}

/** A hash computed for unknown identifiers, so a wrong identifier costs as much time as a wrong code. */
export const DUMMY_SECRET_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

/** One-time codes are stored as HMACs under a server secret, bound to what they are for (an enrolment, a session). */
export function codeMac(pepper: string, purpose: string, code: string): string {
  return createHmac('sha256', pepper).update(`${purpose}\n${code}`).digest('base64url');
}

export function macEquals(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export function sha256Token(token: string): string {
  return createHmac('sha256', 'secure-access/v1/session').update(token).digest('base64url');
}

/** The MAC of a device token: its device, the device's user and its expiry, under the servers' shared token key. */
export function deviceTokenMac(key: string, deviceId: string, userId: string, expiresAt: number): string {
  return createHmac('sha256', key).update(`secure-access/v1/device-token\n${deviceId}\n${userId}\n${expiresAt}`).digest('base64url');
}

/**
 * `Authorization: Bearer <token>` against the expected token, in constant time: both sides are hashed first, so
 * neither the content nor the length of the expected token shows in the time taken.
 */
export function bearerMatches(authorization: string | undefined, expected: string): boolean {
  const given = authorization?.startsWith('Bearer ') ? authorization.slice('Bearer '.length) : '';
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected)) && given.length > 0;
}
