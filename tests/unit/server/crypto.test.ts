/**
 * The server's cryptography (server/crypto.ts, node:crypto) against protocol/vectors.json: the same vectors the
 * app's library is checked with, so both sides agree on what is a valid signature — strict RFC 8032.
 */
import { createHash, createPublicKey, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import vectors from '../../../protocol/vectors.json';
import { fromBase64Url, fromHex, publicKeyOf, signMessage, toBase64Url, utf8 } from '../../../protocol/index';
import { randomBytes, scryptSync } from 'node:crypto';
import { DUMMY_SECRET_HASH, bearerMatches, codeMac, hashSecret, macEquals, parsePublicKey, sha256Token, verifyEd25519, verifySecret } from '../../../server/crypto';

const hexToBase64Url = (hex: string) => toBase64Url(fromHex(hex));

/**
 * Encodings of small-order points that OpenSSL decodes although RFC 8032 forbids them (y ≥ p, or x = 0 with the
 * sign bit), plus canonical small-order points and bytes that are not a point at all.
 */
const FORBIDDEN_KEYS = {
  'identity (canonical)': '0100000000000000000000000000000000000000000000000000000000000000',
  'identity with the sign bit set': '0100000000000000000000000000000000000000000000000000000000000080',
  'identity as y = p + 1': 'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'identity as y = p + 1 with the sign bit': 'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
  'order 4 point as y = p': 'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'order 4 point as y = p with the sign bit': 'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
  'order 2 point (y = -1)': 'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'order 2 point with the sign bit': 'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
  'order 4 point (y = 0)': '0000000000000000000000000000000000000000000000000000000000000000',
  'order 8 point': 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'order 8 point, other sign': '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  'not on the curve': '0200000000000000000000000000000000000000000000000000000000000000',
  // Not small order, but a second spelling (y = p + 3) of an ordinary point: one key, two encodings.
  'ordinary point as y = p + 3': 'f0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'ordinary point as y = p + 3 with the sign bit': 'f0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
};

/** R = identity, S = 0: verifies for every message under the identity key if the verifier lets that key in. */
const IDENTITY_FORGERY = toBase64Url(fromHex(`01${'00'.repeat(31)}${'00'.repeat(32)}`));

describe('server Ed25519 verification (node:crypto) against the protocol vectors', () => {
  it.each(vectors.rfc8032)('$name: accepted', (vector) => {
    expect(verifyEd25519(hexToBase64Url(vector.publicKey), fromHex(vector.message), hexToBase64Url(vector.signature))).toBe(true);
  });

  it.each(vectors.rfc8032)('$name: refused once the message or the signature changes by one bit', (vector) => {
    const message = fromHex(vector.message);
    const alteredMessage = message.length ? Uint8Array.from(message, (byte, i) => (i === 0 ? byte ^ 1 : byte)) : Uint8Array.of(0);
    expect(verifyEd25519(hexToBase64Url(vector.publicKey), alteredMessage, hexToBase64Url(vector.signature))).toBe(false);
    const signature = fromHex(vector.signature);
    signature[10] = (signature[10] as number) ^ 0x40;
    expect(verifyEd25519(hexToBase64Url(vector.publicKey), message, toBase64Url(signature))).toBe(false);
  });

  it.each(vectors.messages)('protocol message "$name": the canonical bytes signed by the app verify on the server', (message) => {
    expect(verifyEd25519(vectors.key.publicKey, fromHex(message.canonicalHex), message.signature)).toBe(true);
  });

  it('a signature of one protocol message does not verify another', () => {
    const [, transfer, login] = vectors.messages;
    expect(verifyEd25519(vectors.key.publicKey, fromHex(login!.canonicalHex), transfer!.signature)).toBe(false);
  });

  it.each(vectors.mustReject)('refuses $name', (vector) => {
    expect(verifyEd25519(vector.publicKey, fromHex(vector.message), vector.signature)).toBe(false);
  });

  it('the identity-key forgery verifies under OpenSSL itself, for any message: refusing the key is what stops it', () => {
    const forgery = vectors.mustReject.find((vector) => 'acceptedByOpenSsl' in vector)!;
    const rawKey = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), fromBase64Url(forgery.publicKey)]), format: 'der', type: 'spki' });
    for (const message of [fromHex(forgery.message), utf8('secure-access/v1/request\nanything at all')]) {
      expect(verify(null, message, rawKey, fromBase64Url(forgery.signature))).toBe(true);
      expect(verifyEd25519(forgery.publicKey, message, forgery.signature)).toBe(false);
    }
    expect(parsePublicKey(forgery.publicKey)).toBeNull();
  });

  it.each(vectors.messages)('message "$name": node:crypto finds the same bytes and body hash', (message) => {
    expect(Buffer.from(message.canonical, 'utf8').toString('hex')).toBe(message.canonicalHex);
    if (typeof message.body === 'string') expect(createHash('sha256').update(message.body, 'utf8').digest('base64url')).toBe((message.input as { bodySha256: string }).bodySha256);
  });

  it.each(vectors.details)('details "$name": node:crypto finds the same details hash', (entry) => {
    expect(createHash('sha256').update(`secure-access/v1/details\n${entry.canonicalJson}`, 'utf8').digest('base64url')).toBe(entry.detailsHash);
  });

  it.each(vectors.canonicalJson)('canonical JSON, $name: the bytes are its UTF-8', (vector) => {
    expect(Buffer.from(vector.canonicalJson, 'utf8').toString('hex')).toBe(vector.canonicalHex);
  });

  it.each(vectors.approvalMessages)('approval code message "$name": verifies on the server under the approval key that signed it', (message) => {
    const publicKey = message.name.includes('next key') ? vectors.approvalKey.nextPublicKey : vectors.approvalKey.publicKey;
    expect(verifyEd25519(publicKey, fromHex(message.canonicalHex), message.signature)).toBe(true);
    // Not under the device key: the two factors are two keys.
    expect(verifyEd25519(vectors.key.publicKey, fromHex(message.canonicalHex), message.signature)).toBe(false);
  });

  it.each(vectors.approvalMustReject)('refuses $name', (vector) => {
    expect(verifyEd25519(vector.publicKey, fromHex(vector.message), vector.signature)).toBe(false);
  });

  it.each(Object.entries(FORBIDDEN_KEYS))('refuses the public key %s, and the signature forged under it', (_name, hex) => {
    const key = hexToBase64Url(hex);
    expect(parsePublicKey(key)).toBeNull();
    expect(verifyEd25519(key, utf8('secure-access/v1/decision\nanything'), IDENTITY_FORGERY)).toBe(false);
  });

  it('accepts a freshly generated device key and what it signs, as the app produces them', () => {
    const secretKey = fromHex(vectors.key.secretKeyHex);
    const publicKey = toBase64Url(publicKeyOf(secretKey));
    expect(publicKey).toBe(vectors.key.publicKey);
    expect(parsePublicKey(publicKey)?.export({ format: 'jwk' })).toEqual({ kty: 'OKP', crv: 'Ed25519', x: publicKey });
    const message = utf8('secure-access/v1/request\nexample');
    expect(verifyEd25519(publicKey, message, toBase64Url(signMessage(message, secretKey)))).toBe(true);
  });

  it('refuses malformed keys and signatures instead of throwing', () => {
    const message = fromHex(vectors.messages[1]!.canonicalHex);
    const signature = vectors.messages[1]!.signature;
    for (const key of ['', 'abc', `${vectors.key.publicKey}A`, vectors.key.publicKey.slice(0, -1), `${vectors.key.publicKey.slice(0, -1)}+`]) {
      expect(parsePublicKey(key)).toBeNull();
      expect(verifyEd25519(key, message, signature)).toBe(false);
    }
    for (const bad of ['', signature.slice(0, -2), `${signature}AA`, `${signature.slice(0, -1)}=`, signature.replace(/-/g, '+')]) {
      if (bad === signature) continue;
      expect(verifyEd25519(vectors.key.publicKey, message, bad)).toBe(false);
    }
  });

  it('refuses a second base64url spelling of the same signature bytes', () => {
    const signature = vectors.messages[1]!.signature;
    const bytes = fromBase64Url(signature);
    // The last character of 64 bytes in base64url carries 4 spare bits: flipping one keeps the bytes, changes the text.
    const last = signature.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const twin = signature.slice(0, -1) + alphabet[alphabet.indexOf(last) ^ 1];
    expect(() => fromBase64Url(twin)).toThrow(new TypeError('not canonical base64url'));
    expect(bytes).toHaveLength(64);
    expect(verifyEd25519(vectors.key.publicKey, fromHex(vectors.messages[1]!.canonicalHex), twin)).toBe(false);
  });
});

describe('secret codes are stored with scrypt', () => {
  it('a hash names its parameters, is salted, and never contains the secret', async () => {
    const first = await hashSecret('Tresorerie2026');
    const second = await hashSecret('Tresorerie2026');
    expect(first).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(first).not.toBe(second);
    expect(first).not.toContain('Tresorerie2026');
    expect(await verifySecret('Tresorerie2026', first)).toBe(true);
    expect(await verifySecret('Tresorerie2026', second)).toBe(true);
    expect(await verifySecret('tresorerie2026', first)).toBe(false);
    expect(await verifySecret('Tresorerie2026 ', first)).toBe(false);
  });

  it('the same secret typed with composed or decomposed accents verifies', async () => {
    const stored = await hashSecret('Société2026');
    expect(await verifySecret('Socie\u0301te\u03012026', stored)).toBe(true);
  });

  it('the dummy hash used for unknown identifiers matches nothing, and unknown schemes are refused', async () => {
    expect(await verifySecret('', DUMMY_SECRET_HASH)).toBe(false);
    expect(await verifySecret('Tresorerie2026', DUMMY_SECRET_HASH)).toBe(false);
    expect(await verifySecret('Tresorerie2026', 'plain$Tresorerie2026')).toBe(false);
    // A hash under another scheme's name is never read as scrypt, even when its parts would match.
    const stored = await hashSecret('Tresorerie2026');
    expect(await verifySecret('Tresorerie2026', stored.replace(/^scrypt\$/, 'argon2$'))).toBe(false);
    expect(await verifySecret('Tresorerie2026', 'scrypt$16384$8$1$$')).toBe(false);
  });

  it('a hash made with raised parameters (as a later version would) still verifies: they travel with it', async () => {
    const salt = randomBytes(16);
    const raised = scryptSync('Tresorerie2026', salt, 32, { N: 32768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
    const stored = ['scrypt', 32768, 8, 1, toBase64Url(salt), toBase64Url(raised)].join('$');
    expect(await verifySecret('Tresorerie2026', stored)).toBe(true);
    expect(await verifySecret('Tresorerie2027', stored)).toBe(false);
  });
});

describe('session cookies are kept as keyed hashes', () => {
  it('the hash of a cookie is the same on every instance and in every version, so a restart or an upgrade keeps sessions', () => {
    expect(sha256Token('a-session-cookie-value')).toBe('QBJDf_Vbt79UphiSJDhcVc8f_wq11du1_dam7-7DkZQ');
    expect(sha256Token('a-session-cookie-valuf')).not.toBe(sha256Token('a-session-cookie-value'));
  });
});

describe('one-time codes are kept as MACs bound to their purpose', () => {
  it('the same code for another enrolment gives another MAC', () => {
    const forA = codeMac('pepper', 'activation:enr_A', '12345678');
    expect(codeMac('pepper', 'activation:enr_A', '12345678')).toBe(forA);
    expect(codeMac('pepper', 'activation:enr_B', '12345678')).not.toBe(forA);
    expect(codeMac('other-pepper', 'activation:enr_A', '12345678')).not.toBe(forA);
    expect(forA).not.toContain('12345678');
    expect(macEquals(forA, codeMac('pepper', 'activation:enr_A', '12345678'))).toBe(true);
    expect(macEquals(forA, codeMac('pepper', 'activation:enr_A', '12345679'))).toBe(false);
    expect(macEquals(forA, forA.slice(1))).toBe(false);
  });
});

describe('the operations token is compared as a bearer token', () => {
  const token = 'ops-token-0123456789abcdef';

  it('accepts exactly "Bearer <token>"', () => {
    expect(bearerMatches(`Bearer ${token}`, token)).toBe(true);
  });

  it('refuses another token, a prefix of it, the token without its scheme, another scheme, and no header', () => {
    expect(bearerMatches('Bearer ops-token-0123456789abcdeX', token)).toBe(false);
    expect(bearerMatches(`Bearer ${token.slice(0, -1)}`, token)).toBe(false);
    expect(bearerMatches(token, token)).toBe(false);
    expect(bearerMatches(`Basic ${token}`, token)).toBe(false);
    expect(bearerMatches(undefined, token)).toBe(false);
  });

  it('never lets an empty token in, even against an empty expected one (an operations token left unset)', () => {
    expect(bearerMatches('Bearer ', '')).toBe(false);
    expect(bearerMatches(undefined, '')).toBe(false);
  });
});
