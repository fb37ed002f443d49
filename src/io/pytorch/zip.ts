/**
 * Minimal zip reader for PyTorch checkpoints (torch.save writes an uncompressed zip: Stored entries, data aligned
 * to 64 bytes with an `FB` padding extra field, sizes in a data descriptor). Works on bytes; never copies entry
 * data. Zip64 end records and extra fields are understood; compressed entries are listed but cannot be read.
 */
import { ModelFormatError, UnsupportedOpError } from '../../core/errors.js';
import { asciiStrings } from './text.js';

export interface ZipEntry {
  readonly name: string;
  /** 0 = stored, 8 = deflate. */
  readonly method: number;
  /** CRC-32 as recorded in the central directory. */
  readonly crc32: number;
  readonly compressedSize: number;
  readonly size: number;
  /** Offset of the local file header. */
  readonly localHeaderOffset: number;
  /** Offset of the entry's data (after the local header, name and extra field). */
  readonly dataOffset: number;
  /** Offset of this entry's central directory header. */
  readonly centralHeaderOffset: number;
  /** General-purpose flags; bit 3 means a data descriptor follows the data. */
  readonly flags: number;
}

export interface ZipArchive {
  readonly entries: readonly ZipEntry[];
  readonly byName: ReadonlyMap<string, ZipEntry>;
  /** Offset of the end-of-central-directory record. */
  readonly eocdOffset: number;
  /** Offset and length of the central directory. */
  readonly cdOffset: number;
  readonly cdSize: number;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_LOC64 = 0x07064b50;

function u16(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8);
}
function u32(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}
function u64(b: Uint8Array, o: number): number {
  return u32(b, o) + u32(b, o + 4) * 2 ** 32;
}

function findEocd(b: Uint8Array): number {
  const min = Math.max(0, b.length - 22 - 0xffff);
  for (let o = b.length - 22; o >= min; o--) {
    if (b[o] === 0x50 && b[o + 1] === 0x4b && u32(b, o) === SIG_EOCD && o + 22 + u16(b, o + 20) <= b.length) return o;
  }
  return -1;
}


/** Parse the central directory of the zip in `bytes`. `label` names the file in error messages. */
export function readZip(bytes: Uint8Array, label: string): ZipArchive {
  const eocd = findEocd(bytes);
  if (eocd < 0) {
    if (bytes.length >= 4 && u32(bytes, 0) === SIG_LOCAL) {
      throw new ModelFormatError(`${label}: file is truncated (zip local headers present but no central directory); re-download or re-save the checkpoint`, label);
    }
    throw new ModelFormatError(`${label}: not a zip archive (no end-of-central-directory record)`, label);
  }
  let count = u16(bytes, eocd + 10);
  let cdSize = u32(bytes, eocd + 12);
  let cdOffset = u32(bytes, eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || u32(bytes, loc) !== SIG_LOC64) throw new ModelFormatError(`${label}: zip64 end-of-central-directory locator missing`, label);
    const e64 = u64(bytes, loc + 8);
    if (e64 + 56 > bytes.length || u32(bytes, e64) !== SIG_EOCD64) throw new ModelFormatError(`${label}: zip64 end-of-central-directory record corrupt`, label);
    count = u64(bytes, e64 + 32);
    cdSize = u64(bytes, e64 + 40);
    cdOffset = u64(bytes, e64 + 48);
  }
  if (cdOffset + cdSize > bytes.length) {
    throw new ModelFormatError(`${label}: file is truncated (central directory at ${cdOffset}+${cdSize} beyond end ${bytes.length})`, label);
  }
  const entries: ZipEntry[] = [];
  const byName = new Map<string, ZipEntry>();
  const names = asciiStrings(bytes.subarray(cdOffset), new TextDecoder('utf-8', { fatal: false }));
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > bytes.length || u32(bytes, p) !== SIG_CENTRAL) throw new ModelFormatError(`${label}: central directory entry ${i} corrupt`, label);
    const flags = u16(bytes, p + 8);
    const method = u16(bytes, p + 10);
    const crc = u32(bytes, p + 16);
    let compressedSize = u32(bytes, p + 20);
    let size = u32(bytes, p + 24);
    const nameLen = u16(bytes, p + 28);
    const extraLen = u16(bytes, p + 30);
    const commentLen = u16(bytes, p + 32);
    let localHeaderOffset = u32(bytes, p + 42);
    const end = p + 46 + nameLen + extraLen + commentLen;
    if (end > bytes.length) throw new ModelFormatError(`${label}: central directory entry ${i} runs past the end of the file`, label);
    const name = names.get(p + 46 - cdOffset, p + 46 + nameLen - cdOffset);
    // Zip64 extended information: only the fields that overflowed are present, in this order.
    let x = p + 46 + nameLen;
    const xEnd = x + extraLen;
    while (x + 4 <= xEnd) {
      const id = u16(bytes, x);
      const len = u16(bytes, x + 2);
      if (id === 0x0001) {
        let q = x + 4;
        if (size === 0xffffffff && q + 8 <= x + 4 + len) { size = u64(bytes, q); q += 8; }
        if (compressedSize === 0xffffffff && q + 8 <= x + 4 + len) { compressedSize = u64(bytes, q); q += 8; }
        if (localHeaderOffset === 0xffffffff && q + 8 <= x + 4 + len) localHeaderOffset = u64(bytes, q);
      }
      x += 4 + len;
    }
    const lh = localHeaderOffset;
    if (lh + 30 > bytes.length || u32(bytes, lh) !== SIG_LOCAL) throw new ModelFormatError(`${label}: local header of ${name} corrupt`, label);
    const dataOffset = lh + 30 + u16(bytes, lh + 26) + u16(bytes, lh + 28);
    if (dataOffset + compressedSize > bytes.length) throw new ModelFormatError(`${label}: file is truncated (entry ${name} runs past the end)`, label);
    const entry: ZipEntry = { name, method, crc32: crc, compressedSize, size, localHeaderOffset, dataOffset, centralHeaderOffset: p, flags };
    entries.push(entry);
    byName.set(name, entry);
    p = end;
  }
  return { entries, byName, eocdOffset: eocd, cdOffset, cdSize };
}

/** The bytes of a stored entry, as a view into `bytes` (no copy). */
export function entryBytes(bytes: Uint8Array, entry: ZipEntry, label: string): Uint8Array {
  if (entry.method !== 0) {
    throw new UnsupportedOpError(`${label}: zip entry ${entry.name} is compressed (method ${entry.method}); torch.save writes stored entries — re-save with torch.save`, label);
  }
  return bytes.subarray(entry.dataOffset, entry.dataOffset + entry.size);
}
