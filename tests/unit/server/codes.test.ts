/**
 * Rule 11's code formats and rule 20's masking, at the source: codes come from the CSPRNG in the formats of
 * protocol/codes.ts; number matching offers three distinct numbers; the Security Phone is never shown whole.
 */
import { describe, expect, it } from 'vitest';
import { GROUPED_CODE_ALPHABET, GROUPED_CODE_LENGTH, isWellFormedCode } from '../../../protocol/index';
import { digitCode, groupedCode, newId, numberMatch } from '../../../server/ids';
import { codeMessageText, maskPhone } from '../../../server/otp';

describe('one-time codes', () => {
  it('SMS and voice codes are 8 digits, every digit used', () => {
    const codes = Array.from({ length: 500 }, () => digitCode());
    for (const code of codes) expect(isWellFormedCode(code, 'digits8')).toBe(true);
    expect(new Set(codes.join('')).size).toBe(10);
    expect(new Set(codes).size).toBeGreaterThan(495);
  });

  it('codes from Administration are 12 characters of the 32-letter alphabet (60 bits), every letter used', () => {
    const codes = Array.from({ length: 500 }, () => groupedCode());
    for (const code of codes) {
      expect(code).toHaveLength(GROUPED_CODE_LENGTH);
      expect(isWellFormedCode(code, 'grouped')).toBe(true);
    }
    expect([...new Set(codes.join(''))].sort().join('')).toBe([...GROUPED_CODE_ALPHABET].sort().join(''));
    expect(GROUPED_CODE_ALPHABET.length ** GROUPED_CODE_LENGTH).toBeGreaterThanOrEqual(2 ** 60);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('number matching offers three distinct two-digit numbers, the shown one among them, at any position', () => {
    const positions = new Set<number>();
    for (let i = 0; i < 300; i++) {
      const { number, choices } = numberMatch();
      expect(choices).toHaveLength(3);
      expect(new Set(choices).size).toBe(3);
      for (const choice of choices) {
        expect(choice).toBeGreaterThanOrEqual(10);
        expect(choice).toBeLessThanOrEqual(99);
      }
      positions.add(choices.indexOf(number));
    }
    expect([...positions].sort()).toEqual([0, 1, 2]);
  });

  it('identifiers are prefixed, random and long enough to be unguessable', () => {
    const ids = Array.from({ length: 200 }, () => newId('dev'));
    for (const id of ids) expect(id).toMatch(/^dev_[A-Za-z0-9_-]{22}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('the Security Phone and the code messages', () => {
  it('is masked but for its last two digits', () => {
    expect(maskPhone('+33612345642')).toBe('+33 6 •• •• •• 42');
    const foreign = maskPhone('+4915112345678');
    expect(foreign.endsWith('78')).toBe(true);
    expect(foreign).not.toContain('123456');
    expect(maskPhone('+331')).toBe('••••');
  });

  it('the SMS says what the code is for and how long it lasts; the voice message spells it digit by digit', () => {
    expect(codeMessageText('12345678', 'activation_code', 'sms', 5)).toBe("Code d'activation Secure Access : 12345678. Valable 5 minutes. Ne le communiquez à personne.");
    expect(codeMessageText('12345678', 'security_code', 'voice', 5)).toBe('Code Sécurité Espace Client : 1 2 3 4 5 6 7 8. Valable 5 minutes. Ne le communiquez à personne.');
  });
});
