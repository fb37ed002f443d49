import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bf16ToFloat, floatToBf16, floatToHalf, halfToFloat, type Tensor } from '../../src/core/index.js';
import { indexGraph, listLayers } from '../../src/graph/index.js';
import { readTensor } from '../../src/io/onnx/index.js';
import { loadOnnx } from '../../src/files/onnx-file.js';
import { applyMask, maskCount, selectSmallest, thresholdU16, thresholdU32, zeroInPlace, zeroSmallest } from '../../src/prune/select.js';
import { describeFixtures, fixture } from '../helpers/fixtures.js';

/** Brute force: indices sorted by (|w|, index), first k. */
function reference(mags: ArrayLike<number>, k: number): Uint8Array {
  const order = Array.from({ length: mags.length }, (_, i) => i).sort((a, b) => {
    const x = mags[a]!, y = mags[b]!;
    const xn = Number.isNaN(x), yn = Number.isNaN(y);
    if (xn !== yn) return xn ? 1 : -1;
    return x === y || (xn && yn) ? a - b : x - y;
  });
  const mask = new Uint8Array(mags.length);
  for (let j = 0; j < k; j++) mask[order[j]!] = 1;
  return mask;
}

/** Values with many ties, zeros (both signs) and negatives. */
/**
 * A fraction in [0, 1] spread evenly: fast-check's fc.double({ min: 0, max: 1 }) favours its bounds and denormals, so
 * k = round(r × n) came out 0 or n in all but about 1 of 200 runs and the properties never selected a strict subset.
 */
const fraction = fc.integer({ min: 0, max: 1000 }).map((i) => i / 1000);

const floats = fc.array(fc.oneof(fc.constantFrom(0, -0, 1, -1, 0.5, -0.5, 1e-40, -1e-40), fc.float({ noNaN: true })), { minLength: 1, maxLength: 300, size: 'max' });

describe('selectSmallest (exact, ties lowest index first)', () => {
  it('equals the full-sort reference for float32', () => {
    fc.assert(fc.property(floats, fraction, (vals, r) => {
      const data = Float32Array.from(vals);
      const k = Math.round(r * data.length);
      const mask = selectSmallest({ dtype: 'float32', dims: [data.length], data }, k);
      expect(mask).toEqual(reference(Array.from(data, Math.abs), k));
      expect(maskCount(mask)).toBe(k);
    }), { numRuns: 300 });
  });

  it('equals the reference for float16 and bfloat16 bit patterns', () => {
    fc.assert(fc.property(floats, fraction, (vals, r) => {
      const k = Math.round(r * vals.length);
      const h = Uint16Array.from(vals, floatToHalf);
      expect(selectSmallest({ dtype: 'float16', dims: [h.length], data: h }, k)).toEqual(reference(Array.from(h, (x) => Math.abs(halfToFloat(x))), k));
      const b = Uint16Array.from(vals, floatToBf16);
      expect(selectSmallest({ dtype: 'bfloat16', dims: [b.length], data: b }, k)).toEqual(reference(Array.from(b, (x) => Math.abs(bf16ToFloat(x))), k));
    }), { numRuns: 200 });
  });

  it('ties among the k smallest (existing zeros) are all selectable: [0, 0, 0, 5, 6] with k = 2 selects the first two zeros', () => {
    for (const data of [Float32Array.from([0, 0, 0, 5, 6]), Float32Array.from([0, -0, 0, 5, 6])]) {
      expect(Array.from(selectSmallest({ dtype: 'float32', dims: [5], data }, 2))).toEqual([1, 1, 0, 0, 0]);
      expect(Array.from(selectSmallest({ dtype: 'float32', dims: [5], data }, 3))).toEqual([1, 1, 1, 0, 0]);
      expect(Array.from(selectSmallest({ dtype: 'float32', dims: [5], data }, 4))).toEqual([1, 1, 1, 1, 0]);
    }
    expect(thresholdU32([Uint32Array.from([7, 7, 7, 7])], 2)).toEqual({ key: 7, takeEqual: 2 });
    expect(thresholdU32([Uint32Array.from([1, 7, 7, 9])], 3)).toEqual({ key: 7, takeEqual: 2 });
  });

  it('past the sort cut-off (8192 keys) the radix path keeps the same tie rule: 9000 zeros, k = 5000', () => {
    const data = new Float32Array(12000);
    for (let i = 9000; i < data.length; i++) data[i] = i % 7 === 0 ? 1 : 2;
    const mask = selectSmallest({ dtype: 'float32', dims: [data.length], data }, 5000);
    expect(maskCount(mask)).toBe(5000);
    expect(mask.indexOf(0)).toBe(5000);
    expect(thresholdU32([new Uint32Array(9000), Uint32Array.from({ length: 3000 }, () => 5)], 9001)).toEqual({ key: 5, takeEqual: 1 });
  });

  it('float64 uses an exact sort with the same tie rule', () => {
    const data = Float64Array.from([3, -1, 0, 1, -0, 2, 1]);
    expect(Array.from(selectSmallest({ dtype: 'float64', dims: [7], data }, 4))).toEqual([0, 1, 1, 1, 1, 0, 0]);
  });

  it('ranks NaN above everything and handles k = 0 and k = n', () => {
    const data = Float32Array.from([NaN, 5, -7, 0]);
    const t: Tensor = { dtype: 'float32', dims: [4], data };
    expect(Array.from(selectSmallest(t, 3))).toEqual([0, 1, 1, 1]);
    expect(maskCount(selectSmallest(t, 0))).toBe(0);
    expect(maskCount(selectSmallest(t, 4))).toBe(4);
  });

  it('thresholdU32 over several arrays treats them as one sequence', () => {
    const a = Uint32Array.from([5, 1, 3]), b = Uint32Array.from([3, 0, 3]);
    expect(thresholdU32([a, b], 3)).toEqual({ key: 3, takeEqual: 1 });
    expect(thresholdU32([a, b], 6)).toEqual({ key: 5, takeEqual: 1 });
  });

  it('applyMask copies, zeroInPlace mutates only its argument', () => {
    const data = Float32Array.from([1, -2, 3]);
    const t: Tensor = { dtype: 'float32', dims: [3], data };
    const mask = Uint8Array.from([0, 1, 0]);
    expect(Array.from(applyMask(t, mask).data as Float32Array)).toEqual([1, 0, 3]);
    expect(Array.from(data)).toEqual([1, -2, 3]);
    zeroInPlace(t, mask);
    expect(Array.from(data)).toEqual([1, 0, 3]);
  });
});

/** Full-sort reference with a native numeric sort: key = |w| bits · 2^21 + index (layers under 2^21 weights). */
function sortReference(t: Tensor, k: number): Uint8Array {
  const f = t.dtype === 'float32' ? (t.data as Float32Array) : Float32Array.from(t.data as ArrayLike<number>);
  const bits = new Uint32Array(f.buffer, f.byteOffset, f.length);
  const keys = new Float64Array(f.length);
  for (let i = 0; i < f.length; i++) keys[i] = (bits[i]! & 0x7fffffff) * 2 ** 21 + i;
  keys.sort();
  const mask = new Uint8Array(f.length);
  for (let j = 0; j < k; j++) mask[keys[j]! % 2 ** 21] = 1;
  return mask;
}

describeFixtures('l1 masks on every fixture layer equal a full-sort reference', () => {
  for (const name of ['LeYOLONano-640.onnx', 'yolov13n-random.onnx', 'yolov13n-tokenc3-lsnet-random.onnx']) {
    it(name, async () => {
      const model = await loadOnnx(fixture('models', name));
      const g = indexGraph(model);
      const layers = listLayers(model, g);
      expect(layers.length).toBeGreaterThan(50);
      layers.forEach((l, i) => {
        expect(l.params).toBeLessThan(2 ** 21);
        const t = readTensor(g.constants.get(l.id)!.proto, model.external);
        const k = Math.round((((i * 7) % 19) / 20) * l.params);
        const mask = selectSmallest(t, k);
        const ref = sortReference(t, k);
        if (!mask.every((m, j) => m === ref[j])) throw new Error(`${name} ${l.id}: mask differs from the reference at k=${k}`);
      });
    });
  }
});

describe('zeroSmallest', () => {
  it('zeroes exactly the elements selectSmallest chooses', () => {
    fc.assert(fc.property(floats, fraction, fc.boolean(), (vals, r, half) => {
      const t: Tensor = half
        ? { dtype: 'float16', dims: [vals.length], data: Uint16Array.from(vals, floatToHalf) }
        : { dtype: 'float32', dims: [vals.length], data: Float32Array.from(vals) };
      const k = Math.round(r * vals.length);
      const expected = applyMask(t, selectSmallest(t, k));
      const copy: Tensor = { ...t, data: t.data.slice() as Tensor['data'] };
      expect(Array.from(zeroSmallest(copy, k).data as ArrayLike<number>)).toEqual(Array.from(expected.data as ArrayLike<number>));
    }), { numRuns: 200 });
  });
});

describe('radix thresholds (over 8192 keys) and 16-bit thresholds, stated exactly', () => {
  it('picks the bucket holding the k-th key, also when k ends a bucket exactly, and counts the buckets below it', () => {
    const zeros9000 = [new Uint32Array(9000), Uint32Array.from({ length: 3000 }, () => 5)];
    expect(thresholdU32(zeros9000, 9000)).toEqual({ key: 0, takeEqual: 9000 });
    expect(thresholdU32(zeros9000, 9001)).toEqual({ key: 5, takeEqual: 1 });
    // Two high buckets (1 and 2) with different low bits: the k-th key is in the second.
    const two = [Uint32Array.from({ length: 5000 }, () => 0x00010001), Uint32Array.from({ length: 5000 }, () => 0x00020003)];
    expect(thresholdU32(two, 7000)).toEqual({ key: 0x00020003, takeEqual: 2000 });
    expect(thresholdU32(two, 5000)).toEqual({ key: 0x00010001, takeEqual: 5000 });
    // No key in bucket 0 at all.
    expect(thresholdU32([Uint32Array.from({ length: 9000 }, () => 0x3f800000)], 1)).toEqual({ key: 0x3f800000, takeEqual: 1 });
    expect(thresholdU16(Uint16Array.of(2, 1, 2, 0x8001, 2), 3)).toEqual({ key: 2, takeEqual: 1 });
    expect(thresholdU16(Uint16Array.of(2, 1, 2, 0x8001, 2), 2)).toEqual({ key: 1, takeEqual: 2 });
  });
  it('int64 tensors are refused by applyMask and zeroInPlace', () => {
    const t: Tensor = { dtype: 'int64', dims: [2], data: BigInt64Array.of(1n, 2n) };
    expect(() => applyMask(t, Uint8Array.of(1, 0))).toThrow('applyMask: int64 weights are not pruned');
    expect(() => zeroInPlace(t, Uint8Array.of(1, 0))).toThrow('zeroInPlace: int64 weights are not pruned');
  });
});

describe('zeroSmallest edges', () => {
  it('k <= 0 leaves the tensor, k >= n zeroes it all, float64 and the radix path match selectSmallest; non-float dtypes throw', () => {
    const f32 = (v: number[]): Tensor => ({ dtype: 'float32', dims: [v.length], data: Float32Array.from(v) });
    expect(Array.from(zeroSmallest(f32([3, -1, 2]), 0).data as Float32Array)).toEqual([3, -1, 2]);
    expect(Array.from(zeroSmallest(f32([3, -1, 2]), -2).data as Float32Array)).toEqual([3, -1, 2]);
    expect(Array.from(zeroSmallest(f32([3, -1, 2]), 3).data as Float32Array)).toEqual([0, 0, 0]);
    expect(Array.from(zeroSmallest(f32([3, -1, 2]), 7).data as Float32Array)).toEqual([0, 0, 0]);
    const d64: Tensor = { dtype: 'float64', dims: [5], data: Float64Array.from([2, -1, 0, 1, -3]) };
    expect(Array.from(zeroSmallest(d64, 3).data as Float64Array)).toEqual([2, 0, 0, 0, -3]);
    const n = 10000;
    const big = Float32Array.from({ length: n }, (_, i) => ((i * 7919) % 13) - 6);
    const want = applyMask({ dtype: 'float32', dims: [n], data: big }, selectSmallest({ dtype: 'float32', dims: [n], data: big }, 4321));
    expect(Array.from(zeroSmallest({ dtype: 'float32', dims: [n], data: big.slice() }, 4321).data as Float32Array)).toEqual(Array.from(want.data as Float32Array));
    expect(() => selectSmallest({ dtype: 'int8', dims: [2], data: Int8Array.from([1, 2]) }, 1)).toThrow(/int8 is not a float dtype/);
    // float16 bit patterns: |-1| = 1 ties with 1 (lowest index first), the sign bit is not magnitude.
    const h: Tensor = { dtype: 'float16', dims: [5], data: Uint16Array.of(0x4000, 0xbc00, 0x3c00, 0x4200, 0x3c00) };
    expect(Array.from(zeroSmallest(h, 2).data as Uint16Array)).toEqual([0x4000, 0, 0, 0x4200, 0x3c00]);
  });
});

describe('radix path (layers over 8192 weights)', () => {
  it('equals the reference with heavy ties, zeros and negatives', () => {
    fc.assert(fc.property(fc.integer({ min: 8193, max: 20000 }), fc.integer({ min: 1, max: 2 ** 30 }), fraction, (n, seed, r) => {
      const base = Float32Array.from([0, -0, 1e-40, 0.25, -0.25, 3, -7.5, 1e30]);
      let s = seed;
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++) { s = (s * 1103515245 + 12345) >>> 0; data[i] = s % 5 === 0 ? (s / 2 ** 32) - 0.5 : base[s % base.length]!; }
      const k = Math.round(r * n);
      expect(selectSmallest({ dtype: 'float32', dims: [n], data }, k)).toEqual(reference(Array.from(data, Math.abs), k));
    }), { numRuns: 15 });
  });
});
