import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toFloat32 } from '../../../src/core/convert.js';
import { UsageError } from '../../../src/core/errors.js';
import { readCheckpoint, readCheckpointTensor } from '../../../src/io/pytorch/checkpoint.js';
import { crc32 } from '../../../src/io/pytorch/crc32.js';
import { selectModel, selectedStateDict } from '../../../src/io/pytorch/modules.js';
import { writeCheckpointWithWeights } from '../../../src/io/pytorch/write.js';
import { entryBytes, readZip } from '../../../src/io/pytorch/zip.js';
import { describeFixtures, fixture } from '../../helpers/fixtures.js';
import { PickleWriter, checkpointZip } from './builders.js';

/** Byte ranges of `a` and `b` that differ, as [start, end) pairs. */
function diffRanges(a: Uint8Array, b: Uint8Array): Array<{ start: number; end: number }> {
  const out: Array<{ start: number; end: number }> = [];
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue;
    const start = i;
    while (i < a.length && a[i] !== b[i]) i++;
    out.push({ start, end: i });
  }
  return out;
}

describeFixtures('writeCheckpointWithWeights on a real fp16 checkpoint', () => {
  it('zeroes weights inside storages only; pickle, other entries, layout and CRCs stay valid', () => {
    const file = 'yolov13n-tokenc3-lsnet-random.pt';
    const bytes = readFileSync(fixture('models', file));
    const ckpt = readCheckpoint(bytes, file);
    const sd = selectedStateDict(selectModel(ckpt.root, file), file);
    const targets = sd.filter((e) => e.name.endsWith('.conv.weight')).slice(0, 12);
    const updates = new Map<string, Float32Array>();
    let zeroed = 0;
    for (const t of targets) {
      const v = toFloat32(readCheckpointTensor(ckpt, t.ref));
      const half = Math.floor(v.length / 2);
      for (let i = 0; i < half; i++) if (v[i] !== 0) { v[i] = 0; zeroed++; }
      updates.set(t.name, v);
    }
    const out = writeCheckpointWithWeights(bytes, updates, { label: file, checkpoint: ckpt });
    expect(out.length).toBe(bytes.length);
    expect(bytes.equals(readFileSync(fixture('models', file)))).toBe(true); // input untouched

    const zipIn = readZip(bytes, file);
    const zipOut = readZip(out, 'out.pt');
    const changedEntries = new Set(targets.map((t) => `${ckpt.archiveName}/data/${t.ref.storage.key}`));
    // Every entry's data is byte-identical except the changed storages; every entry's CRC is valid.
    const problems: string[] = [];
    for (const e of zipOut.entries) {
      const before = entryBytes(bytes, zipIn.byName.get(e.name)!, file);
      const after = entryBytes(out, e, 'out.pt');
      if (crc32(after) !== e.crc32) problems.push(`${e.name}: bad crc`);
      if (e.dataOffset % 64 !== 0) problems.push(`${e.name}: unaligned`);
      if (!changedEntries.has(e.name) && !Buffer.from(after).equals(Buffer.from(before))) problems.push(`${e.name}: changed`);
    }
    expect(problems).toEqual([]);
    // Outside the changed data, only CRC fields differ (4 bytes in the central directory and the data descriptor).
    const inData = (p: number) => [...changedEntries].some((n) => { const e = zipOut.byName.get(n)!; return p >= e.dataOffset && p < e.dataOffset + e.size; });
    const outside = diffRanges(bytes, out).filter((r) => !inData(r.start));
    for (const r of outside) expect(r.end - r.start).toBeLessThanOrEqual(4);

    // Re-read: fp16 kept; changed tensors hold exactly the zeroed originals (compared as raw fp16 bits), all
    // other tensors are bit-identical.
    const ck2 = readCheckpoint(out, 'out.pt');
    const sd2 = selectedStateDict(selectModel(ck2.root));
    expect(sd2.map((e) => e.name)).toEqual(sd.map((e) => e.name));
    const mismatched: string[] = [];
    let zeroedAfter = 0;
    for (let i = 0; i < sd.length; i++) {
      const a = readCheckpointTensor(ckpt, sd[i]!.ref);
      const b = readCheckpointTensor(ck2, sd2[i]!.ref);
      if (b.dtype !== a.dtype) mismatched.push(`${sd[i]!.name}: dtype`);
      const want = new Uint8Array(a.data.byteLength);
      want.set(new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength));
      if (updates.has(sd[i]!.name)) {
        const bits = new Uint16Array(want.buffer);
        const got = b.data as Uint16Array;
        for (let j = 0; j < bits.length >> 1; j++) if (bits[j]! & 0x7fff) { bits[j] = 0; if (got[j] === 0) zeroedAfter++; }
      }
      if (!Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength).equals(want)) mismatched.push(sd[i]!.name);
    }
    expect(mismatched).toEqual([]);
    expect(zeroedAfter).toBe(zeroed);
    expect(readCheckpointTensor(ck2, sd2.find((e) => e.name === targets[0]!.name)!.ref).dtype).toBe('float16');
  });
});

describe('writeCheckpointWithWeights on synthetic checkpoints', () => {
  function twoViews(): Uint8Array {
    // 'w' is a [2,2] tensor; 'wt' its transpose over the same storage.
    const w = new PickleWriter().proto(2).emptyDict().mark();
    w.str('w').tensor({ storageClass: 'FloatStorage', key: '0', storageNumel: 4, offset: 0, size: [2, 2], stride: [2, 1] });
    w.str('wt').tensor({ storageClass: 'FloatStorage', key: '0', storageNumel: 4, offset: 0, size: [2, 2], stride: [1, 2] });
    w.str('n').tensor({ storageClass: 'LongStorage', key: '1', storageNumel: 1, offset: 0, size: [], stride: [] });
    w.setitems().stop();
    return checkpointZip(w.bytes(), [
      { key: '0', data: new Uint8Array(Float32Array.from([1, 2, 3, 4]).buffer) },
      { key: '1', data: new Uint8Array(BigInt64Array.from([5n]).buffer) },
    ]);
  }

  it('writes through strides (a transposed view) into the shared storage', () => {
    const out = writeCheckpointWithWeights(twoViews(), new Map([['wt', Float32Array.from([10, 20, 30, 40])]]));
    const ck = readCheckpoint(out, 'out.pt');
    const sd = selectedStateDict(selectModel(ck.root));
    expect([...toFloat32(readCheckpointTensor(ck, sd[0]!.ref))]).toEqual([10, 30, 20, 40]);
    expect([...toFloat32(readCheckpointTensor(ck, sd[1]!.ref))]).toEqual([10, 20, 30, 40]);
  });

  it('rejects unknown keys, wrong sizes and float values for integer tensors', () => {
    const src = twoViews();
    expect(() => writeCheckpointWithWeights(src, new Map([['nope', new Float32Array(4)]]))).toThrow(UsageError);
    expect(() => writeCheckpointWithWeights(src, new Map([['w', new Float32Array(3)]]))).toThrow(/4 elements, got 3/);
    expect(() => writeCheckpointWithWeights(src, new Map([['n', new Float32Array(1)]]))).toThrow(/int64/);
    const ok = writeCheckpointWithWeights(src, new Map([['n', { dtype: 'int64' as const, dims: [], data: BigInt64Array.from([7n]) }]]));
    const ck = readCheckpoint(ok, 'ok.pt');
    expect(readCheckpointTensor(ck, selectedStateDict(selectModel(ck.root))[2]!.ref).data[0]).toBe(7n);
  });

  it('no updates → byte-identical file', () => {
    const src = twoViews();
    expect(Buffer.from(writeCheckpointWithWeights(src, new Map())).equals(Buffer.from(src))).toBe(true);
  });
});
