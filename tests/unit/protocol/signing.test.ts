/** Signatures on the app's side: strict verification that answers false, never throws, and signed request headers. */
import { describe, expect, it } from 'vitest';
import { AUTH_HEADERS, requestSigningBytes, sha256Base64Url } from '../../../protocol/canonical';
import { fromBase64Url, utf8 } from '../../../protocol/encoding';
import { generateSecretKey, publicKeyOf, randomNonce, signedRequestHeaders, signMessage, verifyMessage } from '../../../protocol/signing';

describe('Ed25519 signatures', () => {
  const secretKey = generateSecretKey();
  const publicKey = publicKeyOf(secretKey);
  const message = utf8('secure-access/v1/request\nexample');

  it('verifies its own signature, and nothing else', () => {
    const signature = signMessage(message, secretKey);
    expect(verifyMessage(signature, message, publicKey)).toBe(true);
    expect(verifyMessage(signature, utf8('secure-access/v1/request\nexamplf'), publicKey)).toBe(false);
    expect(verifyMessage(signature, message, publicKeyOf(generateSecretKey()))).toBe(false);
  });

  it('answers false, without throwing, for a signature or key of the wrong size', () => {
    expect(verifyMessage(new Uint8Array(10), message, publicKey)).toBe(false);
    expect(verifyMessage(signMessage(message, secretKey), message, new Uint8Array(31))).toBe(false);
  });
});

describe('signed request headers', () => {
  it('carry key id, time, nonce and a signature over exactly those and the body', async () => {
    const secretKey = generateSecretKey();
    const input = { keyId: 'dev_abcdefghij', method: 'POST', path: '/api/x?y=1', body: '{"a":1}', timestamp: 1_700_000_000_000, nonce: 'nonce-of-the-test-0001' };
    const headers = await signedRequestHeaders(input, (bytes) => signMessage(bytes, secretKey));
    expect(Object.keys(headers).sort()).toEqual(Object.values(AUTH_HEADERS).sort());
    expect(headers).toMatchObject({ [AUTH_HEADERS.keyId]: input.keyId, [AUTH_HEADERS.timestamp]: '1700000000000', [AUTH_HEADERS.nonce]: input.nonce });
    const signed = requestSigningBytes({ ...input, bodySha256: sha256Base64Url(utf8(input.body)) });
    expect(verifyMessage(fromBase64Url(headers[AUTH_HEADERS.signature]!), signed, publicKeyOf(secretKey))).toBe(true);
  });

  it('draw a fresh 128-bit nonce for each request when none is given', async () => {
    const sign = () => new Uint8Array(64);
    const input = { keyId: 'dev_abcdefghij', method: 'GET', path: '/', body: '', timestamp: 1 };
    const first = (await signedRequestHeaders(input, sign))[AUTH_HEADERS.nonce]!;
    const second = (await signedRequestHeaders(input, sign))[AUTH_HEADERS.nonce]!;
    expect(fromBase64Url(first)).toHaveLength(16);
    expect(first).not.toBe(second);
    expect(fromBase64Url(randomNonce(32))).toHaveLength(32);
  });
});
