/** Identifiers and one-time codes, all from the CSPRNG (node:crypto). */
import { randomBytes, randomInt } from 'node:crypto';
import { DIGIT_CODE_LENGTH, GROUPED_CODE_ALPHABET, GROUPED_CODE_LENGTH, toBase64Url } from '../protocol/index';

export type IdPrefix = 'usr' | 'dev' | 'enr' | 'val' | 'cmp' | 'acc' | 'aud' | 'msg';

/** `dev_` + 16 random bytes in base64url (22 characters). */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${toBase64Url(randomBytes(16))}`;
}

export function randomToken(bytes = 32): string {
  return toBase64Url(randomBytes(bytes));
}

export function digitCode(length = DIGIT_CODE_LENGTH): string {
  let code = '';
  for (let i = 0; i < length; i++) code += String(randomInt(10));
  return code;
}

/** 12 characters of a 32-letter alphabet: 60 bits. */
export function groupedCode(): string {
  let code = '';
  for (let i = 0; i < GROUPED_CODE_LENGTH; i++) code += GROUPED_CODE_ALPHABET[randomInt(GROUPED_CODE_ALPHABET.length)];
  return code;
}

/** The number shown in the portal, and three distinct choices (it among them) for the app, in random order. */
export function numberMatch(): { number: number; choices: number[] } {
  const choices = new Set<number>();
  while (choices.size < 3) choices.add(randomInt(10, 100));
  const list = [...choices];
  const number = list[randomInt(3)] as number;
  return { number, choices: list };
}
