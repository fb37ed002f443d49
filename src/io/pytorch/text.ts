/** Short byte strings in checkpoints (zip entry names, pickled identifiers) are ASCII in practice. */

interface Decoder { decode(b: Uint8Array): string }

/**
 * Regions up to this size are decoded as one text by {@link asciiStrings}: far below V8's string length limit, and
 * the text stays alive as long as a slice of it does.
 */
export const ASCII_TEXT_MAX_BYTES = 8 * 2 ** 20;

// WHATWG 'latin1' is windows-1252: the same characters as ASCII for bytes < 0x80, which is all it is used for.
const singleByte = new TextDecoder('latin1');

/**
 * The strings of a region holding many short strings (a zip directory, a pickle): `get(start, end)` is the string
 * of bytes [start, end), decoded by `decoder` when it has a byte ≥ 0x80. ASCII strings are slices of the region
 * decoded once, so a directory of a thousand names costs one decoder call and no per-character concatenation
 * (which also left a chain of partial strings in the heap per name). Regions over {@link ASCII_TEXT_MAX_BYTES}
 * decode each string on its own.
 */
export function asciiStrings(bytes: Uint8Array, decoder: Decoder): { get(start: number, end: number): string } {
  const text = bytes.length <= ASCII_TEXT_MAX_BYTES ? singleByte.decode(bytes) : undefined;
  return {
    get(start, end) {
      for (let i = start; i < end; i++) if (bytes[i]! >= 0x80) return decoder.decode(bytes.subarray(start, end));
      // (all ASCII here: a slice of the decoded region, or the string decoded on its own past the size limit)
      return text !== undefined ? text.slice(start, end) : singleByte.decode(bytes.subarray(start, end));
    },
  };
}
