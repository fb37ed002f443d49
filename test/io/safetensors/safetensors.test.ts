import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../../src/core/dtype.js';
import { isPrunekitError, ModelFormatError, UsageError } from '../../../src/core/errors.js';
import { toFloat32 } from '../../../src/core/convert.js';
import { floatToHalf } from '../../../src/core/half.js';
import { readSafetensors, safetensorsTensor } from '../../../src/io/safetensors/format.js';
import { summarizeSafetensors } from '../../../src/io/safetensors/summary.js';
import { encodeSafetensors, writeSafetensorsWithWeights } from '../../../src/io/safetensors/write.js';
import { inspectWeightsFile } from '../../../src/cli/inspect-checkpoint.js';
import { tempDir } from '../../helpers/fixtures.js';

const TENSORS: Array<{ name: string; tensor: Tensor }> = [
  { name: 'model.0.conv.weight', tensor: { dtype: 'float16', dims: [2, 1, 1, 3], data: Uint16Array.from([1, -2, 3, 0, 5, 6].map((x) => floatToHalf(x))) } },
  { name: 'model.0.bn.num_batches_tracked', tensor: { dtype: 'int64', dims: [], data: BigInt64Array.from([12n]) } },
  { name: 'model.1.linear.weight', tensor: { dtype: 'float32', dims: [3], data: Float32Array.from([0.5, -0.25, 8]) } },
  { name: 'model.1.mask', tensor: { dtype: 'bool', dims: [2], data: Uint8Array.from([1, 0]) } },
  { name: 'model.1.d', tensor: { dtype: 'float64', dims: [1], data: Float64Array.from([Math.PI]) } },
];

describe('safetensors', () => {
  const file = encodeSafetensors(TENSORS, { format: 'pt', source: 'prunekit test' });

  it('encodes a valid file (header length, 8-byte aligned data) and reads it back', () => {
    const st = readSafetensors(file, 'x.safetensors');
    expect(st.dataOffset % 8).toBe(0);
    expect(st.metadata).toEqual({ format: 'pt', source: 'prunekit test' });
    expect(st.entries.map((e) => e.name).sort()).toEqual(TENSORS.map((t) => t.name).sort());
    for (const { name, tensor } of TENSORS) {
      const t = safetensorsTensor(st, name);
      expect(t.dtype).toBe(tensor.dtype);
      expect(t.dims).toEqual(tensor.dims);
      expect(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).equals(Buffer.from(tensor.data.buffer))).toBe(true);
    }
    expect([...toFloat32(safetensorsTensor(st, 'model.0.conv.weight'))]).toEqual([1, -2, 3, 0, 5, 6]);
  });

  it('round trip: unmodified rewrite and re-encoding are byte-identical', () => {
    expect(Buffer.from(writeSafetensorsWithWeights(file, new Map())).equals(Buffer.from(file))).toBe(true);
    const st = readSafetensors(file);
    const again = encodeSafetensors(st.entries.map((e) => ({ name: e.name, tensor: safetensorsTensor(st, e.name) })), st.metadata);
    expect(Buffer.from(again).equals(Buffer.from(file))).toBe(true);
  });

  it('writes new values in place, keeping fp16 as fp16 and every other byte', () => {
    const out = writeSafetensorsWithWeights(file, new Map([['model.0.conv.weight', Float32Array.from([0, 0, 0, 0, 5, 6])]]));
    expect(out.length).toBe(file.length);
    const st = readSafetensors(out);
    const w = safetensorsTensor(st, 'model.0.conv.weight');
    expect(w.dtype).toBe('float16');
    expect([...toFloat32(w)]).toEqual([0, 0, 0, 0, 5, 6]);
    const e = st.byName.get('model.0.conv.weight')!;
    for (let i = 0; i < file.length; i++) {
      if (i >= st.dataOffset + e.begin && i < st.dataOffset + e.end) continue;
      if (out[i] !== file[i]) throw new Error(`byte ${i} changed`);
    }
    expect(() => writeSafetensorsWithWeights(file, new Map([['nope', new Float32Array(1)]]))).toThrow(UsageError);
    expect(() => writeSafetensorsWithWeights(file, new Map([['model.1.linear.weight', new Float32Array(2)]]))).toThrow(/3 elements, got 2/);
  });

  it('summary and inspect', async () => {
    const s = summarizeSafetensors(file, 'x.safetensors');
    expect(s.tensors).toBe(5);
    expect(s.parameters.total).toBe(6 + 1 + 3 + 2 + 1);
    expect(s.prefixes.map((p) => p.prefix)).toEqual(['model.0', 'model.1']);
    const dir = await tempDir();
    const p = path.join(dir, 'x.safetensors');
    await writeFile(p, file);
    const text = await inspectWeightsFile(p);
    expect(text).toMatch(/x\.safetensors: safetensors, .* 5 tensors/);
    expect(text).toMatch(/metadata source: prunekit test/);
    expect(text).toMatch(/no module classes/);
  });

  it('bad files → ModelFormatError naming the file', () => {
    expect(() => readSafetensors(new Uint8Array(4), 'a.safetensors')).toThrow(/a\.safetensors: not a valid safetensors file/);
    expect(() => readSafetensors(file.subarray(0, 20), 'b.safetensors')).toThrow(/truncated/);
    expect(() => readSafetensors(file.subarray(0, file.length - 1), 'c.safetensors')).toThrow(ModelFormatError);
    const bad = encodeSafetensors([{ name: 'x', tensor: { dtype: 'float32', dims: [2], data: new Float32Array(2) } }]);
    const text = new TextDecoder().decode(bad.subarray(8, bad.length - 8)).replace('"F32"', '"F64"');
    const patched = new Uint8Array(bad);
    patched.set(new TextEncoder().encode(text), 8);
    expect(() => readSafetensors(patched, 'd.safetensors')).toThrow(/d\.safetensors.*8 bytes for F64\[2\]/);
  });

  it('fuzz: truncations and flips → typed errors or a valid read', () => {
    const flip = fc.record({ at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) });
    fc.assert(
      fc.property(fc.array(flip, { minLength: 0, maxLength: 4 }), fc.nat(), (flips, cut) => {
        const m = new Uint8Array(file);
        for (const f of flips) m[f.at % m.length]! ^= f.xor;
        try {
          const st = readSafetensors(m.subarray(0, 1 + (cut % m.length)), 'fuzz.safetensors');
          for (const e of st.entries) if (e.dtype) safetensorsTensor(st, e.name);
        } catch (e) {
          if (!isPrunekitError(e)) throw e;
        }
      }),
      { numRuns: 300, seed: 4 },
    );
  });
});
