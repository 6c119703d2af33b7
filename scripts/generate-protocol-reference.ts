/**
 * Writes docs/protocol-reference.md from the protocol's own definitions — protocol/routes.ts (every route, its
 * authentication and error codes), protocol/schemas.ts (every body, query and response, with types and limits) and
 * protocol/errors.ts (codes and HTTP statuses) — so the reference can never say something the server does not do.
 * Run `npm run docs:protocol` after changing any of them; tests/unit/protocol-reference.test.ts fails until then.
 * The prose (flows, what to hash, timing) stays hand-written in docs/protocol.md.
 */
import { writeFileSync } from 'node:fs';
import { ERROR_STATUS, type ErrorCode } from '../protocol/errors';
import type { JsonSchema } from '../protocol/json-schema';
import { ROUTES, isEnrolmentKeyRoute, routeErrorCodes, type RouteName, type RouteSpec } from '../protocol/routes';
import * as schemas from '../protocol/schemas';
import { AUTH_HEADERS, DEVICE_TOKEN_TTL_MS, REQUEST_TIME_WINDOW_MS, SIGNING_DOMAINS } from '../protocol/canonical';

export const REFERENCE_PATH = 'docs/protocol-reference.md';

interface Row {
  field: string;
  type: string;
  required: boolean;
  rules: string[];
}

/** Every exported object schema (or union of objects) by identity, so a field typed with one links to its section. */
const TYPE_NAMES = new Map<JsonSchema, string>();
for (const [name, value] of Object.entries(schemas)) {
  if (value && typeof value === 'object' && isObjectLike(value as JsonSchema) && !TYPE_NAMES.has(value as JsonSchema)) {
    TYPE_NAMES.set(value as JsonSchema, name);
  }
}

function isObjectLike(schema: JsonSchema): boolean {
  return schema.type === 'object' || (schema.anyOf !== undefined && schema.anyOf.length > 0 && schema.anyOf.every((member) => member.type === 'object'));
}

function anchor(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-');
}

/** Types and routes may share a name but for its case (a route validationOutcome, a type ValidationOutcome): a type's heading says it is one. */
function typeHeading(name: string): string {
  return `${name} (type)`;
}

function typeLink(name: string): string {
  return `[${name}](#${anchor(typeHeading(name))})`;
}

function routeLink(name: string): string {
  return `[${name}](#${anchor(name)})`;
}

function code(text: string): string {
  return `\`${text}\``;
}

function literal(value: unknown): string {
  return code(typeof value === 'string' ? value : JSON.stringify(value));
}

function jsonType(value: unknown): string {
  return typeof value === 'number' ? (Number.isInteger(value) ? 'integer' : 'number') : typeof value;
}

function lengthRule(min: number | undefined, max: number | undefined, unit: string): string | null {
  if (min !== undefined && max !== undefined) return min === max ? `exactly ${min} ${unit}` : `${min}–${max} ${unit}`;
  if (max !== undefined) return `at most ${max} ${unit}`;
  if (min !== undefined) return `at least ${min} ${unit}`;
  return null;
}

/** What a string format means on the wire (the server writes dates with toISOString: always milliseconds and Z). */
const FORMATS: Record<string, string> = { 'date-time': 'ISO 8601, UTC, always `YYYY-MM-DDTHH:mm:ss.sssZ`, e.g. `2026-11-27T10:00:00.000Z`' };

/** Collects the named types a schema refers to, in the order a reader meets them. */
export class Reference {
  readonly namedTypes: string[] = [];
  private readonly seen = new Set<string>();

  private mention(name: string): string {
    if (!this.seen.has(name)) {
      this.seen.add(name);
      this.namedTypes.push(name);
    }
    return typeLink(name);
  }

  /** A field's type, its rules, and the rows of an anonymous object inside it. */
  describe(schema: JsonSchema, path: string, inline = false): { type: string; rules: string[]; rows: Row[] } {
    const name = inline ? undefined : TYPE_NAMES.get(schema);
    const rules = schema.description ? [schema.description] : [];
    if (name) return { type: this.mention(name), rules, rows: [] };

    if (schema.anyOf) {
      const members = schema.anyOf.filter((member) => member.type !== 'null');
      const nullable = members.length < schema.anyOf.length;
      const orNull = nullable ? ' or null' : '';
      if (members.every((member) => member.const !== undefined)) {
        return { type: `${[...new Set(members.map((member) => jsonType(member.const)))].join(' or ')}${orNull}`, rules: [`one of ${members.map((member) => literal(member.const)).join(', ')}`, ...rules], rows: [] };
      }
      if (members.length === 1) {
        const only = this.describe(members[0] as JsonSchema, path);
        return { type: `${only.type}${orNull}`, rules: [...only.rules, ...rules], rows: only.rows };
      }
      const described = members.map((member) => this.describe(member, path));
      return { type: `${described.map((member) => member.type).join(' or ')}${orNull}`, rules: [...described.flatMap((member) => member.rules), ...rules], rows: described.flatMap((member) => member.rows) };
    }
    if (schema.const !== undefined) return { type: jsonType(schema.const), rules: [`always ${literal(schema.const)}`, ...rules], rows: [] };
    if (schema.allOf) return { type: 'object', rules, rows: schema.allOf.flatMap((part) => this.rows(part, path)) };
    if (schema.type === 'object' && schema.patternProperties) {
      const [keys, values] = Object.entries(schema.patternProperties)[0] as [string, JsonSchema];
      const value = this.describe(values, `${path}.*`);
      return { type: `object of ${value.type}`, rules: [`keys match ${code(keys)}`, ...value.rules.map((rule) => `each value: ${rule}`), ...rules], rows: value.rows };
    }

    switch (schema.type) {
      case 'string': {
        const format = schema.format ? (FORMATS[schema.format] ?? schema.format) : null;
        const own = [lengthRule(schema.minLength, schema.maxLength, 'characters'), format, schema.pattern ? `pattern ${code(schema.pattern)}` : null];
        // A format's own description ("ISO 8601, UTC") says less than the format's explanation.
        const described = rules.filter((rule) => !format?.includes(rule));
        return { type: 'string', rules: [...own.filter((rule): rule is string => rule !== null), ...described], rows: [] };
      }
      case 'integer':
      case 'number': {
        const range = schema.minimum !== undefined && schema.maximum !== undefined ? `${schema.minimum}–${schema.maximum}`
          : schema.minimum !== undefined ? `≥ ${schema.minimum}` : schema.maximum !== undefined ? `≤ ${schema.maximum}` : null;
        return { type: schema.type, rules: [...(range ? [range] : []), ...rules], rows: [] };
      }
      case 'boolean':
      case 'null':
        return { type: schema.type, rules, rows: [] };
      case 'array': {
        const item = this.describe(schema.items ?? {}, `${path}[]`);
        const count = lengthRule(schema.minItems, schema.maxItems, 'items');
        return {
          type: `array of ${item.type}`,
          rules: [...(count ? [count] : []), ...item.rules.map((rule) => `each: ${rule}`), ...rules],
          rows: item.rows,
        };
      }
      case 'object':
        return { type: 'object', rules, rows: this.rows(schema, path) };
      default:
        // A construct this generator does not render yet: shown as the JSON Schema itself, exact if not pretty.
        return { type: schema.type ?? 'any', rules: [`JSON Schema ${code(JSON.stringify(schema))}`, ...rules], rows: [] };
    }
  }

  /** One row per property (and per property of an anonymous object inside), dotted from `prefix`. */
  rows(schema: JsonSchema, prefix = ''): Row[] {
    const required = new Set(schema.required ?? []);
    return Object.entries(schema.properties ?? {}).flatMap(([key, property]) => {
      const field = prefix ? `${prefix}.${key}` : key;
      const described = this.describe(property, field);
      return [{ field, type: described.type, required: required.has(key), rules: described.rules }, ...described.rows];
    });
  }
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function table(rows: Row[], requiredLabel: string): string[] {
  if (rows.length === 0) return ['No fields: send `{}`.'];
  return [
    `| Field | Type | ${requiredLabel} | Rules |`,
    '|---|---|---|---|',
    ...rows.map((row) => `| ${code(row.field)} | ${cell(row.type)} | ${row.required ? 'yes' : 'no'} | ${cell(row.rules.join('; '))} |`),
  ];
}

const PROSE = 'protocol.md';

function authText(spec: RouteSpec): string {
  switch (spec.auth) {
    case 'none':
      return 'none';
    case 'signed':
      return isEnrolmentKeyRoute(spec)
        ? `[signed](${PROSE}#signed-authenticator-requests) by the enrolment key (\`x-sa-key-id: enr_…\`, the enrolment of the path)`
        : `[signed](${PROSE}#signed-authenticator-requests) by the device key (\`x-sa-key-id: dev_…\`)`;
    case 'device':
      return `[device token](${PROSE}#device-tokens-the-frequent-calls) (\`authorization: Bearer …\`) or [signed](${PROSE}#signed-authenticator-requests) by the device key`;
    case 'session':
    case 'admin': {
      const steps = spec.steps ?? ['authenticated'];
      const who = spec.auth === 'admin' ? ' of an administrator (`primary_admin` or `admin`)' : '';
      const csrf = spec.method === 'GET' ? '' : ' + `x-csrf-token` header';
      return `[portal session](${PROSE}#portal-sessions)${who} (\`sa_session\` cookie${csrf}) at step ${steps.map(code).join(', ')}`;
    }
    case 'ops':
      return 'back-office bearer token (`authorization: Bearer <SA_OPS_TOKEN>`)';
    case 'dev':
      return 'none; served only in demo mode (otherwise `not_found`)';
  }
}

function routeSection(name: RouteName, reference: Reference): string[] {
  const spec: RouteSpec = ROUTES[name];
  const success = spec.status ?? 200;
  const errors = routeErrorCodes(name).map((error) => `${code(error)} ${ERROR_STATUS[error]}`).join(', ');
  const lines = [
    `### ${name}`,
    '',
    `\`${spec.method} ${spec.path}\` — ${spec.summary}.`,
    '',
    `- Authentication: ${authText(spec)}`,
    `- Success: \`${success}\` with ${reference.describe(spec.response as JsonSchema, '').type}`,
    `- Errors: ${errors}`,
  ];
  const part = (title: string, schema: unknown, label: string) => {
    if (!schema) return;
    const typeName = TYPE_NAMES.get(schema as JsonSchema);
    lines.push('', `${title}${typeName ? ` (${code(typeName)})` : ''}:`, '', ...table(reference.rows(schema as JsonSchema), label));
  };
  part('Path parameters', spec.params, 'Required');
  part('Query parameters', spec.query, 'Required');
  if (spec.body) part('Body, JSON', spec.body, 'Required');
  else if (spec.method !== 'GET') {
    lines.push('', spec.auth === 'signed' || spec.auth === 'device'
      ? 'No body: send none, and sign the SHA-256 of the empty string as its hash.'
      : 'No body: send none.');
  }
  lines.push('');
  return lines;
}

function typeSection(name: string, reference: Reference): string[] {
  const schema = (schemas as Record<string, unknown>)[name] as JsonSchema;
  if (schema.anyOf) {
    const members = schema.anyOf.map((member) => reference.describe(member, '').type);
    return [`### ${typeHeading(name)}`, '', `One of ${members.join(', ')}, told apart by their \`type\` field.`, ''];
  }
  return [`### ${typeHeading(name)}`, '', ...(schema.description ? [schema.description, ''] : []), ...table(reference.rows(schema), 'Always present'), ''];
}

const API_GROUPS: { title: string; test: (spec: RouteSpec) => boolean }[] = [
  { title: 'Authenticator API (the desktop app)', test: (spec) => spec.path.startsWith('/api/authenticator/') },
  { title: 'Portal API (Espace Client)', test: (spec) => spec.path.startsWith('/api/portal/') },
  { title: 'Administration API', test: (spec) => spec.path.startsWith('/api/admin/') },
  { title: 'Back office and development', test: () => true },
];

export function buildProtocolReference(): string {
  const reference = new Reference();
  const names = Object.keys(ROUTES) as RouteName[];
  const grouped = new Map<string, RouteName[]>(API_GROUPS.map((group) => [group.title, []]));
  for (const name of names) grouped.get(API_GROUPS.find((group) => group.test(ROUTES[name]))!.title)!.push(name);

  const routeLines: string[] = [];
  for (const [title, members] of grouped) {
    if (members.length === 0) continue;
    routeLines.push(`## ${title}`, '');
    for (const name of members) routeLines.push(...routeSection(name, reference));
  }
  reference.describe(schemas.ErrorResponse as JsonSchema, '');
  const typeLines: string[] = [];
  // Sections may mention further types: the list grows while it is written.
  for (let i = 0; i < reference.namedTypes.length; i++) typeLines.push(...typeSection(reference.namedTypes[i] as string, reference));

  const anchors = [...names, ...reference.namedTypes.map(typeHeading)].map(anchor);
  const clash = anchors.find((name, i) => anchors.indexOf(name) !== i);
  if (clash) throw new Error(`two sections would share the anchor #${clash}`);

  const answeredBy = (error: ErrorCode) => {
    const routes = names.filter((name) => routeErrorCodes(name).includes(error));
    return routes.length === names.length ? 'every route' : routes.length === 0 ? '—' : routes.map(routeLink).join(', ');
  };

  return [
    '# Secure Access protocol v1: reference',
    '',
    '<!-- Generated by `npm run docs:protocol` from protocol/routes.ts, protocol/schemas.ts and protocol/errors.ts.',
    '     Do not edit: tests/unit/protocol-reference.test.ts fails when this file and the protocol differ. -->',
    '',
    `Every route, body, query, response and error code of the protocol, generated from its definitions in`,
    '[`protocol/`](../protocol). What the fields mean, in what order things happen and what exactly is hashed and',
    `signed is in [protocol.md](${PROSE}); start there.`,
    '',
    '- Bodies are JSON (`content-type: application/json`), at most 16 KiB. Request objects are closed: a field not',
    '  listed is refused (`bad_request` naming it in `field`), and nothing is type-coerced (`"12"` is not `12`).',
    '  Query parameters are strings on the wire, read as the type shown.',
    '- Patterns are regular expressions as JSON Schema writes them (ECMAScript syntax; `\\u0000-\\u001f\\u007f` are the',
    '  control characters, so `^[^\\u0000-\\u001f\\u007f]*$` means "one line, no control characters"). Lengths count',
    '  characters (Unicode code points), as JSON Schema does.',
    '- Answers are JSON, and their objects are closed in the schemas too: the reference app refuses an answer that does',
    '  not match its own copy of them. A more lenient client must still hash validation details exactly as received,',
    `  every field included (see [protocol.md](${PROSE}#what-the-device-hashes)).`,
    '- Every error answers `{ "code", "message", …facts }` with the HTTP status shown next to its code: see',
    '  [ErrorResponse](#errorresponse-type) and [Error codes](#error-codes).',
    '',
    '| Constant | Value |',
    '|---|---|',
    `| Request signature headers | ${Object.values(AUTH_HEADERS).map(code).join(', ')} |`,
    `| Signing domains | ${Object.values(SIGNING_DOMAINS).map(code).join(', ')} |`,
    `| Signed request and decision time window | ±${REQUEST_TIME_WINDOW_MS / 1000} s of the server's clock |`,
    `| Device token lifetime | ${DEVICE_TOKEN_TTL_MS / 60_000} minutes |`,
    `| Longest long-poll wait (\`waitSeconds\`) | ${schemas.LONG_POLL_MAX_SECONDS} s |`,
    `| Active devices per user | at most ${schemas.MAX_DEVICES_PER_USER} |`,
    '',
    '## Routes',
    '',
    '| Route | Method and path | Authentication |',
    '|---|---|---|',
    ...names.map((name) => `| ${routeLink(name)} | \`${ROUTES[name].method} ${ROUTES[name].path}\` | ${ROUTES[name].auth} |`),
    '',
    ...routeLines,
    '## Types',
    '',
    'Objects used in the answers above (and inside the validation details that are hashed and signed).',
    '',
    ...typeLines,
    '## Error codes',
    '',
    `What each code means and which facts it carries: [protocol.md](${PROSE}#error-codes).`,
    '',
    '| Code | HTTP | Answered by |',
    '|---|---|---|',
    ...(Object.keys(ERROR_STATUS) as ErrorCode[]).map((error) => `| ${code(error)} | ${ERROR_STATUS[error]} | ${answeredBy(error)} |`),
    '',
  ].join('\n');
}

if (process.argv[1]?.endsWith('generate-protocol-reference.ts')) {
  writeFileSync(new URL(`../${REFERENCE_PATH}`, import.meta.url), buildProtocolReference());
  console.log(`wrote ${REFERENCE_PATH}`);
}
