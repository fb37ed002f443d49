/**
 * Test-only builders: pickles assembled from raw opcodes, and zips laid out like torch.save writes them
 * (Stored entries, 64-byte aligned data via an `FB` padding extra field, data descriptors). Nothing here runs
 * Python; the malicious pickles of the security tests are written byte by byte.
 */
import { crc32 } from '../../../src/io/pytorch/crc32.js';

/** A tiny pickle assembler. */
export class PickleWriter {
  private readonly parts: number[] = [];
  private memo = 0;
  raw(...bytes: number[]): this { this.parts.push(...bytes); return this; }
  proto(v = 2): this { return this.raw(0x80, v); }
  str(s: string): this {
    const b = new TextEncoder().encode(s);
    return this.raw(0x58, ...le32(b.length), ...b);
  }
  int(v: number): this { return v >= 0 && v < 256 ? this.raw(0x4b, v) : this.raw(0x4a, ...le32(v)); }
  none(): this { return this.raw(0x4e); }
  bool(v: boolean): this { return this.raw(v ? 0x88 : 0x89); }
  global(module: string, name: string): this { return this.raw(0x63, ...ascii(`${module}\n${name}\n`)); }
  stackGlobal(module: string, name: string): this { return this.str(module).str(name).raw(0x93); }
  mark(): this { return this.raw(0x28); }
  tuple(): this { return this.raw(0x74); }
  emptyTuple(): this { return this.raw(0x29); }
  emptyDict(): this { return this.raw(0x7d); }
  emptyList(): this { return this.raw(0x5d); }
  setitems(): this { return this.raw(0x75); }
  setitem(): this { return this.raw(0x73); }
  appends(): this { return this.raw(0x65); }
  reduce(): this { return this.raw(0x52); }
  newobj(): this { return this.raw(0x81); }
  build(): this { return this.raw(0x62); }
  binpersid(): this { return this.raw(0x51); }
  /** BINPUT into the next memo slot; returns the slot through `slot`. */
  put(): number { const m = this.memo++; this.raw(0x71, m); return m; }
  get(m: number): this { return this.raw(0x68, m); }
  stop(): this { return this.raw(0x2e); }
  bytes(): Uint8Array { return Uint8Array.from(this.parts); }

  /** Push an int tuple (via MARK ... TUPLE). */
  intTuple(values: readonly number[]): this {
    this.mark();
    for (const v of values) this.int(v);
    return this.tuple();
  }

  /**
   * Push `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())` with the storage
   * given as persistent id `('storage', torch.<storageClass>, key, 'cpu', numel)`.
   */
  tensor(t: { storageClass: string; key: string; storageNumel: number; offset: number; size: number[]; stride: number[]; parameter?: boolean }): this {
    if (t.parameter) this.global('torch._utils', '_rebuild_parameter').mark();
    this.global('torch._utils', '_rebuild_tensor_v2').mark();
    this.mark().str('storage').global('torch', t.storageClass).str(t.key).str('cpu').int(t.storageNumel).tuple().binpersid();
    this.int(t.offset).intTuple(t.size).intTuple(t.stride).bool(false);
    this.global('collections', 'OrderedDict').emptyTuple().reduce();
    this.tuple().reduce();
    if (t.parameter) this.bool(true).global('collections', 'OrderedDict').emptyTuple().reduce().tuple().reduce();
    return this;
  }
}

function le32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}
function le16(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff];
}
function ascii(s: string): number[] {
  return [...s].map((c) => c.charCodeAt(0));
}

/** A zip laid out as torch.save does it: `<archive>/<name>` entries, data aligned to 64 bytes, data descriptors. */
export function torchZip(archive: string, entries: ReadonlyArray<{ name: string; data: Uint8Array }>): Uint8Array {
  const out: number[] = [];
  const central: number[] = [];
  for (const { name, data } of entries) {
    const fullName = ascii(`${archive}/${name}`);
    const offset = out.length;
    const headerEnd = offset + 30 + fullName.length + 4;
    const pad = (64 - (headerEnd % 64)) % 64;
    const crc = crc32(data);
    out.push(...le32(0x04034b50), ...le16(0), ...le16(0x0808), ...le16(0), ...le16(0), ...le16(0x21), ...le32(0), ...le32(0), ...le32(0));
    out.push(...le16(fullName.length), ...le16(4 + pad), ...fullName, ...le16(0x4246), ...le16(pad), ...new Array<number>(pad).fill(0x5a));
    for (const b of data) out.push(b);
    out.push(...le32(0x08074b50), ...le32(crc), ...le32(data.length), ...le32(data.length));
    central.push(...le32(0x02014b50), ...le16(0), ...le16(0), ...le16(0x0808), ...le16(0), ...le16(0), ...le16(0x21), ...le32(crc));
    central.push(...le32(data.length), ...le32(data.length), ...le16(fullName.length), ...le16(0), ...le16(0), ...le16(0), ...le16(0), ...le32(0), ...le32(offset), ...fullName);
  }
  const cdOffset = out.length;
  out.push(...central);
  out.push(...le32(0x06054b50), ...le16(0), ...le16(0), ...le16(entries.length), ...le16(entries.length), ...le32(central.length), ...le32(cdOffset), ...le16(0));
  return Uint8Array.from(out);
}

/** A checkpoint zip around `pickle` with the given storages (`data/<key>`) and a version entry. */
export function checkpointZip(pickle: Uint8Array, storages: ReadonlyArray<{ key: string; data: Uint8Array }> = []): Uint8Array {
  return torchZip('archive', [
    { name: 'data.pkl', data: pickle },
    ...storages.map((s) => ({ name: `data/${s.key}`, data: s.data })),
    { name: 'version', data: new TextEncoder().encode('3\n') },
  ]);
}
