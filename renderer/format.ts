/** Formatting of amounts, dates, durations and activation codes for the user's language. Pure functions. */
import type { Language } from '../preload/contract';
import { DIGIT_CODE_LENGTH, GROUPED_CODE_ALPHABET, GROUPED_CODE_LENGTH, formatCode, normalizeCode, type CodeFormat } from '../protocol/codes';

export type { CodeFormat };

export function localeOf(language: Language): string {
  return language === 'fr' ? 'fr-FR' : 'en-GB';
}

const numberFormats = new Map<string, Intl.NumberFormat>();

/** `amount` is the wire's decimal string ("250000.00"); at most 10 integer digits, so a double holds it exactly enough. */
export function formatAmount(amount: string, currency: string, language: Language): string {
  const key = `${language}:${currency}`;
  let format = numberFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(localeOf(language), { style: 'currency', currency });
    numberFormats.set(key, format);
  }
  return format.format(Number(amount));
}

export function formatDateTime(iso: string, language: Language): string {
  return new Intl.DateTimeFormat(localeOf(language), { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

/** A calendar day (YYYY-MM-DD, e.g. an execution date) in words: "27 novembre 2026", whatever this computer's time zone. */
export function formatDay(day: string, language: Language): string {
  return new Intl.DateTimeFormat(localeOf(language), { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${day}T12:00:00Z`));
}

/** Today on this computer, as YYYY-MM-DD. */
export function localDay(now: number): string {
  const date = new Date(now);
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
}

const countryNames = new Map<Language, Intl.DisplayNames>();

/** "FR" → "France" / "France", "DE" → "Allemagne" / "Germany"; the code itself when the name is unknown. */
export function countryName(code: string, language: Language): string {
  let names = countryNames.get(language);
  if (!names) {
    names = new Intl.DisplayNames([localeOf(language)], { type: 'region' });
    countryNames.set(language, names);
  }
  return names.of(code) ?? code;
}

/** A clock time, never with seconds: "11:50". */
export function formatHourMinute(iso: string, language: Language): string {
  return new Intl.DateTimeFormat(localeOf(language), { hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
}

/** "11:50" today, "26 nov. 2026, 11:50" another day. */
export function formatMoment(iso: string, language: Language, now: number): string {
  return localDay(Date.parse(iso)) === localDay(now) ? formatHourMinute(iso, language) : formatDateTime(iso, language);
}

/** Seconds left until `iso`, never negative. */
export function secondsUntil(iso: string, now: number): number {
  return Math.max(0, Math.ceil((Date.parse(iso) - now) / 1000));
}

/**
 * "4 min 52 s", "23 h 05 min", "45 s", with no-break spaces so that a countdown never breaks across lines (the same
 * in French and English, and the same as the portal's).
 */
export function formatDuration(totalSeconds: number): string {
  const seconds = Math.max(0, Math.floor(totalSeconds));
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds % 60;
  if (hours > 0) return `${hours}\u00a0h\u00a0${String(minutes).padStart(2, '0')}\u00a0min`;
  if (minutes > 0) return `${minutes}\u00a0min\u00a0${String(rest).padStart(2, '0')}\u00a0s`;
  return `${rest}\u00a0s`;
}

/**
 * Keeps what a person typed or pasted that can belong to a code of this format: digits for an SMS/voice code;
 * for a 24-hour code, letters of its alphabet in upper case (separators, spaces and lower case accepted).
 */
export function normalizeActivationCode(input: string, format: CodeFormat): string {
  if (format === 'digits8') return input.replace(/\D+/g, '').slice(0, DIGIT_CODE_LENGTH);
  let kept = '';
  for (const char of normalizeCode(input)) if (GROUPED_CODE_ALPHABET.includes(char)) kept += char;
  return kept.slice(0, GROUPED_CODE_LENGTH);
}

/** Whether the raw input holds characters that no code of this format uses (so the person can be told). */
export function hasForeignCodeCharacters(input: string, format: CodeFormat): boolean {
  const code = normalizeCode(input);
  if (format === 'digits8') return /\D/.test(code);
  return [...code].some((char) => !GROUPED_CODE_ALPHABET.includes(char));
}

/** The code as shown while typing: "1234 5678" or "ABCD-EFGH-JKMN". */
export function displayActivationCode(normalized: string, format: CodeFormat): string {
  if (format === 'grouped') return formatCode(normalized, format);
  return (normalized.match(/.{1,4}/g) ?? []).join(' ');
}

export function activationCodeLength(format: CodeFormat): number {
  return format === 'digits8' ? DIGIT_CODE_LENGTH : GROUPED_CODE_LENGTH;
}

// eslint-disable-next-line no-control-regex -- control characters are exactly what a device name may not hold
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

export type DeviceNameProblem = 'empty' | 'too_long' | 'control_characters';

/** Mirrors the server's DeviceName rule: 1 to 64 characters on one line, not only spaces. */
export function deviceNameProblem(name: string): DeviceNameProblem | null {
  const trimmed = name.trim();
  if (trimmed.length === 0) return 'empty';
  if (CONTROL_CHARACTERS.test(name)) return 'control_characters';
  if ([...trimmed].length > 64) return 'too_long';
  return null;
}

export const IDENTIFIER_PATTERN = /^[A-Za-z0-9._-]{3,64}$/;
