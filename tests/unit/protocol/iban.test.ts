/** IBANs as the guide's transfers carry them (rule 15): checked by ISO 13616 mod-97 and by each country's length. */
import { describe, expect, it } from 'vitest';
import { formatIban, isValidIban, maskIban, normalizeIban } from '../../../protocol/iban';

describe('IBAN checks', () => {
  it.each([
    ['France', 'FR76 3000 6000 0112 3456 7890 189'],
    ['Germany', 'DE89 3704 0044 0532 0130 00'],
    ['the United Kingdom (letters in the account part)', 'GB82 WEST 1234 5698 7654 32'],
    ['Belgium', 'BE68 5390 0754 7034'],
    ['Norway, the shortest (15)', 'NO93 8601 1117 947'],
    ['Malta, the longest listed (31)', 'MT84 MALT 0110 0001 2345 MTLC AST0 01S'],
    ['a country whose length is not listed (Brazil)', 'BR18 0036 0305 0000 1000 9795 493C 1'],
  ])('accepts a valid IBAN of %s', (_country, iban) => {
    expect(isValidIban(iban)).toBe(true);
  });

  it('accepts it as people type it: lower case, without spaces or with dashes', () => {
    expect(isValidIban('fr7630006000011234567890189')).toBe(true);
    expect(isValidIban(' gb82-west-1234-5698-7654-32 ')).toBe(true);
  });

  it('refuses a wrong check: one digit changed, two digits swapped, a letter changed', () => {
    expect(isValidIban('DE88 3704 0044 0532 0130 00')).toBe(false);
    expect(isValidIban('DE89 3704 0044 0532 0130 01')).toBe(false);
    expect(isValidIban('DE89 3704 0044 0523 0130 00')).toBe(false);
    expect(isValidIban('GB82 WEST 1234 5698 7654 32'.replace('WEST', 'WESU'))).toBe(false);
    expect(isValidIban('MT84 MALT 0110 0001 2345 MTLC AST0 01S'.replace('MALT', 'MBLT'))).toBe(false);
  });

  it('refuses a length that is not the country’s, even with correct check digits', () => {
    // Check digits computed for these very strings: only the length is wrong.
    expect(isValidIban('FR13 3000 6000 0112 3456 7890 18')).toBe(false);
    expect(isValidIban('DE22 3704 0044 0532 0130 00A')).toBe(false);
  });

  it('refuses what is not shaped like an IBAN at all', () => {
    for (const input of [
      '', 'FR76', '7630 0060 0001 1234 5678 9018 9', 'F176 3000 6000 0112 3456 7890 189', 'FRAB 3000 6000 0112 3456 7890 189',
      'FR76 3000 6000 0112 3456 7890 18!', 'FR76 3000 6000 01', `BR18${'0'.repeat(31)}`,
    ]) {
      expect(isValidIban(input), input).toBe(false);
    }
  });

  it('refuses what is not shaped like an IBAN even when its check digits add up (mod 97 = 1)', () => {
    for (const input of [
      'BR850000000000000000000000000000001', // 35 characters: one more than any IBAN
      'BR0A003603050000100097954959', // a letter among the check digits
      '126600360305000010009795493', // digits for a country
      '1BR1800360305000010009795451', // something before the country
      // A registered country at its exact length (FR: 27) with check digits that add up: only the shape is wrong.
      'FR7A30006000011234567890321', // a letter among the check digits
      'FR793000600001123456789018[', // a character no IBAN has ('[' counts as 36 in mod 97), at the end
      'FR[AB1230006000011234567888', // one among the check digits, an IBAN-shaped tail after it
    ]) {
      expect(isValidIban(input), input).toBe(false);
    }
  });

  it('stores the compact upper-case form, shows it by groups of four, and masks all but the ends', () => {
    expect(normalizeIban(' fr76 3000-6000 0112\t3456 7890 189 ')).toBe('FR7630006000011234567890189');
    expect(formatIban('fr7630006000011234567890189')).toBe('FR76 3000 6000 0112 3456 7890 189');
    expect(formatIban('BE68539007547034')).toBe('BE68 5390 0754 7034');
    expect(maskIban('FR76 3000 6000 0112 3456 7890 189')).toBe('FR76 •••• 0189');
  });
});
