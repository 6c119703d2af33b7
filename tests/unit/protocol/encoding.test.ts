/** The byte encodings every signature and key travels in: one spelling per value, anything else refused. */
import { describe, expect, it } from 'vitest';
import { fromBase64Url, fromHex, toBase64Url, toHex, utf8 } from '../../../protocol/encoding';

const NOT_CANONICAL = new TypeError('not canonical base64url');

describe('base64url', () => {
  it('uses the URL alphabet without padding', () => {
    expect(toBase64Url(new Uint8Array([0xfb, 0xff]))).toBe('-_8');
    expect(toBase64Url(new Uint8Array([0xfb, 0xef, 0xbe]))).toBe('----');
    expect(toBase64Url(new Uint8Array([]))).toBe('');
    expect(toBase64Url(utf8('é'))).toBe('w6k');
  });

  it('decodes every length a byte string can have', () => {
    for (const length of [0, 1, 2, 3, 4, 31, 32, 64]) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 37 + 250) % 256);
      expect(fromBase64Url(toBase64Url(bytes))).toEqual(bytes);
    }
    expect(fromBase64Url('-_8')).toEqual(new Uint8Array([0xfb, 0xff]));
  });

  it('refuses padding, the standard alphabet, impossible lengths and spare bits', () => {
    for (const text of ['-_8=', '+/8', 'A', 'AAAAA', 'AB', 'AAB', ' AA', 'AA\n']) expect(() => fromBase64Url(text), JSON.stringify(text)).toThrow(NOT_CANONICAL);
  });
});

describe('hex', () => {
  it('round-trips bytes in lower case and reads upper case', () => {
    expect(toHex(new Uint8Array([0, 9, 10, 255]))).toBe('00090aff');
    expect(fromHex('00090aFF')).toEqual(new Uint8Array([0, 9, 10, 255]));
    expect(fromHex('')).toEqual(new Uint8Array([]));
  });

  it('refuses odd lengths and characters that are not hex, anywhere', () => {
    for (const text of ['0', 'abc', 'zz', 'xx00', '00xx', '0g', '00 ']) expect(() => fromHex(text), text).toThrow(new TypeError('not hex'));
  });
});
