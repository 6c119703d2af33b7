import { describe, expect, it } from 'vitest';
import vectors from '../../protocol/vectors.json';
import { buildVectors } from '../../scripts/generate-vectors';
import * as ed from '@noble/ed25519';
import {
  approvalKeyChangeSigningBytes, approvalKeySigningBytes, approvalSigningBytes, canonicalJson, decisionSigningBytes, detailsHash, fromBase64Url, fromHex,
  publicKeyOf, requestSigningBytes, sha256Base64Url, signMessage, toBase64Url, toHex, utf8, verifyMessage, type CanonicalValue, type DecisionSigningInput,
  type RequestSigningInput,
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

  it.each(vectors.canonicalJson)('canonical JSON, $name', (vector) => {
    const text = canonicalJson(vector.value as unknown as CanonicalValue);
    expect(text).toBe(vector.canonicalJson);
    expect(toHex(utf8(text))).toBe(vector.canonicalHex);
  });

  it('canonical JSON refuses what has no single spelling: fractions, unsafe integers', () => {
    expect(() => canonicalJson({ amount: 12.5 })).toThrow(TypeError);
    expect(() => canonicalJson(2 ** 53)).toThrow(TypeError);
    expect(canonicalJson(-0)).toBe('0');
    // JSON may carry a lone surrogate (\ud800): it is written escaped, lower case, never as invalid UTF-8.
    expect(canonicalJson(['\uD800', 'a\uDFFFb'])).toBe('["\\ud800","a\\udfffb"]');
  });

  it.each(vectors.details)('details "$name": the same canonical JSON and details hash', (entry) => {
    expect(canonicalJson(entry.details as unknown as CanonicalValue)).toBe(entry.canonicalJson);
    expect(detailsHash(entry.details as unknown as CanonicalValue)).toBe(entry.detailsHash);
    expect(sha256Base64Url(utf8(`secure-access/v1/details\n${entry.canonicalJson}`))).toBe(entry.detailsHash);
  });

  it.each(vectors.messages)('message "$name": the same canonical bytes, body hash and signature', (message) => {
    const secretKey = fromHex(vectors.key.secretKeyHex);
    const input = message.input as Record<string, unknown>;
    const bytes = message.canonical.startsWith('secure-access/v1/request\n')
      ? requestSigningBytes(input as unknown as RequestSigningInput)
      : decisionSigningBytes(input as unknown as DecisionSigningInput);
    if (typeof message.body === 'string') expect(sha256Base64Url(utf8(message.body))).toBe(input.bodySha256);
    expect(new TextDecoder().decode(bytes)).toBe(message.canonical);
    expect(toHex(bytes)).toBe(message.canonicalHex);
    expect(toBase64Url(signMessage(bytes, secretKey))).toBe(message.signature);
    expect(verifyMessage(fromBase64Url(message.signature), bytes, fromBase64Url(vectors.key.publicKey))).toBe(true);
  });

  it('a body-less request hashes the empty string', () => {
    const bodyless = vectors.messages.filter((message) => 'body' in message && message.body === '');
    expect(bodyless.map((message) => message.input.method)).toEqual(['GET', 'POST']);
    for (const message of bodyless) expect((message.input as { bodySha256: string }).bodySha256).toBe('47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU');
  });

  it('the decision request carries, as its body, the decision whose bytes the transfer decision vector signs', () => {
    const [request, decision] = vectors.messages;
    const body = JSON.parse((request as { body: string }).body) as Record<string, unknown>;
    expect(body).toEqual({
      decision: decision!.input.decision, detailsHash: vectors.details.find((entry) => entry.name === 'transfer')!.detailsHash, decidedAt: decision!.input.decidedAt, numberChoice: null, signature: decision!.signature,
    });
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

  it('the identity-key forgery is no straw man: a verifier following ZIP-215 instead of RFC 8032 strictly accepts it', () => {
    const forgery = vectors.mustReject.find((vector) => 'acceptedByOpenSsl' in vector)!;
    for (const message of [fromHex(forgery.message), utf8('any other message')]) {
      expect(ed.verify(fromBase64Url(forgery.signature), message, fromBase64Url(forgery.publicKey), { zip215: true })).toBe(true);
    }
  });

  it('the tampered details differ from the genuine ones by the amount only, and so does their hash', () => {
    const transfer = vectors.details.find((entry) => entry.name === 'transfer');
    const tampered = vectors.details.find((entry) => entry.name.startsWith('transfer with its amount tampered'));
    const changed = Object.keys(transfer!.details).filter((key) => JSON.stringify((transfer!.details as Record<string, unknown>)[key]) !== JSON.stringify((tampered!.details as Record<string, unknown>)[key]));
    expect(changed).toEqual(['amount']);
    expect(tampered!.detailsHash).toBe(vectors.tamperedTransferHash);
    expect(vectors.tamperedTransferHash).not.toBe(transfer!.detailsHash);
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
    expect(() => decisionSigningBytes({ validationId: 'val_a\nb', validationNonce: 'n', decision: 'approve', detailsHash: 'h', deviceId: 'd', decidedAt: 1, numberChoice: null })).toThrow(new TypeError('a signed field cannot contain a line break'));
  });

  it('refuses non-canonical base64url spellings', () => {
    const notCanonical = new TypeError('not canonical base64url');
    expect(() => fromBase64Url('AB=')).toThrow(notCanonical);
    expect(() => fromBase64Url('AB+/')).toThrow(notCanonical);
    // A length no byte string has, and spare bits set: right alphabet, still not the one spelling of any bytes.
    expect(() => fromBase64Url('ABCDE')).toThrow(notCanonical);
    expect(() => fromBase64Url('AB')).toThrow(notCanonical);
    expect(fromBase64Url('AA')).toEqual(new Uint8Array([0]));
  });
});
