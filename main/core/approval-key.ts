/**
 * The approval key: a second Ed25519 key per account, the one that makes every approval need the person, not only the
 * computer. Its 32-byte seed is never stored as it is: only masked (XOR) with a key derived from the approval code
 * (scrypt, a salt per account). Every code unmasks *some* valid Ed25519 seed, and nothing kept on this computer can
 * tell the right one from the others: the public half is sent to the server once and never kept here, and no
 * signature made with the key is kept either. Only the server, which verifies the approval signature, can tell a right
 * code from a wrong one, and it counts the wrong ones (5 lock the device). See docs/protocol.md, "Approval code".
 *
 * The code arrives as a string (the renderer's field); it is turned into bytes at once and those, the derived mask
 * and the unmasked seed are zeroed as soon as the signature exists. (A JavaScript string cannot be wiped: no
 * reference to it is kept.)
 */
import { scryptAsync } from '@noble/hashes/scrypt.js';
import {
  approvalKeySigningBytes, fromBase64Url, publicKeyOf, signMessage, toBase64Url, utf8,
} from '../../protocol/index';

export interface ApprovalKdf {
  name: 'scrypt';
  /** CPU/memory cost, a power of two. */
  N: number;
  r: number;
  p: number;
}

/**
 * 32 MiB and about a quarter of a second per approval on this project's 2-core machine. The cost only matters to
 * someone holding both this computer's files and the server's database (then every code can be tried offline);
 * with one of them alone no guess can be tested at all. The parameters are stored with each key, so they can rise.
 */
export const APPROVAL_KDF: ApprovalKdf = { name: 'scrypt', N: 2 ** 15, r: 8, p: 1 };

/** What the app keeps of an account's approval key: no public key, no signature, nothing a guess can be checked against. */
export interface ApprovalKeyRecord {
  kdf: ApprovalKdf;
  /** 16 random bytes, base64url. */
  salt: string;
  /** The seed XOR the code's derived key, base64url. */
  maskedSeed: string;
  setAt: string;
}

const SEED_BYTES = 32;
const SALT_BYTES = 16;

function randomBytes(length: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(length));
}

/** The code's 32-byte mask. Yields to the event loop while it works: the main process keeps serving the window. */
export async function deriveApprovalMask(code: Uint8Array, salt: Uint8Array, kdf: ApprovalKdf): Promise<Uint8Array> {
  return scryptAsync(code, salt, { N: kdf.N, r: kdf.r, p: kdf.p, dkLen: SEED_BYTES, asyncTick: 10 });
}

function xorInto(target: Uint8Array, mask: Uint8Array): void {
  for (let i = 0; i < target.length; i++) target[i] = (target[i] as number) ^ (mask[i] as number);
}

async function maskWith(code: string, salt: Uint8Array, kdf: ApprovalKdf, seed: Uint8Array): Promise<void> {
  const codeBytes = utf8(code);
  try {
    const mask = await deriveApprovalMask(codeBytes, salt, kdf);
    xorInto(seed, mask);
    mask.fill(0);
  } finally {
    codeBytes.fill(0);
  }
}

export interface NewApprovalKey {
  /** To store. */
  record: ApprovalKeyRecord;
  /** To send to the server once; not to keep. */
  publicKey: string;
  /** The new key's signature over its registration bytes, proving it signs as registered; not to keep. */
  signature: string;
}

/** A new approval key for `code`: its record to keep, and what the server needs to register it (sent once). */
export async function createApprovalKey(code: string, deviceId: string, setAt: string, kdf: ApprovalKdf = APPROVAL_KDF): Promise<NewApprovalKey> {
  const seed = randomBytes(SEED_BYTES);
  const salt = randomBytes(SALT_BYTES);
  try {
    const publicKey = toBase64Url(publicKeyOf(seed));
    const signature = toBase64Url(signMessage(approvalKeySigningBytes({ deviceId, publicKey }), seed));
    await maskWith(code, salt, kdf, seed);
    return { record: { kdf: { ...kdf }, salt: toBase64Url(salt), maskedSeed: toBase64Url(seed), setAt }, publicKey, signature };
  } finally {
    seed.fill(0);
  }
}

/** Signs with the key a code unmasks; usable only during the call to `use`. */
export type ApprovalSigner = (message: Uint8Array) => Uint8Array;

/**
 * Unmasks the seed with `code` and hands `use` (synchronous) a signer; the seed is zeroed as soon as `use` returns,
 * and the signer refuses to sign after that. A wrong code gives a valid but different key: only the server can tell.
 */
export async function withApprovalKey<T>(record: ApprovalKeyRecord, code: string, use: (sign: ApprovalSigner) => T): Promise<T> {
  const seed = fromBase64Url(record.maskedSeed);
  let usable = true;
  try {
    if (seed.length !== SEED_BYTES) throw new TypeError('the stored approval key is damaged');
    await maskWith(code, fromBase64Url(record.salt), record.kdf, seed);
    return use((message) => {
      if (!usable) throw new Error('the approval key is no longer available');
      return signMessage(message, seed);
    });
  } finally {
    usable = false;
    seed.fill(0);
  }
}
