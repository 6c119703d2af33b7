/**
 * Who an authenticator request comes from.
 *
 * Rule 17: a request is signed by the device key (or, while activating, the enrolment key) over method, path, body
 * hash, timestamp and nonce. The timestamp must be within ±60 s of the server's clock and the nonce is recorded, so a
 * captured request cannot be replayed — by any instance (the nonce is in the database).
 *
 * The frequent calls (the long-poll, decisions — which carry their own signature over the decision) may instead
 * present a device token, obtained with a signed request and valid DEVICE_TOKEN_TTL_MS: an HMAC under a secret every
 * instance shares. Either way the device must be active and its user not suspended, on every call: a token's call
 * checks them in the user's authenticator state, which this process keeps between two announced changes of that
 * user's (a revocation or a suspension is one), so an idle device's long-poll costs the database nothing.
 */
import type { FastifyRequest } from 'fastify';
import {
  AUTH_HEADERS, DEVICE_TOKEN_TTL_MS, REQUEST_TIME_WINDOW_MS, SecureAccessError, requestSigningBytes, sha256Base64Url, utf8,
  type DeviceTokenResponseT,
} from '../../protocol/index';
import { iso, type RequestOrigin, type ServerContext } from '../context';
import { deviceTokenMac, macEquals, verifyEd25519 } from '../crypto';
import { audit } from '../services/audit';
import { deviceRevokedError, type DeviceRow } from '../services/devices';
import { accountSuspendedError } from '../services/users';
import { authenticatorState } from '../services/validations';
import type { SignedCaller } from './types';

const KEY_ID = /^(dev|enr)_[A-Za-z0-9_-]{10,40}$/;
const NONCE = /^[A-Za-z0-9_-]{16,64}$/;
/** `sat1.<device id>.<user id>.<expiry, ms>.<HMAC>` */
const DEVICE_TOKEN = /^sat1\.(dev_[A-Za-z0-9_-]{10,40})\.(usr_[A-Za-z0-9_-]{10,40})\.([1-9][0-9]{0,15})\.([A-Za-z0-9_-]{43})$/;
/** Milliseconds written as the server and the app write them: one spelling per instant (no leading zeros). */
const CANONICAL_MS = /^(0|[1-9][0-9]{0,15})$/;
/**
 * "Last used" is shown to the minute in the portal, and writing it on every long-poll of every device would be the
 * only write of an idle fleet: it is refreshed at most every five minutes.
 */
const LAST_SEEN_RESOLUTION_MS = 5 * 60_000;

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** The device and whether its user is suspended, in one query. */
function loadDevice(ctx: ServerContext, deviceId: string) {
  return ctx.db.selectFrom('devices').innerJoin('users', 'users.id', 'devices.user_id')
    .selectAll('devices').select('users.suspended as owner_suspended').where('devices.id', '=', deviceId).executeTakeFirst();
}

/** After the caller has proved it holds the device's key or token: may this device act now? */
async function admitDevice(ctx: ServerContext, device: DeviceRow, suspended: boolean): Promise<DeviceRow> {
  if (device.status === 'revoked') throw deviceRevokedError();
  // A suspended user's devices may not decide anything either (the suspension is the administrator's word).
  if (suspended) throw accountSuspendedError();
  const now = ctx.clock.now();
  if (device.last_seen_at === null || now - device.last_seen_at > LAST_SEEN_RESOLUTION_MS) {
    await ctx.db.updateTable('devices').set({ last_seen_at: now }).where('id', '=', device.id).execute();
    device.last_seen_at = now;
  }
  return device;
}

export async function verifySignedRequest(ctx: ServerContext, request: FastifyRequest & { rawBody?: string }, origin: RequestOrigin, enrolmentIdParam: string | null): Promise<SignedCaller> {
  const keyId = header(request, AUTH_HEADERS.keyId);
  const timestampText = header(request, AUTH_HEADERS.timestamp);
  const nonce = header(request, AUTH_HEADERS.nonce);
  const signature = header(request, AUTH_HEADERS.signature);
  if (!keyId || !timestampText || !nonce || !signature) throw new SecureAccessError('auth_missing', 'This request must be signed by a Secure Access device.');
  if (!KEY_ID.test(keyId) || !NONCE.test(nonce) || !CANONICAL_MS.test(timestampText)) throw new SecureAccessError('auth_signature_invalid', 'The request signature headers are malformed.');
  const timestamp = Number(timestampText);
  const now = ctx.clock.now();
  if (Math.abs(now - timestamp) > REQUEST_TIME_WINDOW_MS) {
    throw new SecureAccessError('auth_timestamp_out_of_window', "The request's time is too far from the server's: check this computer's date and time.");
  }

  let device: Awaited<ReturnType<typeof loadDevice>>;
  let caller: SignedCaller | undefined;
  let publicKey: string;
  if (keyId.startsWith('dev_')) {
    if (enrolmentIdParam !== null) throw new SecureAccessError('auth_unknown_key', 'Activation requests are signed with the enrolment key.');
    device = await loadDevice(ctx, keyId);
    if (!device) throw new SecureAccessError('auth_unknown_key', 'This device is not known to the server.');
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
    const userId = device?.user_id ?? (caller?.kind === 'enrolment' ? caller.enrolment.user_id : null);
    await audit(ctx, 'request_replayed', { userId, deviceId: device?.id ?? null, ip: origin.ip });
    throw new SecureAccessError('auth_replayed', 'This request was already received: it cannot be replayed.');
  }

  if (device) {
    const { owner_suspended: suspended, ...row } = device;
    return { kind: 'device', device: await admitDevice(ctx, row, Boolean(suspended)) };
  }
  return caller as SignedCaller;
}

export function issueDeviceToken(ctx: ServerContext, device: DeviceRow): DeviceTokenResponseT {
  const expiresAt = ctx.clock.now() + DEVICE_TOKEN_TTL_MS;
  const mac = deviceTokenMac(ctx.deviceTokenKey, device.id, device.user_id, expiresAt);
  return { token: `sat1.${device.id}.${device.user_id}.${expiresAt}.${mac}`, expiresAt: iso(expiresAt) };
}

async function verifyDeviceToken(ctx: ServerContext, token: string): Promise<SignedCaller> {
  const match = DEVICE_TOKEN.exec(token);
  if (!match) throw new SecureAccessError('auth_token_invalid', 'This device token is not valid: sign in again with the device key.');
  const [, deviceId, userId, expiresAtText, mac] = match as unknown as [string, string, string, string, string];
  const expiresAt = Number(expiresAtText);
  if (!macEquals(mac, deviceTokenMac(ctx.deviceTokenKey, deviceId, userId, expiresAt))) {
    throw new SecureAccessError('auth_token_invalid', 'This device token is not valid: sign in again with the device key.');
  }
  if (ctx.clock.now() >= expiresAt) throw new SecureAccessError('auth_token_expired', 'This device token has expired: ask for a new one with the device key.');
  const state = await authenticatorState(ctx, userId);
  const active = state?.activeDevices.find((device) => device.id === deviceId);
  if (state && active) return { kind: 'device', device: await admitDevice(ctx, active, state.suspended) };
  // Not among the active devices: revoked (say so), or gone.
  const device = await loadDevice(ctx, deviceId);
  if (!device) throw new SecureAccessError('auth_unknown_key', 'This device is not known to the server.');
  return { kind: 'device', device: await admitDevice(ctx, device, Boolean(device.owner_suspended)) };
}

/** `device` routes: a device token if one is presented, otherwise a request signed by the device key. */
export function authenticateDevice(ctx: ServerContext, request: FastifyRequest & { rawBody?: string }, origin: RequestOrigin): Promise<SignedCaller> {
  const authorization = header(request, 'authorization');
  if (authorization === undefined) return verifySignedRequest(ctx, request, origin, null);
  if (!authorization.startsWith('Bearer ')) throw new SecureAccessError('auth_token_invalid', 'Only a Bearer device token is accepted here.');
  return verifyDeviceToken(ctx, authorization.slice('Bearer '.length));
}
