/** Device key pairs for the simulated devices, made in the load process (the secret keys never leave it). */
import { createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { publicKeyOf, toBase64Url } from '../protocol/index';

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export interface DeviceKey {
  secretKey: Uint8Array;
  publicKey: string;
}

/**
 * A device key pair: 32 random bytes (what protocol/signing's generateSecretKey makes) and its public key, derived
 * with node:crypto because @noble/ed25519 would take seconds for ten thousand. The devices sign with noble.
 */
export function generateDeviceKey(): DeviceKey {
  const seed = randomBytes(32);
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return { secretKey: new Uint8Array(seed), publicKey: toBase64Url(spki.subarray(spki.length - 32)) };
}

/** Both libraries must agree on the public key, or every signed request would fail: checked once per run. */
export function checkKeyDerivation(): void {
  const key = generateDeviceKey();
  if (toBase64Url(publicKeyOf(key.secretKey)) !== key.publicKey) throw new Error('node:crypto and @noble/ed25519 derive different public keys');
}
