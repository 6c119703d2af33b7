/** Byte encodings shared by the app and the server. Strict: a malformed input throws, never guesses. */

const BASE64URL_PATTERN = /^[A-Za-z0-9_-]*$/;

export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

export function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64Url(text: string): Uint8Array {
  if (!BASE64URL_PATTERN.test(text) || text.length % 4 === 1) {
    throw new TypeError('not canonical base64url');
  }
  // atob decodes unpadded input (WHATWG forgiving-base64), so only the alphabet needs translating.
  const bytes = Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (char) => char.charCodeAt(0));
  // Re-encoding must give the same text, so two spellings of one key or signature can never both be accepted.
  if (toBase64Url(bytes) !== text) throw new TypeError('not canonical base64url');
  return bytes;
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function fromHex(hex: string): Uint8Array {
  if (!/^(?:[0-9a-f]{2})*$/i.test(hex)) throw new TypeError('not hex');
  return Uint8Array.from(hex.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}
