/**
 * Bad input (issue 2, section 5): every route of protocol/routes.ts, sent malformed JSON, wrong types, missing
 * and unknown fields, oversized bodies, wrong content types, bad parameters and garbage credentials — each time
 * a 4xx JSON `{ code, message }`, never a 500 or a stack trace, and the server keeps serving. And the OpenAPI
 * document at /openapi.json describes every route.
 */
import type { TObject } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES, ROUTES, isErrorCode, routePath, type RouteName, type RouteSpec } from '../../../protocol/index';
import type { TestDevice } from '../../harness/http-client';
import { OPS_TOKEN, startTestServer, type TestServer } from '../../harness/server';
import {
  DATABASES, PAYEE_IBAN, SAMPLE_TRANSFER, adminWithDevice, raw, rawPortalSession, sessionHeaders, signedHeaders, startEnrolment, type RawAnswer,
  type RawSession,
} from './helpers';

type BodyRoute = { [N in RouteName]: (typeof ROUTES)[N] extends { body: unknown } ? N : never }[RouteName];

/** A valid body for every route that takes one: each bad sample below is one change away from it. */
const VALID_BODIES: Record<BodyRoute, Record<string, unknown>> = {
  createEnrolment: { identifier: 'claire.durand', secretCode: 'Tresorerie2026', deviceName: 'PC', publicKey: 'A'.repeat(43), platform: 'linux', appVersion: '1.0.0' },
  renameEnrolment: { deviceName: 'Portable' },
  requestActivationCode: { channel: 'sms' },
  activate: { code: 'ABCD-EFGH-JKLM' },
  decide: { decision: 'approve', detailsHash: 'A'.repeat(43), decidedAt: 1_795_780_800_000, numberChoice: null, signature: 'A'.repeat(86), approvalSignature: 'A'.repeat(86) },
  registerApprovalKey: { publicKey: 'A'.repeat(43), signature: 'A'.repeat(86) },
  changeApprovalKey: { publicKey: 'A'.repeat(43), signature: 'A'.repeat(86), signedAt: 1_795_780_800_000, previousSignature: 'A'.repeat(86) },
  login: { identifier: 'claire.durand', secretCode: 'Tresorerie2026' },
  sendSecurityCode: { channel: 'sms' },
  verifySecurityCode: { code: '12345678' },
  changeSecret: { currentSecretCode: 'Tresorerie2026', newSecretCode: 'Nouveau2027code' },
  createTransfer: { ...SAMPLE_TRANSFER },
  createBeneficiary: { name: 'Imprimerie Roux', iban: PAYEE_IBAN },
  checkPayee: { name: 'Imprimerie Roux', iban: PAYEE_IBAN },
  createUser: { displayName: 'Julie Martin' },
  renameDevice: { name: 'Poste compta' },
  createSubscription: { companyName: 'Durand Industrie SAS', primaryAdmin: { displayName: 'Claire Durand', securityPhone: '+33612345678' } },
};

const ROUTE_NAMES = Object.keys(ROUTES) as RouteName[];

/** A value of another JSON type than the one given. */
function wrongType(value: unknown): unknown {
  if (typeof value === 'string') return 12345;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return 'yes';
  if (value === null) return { nested: true };
  if (Array.isArray(value)) return 'list';
  return 'object';
}

interface Sample {
  label: string;
  method: string;
  path: string;
  contentType?: string;
  body?: string;
  /** Replaces the route's own credentials. */
  credentials?: Record<string, string>;
  /** The exact answer expected, when the kind of bad input decides it. */
  expect?: { status: number; code: string };
  /** The `field` a `bad_request` must name, when one field is at fault. */
  field?: string;
}

describe.each(DATABASES)('bad input on every route (%s)', (database) => {
  let server: TestServer;
  let device: TestDevice;
  let session: RawSession;
  let enrolment: { device: TestDevice; id: string };

  beforeAll(async () => {
    server = await startTestServer({ database });
    const ready = await adminWithDevice(server);
    device = ready.device;
    session = await rawPortalSession(server, ready.user, device);
    const started = await startEnrolment(server, ready.user, 'Portable');
    enrolment = { device: started.device, id: started.enrolment.id };
  });
  afterAll(async () => {
    await server.close();
  });

  function isEnrolmentRoute(spec: RouteSpec): boolean {
    return spec.path.includes('/enrolments/:id');
  }

  function validPath(name: RouteName): string {
    const spec: RouteSpec = ROUTES[name];
    if (!spec.params) return spec.path;
    const prefix = isEnrolmentRoute(spec) ? null : /\/(devices|users|activations|operations|validations)\//.exec(spec.path)?.[1];
    const id = prefix === null ? enrolment.id
      : prefix === 'devices' ? device.keyId!
        : prefix === 'users' ? 'usr_AAAAAAAAAAAAAAAAAAAAAA'
          : prefix === 'activations' ? enrolment.id
            : 'val_AAAAAAAAAAAAAAAAAAAAAA';
    return routePath(name, { id });
  }

  async function credentialsFor(name: RouteName, method: string, path: string, body: string): Promise<Record<string, string>> {
    const spec: RouteSpec = ROUTES[name];
    switch (spec.auth) {
      case 'signed':
        return isEnrolmentRoute(spec)
          ? signedHeaders(enrolment.device, enrolment.id, method, path, body, { timestamp: server.clock.now() })
          : signedHeaders(device, device.keyId!, method, path, body, { timestamp: server.clock.now() });
      case 'session':
      case 'admin':
        return sessionHeaders(session);
      case 'ops':
        return { authorization: `Bearer ${OPS_TOKEN}` };
      default:
        return {};
    }
  }

  function garbageCredentials(spec: RouteSpec): Record<string, string> | null {
    switch (spec.auth) {
      case 'signed':
        return { 'x-sa-key-id': 'dev_!!', 'x-sa-timestamp': 'hier', 'x-sa-nonce': '\u00e9', 'x-sa-signature': '%00' };
      case 'session':
      case 'admin':
        return { cookie: `sa_session=${'A'.repeat(400)}; sa_session=autre`, 'x-csrf-token': 'x' };
      case 'ops':
        return { authorization: `Bearer ${'A'.repeat(400)}` };
      default:
        return null;
    }
  }

  function samplesFor(name: RouteName): Sample[] {
    const spec: RouteSpec = ROUTES[name];
    const path = validPath(name);
    const samples: Sample[] = [];
    const valid = (VALID_BODIES as Partial<Record<RouteName, Record<string, unknown>>>)[name];
    const json = 'application/json';

    if (spec.body) {
      if (!valid) throw new Error(`no valid body sample for ${name}: add one to VALID_BODIES`);
      const required = ((spec.body as TObject).required ?? []) as string[];
      samples.push({ label: 'malformed JSON', method: spec.method, path, contentType: json, body: '{"a":' });
      samples.push({ label: 'truncated JSON', method: spec.method, path, contentType: json, body: JSON.stringify(valid).slice(0, -1) });
      for (const notAnObject of ['[]', 'null', '"texte"', '42', 'true']) {
        samples.push({ label: `JSON ${notAnObject} instead of an object`, method: spec.method, path, contentType: json, body: notAnObject });
      }
      samples.push({ label: 'empty body', method: spec.method, path, contentType: json, body: '' });
      for (const field of required) {
        const { [field]: _left, ...rest } = valid;
        samples.push({ label: `missing ${field}`, method: spec.method, path, contentType: json, body: JSON.stringify(rest), field });
      }
      for (const [field, value] of Object.entries(valid)) {
        samples.push({ label: `wrong type for ${field}`, method: spec.method, path, contentType: json, body: JSON.stringify({ ...valid, [field]: wrongType(value) }), field });
        if (typeof value === 'string') {
          samples.push({ label: `oversized ${field}`, method: spec.method, path, contentType: json, body: JSON.stringify({ ...valid, [field]: 'x'.repeat(4000) }) });
          samples.push({ label: `control characters in ${field}`, method: spec.method, path, contentType: json, body: JSON.stringify({ ...valid, [field]: `${value}\u0000\n\u001b[31m` }) });
        }
      }
      samples.push({ label: 'unknown field', method: spec.method, path, contentType: json, body: JSON.stringify({ ...valid, isAdmin: true }), field: 'isAdmin' });
      samples.push({ label: '__proto__ field', method: spec.method, path, contentType: json, body: `{"__proto__":{"role":"primary_admin"},${JSON.stringify(valid).slice(1)}` });
      samples.push({ label: 'deeply nested JSON', method: spec.method, path, contentType: json, body: `${'['.repeat(5000)}${']'.repeat(5000)}` });
      samples.push({
        label: 'body over 16 KiB', method: spec.method, path, contentType: json, body: JSON.stringify({ ...valid, padding: 'x'.repeat(17 * 1024) }),
        expect: { status: 413, code: 'body_too_large' },
      });
      samples.push({ label: 'text/plain content type', method: spec.method, path, contentType: 'text/plain', body: JSON.stringify(valid), expect: { status: 415, code: 'unsupported_media_type' } });
      samples.push({ label: 'form content type', method: spec.method, path, contentType: 'application/x-www-form-urlencoded', body: 'identifier=a&secretCode=b', expect: { status: 415, code: 'unsupported_media_type' } });
    } else if (spec.method !== 'GET') {
      samples.push({ label: 'an unexpected text body', method: spec.method, path, contentType: 'text/plain', body: 'bonjour', expect: { status: 415, code: 'unsupported_media_type' } });
    }

    if (spec.params) {
      const base = spec.path;
      const body = valid ? JSON.stringify(valid) : undefined;
      const contentType = valid ? json : undefined;
      for (const [label, id] of [['too long an id', 'a'.repeat(65)], ['an id with spaces and quotes', `x' OR '1'='1`], ['an id with a slash', '..%2F..%2Fhealthz'], ['an id in Unicode', 'dév_é']] as const) {
        const encoded = label === 'an id with a slash' ? id : encodeURIComponent(id);
        samples.push({ label, method: spec.method, path: base.replace(':id', encoded), contentType, body });
      }
    }

    if (spec.query) {
      const properties = Object.keys((spec.query as TObject).properties);
      samples.push({ label: 'unknown query parameter', method: spec.method, path: `${path}?debug=1` });
      if (properties.includes('waitSeconds')) {
        for (const wait of ['abc', '31', '-1', '1.5', '99999999999999999999']) samples.push({ label: `waitSeconds=${wait}`, method: spec.method, path: `${path}?waitSeconds=${wait}` });
      }
      if (properties.includes('cursor')) samples.push({ label: 'cursor not a number', method: spec.method, path: `${path}?cursor=abc` });
      if (properties.includes('knownStatus')) samples.push({ label: 'unknown knownStatus', method: spec.method, path: `${path}?knownStatus=maybe` });
      if (properties.includes('knownState')) samples.push({ label: 'oversized knownState', method: spec.method, path: `${path}?knownState=${'k'.repeat(300)}` });
    }

    const garbage = garbageCredentials(spec);
    if (garbage) {
      samples.push({ label: 'garbage credentials', method: spec.method, path, contentType: valid ? json : undefined, body: valid ? JSON.stringify(valid) : undefined, credentials: garbage });
    }
    // No route of the protocol uses PUT.
    samples.push({ label: 'a method the route does not have', method: 'PUT', path, expect: { status: 404, code: 'not_found' } });
    return samples;
  }

  function expectCleanRefusal(answer: RawAnswer, sample: Sample, name: RouteName): void {
    const where = `${name} — ${sample.label}: ${answer.status} ${answer.text.slice(0, 200)}`;
    expect(answer.status, where).toBeGreaterThanOrEqual(400);
    expect(answer.status, where).toBeLessThan(500);
    expect(answer.contentType, where).toMatch(/^application\/json/);
    const body = answer.json as { code?: unknown; message?: unknown; stack?: unknown };
    expect(isErrorCode(body.code), where).toBe(true);
    expect(typeof body.message, where).toBe('string');
    expect(body.stack, where).toBeUndefined();
    expect(answer.text, where).not.toMatch(/\bat [^ ]+ \(|node_modules|\.ts:\d+|Error:/);
    if (sample.expect) expect({ status: answer.status, code: body.code }, where).toEqual(sample.expect);
    if (sample.field) expect({ status: answer.status, code: body.code, field: (body as { field?: unknown }).field }, where).toEqual({ status: 400, code: 'bad_request', field: sample.field });
  }

  it('section 5: every route that takes a body has a valid sample to start from', () => {
    const withBody = ROUTE_NAMES.filter((name) => 'body' in ROUTES[name]);
    expect(Object.keys(VALID_BODIES).sort()).toEqual(withBody.sort());
  });

  it.each(ROUTE_NAMES)('section 5: %s refuses bad input with a 4xx { code, message }, never a 500, and the server keeps serving', async (name) => {
    const samples = samplesFor(name);
    expect(samples.length).toBeGreaterThan(0);
    for (const sample of samples) {
      const credentials = sample.credentials ?? (await credentialsFor(name, sample.method, sample.path, sample.body ?? ''));
      const headers: Record<string, string> = { ...credentials };
      if (sample.contentType) headers['content-type'] = sample.contentType;
      const answer = await raw(server.baseUrl, sample.method, sample.path, { headers, body: sample.body });
      expectCleanRefusal(answer, sample, name);
    }
    const health = await raw(server.baseUrl, 'GET', '/healthz');
    expect(health.status).toBe(200);
    expect(health.json).toEqual({ ok: true, database });
  });

  it('section 5: a missing or unknown field inside a nested object is named by its path', async () => {
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${OPS_TOKEN}` };
    const missing = await raw(server.baseUrl, 'POST', ROUTES.createSubscription.path, { headers, body: JSON.stringify({ companyName: 'Roux SA', primaryAdmin: { securityPhone: '+33612345678' } }) });
    expect({ status: missing.status, json: missing.json }).toEqual({
      status: 400, json: { code: 'bad_request', message: 'Missing field "primaryAdmin.displayName" in the body.', field: 'primaryAdmin.displayName' },
    });
    const unknown = await raw(server.baseUrl, 'POST', ROUTES.createSubscription.path, { headers, body: JSON.stringify({ companyName: 'Roux SA', primaryAdmin: { displayName: 'Jean Roux', role: 'x' } }) });
    expect(unknown.json).toMatchObject({ code: 'bad_request', field: 'primaryAdmin.role' });
  });

  it('section 5: unknown routes and malformed URLs are JSON 4xx too', async () => {
    for (const [method, path] of [['GET', '/api/portal/v1/nothing-here'], ['POST', '/api/authenticator/v1/enrolments/x/y/z'], ['GET', '/api/portal/v1/operations/%E0%A4%A'], ['DELETE', '/api/admin/v1/users']] as const) {
      const answer = await raw(server.baseUrl, method, path);
      expect(answer.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
      expect(answer.status, `${method} ${path}`).toBeLessThan(500);
      expect(isErrorCode((answer.json as { code?: unknown } | null)?.code), `${method} ${path}: ${answer.text}`).toBe(true);
    }
  });

  it('section 5: a burst of bad requests on every route leaves the server serving real work', async () => {
    const burst = ROUTE_NAMES.flatMap((name) => samplesFor(name).slice(0, 3).map((sample) => ({ name, sample })));
    const answers = await Promise.all(burst.map(async ({ name, sample }) => ({
      name, sample,
      answer: await raw(server.baseUrl, sample.method, sample.path, {
        headers: { ...(sample.contentType ? { 'content-type': sample.contentType } : {}), ...(sample.credentials ?? (await credentialsFor(name, sample.method, sample.path, sample.body ?? ''))) },
        body: sample.body,
      }),
    })));
    for (const { name, sample, answer } of answers) expectCleanRefusal(answer, sample, name);
    expect((await device.call('getSelf')).device.status).toBe('active');
  });
});

describe('the OpenAPI document', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('section 5: GET /openapi.json is a valid OpenAPI 3 document with every route of protocol/routes.ts', async () => {
    const answer = await raw(server.baseUrl, 'GET', '/openapi.json');
    expect(answer.status).toBe(200);
    expect(answer.contentType).toMatch(/^application\/json/);
    const document = answer.json as {
      openapi: string; info: { title: string; version: string };
      paths: Record<string, Record<string, { responses?: Record<string, unknown>; parameters?: { name: string; in: string; required?: boolean; schema?: unknown }[]; requestBody?: { content?: Record<string, { schema?: unknown }> }; summary?: string }>>;
      components?: { securitySchemes?: Record<string, unknown> };
    };
    expect(document.openapi).toMatch(/^3\.\d+\.\d+$/);
    expect(typeof document.info.title).toBe('string');
    expect(typeof document.info.version).toBe('string');

    const methods = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);
    for (const [path, item] of Object.entries(document.paths)) {
      expect(path.startsWith('/')).toBe(true);
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
      for (const [method, operation] of Object.entries(item)) {
        expect(methods.has(method), `${method} ${path}`).toBe(true);
        expect(Object.keys(operation.responses ?? {}).length, `${method} ${path} responses`).toBeGreaterThan(0);
        for (const status of Object.keys(operation.responses ?? {})) expect(status, `${method} ${path}`).toMatch(/^([1-5][0-9X]{2}|default)$/);
        const pathParameters = (operation.parameters ?? []).filter((parameter) => parameter.in === 'path');
        expect(pathParameters.map((parameter) => parameter.name).sort(), `${method} ${path} path parameters`).toEqual([...templated].sort());
        for (const parameter of operation.parameters ?? []) {
          expect(['path', 'query', 'header', 'cookie']).toContain(parameter.in);
          if (parameter.in === 'path') expect(parameter.required).toBe(true);
          expect(parameter.schema).toBeDefined();
        }
      }
    }

    for (const name of ROUTE_NAMES) {
      const spec: RouteSpec = ROUTES[name];
      const openApiPath = spec.path.replace(/:([A-Za-z]+)/g, '{$1}');
      const operation = document.paths[openApiPath]?.[spec.method.toLowerCase()];
      expect(operation, `${spec.method} ${openApiPath} (${name})`).toBeDefined();
      expect(operation!.summary).toBe(spec.summary);
      expect(Object.keys(operation!.responses!)).toContain(String(spec.status ?? 200));
      if (spec.body) expect(operation!.requestBody?.content?.['application/json']?.schema, name).toBeDefined();
    }
    // Error answers are described with their stable codes.
    expect(answer.text).toContain('validation_already_decided');
    expect(ERROR_CODES.every((code) => answer.text.includes(`"${code}"`))).toBe(true);
    expect(Object.keys(document.components?.securitySchemes ?? {})).toEqual(expect.arrayContaining(['signedRequest', 'session', 'ops']));
  });
});
