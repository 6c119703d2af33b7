/**
 * One vocabulary (docs/glossary.md): no dictionary of the app, the portal or the tray uses a synonym the glossary
 * sets aside, in French or in English.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sentences } from './strings';

interface Banned {
  term: string;
  concept: string;
  pattern: RegExp;
}

/** ’ and ' are the same letter for the reader: compare with one. */
const straight = (text: string) => text.replace(/[’‘]/g, "'");

function bannedTerm(term: string, concept: string): Banned {
  const prefix = term.endsWith('*');
  const words = straight(prefix ? term.slice(0, -1) : term).replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, '\\s+');
  // Word boundaries for any letter, not only ASCII ones: "Déverrouillez" does not start with "verrouill".
  return { term, concept, pattern: new RegExp(`(?<![\\p{L}\\p{N}])${words}${prefix ? '' : '(?![\\p{L}\\p{N}])'}`, 'iu') };
}

/** The glossary's table: concept, French, English, not in French, not in English (terms in backquotes). */
export function readGlossary(markdown: string): { fr: Banned[]; en: Banned[]; rows: number } {
  const rows = markdown.split('\n').filter((line) => line.startsWith('|') && !/^\|[-| ]+\|$/.test(line)).slice(1);
  const fr: Banned[] = [];
  const en: Banned[] = [];
  for (const row of rows) {
    const cells = row.split('|').slice(1, -1).map((cell) => cell.trim());
    const [concept = '', , , notFrench = '', notEnglish = ''] = cells;
    const terms = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1] ?? '');
    fr.push(...terms(notFrench).map((term) => bannedTerm(term, concept)));
    en.push(...terms(notEnglish).map((term) => bannedTerm(term, concept)));
  }
  return { fr, en, rows: rows.length };
}

const glossary = readGlossary(readFileSync(new URL('../../../docs/glossary.md', import.meta.url), 'utf8'));

function offences(language: 'fr' | 'en'): string[] {
  const banned = language === 'fr' ? glossary.fr : glossary.en;
  const found: string[] = [];
  for (const sentence of sentences(language)) {
    for (const term of banned) {
      if (term.pattern.test(straight(sentence.text))) found.push(`${sentence.where} says "${term.term}" (${term.concept}): ${sentence.text}`);
    }
  }
  return [...new Set(found)];
}

describe('the glossary (docs/glossary.md)', () => {
  it('has its table, with banned synonyms in both languages', () => {
    expect(glossary.rows).toBeGreaterThanOrEqual(20);
    expect(glossary.fr.map((term) => term.term)).toEqual(expect.arrayContaining(['terminal', 'révoqu*', 'appel vocal', 'verrouill*', 'IBAN vérifié']));
    expect(glossary.en.map((term) => term.term)).toEqual(expect.arrayContaining(['sign in', 'validat*', 'beneficiar*', 'revok*']));
  });

  it('catches a banned synonym wherever it sits in a sentence, and only as a word', () => {
    const find = (term: string, text: string) => glossary.fr.concat(glossary.en).find((candidate) => candidate.term === term)?.pattern.test(straight(text));
    expect(find('révoqu*', 'L’appareil est révoqué.')).toBe(true);
    expect(find('révoqu*', 'Révoquer')).toBe(true);
    expect(find('terminal', 'Nom du terminal')).toBe(true);
    expect(find('terminal', 'Terminaison')).toBe(false);
    expect(find('verrouill*', 'Déverrouillez votre session')).toBe(false);
    expect(find('sign in', 'Please sign  in again')).toBe(true);
    expect(find('validat*', 'Pending validations')).toBe(true);
    expect(find("s'identifier", 'Vous devez s’identifier')).toBe(true);
  });

  it.each(['fr', 'en'] as const)('is the only vocabulary of the app, the portal and the tray (%s)', (language) => {
    expect(sentences(language).length).toBeGreaterThan(400);
    expect(offences(language)).toEqual([]);
  });
});
