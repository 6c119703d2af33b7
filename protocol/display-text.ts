/**
 * What may appear in a text the user reads before approving (a payee's name, a reference): the same rule for the
 * server, which refuses such text when an operation is created, and for the app, which sets aside a validation
 * carrying it. Characters that change how text is laid out without showing themselves could make what is displayed
 * differ from what is signed: "Fournitures Martin" followed by a right-to-left override and reversed digits, or two
 * names that look alike but differ by an invisible character.
 */

/** The kinds of character refused, each with one example, for messages and tests. */
export const DECEPTIVE_CHARACTERS = {
  /** C0, DEL and C1 controls (U+0000–U+001F, U+007F–U+009F): line breaks, escapes, NEL. */
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this rule finds
  control: /[\u0000-\u001f\u007f-\u009f]/u,
  /**
   * Bidirectional formatting: LRM, RLM and ALM, the embeddings and overrides (U+202A–U+202E), the isolates
   * (U+2066–U+2069). The direction of a name is set by the screen that shows it (isolated), never by the name.
   */
  bidi: /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u,
  /**
   * Invisible characters: zero-width space, non-joiner, joiner, word joiner and the invisible operators
   * (U+200B–U+200D, U+2060–U+2064), the byte-order mark / zero-width no-break space (U+FEFF), the soft hyphen
   * (U+00AD), the Mongolian vowel separator (U+180E), the Hangul fillers (U+115F, U+1160, U+3164, U+FFA0) and
   * the variation selectors that do not belong to emoji (U+FE00–U+FE0F are allowed, U+E0100… are not).
   */
  invisible: /[\u00ad\u115f\u1160\u180e\u200b-\u200d\u2060-\u2064\u3164\ufeff\uffa0]|[\u{e0000}-\u{e0fff}]/u,
  /** Line and paragraph separators (U+2028, U+2029): a new line by another name. */
  separator: /[\u2028\u2029]/u,
  /** Unpaired UTF-16 surrogates: not text at all. */
  surrogate: /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/,
} as const;

export type DeceptiveKind = keyof typeof DECEPTIVE_CHARACTERS;

/** The first kind of refused character the text holds, or null when it may be shown and signed as it is. */
export function deceptiveCharacterIn(text: string): DeceptiveKind | null {
  for (const kind of Object.keys(DECEPTIVE_CHARACTERS) as DeceptiveKind[]) {
    if (DECEPTIVE_CHARACTERS[kind].test(text)) return kind;
  }
  return null;
}

export function isDisplaySafe(text: string): boolean {
  return deceptiveCharacterIn(text) === null;
}
