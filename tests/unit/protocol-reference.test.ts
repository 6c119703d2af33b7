/**
 * docs/protocol-reference.md is generated from protocol/ (npm run docs:protocol): this fails as soon as the schemas,
 * the routes or the error codes say something the committed document does not, so the reference cannot drift.
 * (tests/unit/docs-links.test.ts checks that its links, into itself and into protocol.md, lead somewhere.)
 */
import { readFileSync } from 'node:fs';
import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, ROUTES, routeErrorCodes, type RouteName } from '../../protocol/index';
import { REFERENCE_PATH, Reference, buildProtocolReference } from '../../scripts/generate-protocol-reference';

const committed = readFileSync(REFERENCE_PATH, 'utf8');
const generated = buildProtocolReference();
const names = Object.keys(ROUTES) as RouteName[];

describe('docs/protocol-reference.md, generated from protocol/', () => {
  it('is exactly what the protocol definitions give today (if not: npm run docs:protocol)', () => {
    if (committed !== generated) {
      const committedLines = committed.split('\n');
      const generatedLines = generated.split('\n');
      const line = generatedLines.findIndex((text, i) => text !== committedLines[i]);
      throw new Error(`${REFERENCE_PATH} is stale: run \`npm run docs:protocol\` and commit it. First difference at line ${line + 1}:\n`
        + `  committed: ${committedLines[line] ?? '(end of file)'}\n  generated: ${generatedLines[line] ?? '(end of file)'}`);
    }
  });

  it('has a section for every route, with its method, path and every error code it may answer', () => {
    for (const name of names) {
      const start = generated.indexOf(`\n### ${name}\n`);
      expect(start, name).toBeGreaterThan(0);
      const section = generated.slice(start, generated.indexOf('\n### ', start + 1));
      expect(section, name).toContain(`\`${ROUTES[name].method} ${ROUTES[name].path}\``);
      for (const code of routeErrorCodes(name)) expect(section, `${name} ${code}`).toContain(`\`${code}\``);
    }
  });

  it('every error code of errors.ts is one some route may answer, and is in the reference', () => {
    const answered = new Set(names.flatMap((name) => routeErrorCodes(name)));
    expect(ERROR_CODES.filter((code) => !answered.has(code))).toEqual([]);
    for (const code of ERROR_CODES) expect(generated).toContain(`| \`${code}\` |`);
  });

  it('the hand-written protocol.md links to it', () => {
    expect(readFileSync('docs/protocol.md', 'utf8')).toContain('(protocol-reference.md)');
  });
});

describe('the generator, on schema constructs the protocol may grow into', () => {
  it('renders records, intersections and anything else it meets, never failing on a new construct', () => {
    const rows = new Reference().rows(Type.Object({
      labels: Type.Record(Type.String({ pattern: '^[a-z]+$' }), Type.Integer({ minimum: 1 })),
      both: Type.Intersect([Type.Object({ a: Type.String() }), Type.Object({ b: Type.Optional(Type.Boolean()) })]),
      tuple: Type.Tuple([Type.String(), Type.Integer()]),
    }) as never);
    expect(rows.map((row) => [row.field, row.type, row.required])).toEqual([
      ['labels', 'object of integer', true], ['both', 'object', true], ['both.a', 'string', true], ['both.b', 'boolean', false], ['tuple', 'array of any', true],
    ]);
    expect(rows[0]!.rules).toEqual(['keys match `^[a-z]+$`', 'each value: ≥ 1']);
  });
});
