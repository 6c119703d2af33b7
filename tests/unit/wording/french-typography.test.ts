/**
 * French typography in every French sentence of the app, the portal and the tray, as a French reader expects it:
 * no-break spaces where French wants them, typographic apostrophes, countdowns as "4 min 52 s", clock times
 * without seconds, and the session spoken of rather than the person's gender.
 */
import { describe, expect, it } from 'vitest';
import { formatDuration, formatHourMinute, formatMoment } from '../../../renderer/format';
import { createFormatters } from '../../../server/portal/src/i18n/format';
import { sentences } from './strings';

const NBSP = '\u00a0';
const NNBSP = '\u202f';

interface Rule {
  name: string;
  wrong: RegExp;
}

const RULES: Rule[] = [
  { name: 'a typographic apostrophe (’), not \'', wrong: /'/ },
  { name: 'guillemets « », not "', wrong: /"/ },
  { name: 'an ellipsis character (…), not three dots', wrong: /\.\.\./ },
  { name: 'a no-break space (U+00A0) before « : », not a plain one', wrong: / :/ },
  { name: 'a space before « : »', wrong: /[^\s\u00a0\u202f]:(?=\s|$)/u },
  { name: 'a narrow no-break space (U+202F) before « ; ! ? », not a plain one', wrong: / [;!?]/ },
  { name: 'a space before « ; ! ? »', wrong: /[^\s\u00a0\u202f][;!?]/u },
  { name: 'a no-break space after «', wrong: /«(?![\u00a0\u202f])/ },
  { name: 'a no-break space before »', wrong: /(?<![\u00a0\u202f])»/ },
  { name: 'a no-break space between a number and what it counts', wrong: /\d [\p{L}]/u },
  { name: 'the session spoken of, not "connecté(e)" said of the person', wrong: /(vous (êtes|serez|avez été|étiez) (dé)?connecté)|connecté(e|s)? en tant que|êtes-vous (dé)?connecté|rester connecté/iu },
];

function broken(text: string): string[] {
  return RULES.filter((rule) => rule.wrong.test(text)).map((rule) => rule.name);
}

describe('French typography', () => {
  const french = sentences('fr');

  it('walks every French sentence of the app, the portal and the tray', () => {
    expect(french.length).toBeGreaterThan(400);
    for (const origin of ['app fr:', 'portal fr:', 'tray fr:']) expect(french.some((sentence) => sentence.where.startsWith(origin)), origin).toBe(true);
  });

  it('each rule catches what it is about, and passes the right spelling', () => {
    expect(broken('Compte : Durand')).toContain('a no-break space (U+00A0) before « : », not a plain one');
    expect(broken(`Compte${NBSP}: Durand`)).toEqual([]);
    expect(broken('Refuser cette demande ?')).toContain('a narrow no-break space (U+202F) before « ; ! ? », not a plain one');
    expect(broken(`Refuser cette demande${NNBSP}?`)).toEqual([]);
    expect(broken('« PC »')).toEqual(['a no-break space after «', 'a no-break space before »']);
    expect(broken(`«${NBSP}PC${NBSP}»`)).toEqual([]);
    expect(broken('5 appareils')).toEqual(['a no-break space between a number and what it counts']);
    expect(broken("l'appareil")).toEqual(['a typographic apostrophe (’), not \'']);
    expect(broken('Connecté en tant que Claire')).toEqual(['the session spoken of, not "connecté(e)" said of the person']);
    expect(broken('Vous êtes déconnecté.')).toEqual(['the session spoken of, not "connecté(e)" said of the person']);
    expect(broken('https://banque.example')).toEqual([]);
    expect(broken('à 11:50')).toEqual([]);
  });

  it('is followed by every French sentence', () => {
    const faults = french.flatMap((sentence) => broken(sentence.text).map((rule) => `${sentence.where} needs ${rule}: ${JSON.stringify(sentence.text)}`));
    expect([...new Set(faults)]).toEqual([]);
  });

  it('writes countdowns as "4 min 52 s", the same in the app and the portal, never broken across lines', () => {
    const portal = createFormatters('fr');
    expect(formatDuration(292)).toBe(`4${NBSP}min${NBSP}52${NBSP}s`);
    expect(portal.duration(292_000)).toBe(formatDuration(292));
    expect(formatDuration(45)).toBe(`45${NBSP}s`);
    expect(portal.duration(45_000)).toBe(formatDuration(45));
    expect(formatDuration(23 * 3600 + 5 * 60)).toBe(`23${NBSP}h${NBSP}05${NBSP}min`);
    expect(portal.duration((23 * 3600 + 5 * 60) * 1000)).toBe(formatDuration(23 * 3600 + 5 * 60));
  });

  it('writes clock times without seconds', () => {
    const at = '2026-11-27T10:50:37.000Z';
    for (const time of [formatHourMinute(at, 'fr'), formatMoment(at, 'fr', Date.parse(at)), createFormatters('fr').time(at), createFormatters('fr').dateTime(at)]) {
      expect(time).toMatch(/\d\d:\d\d/);
      expect(time).not.toMatch(/\d\d:\d\d:\d\d/);
    }
  });
});
