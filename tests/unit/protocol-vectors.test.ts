import { describe, expect, it } from 'vitest';
import vectors from '../../protocol/vectors.json';
import { buildVectors } from '../../scripts/generate-vectors';
import {
  canonicalJson, decisionSigningBytes, detailsHash, fromBase64Url, fromHex, publicKeyOf, requestSigningBytes, signMessage, toBase64Url, toHex, verifyMessage,
  type CanonicalValue,
} from '../../protocol/index';

describe('protocol test vectors, checked with the app-side library (@noble/ed25519)', () => {
  it('the committed vectors file is exactly what the protocol code produces', () => {
    expect(JSON.parse(JSON.stringify(buildVectors()))).toEqual(vectors);
  });

  it.each(vectors.rfc8032)('$name: signs and verifies as RFC 8032 says', (vector) => {
    const secretKey = fromHex(vector.secretKey);
    expect(toHex(publicKeyOf(secretKey))).toBe(vector.publicKey);
    expect(toHex(signMessage(fromHex(vector.message), secretKey))).toBe(vector.signature);
    expect(verifyMessage(fromHex(vector.signature), fromHex(vector.message), fromHex(vector.publicKey))).toBe(true);
  });

  it('computes the same details hashes and canonical JSON', () => {
    for (const entry of vectors.details) {
      expect(canonicalJson(entry.details as unknown as CanonicalValue)).toBe(entry.canonicalJson);
      expect(detailsHash(entry.details as unknown as CanonicalValue)).toBe(entry.detailsHash);
    }
  });

  it('builds the same canonical bytes and signatures for every message', () => {
    const secretKey = fromHex(vectors.key.secretKeyHex);
    const [request, decision, loginDecision] = vectors.messages;
    expect(toHex(requestSigningBytes(request!.input as Parameters<typeof requestSigningBytes>[0]))).toBe(request!.canonicalHex);
    for (const message of [decision!, loginDecision!]) {
      const bytes = decisionSigningBytes(message.input as Parameters<typeof decisionSigningBytes>[0]);
      expect(toHex(bytes)).toBe(message.canonicalHex);
      expect(toBase64Url(signMessage(bytes, secretKey))).toBe(message.signature);
    }
  });

  it.each(vectors.mustReject)('refuses $name', (vector) => {
    expect(verifyMessage(fromBase64Url(vector.signature), fromHex(vector.message), fromBase64Url(vector.publicKey))).toBe(false);
  });

  it('changing the amount changes the details hash', () => {
    expect(vectors.tamperedTransferHash).not.toBe(vectors.details[0]!.detailsHash);
  });

  it('signs every fact the approval screen shows: user, company, initiator, debit account, payee country and check, execution date', () => {
    const transfer = vectors.details.find((entry) => entry.name === 'transfer')!;
    expect(Object.keys(transfer.details).sort()).toEqual([
      'amount', 'channel', 'companyName', 'currency', 'debitAccountIban', 'debitAccountName', 'executionDate', 'iban', 'initiatorDisplayName',
      'payeeCheck', 'payeeCountry', 'payeeName', 'reference', 'requestedAt', 'type', 'userDisplayName',
    ]);
    expect(transfer.canonicalJson).toContain('"payeeCheck":{"registeredName":null,"result":"no_match"}');
    const beneficiary = vectors.details.find((entry) => entry.name === 'beneficiary')!;
    expect(beneficiary.canonicalJson).toContain('"payeeCheck":{"registeredName":"Maschinenbau Keller GmbH","result":"close_match"}');
    const hashes = new Set([transfer.detailsHash, ...vectors.tamperedTransferFacts.map((entry) => entry.detailsHash)]);
    expect(hashes.size).toBe(vectors.tamperedTransferFacts.length + 1);
  });

  it('refuses a line break inside a signed field, so fields cannot be shifted', () => {
    expect(() => decisionSigningBytes({ validationId: 'val_a\nb', validationNonce: 'n', decision: 'approve', detailsHash: 'h', deviceId: 'd', decidedAt: 1, numberChoice: null })).toThrow();
  });

  it('refuses non-canonical base64url spellings', () => {
    expect(() => fromBase64Url('AB=')).toThrow();
    expect(() => fromBase64Url('AB+/')).toThrow();
  });
});
