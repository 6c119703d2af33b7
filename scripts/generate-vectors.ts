/**
 * Writes protocol/vectors.json: the canonical bytes and signatures both sides must reproduce.
 * Deterministic (Ed25519 signatures are), so running it again must leave the file unchanged;
 * tests/unit/protocol-vectors.test.ts checks that the committed file matches this code.
 */
import { writeFileSync } from 'node:fs';
import { scrypt } from '@noble/hashes/scrypt.js';
import {
  approvalKeyChangeSigningBytes, approvalKeySigningBytes, approvalSigningBytes, decisionSigningBytes, detailsHash, fromHex, publicKeyOf,
  requestSigningBytes, sha256Base64Url, signMessage, toBase64Url, toHex, utf8, canonicalJson, type CanonicalValue,
} from '../protocol/index';
import { APPROVAL_KDF } from '../main/core/approval-key';

export const RFC8032_VECTORS = [
  {
    name: 'RFC 8032 7.1 TEST 1',
    secretKey: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    name: 'RFC 8032 7.1 TEST 2',
    secretKey: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    publicKey: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature: '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    name: 'RFC 8032 7.1 TEST 3',
    secretKey: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    publicKey: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    message: 'af82',
    signature: '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
];

/** The group order L, little-endian: adding it to S gives a signature that lax verifiers accept and RFC 8032 forbids. */
const GROUP_ORDER_L = 2n ** 252n + 27742317777372353535851937790883648493n;

function withMalleatedS(signature: Uint8Array): Uint8Array {
  const s = signature.slice(32).reduceRight((acc, byte) => (acc << 8n) | BigInt(byte), 0n) + GROUP_ORDER_L;
  const out = signature.slice();
  let rest = s;
  for (let i = 32; i < 64; i++) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return out;
}

/**
 * R = the identity point, S = 0. Under the identity public key it satisfies [S]B = R + [k]A for every message, so
 * OpenSSL (node:crypto) and other cofactored or lax verifiers accept it: only refusing small-order keys at
 * enrolment (and strict verifiers such as @noble's with zip215: false) stops it.
 */
const IDENTITY_POINT_HEX = `01${'00'.repeat(31)}`;
const IDENTITY_FORGERY_HEX = `${IDENTITY_POINT_HEX}${'00'.repeat(32)}`;

/** Canonical JSON by example: key order, string escaping and number forms (see docs/protocol.md). */
const CANONICAL_JSON_CASES: { name: string; value: CanonicalValue }[] = [
  {
    name: 'keys sorted by UTF-16 code units (not by code points or UTF-8 bytes: U+1F600 sorts before U+FFFD)',
    value: { b: 1, a: 2, A: 3, aa: 4, '': 5, z: 6, 'é': 7, '\u{1F600}': 8, '\uFFFD': 9, nested: { y: true, x: null } },
  },
  {
    name: 'strings: only " and \\ and control characters are escaped; / and non-ASCII (DEL, U+2028, emoji) stay as they are',
    value: ['quote " backslash \\ slash /', 'tab\tnew line\nreturn\rbackspace\bform feed\f', '\u0001\u001f\u007f', 'Société Durand Frères — 12 345,67 €', '\u2028\u2029', '\u{1F600}'],
  },
  {
    name: 'numbers: safe integers only, in their shortest decimal form; amounts travel as strings',
    value: { zero: 0, negative: -12, largest: 9_007_199_254_740_991, amount: '12345.67', empty: [], object: {}, flags: [true, false, null] },
  },
];

export function buildVectors() {
  const secretKey = fromHex('a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90');
  const publicKey = publicKeyOf(secretKey);

  // Every fact the approval screen shows: who it is for, who entered it, both accounts, the payee check, the day.
  const transfer: CanonicalValue = {
    type: 'transfer', channel: 'portal', userDisplayName: 'Claire Durand', companyName: 'Durand Industrie SAS', initiatorDisplayName: 'Marc Petit',
    amount: '12345.67', currency: 'EUR', payeeName: 'Fournitures Durand SARL', iban: 'FR7630006000011234567890189', payeeCountry: 'FR',
    payeeCheck: { result: 'no_match', registeredName: null }, reference: 'Facture 2026-118', debitAccountName: 'Compte courant',
    debitAccountIban: 'FR7630003000400000000001234', executionDate: '2026-11-30', requestedAt: '2026-11-27T10:00:00.000Z',
  };
  const beneficiary: CanonicalValue = {
    type: 'beneficiary', channel: 'portal', userDisplayName: 'Claire Durand', companyName: 'Durand Industrie SAS', initiatorDisplayName: 'Claire Durand',
    name: 'Maschinenbau Keler', iban: 'DE89370400440532013000', payeeCountry: 'DE',
    payeeCheck: { result: 'close_match', registeredName: 'Maschinenbau Keller GmbH' }, requestedAt: '2026-11-27T10:00:00.000Z',
  };
  const tamperedTransfer: CanonicalValue = { ...(transfer as Record<string, CanonicalValue>), amount: '92345.67' };
  const login: CanonicalValue = {
    type: 'login', channel: 'portal', userDisplayName: 'Claire Durand', companyName: 'Durand Industrie SAS', ipAddress: '192.0.2.10',
    userAgent: 'Mozilla/5.0', requestedAt: '2026-11-27T10:00:00.000Z',
  };
  // Quotes, an ampersand, a backslash and an accent in what is hashed: the escaping rules at work.
  const quotedBeneficiary: CanonicalValue = { ...(beneficiary as Record<string, CanonicalValue>), name: 'Café "Le Zinc" & Fils \\ Lyon', payeeCheck: { result: 'match', registeredName: null } };
  const transferHash = detailsHash(transfer);
  const tampered = (changes: Record<string, CanonicalValue>) => detailsHash({ ...(transfer as Record<string, CanonicalValue>), ...changes });
  const tamperedHash = detailsHash(tamperedTransfer);

  const decisionInput = {
    validationId: 'val_BBBBBBBBBBBBBBBBBBBBBB', validationNonce: 'dmFsaWRhdGlvbi1ub25jZQ', decision: 'approve' as const,
    detailsHash: transferHash, deviceId: 'dev_AAAAAAAAAAAAAAAAAAAAAA', decidedAt: 1795780805000, numberChoice: null,
  };
  const loginDecisionInput = { ...decisionInput, detailsHash: detailsHash(login), numberChoice: 47 };
  const rejectionInput = { ...decisionInput, decision: 'reject' as const };

  const signed = (name: string, bytes: Uint8Array) => ({
    name, canonical: new TextDecoder().decode(bytes), canonicalHex: toHex(bytes), signature: toBase64Url(signMessage(bytes, secretKey)),
  });
  const decision = signed('transfer decision', decisionSigningBytes(decisionInput));

  /** A signed request: the exact body text sent (the empty string for none), its hash, and the bytes signed. */
  const request = (name: string, input: { keyId: string; method: string; path: string; timestamp: number; nonce: string }, body: string) => {
    const full = { ...input, bodySha256: sha256Base64Url(utf8(body)) };
    return { ...signed(name, requestSigningBytes(full)), body, input: full };
  };
  // The decision above, as the body of its POST: what the app sends is what the request signature covers.
  const decisionBody = JSON.stringify({
    decision: decisionInput.decision, detailsHash: decisionInput.detailsHash, decidedAt: decisionInput.decidedAt, numberChoice: decisionInput.numberChoice, signature: decision.signature,
  });

  return {
    description: 'Secure Access protocol v1 test vectors. Keys are test keys: never use them for anything else.',
    rfc8032: RFC8032_VECTORS,
    key: { secretKeyHex: toHex(secretKey), publicKey: toBase64Url(publicKey) },
    canonicalJson: CANONICAL_JSON_CASES.map(({ name, value }) => ({ name, value, canonicalJson: canonicalJson(value), canonicalHex: toHex(utf8(canonicalJson(value))) })),
    details: [
      { name: 'transfer', details: transfer, canonicalJson: canonicalJson(transfer), detailsHash: transferHash },
      { name: 'beneficiary', details: beneficiary, canonicalJson: canonicalJson(beneficiary), detailsHash: detailsHash(beneficiary) },
      { name: 'login', details: login, canonicalJson: canonicalJson(login), detailsHash: detailsHash(login) },
      { name: 'beneficiary (quotes, ampersand, backslash and an accent in the name)', details: quotedBeneficiary, canonicalJson: canonicalJson(quotedBeneficiary), detailsHash: detailsHash(quotedBeneficiary) },
      { name: 'transfer with its amount tampered (12345.67 → 92345.67)', details: tamperedTransfer, canonicalJson: canonicalJson(tamperedTransfer), detailsHash: tamperedHash },
    ],
    tamperedTransferHash: tamperedHash,
    /** The transfer's hash with one shown fact changed: none may equal the original. */
    tamperedTransferFacts: [
      { change: 'payee check reads match', detailsHash: tampered({ payeeCheck: { result: 'match', registeredName: null } }) },
      { change: 'another initiator', detailsHash: tampered({ initiatorDisplayName: 'Claire Durand' }) },
      { change: 'another debit account name', detailsHash: tampered({ debitAccountName: 'Compte de trésorerie' }) },
      { change: 'a later execution date', detailsHash: tampered({ executionDate: '2026-12-30' }) },
      { change: 'another user', detailsHash: tampered({ userDisplayName: 'Marc Petit' }) },
    ],
    messages: [
      request('request: POST of the transfer decision, JSON body', {
        keyId: 'dev_AAAAAAAAAAAAAAAAAAAAAA', method: 'POST', path: '/api/authenticator/v1/validations/val_BBBBBBBBBBBBBBBBBBBBBB/decision',
        timestamp: 1795780800000, nonce: 'bm9uY2Utbm9uY2UtMTIzNA',
      }, decisionBody),
      { ...decision, input: decisionInput },
      { ...signed('login decision', decisionSigningBytes(loginDecisionInput)), input: loginDecisionInput },
      { ...signed('transfer rejection (no number: "-")', decisionSigningBytes(rejectionInput)), input: rejectionInput },
      request('request: long-poll GET with a query string, no body', {
        keyId: 'dev_AAAAAAAAAAAAAAAAAAAAAA', method: 'GET', path: '/api/authenticator/v1/validations/pending?cursor=41&waitSeconds=25',
        timestamp: 1795780801000, nonce: 'bG9uZy1wb2xsLW5vbmNlLTE',
      }, ''),
      request('request: device token purchase, POST without a body', {
        keyId: 'dev_AAAAAAAAAAAAAAAAAAAAAA', method: 'POST', path: '/api/authenticator/v1/devices/self/token',
        timestamp: 1795780802000, nonce: 'dG9rZW4tbm9uY2UtMDAwMDE',
      }, ''),
      request('request: activation signed by the enrolment key', {
        keyId: 'enr_CCCCCCCCCCCCCCCCCCCCCC', method: 'POST', path: '/api/authenticator/v1/enrolments/enr_CCCCCCCCCCCCCCCCCCCCCC/activate',
        timestamp: 1795780803000, nonce: 'YWN0aXZhdGlvbi1ub25jZTE',
      }, '{"code":"47120385"}'),
    ],
    mustReject: [
      { name: 'signature with S + L (non-canonical S)', message: decision.canonicalHex, signature: toBase64Url(withMalleatedS(signMessage(decisionSigningBytes(decisionInput), secretKey))), publicKey: toBase64Url(publicKey) },
      { name: 'genuine signature, but over the tampered amount\'s details hash', message: toHex(decisionSigningBytes({ ...decisionInput, detailsHash: tamperedHash })), signature: decision.signature, publicKey: toBase64Url(publicKey) },
      {
        name: 'identity public key with R = identity, S = 0 (OpenSSL accepts it for any message: only the enrolment key check stops it)',
        message: decision.canonicalHex, signature: toBase64Url(fromHex(IDENTITY_FORGERY_HEX)), publicKey: toBase64Url(fromHex(IDENTITY_POINT_HEX)),
        acceptedByOpenSsl: true,
      },
    ],
    ...approvalVectors(secretKey, decisionInput, loginDecisionInput, decision.signature),
  };
}

/**
 * The approval code's vectors: how the app masks an approval key's seed with the code (scrypt, then XOR; the app's
 * own business, never on the wire, given so that another implementation of the app can check itself), what a wrong
 * code unmasks (another valid key), and the bytes the approval key signs, each with its signature.
 */
function approvalVectors(deviceSecretKey: Uint8Array, decisionInput: Parameters<typeof decisionSigningBytes>[0], loginDecisionInput: Parameters<typeof decisionSigningBytes>[0], decisionSignature: string) {
  const seed = fromHex('0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0');
  const nextSeed = fromHex('1122334455667788990011223344556677889900112233445566778899001122');
  const salt = fromHex('5a5a5a5a000102030405060708090a0b');
  const code = '482915';
  const wrongCode = '482916';
  const derive = (typed: string) => scrypt(utf8(typed), salt, { N: APPROVAL_KDF.N, r: APPROVAL_KDF.r, p: APPROVAL_KDF.p, dkLen: 32 });
  const xor = (a: Uint8Array, b: Uint8Array) => a.map((byte, i) => byte ^ (b[i] as number));
  const maskedSeed = xor(seed, derive(code));
  const publicKey = toBase64Url(publicKeyOf(seed));
  const nextPublicKey = toBase64Url(publicKeyOf(nextSeed));
  const deviceId = decisionInput.deviceId;
  const { decision: _transfer, ...approvalInput } = decisionInput;
  const { decision: _login, ...loginApprovalInput } = loginDecisionInput;
  const signed = (name: string, bytes: Uint8Array, key: Uint8Array, input: unknown) => ({
    name, input, canonical: new TextDecoder().decode(bytes), canonicalHex: toHex(bytes), signature: toBase64Url(signMessage(bytes, key)),
  });
  const approval = signed('transfer approval', approvalSigningBytes(approvalInput), seed, approvalInput);
  const changeInput = { deviceId, publicKey: nextPublicKey, signedAt: 1795780900000 };
  return {
    approvalKey: {
      code, wrongCode, kdf: APPROVAL_KDF, saltHex: toHex(salt), seedHex: toHex(seed), publicKey,
      maskedSeedHex: toHex(maskedSeed),
      wrongCodeUnmasksPublicKey: toBase64Url(publicKeyOf(xor(maskedSeed, derive(wrongCode)))),
      nextSeedHex: toHex(nextSeed), nextPublicKey,
    },
    approvalMessages: [
      approval,
      signed('login approval', approvalSigningBytes(loginApprovalInput), seed, loginApprovalInput),
      signed('approval key registration', approvalKeySigningBytes({ deviceId, publicKey }), seed, { deviceId, publicKey }),
      signed('approval key registration of the next key', approvalKeySigningBytes({ deviceId, publicKey: nextPublicKey }), nextSeed, { deviceId, publicKey: nextPublicKey }),
      signed('approval key change, by the current key', approvalKeyChangeSigningBytes(changeInput), seed, changeInput),
    ],
    approvalMustReject: [
      { name: 'approval signed by the device key instead of the approval key', message: approval.canonicalHex, signature: toBase64Url(signMessage(approvalSigningBytes(approvalInput), deviceSecretKey)), publicKey },
      { name: 'the decision signature presented as the approval signature', message: approval.canonicalHex, signature: decisionSignature, publicKey },
      { name: 'approval signed by what a wrong code unmasks', message: approval.canonicalHex, signature: toBase64Url(signMessage(approvalSigningBytes(approvalInput), xor(maskedSeed, derive(wrongCode)))), publicKey },
    ],
  };
}

if (process.argv[1]?.endsWith('generate-vectors.ts')) {
  writeFileSync(new URL('../protocol/vectors.json', import.meta.url), JSON.stringify(buildVectors(), null, 2) + '\n');
  console.log('wrote protocol/vectors.json');
}
