/**
 * Property-based fuzzing of every route of the server's own OpenAPI document (GET /openapi.json). For each route,
 * fast-check builds requests from the document's schemas — values that fit them, values that almost do, and junk —
 * with valid credentials most of the time (a portal session, a device's signature or token, an enrolment's key, the
 * back-office token) so that the requests reach the services, not only the door. The server must answer every one
 * with no 5xx, and no answer may carry a stack trace, SQL text or a file path.
 *
 * Seeded and reproducible: SA_FUZZ_SEED=<seed> replays a run; a failure prints its seed and the request that failed.
 * Requests go through Fastify's `inject` (the whole HTTP stack but the socket), about 10,000 of them.
 */
import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES, type RouteName } from '../../protocol/index';
import type { JsonSchema } from '../../protocol/json-schema';
import { OPS_TOKEN, startTestServer, type TestServer } from '../harness/server';
import type { TestDevice } from '../harness/http-client';
import { adminWithDevice, rawPortalSession, signedHeaders, startEnrolment, type RawSession } from '../integration/server/helpers';

const SEED = Number(process.env.SA_FUZZ_SEED ?? 20_261_127);
/** Requests per route; the routes that check a Code Secret (scrypt, ~50 ms each) get fewer. */
const RUNS = Number(process.env.SA_FUZZ_RUNS ?? 340);
const RUNS_WITH_SCRYPT = Math.min(RUNS, 150);
const SCRYPT_ROUTES: ReadonlySet<RouteName> = new Set(['login', 'createEnrolment', 'changeSecret']);
/** Routes that would end the fuzzer's own session or device if called with its credentials: fuzzed without them. */
const NO_OWN_CREDENTIALS: ReadonlySet<RouteName> = new Set(['logout', 'changeSecret', 'removeSelf']);

/** What no answer may contain: a stack frame, SQL or a database's error text, a path on the server. */
const LEAKS: [string, RegExp][] = [
  ['stack trace', /\bat [\w.<>$]+ \(?[^()\s]+:\d+:\d+\)?|\n\s+at\s/],
  ['SQL', /\b(select|insert into|update|delete from)\b[^"]{0,80}\b(from|values|set|where)\b|SQLITE_|syntax error at|relation "|duplicate key|violates|constraint failed/i],
  ['file path', /(\/work\/|\/home\/|\/tmp\/|\/usr\/|node_modules|[A-Za-z]:\\\\|\.tsx?:\d|\.m?js:\d)/],
];

interface Operation {
  parameters?: { in: 'path' | 'query'; name: string; required?: boolean; schema: JsonSchema }[];
  requestBody?: { content: { 'application/json': { schema: JsonSchema } } };
}

/** Values that fit a JSON Schema (the subset TypeBox produces for our routes). */
function fitting(schema: JsonSchema): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map(fitting));
  switch (schema.type) {
    case 'string': {
      if (schema.format === 'date-time') return fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(4_102_444_800_000) }).map((date) => date.toISOString());
      const minLength = schema.minLength ?? 0;
      // A pattern may fix the length itself (a signature's 86 characters): only the schema's own bounds filter it.
      const maxLength = schema.maxLength ?? (schema.pattern ? Number.POSITIVE_INFINITY : 80);
      if (!schema.pattern) return fc.string({ unit: 'grapheme', minLength, maxLength: Math.min(maxLength, 200) });
      // One character class repeated (`^[…]+$`): the schema's bounds go into the pattern, so that every value fits
      // them instead of most being thrown away.
      const repeated = /^\^(\[(?:\\.|[^\]])+\])[+*]\$$/.exec(schema.pattern);
      const pattern = repeated ? `^${repeated[1]}{${minLength},${Number.isFinite(maxLength) ? maxLength : minLength + 64}}$` : schema.pattern;
      return fc.stringMatching(new RegExp(pattern)).filter((text) => text.length >= minLength && text.length <= maxLength);
    }
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1_000_000, max: schema.maximum ?? 1_000_000_000 });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e9, max: schema.maximum ?? 1e9, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(fitting(schema.items ?? {}), { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 5, 5) });
    case 'object': {
      const properties = schema.properties ?? {};
      const required = new Set(schema.required ?? []);
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [key, value] of Object.entries(properties)) record[key] = fitting(value);
      return fc.record(record, { requiredKeys: [...required].filter((key) => key in properties) });
    }
    default:
      return fc.jsonValue();
  }
}

/** Values that almost fit, or not at all: a wrong type, a field too many or too few, junk, an edge of a bound. */
function unfitting(schema: JsonSchema): fc.Arbitrary<unknown> {
  const junk = fc.oneof(
    fc.jsonValue(),
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.constantFrom(null, 0, -1, 1e308, '', '0', 'NaN', '../../etc/passwd', "' OR 1=1 --", '\u202Eevil', 'a'.repeat(20_000), '{"__proto__":{"x":1}}'),
  );
  if (schema.type !== 'object' || !schema.properties) return junk;
  return fc.oneof(
    junk,
    fitting(schema).chain((value) => fc.record({ extra: fc.string({ maxLength: 10 }), value: fc.jsonValue() })
      .map(({ extra, value: added }) => ({ ...(value as object), [extra || 'extra']: added }))),
    fitting(schema).chain((value) => {
      const keys = Object.keys(value as object);
      return keys.length === 0 ? fc.constant(value) : fc.constantFrom(...keys).chain((key) => junk.map((bad) => ({ ...(value as object), [key]: bad })));
    }),
  );
}

interface Credentials {
  session: RawSession;
  device: TestDevice;
  deviceToken: string;
  enrolment: { device: TestDevice; id: string };
}

describe('fuzzing every route of the OpenAPI document', () => {
  let server: TestServer;
  let credentials: Credentials;
  let paths: Record<string, Record<string, Operation>>;
  let sent = 0;

  beforeAll(async () => {
    server = await startTestServer({ database: 'sqlite', limits: { codeRequestsPerIp: 1_000_000, codeRequestsPerAccount: 1_000_000 } });
    const { user, device } = await adminWithDevice(server);
    const session = await rawPortalSession(server, user, device);
    const { token } = await device.call('issueDeviceToken');
    const enrolment = await startEnrolment(server, user, 'Portable');
    credentials = { session, device, deviceToken: token, enrolment: { device: enrolment.device, id: enrolment.enrolment.id } };
    const answer = await server.server.app.inject({ method: 'GET', url: '/openapi.json' });
    paths = (answer.json() as { paths: typeof paths }).paths;
  });
  afterAll(async () => {
    await server?.close();
  });

  it('covers every route of protocol/routes.ts', () => {
    const documented = new Set(Object.entries(paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`)));
    for (const spec of Object.values(ROUTES)) expect(documented).toContain(`${spec.method} ${spec.path.replace(/:([A-Za-z]+)/g, '{$1}')}`);
  });

  for (const name of Object.keys(ROUTES) as RouteName[]) {
    it(`${ROUTES[name].method} ${ROUTES[name].path}: no 5xx, no leak`, async () => {
      const spec = ROUTES[name];
      const operation = paths[spec.path.replace(/:([A-Za-z]+)/g, '{$1}')]?.[spec.method.toLowerCase()];
      if (!operation) throw new Error(`${name} is not in the OpenAPI document`);
      const request = requestArbitrary(operation);
      const runs = SCRYPT_ROUTES.has(name) ? RUNS_WITH_SCRYPT : RUNS;
      await fc.assert(
        fc.asyncProperty(request, async (generated) => {
          const options = await withCredentials(name, generated, credentials, server);
          if (process.env.SA_FUZZ_DEBUG) console.log(`${options.method} ${options.url} ${String(options.payload).slice(0, 200)}`);
          const response = await server.server.app.inject(options);
          sent += 1;
          const where = `${options.method} ${options.url} → ${response.statusCode} ${response.payload.slice(0, 300)}`;
          if (response.statusCode >= 500) throw new Error(`server error: ${where}`);
          for (const [what, pattern] of LEAKS) if (pattern.test(response.payload)) throw new Error(`${what} in the answer: ${where}`);
          if (response.statusCode >= 400 && response.headers['content-type']?.toString().startsWith('application/json')) {
            const body = response.json() as { code?: unknown; message?: unknown };
            if (typeof body.code !== 'string' || typeof body.message !== 'string') throw new Error(`error answer without code and message: ${where}`);
          }
        }),
        { seed: SEED, numRuns: runs, endOnFailure: true, reporter: (details) => {
          if (details.failed) throw new Error(`${fc.defaultReportMessage(details)}\nReplay with SA_FUZZ_SEED=${SEED}`);
        } },
      );
    }, 120_000);
  }

  it('sent at least 10,000 requests over every route', () => {
    const planned = (Object.keys(ROUTES) as RouteName[]).reduce((sum, name) => sum + (SCRYPT_ROUTES.has(name) ? RUNS_WITH_SCRYPT : RUNS), 0);
    expect(sent).toBe(planned);
    // A shorter run may be asked for while working on the fuzzer (SA_FUZZ_RUNS); `npm test` sends the full count.
    if (process.env.SA_FUZZ_RUNS === undefined) expect(sent).toBeGreaterThanOrEqual(10_000);
  });
});

interface GeneratedRequest {
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: { kind: 'json'; value: unknown } | { kind: 'raw'; text: string; contentType: string | null } | { kind: 'none' };
  credentials: boolean;
}

function requestArbitrary(operation: Operation): fc.Arbitrary<GeneratedRequest> {
  const pathParameters = (operation.parameters ?? []).filter((parameter) => parameter.in === 'path');
  const queryParameters = (operation.parameters ?? []).filter((parameter) => parameter.in === 'query');
  const params: Record<string, fc.Arbitrary<string>> = {};
  for (const parameter of pathParameters) {
    params[parameter.name] = fc.oneof({ weight: 4, arbitrary: fitting(parameter.schema).map(String) }, { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }) });
  }
  const query: Record<string, fc.Arbitrary<unknown>> = {};
  for (const parameter of queryParameters) {
    query[parameter.name] = fc.oneof({ weight: 4, arbitrary: fitting(parameter.schema) }, { weight: 1, arbitrary: fc.oneof(fc.string({ maxLength: 50 }), fc.integer()) });
  }
  const schema = operation.requestBody?.content['application/json'].schema;
  const body: fc.Arbitrary<GeneratedRequest['body']> = schema
    ? fc.oneof(
      { weight: 6, arbitrary: fitting(schema).map((value) => ({ kind: 'json' as const, value })) },
      { weight: 3, arbitrary: unfitting(schema).map((value) => ({ kind: 'json' as const, value })) },
      { weight: 1, arbitrary: fc.record({ text: fc.string({ unit: 'binary', maxLength: 200 }), contentType: fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', null) }).map((raw) => ({ kind: 'raw' as const, ...raw })) },
    )
    : fc.oneof({ weight: 9, arbitrary: fc.constant({ kind: 'none' as const }) }, { weight: 1, arbitrary: fc.jsonValue().map((value) => ({ kind: 'json' as const, value })) });
  return fc.record({
    params: fc.record(params),
    query: fc.record(query, { requiredKeys: [] }),
    body,
    // Three requests in four carry the route's credentials: past the door, into the services.
    credentials: fc.integer({ min: 0, max: 3 }).map((draw) => draw > 0),
  });
}

/** Builds the request; with credentials, those the route asks for (signed over the exact path and body). */
async function withCredentials(name: RouteName, generated: GeneratedRequest, credentials: Credentials, server: TestServer): Promise<InjectOptions> {
  const spec = ROUTES[name];
  const useOwn = generated.credentials && !NO_OWN_CREDENTIALS.has(name);
  const params = { ...generated.params };
  if (useOwn && spec.auth === 'signed' && spec.path.includes('/enrolments/:id')) params.id = credentials.enrolment.id;
  let path = spec.path.replace(/:([A-Za-z]+)/g, (_, key: string) => encodeURIComponent(params[key] ?? ''));
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(generated.query)) {
    // A long-poll that waits would only slow the fuzzing down: it answers at once.
    search.set(key, key === 'waitSeconds' && typeof value === 'number' && value > 0 ? '0' : String(value));
  }
  if ([...search].length) path += `?${search.toString()}`;

  const headers: Record<string, string> = { 'user-agent': 'fuzz' };
  let payload: string | undefined;
  if (generated.body.kind === 'json') {
    payload = JSON.stringify(generated.body.value) ?? 'null';
    headers['content-type'] = 'application/json';
  } else if (generated.body.kind === 'raw') {
    payload = generated.body.text;
    if (generated.body.contentType) headers['content-type'] = generated.body.contentType;
  }
  if (useOwn) {
    switch (spec.auth) {
      case 'session':
      case 'admin':
        headers.cookie = credentials.session.cookie;
        headers['x-csrf-token'] = credentials.session.csrfToken;
        break;
      case 'ops':
        headers.authorization = `Bearer ${OPS_TOKEN}`;
        break;
      case 'device':
      case 'signed': {
        // A device route takes the device's token half of the time, its signature otherwise.
        if (spec.auth === 'device' && path.length % 2 === 0) {
          headers.authorization = `Bearer ${credentials.deviceToken}`;
          break;
        }
        const enrolmentRoute = spec.path.includes('/enrolments/:id');
        const signer = enrolmentRoute ? credentials.enrolment.device : credentials.device;
        const keyId = enrolmentRoute ? credentials.enrolment.id : (credentials.device.keyId as string);
        Object.assign(headers, await signedHeaders(signer, keyId, spec.method, path, payload ?? '', { timestamp: server.clock.now() }));
        break;
      }
      default:
        break;
    }
  }
  return { method: spec.method, url: path, headers, payload };
}
