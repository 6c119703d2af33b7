/**
 * Rule 17: every authenticator request is signed by the device key (or, while activating, the enrolment key)
 * over method, path, body hash, timestamp and nonce. The timestamp must be within ±60 s of the server's clock
 * and the nonce is recorded, so a captured request cannot be replayed — by any instance (the nonce is in the database).
 */
import type { FastifyRequest } from 'fastify';
import {
  AUTH_HEADERS, REQUEST_TIME_WINDOW_MS, SecureAccessError, requestSigningBytes, sha256Base64Url, utf8,
} from '../../protocol/index';
import type { RequestOrigin, ServerContext } from '../context';
import { verifyEd25519 } from '../crypto';
import { audit } from '../services/audit';
import type { SignedCaller } from './types';

const KEY_ID = /^(dev|enr)_[A-Za-z0-9_-]{10,40}$/;
const NONCE = /^[A-Za-z0-9_-]{16,64}$/;
const LAST_SEEN_RESOLUTION_MS = 60_000;

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

export async function verifySignedRequest(ctx: ServerContext, request: FastifyRequest & { rawBody?: string }, origin: RequestOrigin, enrolmentIdParam: string | null): Promise<SignedCaller> {
  const keyId = header(request, AUTH_HEADERS.keyId);
  const timestampText = header(request, AUTH_HEADERS.timestamp);
  const nonce = header(request, AUTH_HEADERS.nonce);
  const signature = header(request, AUTH_HEADERS.signature);
  if (!keyId || !timestampText || !nonce || !signature) throw new SecureAccessError('auth_missing', 'This request must be signed by a Secure Access device.');
  if (!KEY_ID.test(keyId) || !NONCE.test(nonce) || !/^[0-9]{1,16}$/.test(timestampText)) throw new SecureAccessError('auth_signature_invalid', 'The request signature headers are malformed.');
  const timestamp = Number(timestampText);
  const now = ctx.clock.now();
  if (Math.abs(now - timestamp) > REQUEST_TIME_WINDOW_MS) {
    throw new SecureAccessError('auth_timestamp_out_of_window', "The request's time is too far from the server's: check this computer's date and time.");
  }

  let caller: SignedCaller;
  let publicKey: string;
  if (keyId.startsWith('dev_')) {
    if (enrolmentIdParam !== null) throw new SecureAccessError('auth_unknown_key', 'Activation requests are signed with the enrolment key.');
    const device = await ctx.db.selectFrom('devices').selectAll().where('id', '=', keyId).executeTakeFirst();
    if (!device) throw new SecureAccessError('auth_unknown_key', 'This device is not known to the server.');
    caller = { kind: 'device', device };
    publicKey = device.public_key;
  } else {
    // An enrolment key may only act on its own enrolment.
    if (enrolmentIdParam !== keyId) throw new SecureAccessError('auth_unknown_key', 'This key is not allowed here.');
    const enrolment = await ctx.db.selectFrom('enrolments').selectAll().where('id', '=', keyId).executeTakeFirst();
    if (!enrolment) throw new SecureAccessError('enrolment_not_found', 'This activation request does not exist.');
    caller = { kind: 'enrolment', enrolment };
    publicKey = enrolment.public_key;
  }

  const bytes = requestSigningBytes({
    keyId, method: request.method, path: request.url, timestamp, nonce, bodySha256: sha256Base64Url(utf8(request.rawBody ?? '')),
  });
  if (!verifyEd25519(publicKey, bytes, signature)) throw new SecureAccessError('auth_signature_invalid', 'The request signature is not valid.');

  try {
    await ctx.db.insertInto('request_nonces').values({ key_id: keyId, nonce, expires_at: timestamp + 2 * REQUEST_TIME_WINDOW_MS }).execute();
  } catch {
    await audit(ctx, 'request_replayed', { userId: caller.kind === 'device' ? caller.device.user_id : caller.enrolment.user_id, deviceId: caller.kind === 'device' ? caller.device.id : null, ip: origin.ip });
    throw new SecureAccessError('auth_replayed', 'This request was already received: it cannot be replayed.');
  }

  if (caller.kind === 'device') {
    const { device } = caller;
    if (device.status === 'revoked') throw new SecureAccessError('device_revoked', 'This device has been revoked: Secure Access is no longer active on it for this account.');
    // A suspended user's devices may not decide anything either (the suspension is the administrator's word).
    const owner = await ctx.db.selectFrom('users').select('suspended').where('id', '=', device.user_id).executeTakeFirst();
    if (owner?.suspended) throw new SecureAccessError('account_locked', 'This account has been suspended by your administrator.', { lockedUntil: null });
    if (device.last_seen_at === null || now - device.last_seen_at > LAST_SEEN_RESOLUTION_MS) {
      await ctx.db.updateTable('devices').set({ last_seen_at: now }).where('id', '=', device.id).execute();
    }
  }
  return caller;
}
