/**
 * 5 of the issue: Ed25519 as each side does it. The app signs with @noble/ed25519 (protocol/signing.ts); the server
 * verifies with node:crypto (OpenSSL, server/crypto.ts); noble's strict verification is there for comparison.
 * The message is a real decision's canonical bytes. Runs in the load process before anything else is started.
 * Also what the approval code costs the app at every approval: deriving the key that unmasks its approval key, at
 * the app's own cost (the simulated desktops use a lower one, bench/fleet.ts).
 */
import { createPublicKey, verify } from 'node:crypto';
import { decisionSigningBytes, detailsHash, generateSecretKey, publicKeyOf, signMessage, utf8, verifyMessage } from '../../protocol/index';
import { APPROVAL_KDF, deriveApprovalMask } from '../../main/core/approval-key';
import { round } from '../stats';

export interface CryptoResult {
  messageBytes: number;
  nobleSignPerSecond: number;
  nodeVerifyPerSecond: number;
  nobleVerifyPerSecond: number;
  /** Milliseconds for the app to derive its approval key from the code (APPROVAL_KDF), once per approval. */
  approvalKeyDerivationMs: number;
}

const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** Runs `operation` for about `seconds` (after a short warm-up) and returns operations per second. */
function opsPerSecond(seconds: number, operation: () => void): number {
  const warmUntil = performance.now() + Math.min(200, seconds * 250);
  while (performance.now() < warmUntil) operation();
  let count = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  let now = start;
  while (now < end) {
    // Batches of 16 keep the clock reads out of the measurement.
    for (let i = 0; i < 16; i++) operation();
    count += 16;
    now = performance.now();
  }
  return round((count * 1000) / (now - start), 0);
}

/** Mean time of the app's approval-key derivation (the first run, which warms up, is left out). */
export async function measureApprovalKeyDerivation(runs: number): Promise<number> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  await deriveApprovalMask(utf8('482915'), salt, APPROVAL_KDF);
  const start = performance.now();
  for (let run = 0; run < runs; run++) await deriveApprovalMask(utf8('482915'), salt, APPROVAL_KDF);
  return round((performance.now() - start) / runs, 1);
}

export function runCrypto(secondsPerOperation: number): Omit<CryptoResult, 'approvalKeyDerivationMs'> {
  const secretKey = generateSecretKey();
  const publicKey = publicKeyOf(secretKey);
  const message = decisionSigningBytes({
    validationId: 'val_3mJr7AoUXx7Wqd2k1xS2Tw', validationNonce: 'q8yVw1xN0y3mJr7AoUXx7W', decision: 'approve',
    detailsHash: detailsHash({ type: 'transfer', amount: '12345.67', currency: 'EUR', payeeName: 'Fournitures Martin SARL' }),
    deviceId: 'dev_9sKQm2b3HcJpYq0uLr1Aeg', decidedAt: Date.UTC(2026, 10, 27, 9, 0, 0), numberChoice: null,
  });
  const signature = signMessage(message, secretKey);
  const keyObject = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
  if (!verify(null, message, keyObject, signature) || !verifyMessage(signature, message, publicKey)) throw new Error('the signature does not verify');
  return {
    messageBytes: message.length,
    nobleSignPerSecond: opsPerSecond(secondsPerOperation, () => signMessage(message, secretKey)),
    nodeVerifyPerSecond: opsPerSecond(secondsPerOperation, () => verify(null, message, keyObject, signature)),
    nobleVerifyPerSecond: opsPerSecond(secondsPerOperation, () => verifyMessage(signature, message, publicKey)),
  };
}
