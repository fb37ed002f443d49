import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/index.js';
import { nmMask, parseNm, reductionOf } from '../../src/prune/nm.js';

/**
 * Reference written from the definition: the flat indices of each reduction vector (listed per layout from the
 * shape, independently of reductionOf), cut into runs of M, and in each run the M−N smallest (|w|, index) zeroed.
 */
function referenceNm(data: Float32Array, layout: 'conv' | 'nk' | 'mk' | 'kn' | 'convtranspose', dims: number[], n: number, m: number): Uint8Array {
  const vectors: number[][] = [];
  const total = dims.reduce((a, b) => a * b, 1);
  if (layout === 'conv') {
    // Output o's weights tap by tap, the input channels of one tap consecutive: [O, C, taps] read as [O, taps, C].
    const [outC, inC] = [dims[0]!, dims[1]!];
    const taps = total / (outC * inC);
    for (let o = 0; o < outC; o++) {
      const vec: number[] = [];
      for (let t = 0; t < taps; t++) for (let c = 0; c < inC; c++) vec.push((o * inC + c) * taps + t);
      vectors.push(vec);
    }
  } else if (layout === 'nk' || layout === 'mk') {
    const size = dims[dims.length - 1]!;
    for (let v = 0; v < total / size; v++) vectors.push(Array.from({ length: size }, (_, j) => v * size + j));
  } else if (layout === 'kn') {
    const k = dims[dims.length - 2]!, cols = dims[dims.length - 1]!;
    for (let b = 0; b < total / (k * cols); b++) for (let c = 0; c < cols; c++) vectors.push(Array.from({ length: k }, (_, r) => b * k * cols + r * cols + c));
  } else {
    const [inC, outC] = [dims[0]!, dims[1]!];
    const spatial = total / (inC * outC);
    for (let o = 0; o < outC; o++) {
      const vec: number[] = [];
      for (let i = 0; i < inC; i++) for (let s = 0; s < spatial; s++) vec.push((i * outC + o) * spatial + s);
      vectors.push(vec);
    }
  }
  const mask = new Uint8Array(total);
  for (const vec of vectors) {
    for (let g = 0; g < vec.length; g += m) {
      const run = vec.slice(g, g + m).sort((a, b) => Math.abs(data[a]!) - Math.abs(data[b]!) || a - b);
      for (const e of run.slice(0, m - n)) mask[e] = 1;
    }
  }
  return mask;
}

const PATTERNS: [number, number][] = [[1, 2], [1, 4], [2, 4], [3, 4], [1, 8], [2, 8], [4, 8], [6, 8], [5, 16]];
const tied = fc.oneof(fc.constantFrom(0, -0, 1, -1, 2, -2), fc.float({ min: -100, max: 100, noNaN: true, noDefaultInfinity: true }));

describe('N:M', () => {
  it('parses N:M and rejects bad patterns', () => {
    expect(parseNm('2:4')).toEqual({ n: 2, m: 4 });
    expect(parseNm(' 2 : 4 ')).toEqual({ n: 2, m: 4 });
    expect(parseNm('12:16')).toEqual({ n: 12, m: 16 });
    expect(parseNm('1:64')).toEqual({ n: 1, m: 64 });
    for (const bad of ['4:4', '0:4', '2', 'a:b', '3:2', '1:100', '1:65', 'x2:4', '2:4x', '2:4:8', '-1:4']) expect(() => parseNm(bad)).toThrow(UsageError);
    expect(() => parseNm('5:4')).toThrow('--nm 5:4: expected N:M with 1 <= N < M <= 64, e.g. 2:4');
  });

  it('keeps the N largest of every M along a conv reduction row (ties lowest index zeroed first)', () => {
    const data = Float32Array.from([1, -4, 2, 2, 0, 3, -3, 1]);
    const mask = nmMask({ dtype: 'float32', dims: [1, 8, 1, 1], data }, { layout: 'conv', dims: [1, 8, 1, 1], groups: 1 }, { n: 2, m: 4 });
    expect(Array.from(mask!)).toEqual([1, 0, 1, 0, 1, 0, 0, 1]);
  });

  it('runs down columns for MatMul [K, N] weights', () => {
    const r = reductionOf({ layout: 'kn', dims: [4, 2], groups: 1 })!;
    expect(r.size).toBe(4);
    expect([0, 1, 2, 3].map((j) => r.index(1, j))).toEqual([1, 3, 5, 7]);
    const data = Float32Array.from([1, 8, 2, 7, 3, 6, 4, 5]);
    const mask = nmMask({ dtype: 'float32', dims: [4, 2], data }, { layout: 'kn', dims: [4, 2], groups: 1 }, { n: 2, m: 4 })!;
    expect(Array.from(mask)).toEqual([1, 0, 1, 0, 0, 1, 0, 1]);
  });

  it('skips layers whose reduction size is not a multiple of M', () => {
    const data = new Float32Array(9);
    expect(nmMask({ dtype: 'float32', dims: [1, 1, 3, 3], data }, { layout: 'conv', dims: [1, 1, 3, 3], groups: 1 }, { n: 2, m: 4 })).toBeUndefined();
    // The reduction of a batched [.., M, K] or [.., K, N] weight is K alone (12 here), not K times a leading dim.
    for (const [layout, dims] of [['mk', [2, 3, 12]], ['kn', [2, 12, 3]], ['nk', [3, 12]], ['conv', [3, 12, 1, 1]]] as const) {
      const t = { dtype: 'float32' as const, dims: [...dims], data: new Float32Array(72) };
      expect(reductionOf({ layout, dims: [...dims], groups: 1 })?.size).toBe(12);
      expect(nmMask(t, { layout, dims: [...dims], groups: 1 }, { n: 1, m: 8 })).toBeUndefined();
      expect(nmMask(t, { layout, dims: [...dims], groups: 1 }, { n: 1, m: 4 })).toBeDefined();
    }
  });

  it('float16 and bfloat16 rank by |w| (the sign bit is not magnitude)', () => {
    // -1, 3, 2, 4: 2:4 zeroes -1 and 2 (the raw bits of -1 would rank it largest).
    const half = Uint16Array.of(0xbc00, 0x4200, 0x4000, 0x4400);
    const bf16 = Uint16Array.of(0xbf80, 0x4040, 0x4000, 0x4080);
    for (const [dtype, data] of [['float16', half], ['bfloat16', bf16]] as const) {
      expect(Array.from(nmMask({ dtype, dims: [1, 4], data }, { layout: 'nk', dims: [1, 4], groups: 1 }, { n: 2, m: 4 })!)).toEqual([1, 0, 1, 0]);
    }
  });

  it('a run of infinities or NaNs still loses M - N weights, lowest index first; NaN goes last', () => {
    const data = Float32Array.of(Infinity, -Infinity, Infinity, Infinity, NaN, NaN, NaN, NaN, NaN, 5, 7, NaN);
    const mask = nmMask({ dtype: 'float32', dims: [1, 12], data }, { layout: 'nk', dims: [1, 12], groups: 1 }, { n: 2, m: 4 })!;
    expect(Array.from(mask)).toEqual([1, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0]); // NaN is zeroed only when nothing else is left
  });

  it('keeps exactly which weights the definition keeps, for 9 N:M pairs, every layout and ConvTranspose (ties, zeros)', () => {
    type Layout = 'conv' | 'nk' | 'mk' | 'kn' | 'convtranspose';
    const shapes: { layout: Layout; dims: number[] }[] = [
      { layout: 'conv', dims: [3, 4, 2, 2] }, { layout: 'conv', dims: [2, 16, 1, 1] }, { layout: 'conv', dims: [2, 8, 3, 3] }, { layout: 'conv', dims: [3, 2, 2, 2] },
      { layout: 'nk', dims: [3, 16] }, { layout: 'mk', dims: [2, 2, 16] },
      { layout: 'kn', dims: [16, 3] }, { layout: 'kn', dims: [2, 8, 3] },
      { layout: 'convtranspose', dims: [4, 3, 2, 2] }, { layout: 'convtranspose', dims: [16, 2, 1, 1] },
    ];
    const shape = fc.constantFrom(...shapes);
    fc.assert(fc.property(shape, fc.constantFrom(...PATTERNS), fc.array(tied, { minLength: 192, maxLength: 192 }), ({ layout, dims }, [n, m], vals) => {
      const total = dims.reduce((a, b) => a * b, 1);
      const data = Float32Array.from(vals.slice(0, total));
      const layer = { layout, dims, groups: 1 };
      const mask = nmMask({ dtype: 'float32', dims, data }, layer, { n, m });
      // Runs of M must fit in the lanes: a conv's input channels (one tap), the whole reduction otherwise.
      const lanes = layout === 'conv' ? dims[1]! : reductionOf(layer)!.size;
      if (lanes % m !== 0) {
        expect(mask).toBeUndefined();
        return;
      }
      expect(mask).toEqual(referenceNm(data, layout, dims, n, m));
      expect(mask!.reduce((a, b) => a + b, 0)).toBe((total / m) * (m - n));
    }), { numRuns: 300 });
  });

  it('ConvTranspose [I, O, k]: the reduction vector of output o runs over (input, kernel) at stride O·k', () => {
    const layer = { layout: 'convtranspose' as const, dims: [4, 2, 2], groups: 1 };
    const r = reductionOf(layer)!;
    expect(r).toMatchObject({ size: 8, vectors: 2 });
    expect(Array.from({ length: 8 }, (_, j) => r.index(1, j))).toEqual([2, 3, 6, 7, 10, 11, 14, 15]);
    expect(reductionOf({ ...layer, groups: 2 })).toBeUndefined();
    // Output 0's weights (flat 0,1,4,5,8,9,12,13) are 1..8; output 1's are 8..1. 1:4 keeps the largest of each run of 4.
    const data = Float32Array.from([1, 2, 8, 7, 3, 4, 6, 5, 5, 6, 4, 3, 7, 8, 2, 1]);
    const mask = nmMask({ dtype: 'float32', dims: layer.dims, data }, layer, { n: 1, m: 4 })!;
    expect(Array.from(mask, (z, i) => (z ? 0 : data[i]))).toEqual([0, 0, 8, 0, 0, 4, 0, 0, 0, 0, 4, 0, 0, 8, 0, 0]);
  });

  it('3:4 zeroes one per run and 1:4 zeroes three (drop = M − N, not N)', () => {
    const data = Float32Array.from([4, 1, 3, 2, -1, -2, -3, -4]);
    const layer = { layout: 'nk' as const, dims: [1, 8], groups: 1 };
    expect(Array.from(nmMask({ dtype: 'float32', dims: [1, 8], data }, layer, { n: 3, m: 4 })!)).toEqual([0, 1, 0, 0, 1, 0, 0, 0]);
    expect(Array.from(nmMask({ dtype: 'float32', dims: [1, 8], data }, layer, { n: 1, m: 4 })!)).toEqual([0, 1, 1, 1, 1, 1, 1, 0]);
  });
});
