import { describe, expect, it } from 'vitest';
import vectors from '../../protocol/vectors.json';
import { buildVectors } from '../../scripts/generate-vectors';
import {
  approvalKeyChangeSigningBytes, approvalKeySigningBytes, approvalSigningBytes, canonicalJson, decisionSigningBytes, detailsHash, fromBase64Url, fromHex,
  publicKeyOf, requestSigningBytes, signMessage, toBase64Url, toHex, verifyMessage, type CanonicalValue,
} from '../../protocol/index';
import { withApprovalKey, type ApprovalKeyRecord } from '../../main/core/approval-key';

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

  describe('approval code', () => {
    const { approvalKey } = vectors;
    const record: ApprovalKeyRecord = {
      kdf: approvalKey.kdf as ApprovalKeyRecord['kdf'], salt: toBase64Url(fromHex(approvalKey.saltHex)),
      maskedSeed: toBase64Url(fromHex(approvalKey.maskedSeedHex)), setAt: '2026-11-27T10:00:00.000Z',
    };
    const [transfer, login, registration, nextRegistration, change] = vectors.approvalMessages;

    it('the core unmasks the vector seed with the right code: same key, same approval signature', async () => {
      const signature = await withApprovalKey(record, approvalKey.code, (sign) => toBase64Url(sign(fromHex(transfer!.canonicalHex))));
      expect(signature).toBe(transfer!.signature);
      expect(toBase64Url(publicKeyOf(fromHex(approvalKey.seedHex)))).toBe(approvalKey.publicKey);
    });

    it('a wrong code unmasks another valid key, whose signature the approval public key refuses', async () => {
      const signature = await withApprovalKey(record, approvalKey.wrongCode, (sign) => sign(fromHex(transfer!.canonicalHex)));
      expect(verifyMessage(signature, fromHex(transfer!.canonicalHex), fromBase64Url(approvalKey.wrongCodeUnmasksPublicKey))).toBe(true);
      expect(verifyMessage(signature, fromHex(transfer!.canonicalHex), fromBase64Url(approvalKey.publicKey))).toBe(false);
    });

    it('builds the same approval, registration and change bytes, signed as the vectors say', () => {
      const seed = fromHex(approvalKey.seedHex);
      expect(toHex(approvalSigningBytes(transfer!.input as Parameters<typeof approvalSigningBytes>[0]))).toBe(transfer!.canonicalHex);
      expect(toHex(approvalSigningBytes(login!.input as Parameters<typeof approvalSigningBytes>[0]))).toBe(login!.canonicalHex);
      expect(toHex(approvalKeySigningBytes(registration!.input as Parameters<typeof approvalKeySigningBytes>[0]))).toBe(registration!.canonicalHex);
      expect(toHex(approvalKeySigningBytes(nextRegistration!.input as Parameters<typeof approvalKeySigningBytes>[0]))).toBe(nextRegistration!.canonicalHex);
      expect(toHex(approvalKeyChangeSigningBytes(change!.input as Parameters<typeof approvalKeyChangeSigningBytes>[0]))).toBe(change!.canonicalHex);
      for (const message of [transfer!, login!, registration!, change!]) {
        expect(toBase64Url(signMessage(fromHex(message.canonicalHex), seed))).toBe(message.signature);
      }
      expect(toBase64Url(signMessage(fromHex(nextRegistration!.canonicalHex), fromHex(approvalKey.nextSeedHex)))).toBe(nextRegistration!.signature);
      // An approval is not a decision: its own domain line.
      expect(transfer!.canonical.split('\n')[0]).toBe('secure-access/v1/approval');
    });

    it.each(vectors.approvalMustReject)('refuses $name', (vector) => {
      expect(verifyMessage(fromBase64Url(vector.signature), fromHex(vector.message), fromBase64Url(vector.publicKey))).toBe(false);
    });
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
