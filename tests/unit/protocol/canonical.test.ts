/** Canonical JSON and signed lines: one byte string per value, whatever the host or the key order. */
import { describe, expect, it } from 'vitest';
import { DEVICE_TOKEN_TTL_MS, canonicalJson, decisionSigningBytes, detailsHash, requestSigningBytes, type CanonicalValue } from '../../../protocol/canonical';

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe('canonical JSON', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, 'x', null, true], c: false } })).toBe('{"a":{"c":false,"d":[3,"x",null,true]},"b":1}');
    expect(canonicalJson([{ z: 1, y: 2 }])).toBe('[{"y":2,"z":1}]');
  });

  it('leaves out keys whose value is undefined, as JSON.stringify does on the wire', () => {
    expect(canonicalJson({ a: undefined, b: 1 } as unknown as CanonicalValue)).toBe('{"b":1}');
  });

  it('allows safe integers only: amounts travel as decimal strings', () => {
    expect(canonicalJson(-9007199254740991)).toBe('-9007199254740991');
    for (const number of [1.5, 2 ** 53, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => canonicalJson(number)).toThrow(new TypeError('canonical JSON allows safe integers only'));
    }
  });

  it('gives the same details hash whatever the key order, and another for another amount', () => {
    const details = { amount: '12345.67', currency: 'EUR', payee: 'Fournitures Martin' };
    expect(detailsHash({ payee: 'Fournitures Martin', currency: 'EUR', amount: '12345.67' })).toBe(detailsHash(details));
    expect(detailsHash({ ...details, amount: '12345.68' })).not.toBe(detailsHash(details));
  });
});

describe('signed lines', () => {
  it('a request: domain, key, upper-case method, path, time, nonce, body hash, one per line', () => {
    expect(text(requestSigningBytes({ keyId: 'dev_1', method: 'post', path: '/a?b=1', timestamp: 17, nonce: 'n', bodySha256: 'h' })))
      .toBe('secure-access/v1/request\ndev_1\nPOST\n/a?b=1\n17\nn\nh');
  });

  it('a decision: the picked number, or a dash when there is none', () => {
    const decision = { validationId: 'val_1', validationNonce: 'n', decision: 'approve', detailsHash: 'h', deviceId: 'dev_1', decidedAt: 5 } as const;
    expect(text(decisionSigningBytes({ ...decision, numberChoice: 42 }))).toBe('secure-access/v1/decision\nval_1\nn\napprove\nh\ndev_1\n5\n42');
    expect(text(decisionSigningBytes({ ...decision, numberChoice: null }))).toBe('secure-access/v1/decision\nval_1\nn\napprove\nh\ndev_1\n5\n-');
  });

  it('refuses a line break or a carriage return in any field, so no field can pass for the next one', () => {
    const lineBreak = new TypeError('a signed field cannot contain a line break');
    for (const nonce of ['a\nb', 'a\rb']) {
      expect(() => requestSigningBytes({ keyId: 'dev_1', method: 'GET', path: '/', timestamp: 1, nonce, bodySha256: 'h' })).toThrow(lineBreak);
    }
    expect(() => requestSigningBytes({ keyId: 'dev_1', method: 'GET', path: '/\r\n', timestamp: 1, nonce: 'n', bodySha256: 'h' })).toThrow(lineBreak);
  });
});

describe('shared limits', () => {
  it('a device token lasts 30 minutes (rule 17)', () => {
    expect(DEVICE_TOKEN_TTL_MS).toBe(1_800_000);
  });
});
