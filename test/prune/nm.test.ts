import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/index.js';
import { nmMask, parseNm, reductionOf } from '../../src/prune/nm.js';

describe('N:M', () => {
  it('parses N:M and rejects bad patterns', () => {
    expect(parseNm('2:4')).toEqual({ n: 2, m: 4 });
    for (const bad of ['4:4', '0:4', '2', 'a:b', '3:2', '1:100']) expect(() => parseNm(bad)).toThrow(UsageError);
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
  });
});
