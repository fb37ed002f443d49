/**
 * Rewrite the data of some stored zip entries in place (same length), leaving every other byte of the archive
 * untouched: layout, alignment, other entries and the central directory order are kept; only the CRC-32 of the
 * changed entries is updated (central directory, local header when it carries one, data descriptor).
 */
import { ModelFormatError, UsageError } from '../../core/errors.js';
import { crc32 } from './crc32.js';
import type { ZipArchive } from './zip.js';

const SIG_DESCRIPTOR = 0x08074b50;

function readU32(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}
function writeU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
  b[o + 2] = (v >>> 16) & 0xff;
  b[o + 3] = (v >>> 24) & 0xff;
}

/**
 * Recompute the CRC-32 of the named stored entries of `out` (whose data the caller has just rewritten in place)
 * and write it wherever the archive records it: central directory, local header when it carries one, data
 * descriptor. `out` must be the caller's own copy: it is modified.
 */
export function updateEntryCrcs(out: Uint8Array, zip: ZipArchive, names: Iterable<string>, label: string): void {
  for (const name of names) {
    const e = zip.byName.get(name);
    if (!e) throw new UsageError(`${label}: no zip entry ${name}`, name);
    if (e.method !== 0) throw new ModelFormatError(`${label}: zip entry ${name} is compressed; cannot patch in place`, name);
    const crc = crc32(out.subarray(e.dataOffset, e.dataOffset + e.size));
    writeU32(out, e.centralHeaderOffset + 16, crc);
    if (readU32(out, e.localHeaderOffset + 14) !== 0 || (e.flags & 8) === 0) writeU32(out, e.localHeaderOffset + 14, crc);
    if (e.flags & 8) {
      const d = e.dataOffset + e.compressedSize;
      if (d + 8 <= out.length && readU32(out, d) === SIG_DESCRIPTOR) writeU32(out, d + 4, crc);
      else if (d + 4 <= out.length) writeU32(out, d, crc);
    }
  }
}

/**
 * A copy of `bytes` where each entry named in `replacements` holds the new data (which must have the entry's
 * exact size). Returns the new archive bytes; the input is not modified.
 */
export function patchZipEntries(bytes: Uint8Array, zip: ZipArchive, replacements: ReadonlyMap<string, Uint8Array>, label: string): Uint8Array {
  const out = new Uint8Array(bytes); // a copy (Buffer#slice would be a view)
  for (const [name, data] of replacements) {
    const e = zip.byName.get(name);
    if (!e) throw new UsageError(`${label}: no zip entry ${name}`, name);
    if (e.method !== 0) throw new ModelFormatError(`${label}: zip entry ${name} is compressed; cannot patch in place`, name);
    if (data.length !== e.size) throw new UsageError(`${label}: new data for ${name} has ${data.length} bytes, entry has ${e.size}`, name);
    out.set(data, e.dataOffset);
  }
  updateEntryCrcs(out, zip, replacements.keys(), label);
  return out;
}
