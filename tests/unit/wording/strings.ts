/**
 * Every sentence the app, the portal and the tray can show, in one language: the dictionaries walked, and each
 * wording function called with sample arguments (counts as 3 and as 1, names as a name, nothing at all), so that the
 * sentences they build are checked too, not only the fixed ones.
 */
import { en as appEnglish } from '../../../renderer/i18n/en';
import { fr as appFrench } from '../../../renderer/i18n/fr';
import { en as portalEnglish } from '../../../server/portal/src/i18n/en';
import { createFormatters } from '../../../server/portal/src/i18n/format';
import { fr as portalFrench } from '../../../server/portal/src/i18n/fr';
import { wordingFor } from '../../../main/shell/wording';

export interface Sentence {
  /** Where it comes from: "app fr: detail.payeeCheck.noMatchBody(…)". */
  where: string;
  text: string;
}

/** Parameters (or fields) that hold a count: they are given a number; any other is given a name. */
const COUNT_LIKE = /^(count|seconds|remaining|active|max|length|number|retryAfterSeconds|attemptsLeft|maxDevices|activeDevices|left)$/;

/**
 * A value that is whatever the wording function asks of it: a number for a count, a name for anything else, an
 * object whose fields are counts or names by their own names, a function returning a name.
 */
function sample(kind: 'count' | 'name', count: number): unknown {
  const shown = kind === 'count' ? String(count) : 'Nom';
  const callable = () => undefined;
  return new Proxy(callable, {
    get(_target, key) {
      if (key === Symbol.toPrimitive) return (hint: string) => (hint === 'number' ? (kind === 'count' ? count : Number.NaN) : shown);
      if (key === 'toString' || key === 'valueOf') return () => shown;
      if (typeof key === 'symbol') return undefined;
      return sample(COUNT_LIKE.test(key) ? 'count' : 'name', count);
    },
    apply: () => sample('name', count),
  });
}

/** The arguments for a wording function, from the names of its parameters. */
function argumentsFor(fn: (...args: unknown[]) => unknown, count: number | null): unknown[] {
  const source = fn.toString();
  const head = source.slice(0, Math.max(0, source.indexOf('=>'))) || source.slice(0, source.indexOf(')') + 1);
  if (count === null) return [null, null, null, null];
  if (head.includes('{')) return [sample('name', count)];
  const names = head.match(/[A-Za-z_$][\w$]*/g)?.filter((name) => name !== 'function') ?? [];
  return names.map((name) => sample(COUNT_LIKE.test(name) ? 'count' : 'name', count));
}

const LOCKED_UNTIL = '2026-11-27T10:15:00.000Z';

/** The facts an error can carry, each way a message may branch on them. */
const FACT_SETS = [{}, { attemptsLeft: 0 }, { attemptsLeft: 1 }, { attemptsLeft: 3, lockedUntil: LOCKED_UNTIL, retryAfterSeconds: 42, maxDevices: 5, activeDevices: 5 }];

function textOf(result: unknown): string | null {
  if (typeof result === 'string') return result;
  if (result === null || result === undefined) return null;
  return String(result);
}

function walk(value: unknown, path: string, out: Sentence[], errorCall: ((fn: (...args: unknown[]) => unknown) => unknown[]) | null): void {
  if (typeof value === 'string') {
    out.push({ where: path, text: value });
    return;
  }
  if (typeof value === 'function') {
    const fn = value as (...args: unknown[]) => unknown;
    const results = path.includes('.errors.') && errorCall
      ? errorCall(fn)
      : [3, 1, null].map((count) => {
        try {
          return fn(...argumentsFor(fn, count));
        } catch {
          return null;
        }
      });
    for (const result of results) {
      const text = textOf(result);
      if (text !== null) out.push({ where: `${path}(…)`, text });
    }
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, index) => walk(item, `${path}[${index}]`, out, errorCall));
    return;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) walk(item, `${path}.${key}`, out, errorCall);
  }
}

export function sentences(language: 'fr' | 'en'): Sentence[] {
  const out: Sentence[] = [];
  const appFormatTime = () => '11:50';
  walk(language === 'fr' ? appFrench : appEnglish, `app ${language}:`, out, (fn) =>
    FACT_SETS.map((facts) => fn({ facts, formatTime: appFormatTime })));
  const format = createFormatters(language);
  walk(language === 'fr' ? portalFrench : portalEnglish, `portal ${language}:`, out, (fn) => FACT_SETS.map((facts) => fn(facts, format)));
  walk(wordingFor(language), `tray ${language}:`, out, null);
  return out;
}
