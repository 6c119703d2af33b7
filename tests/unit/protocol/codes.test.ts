/** One-time codes as people type them: 8 digits by SMS/voice, 12 characters from Administration (XXXX-XXXX-XXXX). */
import { describe, expect, it } from 'vitest';
import { formatCode, isWellFormedCode, normalizeCode } from '../../../protocol/codes';

describe('one-time code formats', () => {
  it('reads a code as typed or pasted: spaces and dashes ignored, upper case', () => {
    expect(normalizeCode(' abcd-2345 wxyz ')).toBe('ABCD2345WXYZ');
    expect(normalizeCode('12 34\t56--78')).toBe('12345678');
  });

  it('an SMS or voice code is exactly 8 digits', () => {
    expect(isWellFormedCode('12345678', 'digits8')).toBe(true);
    expect(isWellFormedCode(' 1234 5678 ', 'digits8')).toBe(true);
    for (const wrong of ['1234567', '123456789', '1234567a', '', 'ABCD2345WXYZ']) expect(isWellFormedCode(wrong, 'digits8'), wrong).toBe(false);
  });

  it('a code from Administration is 12 characters of the alphabet without look-alikes', () => {
    expect(isWellFormedCode('ABCD-2345-WXYZ', 'grouped')).toBe(true);
    expect(isWellFormedCode('abcd2345wxyz', 'grouped')).toBe(true);
    // One look-alike (O, 0, I, 1) among good characters, one character short or too many.
    for (const wrong of ['ABCD-2345-WXYO', 'ABCD-2345-WXY0', 'IBCD-2345-WXYZ', 'ABCD-2345-WXY1', 'ABCD-2345-WXY', 'ABCD-2345-WXYZA', '']) {
      expect(isWellFormedCode(wrong, 'grouped'), wrong).toBe(false);
    }
  });

  it('shows a code from Administration by groups of four, an SMS code as it is', () => {
    expect(formatCode('abcd2345wxyz', 'grouped')).toBe('ABCD-2345-WXYZ');
    expect(formatCode('abcd2', 'grouped')).toBe('ABCD-2');
    expect(formatCode('1234 5678', 'digits8')).toBe('12345678');
  });
});
