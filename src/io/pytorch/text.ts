/** Short byte strings in checkpoints (zip entry names, pickled identifiers) are ASCII in practice. */

/**
 * Decode `b` without a TextDecoder call when it is pure ASCII (faster for thousands of short strings); any byte
 * ≥ 0x80 hands the whole string to `decoder`.
 */
export function asciiOrDecode(b: Uint8Array, decoder: { decode(b: Uint8Array): string }): string {
  let s = '';
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (c >= 0x80) return decoder.decode(b);
    s += String.fromCharCode(c);
  }
  return s;
}
