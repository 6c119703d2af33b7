/** Locale-aware formatting of amounts, dates and durations (Intl), one set per language. */
export type Language = 'fr' | 'en';

export interface Formatters {
  amount(value: string, currency: string): string;
  dateTime(iso: string): string;
  /** Compact, for table cells: 27/11/2026 11:36. */
  shortDateTime(iso: string): string;
  date(iso: string): string;
  /** A calendar day (YYYY-MM-DD, e.g. an execution date) in words: "27 novembre 2026", whatever the browser's time zone. */
  day(day: string): string;
  /** A clock time, never with seconds: "11:50". */
  time(iso: string): string;
  /** "4 min 52 s" for a countdown, with no-break spaces, as in the app. */
  duration(milliseconds: number): string;
  /** "France", "Allemagne": a country from its ISO code. */
  country(code: string): string;
}

/** Today in the browser, as YYYY-MM-DD. */
export function localDay(now: number): string {
  const date = new Date(now);
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
}

const LOCALES: Record<Language, string> = { fr: 'fr-FR', en: 'en-GB' };

export function createFormatters(language: Language): Formatters {
  const locale = LOCALES[language];
  const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
  const shortDateTime = new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'short' });
  const date = new Intl.DateTimeFormat(locale, { dateStyle: 'medium' });
  const time = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' });
  const day = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' });
  const countries = new Intl.DisplayNames([locale], { type: 'region' });
  const amounts = new Map<string, Intl.NumberFormat>();
  return {
    amount(value, currency) {
      let format = amounts.get(currency);
      if (!format) {
        format = new Intl.NumberFormat(locale, { style: 'currency', currency, minimumFractionDigits: 2, maximumFractionDigits: 2 });
        amounts.set(currency, format);
      }
      // Amounts travel as decimal strings; Number() is exact enough for display up to 10^9 with two decimals.
      return format.format(Number(value));
    },
    dateTime: (iso) => dateTime.format(new Date(iso)),
    shortDateTime: (iso) => shortDateTime.format(new Date(iso)),
    date: (iso) => date.format(new Date(iso)),
    day: (value) => day.format(new Date(`${value}T12:00:00Z`)),
    time: (iso) => time.format(new Date(iso)),
    duration(milliseconds) {
      const totalSeconds = Math.max(0, Math.ceil(milliseconds / 1000));
      const hours = Math.floor(totalSeconds / 3600);
      const minutes = Math.floor((totalSeconds % 3600) / 60);
      const seconds = totalSeconds % 60;
      if (hours > 0) return `${hours}\u00a0h\u00a0${String(minutes).padStart(2, '0')}\u00a0min`;
      if (minutes > 0) return `${minutes}\u00a0min\u00a0${String(seconds).padStart(2, '0')}\u00a0s`;
      return `${seconds}\u00a0s`;
    },
    country: (code) => countries.of(code) ?? code,
  };
}

/** Reads an amount as a person types it ("12 345,67", "12345.67") into the wire form ("12345.67"), or null. */
export function parseAmountInput(input: string): string | null {
  const compact = input.replace(/[\s\u00a0\u202f']/g, '');
  if (!/^[0-9]+([.,][0-9]{1,2})?$/.test(compact)) return null;
  const [whole = '', fraction] = compact.split(/[.,]/);
  const normalizedWhole = whole.replace(/^0+(?=\d)/, '');
  if (normalizedWhole.length > 10) return null;
  const value = fraction === undefined ? normalizedWhole : `${normalizedWhole}.${fraction}`;
  const number = Number(value);
  if (!(number > 0) || number > 1_000_000_000) return null;
  return value;
}
