/**
 * docs/installation-rules.md numbers the installation guide's rules 1–20 and names, for each, the server rule suite
 * files that check it: each of those files must have a test named after that rule, and every rule the suite names
 * must be in the document.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const SUITE = 'tests/integration/server';
const document = readFileSync('docs/installation-rules.md', 'utf8');

/** `| 7 | rule | guide | enforced in | checked in |` → 7 → the test files named in the last column. */
const rows = new Map<number, string[]>();
for (const line of document.split('\n')) {
  const cells = line.split(/(?<!\\)\|/).slice(1, -1).map((cell) => cell.trim());
  if (cells.length !== 5 || !/^\d+$/.test(cells[0] as string)) continue;
  rows.set(Number(cells[0]), [...(cells[4] as string).matchAll(/`([\w.-]+\.test\.ts)`/g)].map((match) => match[1] as string));
}

/** The rule numbers each suite file names in its test and describe titles ("rule 7: …", "rule 16 across …"). */
const namedBy = new Map<string, Set<number>>();
for (const file of readdirSync(SUITE).filter((name) => name.endsWith('.test.ts'))) {
  const titles = [...readFileSync(`${SUITE}/${file}`, 'utf8').matchAll(/\b(?:it|describe)(?:\.each\([^)]*\))?\(\s*['"`]rule (\d+)\b/g)];
  namedBy.set(file, new Set(titles.map((match) => Number(match[1]))));
}

describe('docs/installation-rules.md', () => {
  it('lists rules 1 to 20, in order, each with the files that check it', () => {
    expect([...rows.keys()]).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    for (const [rule, files] of rows) expect(files.length, `rule ${rule}`).toBeGreaterThan(0);
  });

  it('each file it names has a test named after that rule', () => {
    const missing = [...rows].flatMap(([rule, files]) => files.filter((file) => !namedBy.get(file)?.has(rule)).map((file) => `rule ${rule}: ${file}`));
    expect(missing).toEqual([]);
  });

  it('every rule the server suite names is in the document', () => {
    const named = new Set([...namedBy.values()].flatMap((rules) => [...rules]));
    expect([...named].filter((rule) => !rows.has(rule)).sort((a, b) => a - b)).toEqual([]);
  });
});
