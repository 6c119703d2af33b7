/**
 * Verification of Payee: how the bank compares the name a person typed with the holder's registered name, and what
 * it makes of a scheme gateway's answer. A name check that says "match" too easily is worse than none.
 */
import { describe, expect, it } from 'vitest';
import { isValidIban } from '../../../protocol/index';
import { DEMO_OTHER_BANK_ACCOUNTS, DemoDirectory, compareNames, normalizeName, parseGatewayAnswer } from '../../../server/services/payee-verification';

describe('comparing the name entered with the registered holder', () => {
  it.each([
    ['Fournitures Martin SA', 'Fournitures Martin SA'],
    ['fournitures martin sa', 'Fournitures Martin SA'],
    ['Fournitures Martin', 'Fournitures Martin SA'],
    ['FOURNITURES MARTIN S.A.', 'Fournitures Martin SA'],
    ['Société Générale des Eaux', 'Societe Generale des Eaux'],
    ['Martin & Fils', 'Martin et Fils SARL'],
    ['  Imprimerie   Roux ', 'Imprimerie Roux'],
    ['Maschinenbau Keller', 'Maschinenbau Keller GmbH'],
  ])('"%s" matches "%s" (case, accents, punctuation, legal form)', (entered, registered) => {
    expect(compareNames(entered, registered)).toBe('match');
  });

  it.each([
    ['Fournitures Martn', 'Fournitures Martin SA'],
    ['Fourniture Martin', 'Fournitures Martin SA'],
    ['Martin Fournitures', 'Fournitures Martin SA'],
    ['Dupont Jean', 'Jean Dupont'],
    ['Transports Bernad', 'Transports Bernard SARL'],
  ])('"%s" is a close match of "%s" (a slip of a letter, another order)', (entered, registered) => {
    expect(compareNames(entered, registered)).toBe('close_match');
  });

  it.each([
    ['Société Inconnue', 'Fournitures Martin SA'],
    ['Escroc SARL', 'Fournitures Martin SA'],
    ['Martin', 'Fournitures Martin SA'],
    ['Fournitures Durand', 'Fournitures Martin SA'],
    ['SARL', 'Fournitures Martin SA'],
    ['SA', 'SA'],
    ['Jean Dupond-Moretti', 'Jean Dupont'],
  ])('"%s" does not match "%s"', (entered, registered) => {
    expect(compareNames(entered, registered)).toBe('no_match');
  });

  it.each([
    // "IMPRIMERIE ROUX" is 15 characters: two slips are one in six or fewer, three are not.
    ['Imprimerie Rxxx', 'Imprimerie Roux', 'close_match'],
    ['Imprimerie Rxxy', 'Imprimerie Roux', 'no_match'],
    // A short name still forgives one slip, never two.
    ['Rous', 'Roux', 'close_match'],
    ['Rost', 'Roux', 'no_match'],
    // Another order and a slip: measured on the words sorted.
    ['Dupont Jeann', 'Jean Dupont', 'close_match'],
  ] as const)('"%s" against "%s" is %s (at most one slip in six characters, and at least one forgiven)', (entered, registered, expected) => {
    expect(compareNames(entered, registered)).toBe(expected);
  });

  it('normalizes without accents, punctuation or repeated spaces', () => {
    expect(normalizeName('  L’Éclair   & Cie.  ')).toBe('L ECLAIR ET CIE');
  });
});

describe('the demo directory of other banks', () => {
  const directory = new DemoDirectory();

  it('holds valid IBANs only', () => {
    for (const account of DEMO_OTHER_BANK_ACCOUNTS) expect(isValidIban(account.iban), account.iban).toBe(true);
  });

  it('answers match, close match with the registered name, no match, or unavailable for an IBAN it does not know', async () => {
    expect(await directory.verify({ iban: 'FR7630006000011234567890189', name: 'Fournitures Martin' })).toEqual({ result: 'match', registeredName: null });
    expect(await directory.verify({ iban: 'FR7630006000011234567890189', name: 'Fournitures Martn' }))
      .toEqual({ result: 'close_match', registeredName: 'Fournitures Martin SA' });
    expect(await directory.verify({ iban: 'FR7630006000011234567890189', name: 'Société Inconnue' })).toEqual({ result: 'no_match', registeredName: null });
    expect(await directory.verify({ iban: 'GB29NWBK60161331926819', name: 'Anyone' })).toEqual({ result: 'unavailable', registeredName: null });
  });
});

describe("a scheme gateway's answer", () => {
  it('is taken when well formed', () => {
    expect(parseGatewayAnswer({ result: 'match' })).toEqual({ result: 'match', registeredName: null });
    expect(parseGatewayAnswer({ result: 'no_match', registeredName: 'Ignored' })).toEqual({ result: 'no_match', registeredName: null });
    expect(parseGatewayAnswer({ result: 'close_match', registeredName: ' Keller GmbH ' })).toEqual({ result: 'close_match', registeredName: 'Keller GmbH' });
    expect(parseGatewayAnswer({ result: 'unavailable' })).toEqual({ result: 'unavailable', registeredName: null });
  });

  it.each([
    ['nothing', null],
    ['a string', 'match'],
    ['an unknown result', { result: 'probably' }],
    ['a close match without the registered name', { result: 'close_match' }],
    ['a close match with an empty name', { result: 'close_match', registeredName: '  ' }],
    ['a name on two lines', { result: 'close_match', registeredName: 'Keller\nGmbH' }],
    ['a name too long to show', { result: 'close_match', registeredName: 'K'.repeat(141) }],
  ])('is "unavailable" for %s, never a pass', (_label, body) => {
    expect(parseGatewayAnswer(body)).toEqual({ result: 'unavailable', registeredName: null });
  });
});
