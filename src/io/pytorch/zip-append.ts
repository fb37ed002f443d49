/**
 * Append one stored entry to a zip archive without moving any existing entry: the new local entry goes where the
 * central directory was, the central directory follows with one more record, then the (zip64) end records with
 * their counts, sizes and offsets updated. Every existing entry keeps its offset, so storages stay 64-byte aligned
 * and a caller may patch their data in the new buffer at the offsets it already knows.
 */
import { ModelFormatError } from '../../core/errors.js';
import { crc32 } from './crc32.js';
import type { ZipArchive } from './zip.js';

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_LOC64 = 0x07064b50;
/** torch.save aligns entry data to 64 bytes with an extra field named `FB`; the new entry does the same. */
const ALIGN = 64;
const PAD_ID = 0x4246;

const u16 = (b: Uint8Array, o: number): number => b[o]! | (b[o + 1]! << 8);
const u32 = (b: Uint8Array, o: number): number => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
const u64 = (b: Uint8Array, o: number): number => u32(b, o) + u32(b, o + 4) * 2 ** 32;
function put16(b: Uint8Array, o: number, v: number): void { b[o] = v & 0xff; b[o + 1] = (v >>> 8) & 0xff; }
function put32(b: Uint8Array, o: number, v: number): void { put16(b, o, v & 0xffff); put16(b, o + 2, (v >>> 16) & 0xffff); }
function put64(b: Uint8Array, o: number, v: number): void { put32(b, o, v % 2 ** 32); put32(b, o + 4, Math.floor(v / 2 ** 32)); }

/**
 * A copy of the archive `bytes` (parsed as `zip`) with a stored entry `name` holding `data` appended. Fails on an
 * archive whose end records do not directly follow the central directory (never written by torch.save).
 */
export function appendStoredEntry(bytes: Uint8Array, zip: ZipArchive, name: string, data: Uint8Array, label: string): Uint8Array {
  const cdEnd = zip.cdOffset + zip.cdSize;
  const loc = zip.eocdOffset - 20;
  const zip64 = loc >= cdEnd && u32(bytes, loc) === SIG_LOC64;
  const e64 = zip64 ? u64(bytes, loc + 8) : zip.eocdOffset;
  if (e64 !== cdEnd || (zip64 && u32(bytes, e64) !== SIG_EOCD64)) {
    throw new ModelFormatError(`${label}: unexpected zip layout (end records do not follow the central directory); cannot add an entry`, label);
  }
  const nameBytes = new TextEncoder().encode(name);
  const at = zip.cdOffset;
  let pad = (ALIGN - ((at + 30 + nameBytes.length) % ALIGN)) % ALIGN;
  if (pad > 0 && pad < 4) pad += ALIGN;
  const bigOffset = at >= 0xffffffff;
  const localLen = 30 + nameBytes.length + pad + data.length;
  const centralLen = 46 + nameBytes.length + (bigOffset ? 12 : 0);
  const out = new Uint8Array(bytes.length + localLen + centralLen);
  out.set(bytes.subarray(0, at));
  const crc = crc32(data);
  // DOS time and date of the first entry: the new entry adds no clock reading (reproducible output).
  const first = zip.entries[0]?.localHeaderOffset;
  const [time, date] = first === undefined ? [0, 0x21] : [u16(bytes, first + 10), u16(bytes, first + 12)];
  // Local header, name, padding extra field, data.
  put32(out, at, SIG_LOCAL); put16(out, at + 4, 20); put16(out, at + 6, 0); put16(out, at + 8, 0);
  put16(out, at + 10, time); put16(out, at + 12, date); put32(out, at + 14, crc);
  put32(out, at + 18, data.length); put32(out, at + 22, data.length);
  put16(out, at + 26, nameBytes.length); put16(out, at + 28, pad);
  out.set(nameBytes, at + 30);
  if (pad > 0) { put16(out, at + 30 + nameBytes.length, PAD_ID); put16(out, at + 32 + nameBytes.length, pad - 4); }
  out.set(data, at + 30 + nameBytes.length + pad);
  // The central directory, then the new entry's record.
  const cd = at + localLen;
  out.set(bytes.subarray(zip.cdOffset, cdEnd), cd);
  const c = cd + zip.cdSize;
  put32(out, c, SIG_CENTRAL); put16(out, c + 4, bigOffset ? 45 : 20); put16(out, c + 6, bigOffset ? 45 : 20);
  put16(out, c + 8, 0); put16(out, c + 10, 0); put16(out, c + 12, time); put16(out, c + 14, date); put32(out, c + 16, crc);
  put32(out, c + 20, data.length); put32(out, c + 24, data.length); put16(out, c + 28, nameBytes.length);
  put16(out, c + 30, bigOffset ? 12 : 0); put16(out, c + 32, 0); put16(out, c + 34, 0); put16(out, c + 36, 0); put32(out, c + 38, 0);
  put32(out, c + 42, bigOffset ? 0xffffffff : at);
  out.set(nameBytes, c + 46);
  if (bigOffset) { put16(out, c + 46 + nameBytes.length, 1); put16(out, c + 48 + nameBytes.length, 8); put64(out, c + 50 + nameBytes.length, at); }
  // End records, moved by the added bytes and updated.
  const shift = localLen + centralLen;
  out.set(bytes.subarray(cdEnd), cdEnd + shift);
  const newCdOffset = at + localLen;
  const newCdSize = zip.cdSize + centralLen;
  if (zip64) {
    const n64 = e64 + shift;
    put64(out, n64 + 24, u64(out, n64 + 24) + 1);
    put64(out, n64 + 32, u64(out, n64 + 32) + 1);
    put64(out, n64 + 40, newCdSize);
    put64(out, n64 + 48, newCdOffset);
    put64(out, loc + shift + 8, n64);
  }
  const eocd = zip.eocdOffset + shift;
  for (const o of [8, 10]) if (u16(out, eocd + o) !== 0xffff) put16(out, eocd + o, Math.min(0xffff, u16(out, eocd + o) + 1));
  if (u32(out, eocd + 12) !== 0xffffffff) put32(out, eocd + 12, Math.min(0xffffffff, newCdSize));
  if (u32(out, eocd + 16) !== 0xffffffff) put32(out, eocd + 16, Math.min(0xffffffff, newCdOffset));
  return out;
}
