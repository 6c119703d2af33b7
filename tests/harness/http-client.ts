/**
 * Small real-HTTP clients for tests: the portal (cookie jar + CSRF header, as a browser would) and a device
 * (an Ed25519 key in memory, signed requests, as the app's core does). They call routes by name from protocol/.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import {
  ROUTES, SecureAccessError, approvalKeySigningBytes, approvalSigningBytes, decisionSigningBytes, generateSecretKey, isErrorCode, publicKeyOf, routePath,
  signMessage, signedRequestHeaders, toBase64Url, type ErrorFacts, type RouteName, type SessionViewT, type ValidationForDeviceT,
} from '../../protocol/index';

type Spec<N extends RouteName> = (typeof ROUTES)[N];
type Part<N extends RouteName, K extends 'params' | 'query' | 'body'> = Spec<N> extends { [P in K]: infer S extends TSchema } ? Static<S> : never;
export interface CallInput<N extends RouteName> {
  params?: Part<N, 'params'>;
  query?: Partial<Part<N, 'query'>>;
  body?: Part<N, 'body'> | Record<string, unknown>;
}
export type CallOutput<N extends RouteName> = Static<Spec<N>['response']>;

function buildPath<N extends RouteName>(name: N, input: CallInput<N>): string {
  const path = routePath(name, (input.params ?? {}) as Record<string, string>);
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(input.query ?? {})) if (value !== undefined) query.set(key, String(value));
  const search = query.toString();
  return search ? `${path}?${search}` : path;
}

export async function parseAnswer(response: Response): Promise<unknown> {
  const text = await response.text();
  const json: unknown = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const body = json as { code?: unknown; message?: string } & ErrorFacts;
    const { code, message, ...facts } = body ?? {};
    throw new SecureAccessError(isErrorCode(code) ? code : 'internal_error', message ?? `HTTP ${response.status}`, facts);
  }
  return json;
}

export class PortalClient {
  /** The session cookie as the browser keeps it (`name=value`). */
  cookie: string | null = null;
  session: SessionViewT | null = null;

  constructor(readonly baseUrl: string, private readonly userAgent = 'Mozilla/5.0 (X11; Linux x86_64) SecureAccessTests') {}

  async call<N extends RouteName>(name: N, input: CallInput<N> = {}): Promise<CallOutput<N>> {
    const spec = ROUTES[name];
    const headers: Record<string, string> = { 'user-agent': this.userAgent };
    if (this.cookie) headers.cookie = this.cookie;
    if (spec.method !== 'GET' && this.session) headers['x-csrf-token'] = this.session.csrfToken;
    let body: string | undefined;
    if (input.body !== undefined) {
      body = JSON.stringify(input.body);
      headers['content-type'] = 'application/json';
    }
    const response = await fetch(this.baseUrl + buildPath(name, input), { method: spec.method, headers, body });
    const setCookie = response.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0] ?? null;
    const answer = (await parseAnswer(response)) as CallOutput<N>;
    if (answer && typeof answer === 'object' && 'stateKey' in answer && 'csrfToken' in answer) this.session = answer as unknown as SessionViewT;
    return answer;
  }
}

/**
 * A device as the app is one: its own key pair, every request signed; `clock` must be the server's in tests.
 * Its approval key is held unmasked (the app keeps it masked by the approval code): what the right code unmasks.
 * A wrong code is any other key (`wrongApprovalKey()`), as a wrong code unmasks another valid key in the app.
 */
export class TestDevice {
  readonly publicKey: string;
  keyId: string | null = null;
  approvalSecretKey: Uint8Array | null = null;

  constructor(readonly baseUrl: string, private readonly now: () => number, readonly secretKey = generateSecretKey()) {
    this.publicKey = toBase64Url(publicKeyOf(secretKey));
  }

  /** The same device (key, id, token) talking to another server instance. */
  at(baseUrl: string): TestDevice {
    const elsewhere = new TestDevice(baseUrl, this.now, this.secretKey);
    elsewhere.keyId = this.keyId;
    elsewhere.#token = this.#token;
    elsewhere.approvalSecretKey = this.approvalSecretKey;
    return elsewhere;
  }

  async call<N extends RouteName>(name: N, input: CallInput<N> = {}, keyId = this.keyId): Promise<CallOutput<N>> {
    const spec = ROUTES[name];
    const path = buildPath(name, input);
    const body = input.body === undefined ? '' : JSON.stringify(input.body);
    const headers: Record<string, string> = body ? { 'content-type': 'application/json' } : {};
    // `device` routes take a token too: this device always signs (tokens have their own tests).
    if (spec.auth === 'signed' || spec.auth === 'device') {
      if (!keyId) throw new Error('this device has no key id yet');
      Object.assign(headers, await signedRequestHeaders({ keyId, method: spec.method, path, body, timestamp: this.now() }, (message) => signMessage(message, this.secretKey)));
    }
    const response = await fetch(this.baseUrl + path, { method: spec.method, headers, body: body || undefined });
    return (await parseAnswer(response)) as CallOutput<N>;
  }

  #token: string | null = null;

  /**
   * A `device` route called as the app calls it: with a device token (bought once with a signed request), which the
   * server checks in the user's state it keeps in memory — the path a stale view would show on.
   */
  async callWithToken<N extends RouteName>(name: N, input: CallInput<N> = {}, options: { signal?: AbortSignal } = {}): Promise<CallOutput<N>> {
    const spec = ROUTES[name];
    if (spec.auth !== 'device') throw new Error(`${name} does not take a device token`);
    this.#token ??= (await this.call('issueDeviceToken')).token;
    const body = input.body === undefined ? undefined : JSON.stringify(input.body);
    const headers: Record<string, string> = { authorization: `Bearer ${this.#token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(this.baseUrl + buildPath(name, input), { method: spec.method, headers, body, signal: options.signal });
    return (await parseAnswer(response)) as CallOutput<N>;
  }

  /** Registers this device's first approval key (the approval code chosen), as the app does right after activation. */
  async registerApprovalKey(approvalKey = generateSecretKey()) {
    if (!this.keyId) throw new Error('not activated');
    const publicKey = toBase64Url(publicKeyOf(approvalKey));
    const signature = toBase64Url(signMessage(approvalKeySigningBytes({ deviceId: this.keyId, publicKey }), approvalKey));
    const answer = await this.call('registerApprovalKey', { body: { publicKey, signature } });
    this.approvalSecretKey = approvalKey;
    return answer;
  }

  /** What a wrong approval code unmasks: a valid key, but not the registered one. */
  static wrongApprovalKey(): Uint8Array {
    return generateSecretKey();
  }

  /**
   * The decision exactly as the app builds it: signed over the details it was shown, and an approval also by the
   * approval key (`approvalKey` null: none sent, as by an app that has no code yet).
   */
  decisionBody(
    validation: ValidationForDeviceT, decision: 'approve' | 'reject', numberChoice: number | null, detailsHash = validation.detailsHash,
    approvalKey: Uint8Array | null = this.approvalSecretKey, decidedAt = this.now(),
  ) {
    if (!this.keyId) throw new Error('not activated');
    const signed = { validationId: validation.id, validationNonce: validation.nonce, detailsHash, deviceId: this.keyId, decidedAt, numberChoice };
    const signature = toBase64Url(signMessage(decisionSigningBytes({ ...signed, decision }), this.secretKey));
    if (decision === 'reject' || approvalKey === null) return { decision, detailsHash, decidedAt, numberChoice, signature };
    const approvalSignature = toBase64Url(signMessage(approvalSigningBytes(signed), approvalKey));
    return { decision, detailsHash, decidedAt, numberChoice, signature, approvalSignature };
  }
}

/**
 * A portal session that waited at the installation step passes Secure Access once a device is active: as the
 * portal does, it asks for its login validation, which this device approves with the number shown.
 */
export async function approveWaitingSession(portal: PortalClient, device: TestDevice): Promise<void> {
  if (!portal.session || (await portal.call('getSession')).step !== 'secure_access' || portal.session.loginValidation) return;
  const login = (await portal.call('startSecureAccessLogin')).loginValidation;
  if (!login) throw new Error('no login validation was created for the waiting session');
  const { validations } = await device.call('pendingValidations', { query: {} });
  const validation = validations.find((candidate) => candidate.id === login.id);
  if (!validation) throw new Error('the login validation did not reach the device');
  await device.call('decide', { params: { id: validation.id }, body: device.decisionBody(validation, 'approve', login.number) });
  await portal.call('getSession');
}
