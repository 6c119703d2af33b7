/**
 * The formats of one-time codes, shared by the server (which generates and checks them) and the screens
 * (which shape the input). SMS/voice codes: 8 digits. Codes from Administration (24 h): 12 characters from a
 * 32-letter alphabet without look-alikes (no I, O, 0, 1), i.e. exactly 60 bits, shown as XXXX-XXXX-XXXX.
 */

export const DIGIT_CODE_LENGTH = 8;
export const GROUPED_CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
export const GROUPED_CODE_LENGTH = 12;
export const GROUPED_CODE_GROUP = 4;

export type CodeFormat = 'digits8' | 'grouped';

/** What a person typed or pasted → the canonical code: no spaces or dashes, upper case. */
export function normalizeCode(input: string): string {
  return input.replace(/[\s-]+/g, '').toUpperCase();
}

export function isWellFormedCode(input: string, format: CodeFormat): boolean {
  const code = normalizeCode(input);
  if (format === 'digits8') return new RegExp(`^[0-9]{${DIGIT_CODE_LENGTH}}$`).test(code);
  return code.length === GROUPED_CODE_LENGTH && [...code].every((char) => GROUPED_CODE_ALPHABET.includes(char));
}

/** `ABCD2345WXYZ` → `ABCD-2345-WXYZ` (digit codes are returned as they are). */
export function formatCode(input: string, format: CodeFormat): string {
  const code = normalizeCode(input);
  if (format === 'digits8') return code;
  return code.replace(new RegExp(`(.{${GROUPED_CODE_GROUP}})(?=.)`, 'g'), '$1-');
}
