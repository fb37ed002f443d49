import { describe, expect, it } from 'vitest';
import {
  argsortDescending, bucketSort, interp1, linspace, pairwiseSum, smooth, torchLinspaceF32, trapezoid, ULTRALYTICS_IOU_THRESHOLDS,
} from '../../../src/eval/metrics/index.js';

// Expected values below were printed by numpy 2 (np.linspace, np.interp, np.add.reduce, np.trapezoid, np.convolve).
describe('numpy primitives', () => {
  it('linspace is i*step + start with the exact end point', () => {
    const x = linspace(0, 1, 1000);
    expect([x[1], x[333], x[998], x[999]]).toEqual([0.001001001001001001, 0.3333333333333333, 0.998998998998999, 1]);
    expect(Array.from(linspace(0.5, 0.95, 10))).toEqual([0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.8999999999999999, 0.95]);
  });

  it('interp takes the last of equal abscissae and clamps outside with left/right', () => {
    const xp = [0, 0.5, 0.5, 1];
    const fp = [1, 1, 0.5, 0];
    expect([0.5, 0.25, 1.0, 0.0, 0.75].map((k) => interp1(k, xp, fp, 4, 1, 0))).toEqual([0.5, 1, 0, 1, 0.25]);
    // decreasing queries over negated confidences, as ap_per_class does
    const q = [0.95, 0.9, 0.85, 0.8, 0.5].map((c) => interp1(-c, [-0.9, -0.8], [1, 0.5], 2, 1, 0.5));
    expect(q[0]).toBe(1);
    expect(q[1]).toBe(1);
    expect(q[2]).toBe(0.7499999999999998);
    expect(q[3]).toBe(0.5);
    expect(q[4]).toBe(0.5);
  });

  it('pairwiseSum follows numpy add.reduce, not a naive running sum', () => {
    expect(pairwiseSum(new Float64Array(1000).fill(0.1))).toBe(100.00000000000001);
    expect(pairwiseSum(new Float64Array(100).fill(0.1))).toBe(9.999999999999998);
    expect(pairwiseSum([1, 2, 3])).toBe(6);
  });

  it('trapezoid integrates like numpy', () => {
    const x = linspace(0, 1, 101);
    expect(trapezoid(x.map((v) => v * v), x)).toBe(0.33335000000000004);
  });

  it('smooth is a 101-wide box filter with edge padding for 1000 points', () => {
    const y = new Float64Array(1000);
    y.fill(1, 100, 300);
    const s = smooth(y, 0.1);
    expect(s[150]).toBeCloseTo(1, 14);
    expect(s[60]).toBeCloseTo(11 / 101, 14);
    let arg = 0;
    for (let i = 1; i < s.length; i++) if (s[i]! > s[arg]!) arg = i;
    expect(arg).toBeGreaterThanOrEqual(150);
    expect(arg).toBeLessThanOrEqual(250);
  });

  it('torch float32 linspace gives the Ultralytics IoU thresholds', () => {
    expect(ULTRALYTICS_IOU_THRESHOLDS).toEqual(torchLinspaceF32(0.5, 0.95, 10));
    expect(ULTRALYTICS_IOU_THRESHOLDS[0]).toBe(0.5);
    expect(ULTRALYTICS_IOU_THRESHOLDS[9]).toBe(Math.fround(0.95));
    for (let i = 0; i < 10; i++) expect(ULTRALYTICS_IOU_THRESHOLDS[i]).toBeCloseTo(0.5 + 0.05 * i, 6);
  });
});

describe('argsortDescending', () => {
  it('is stable for ties, treats -0 as 0, and handles negatives (float32 and float64, small and radix sizes)', () => {
    for (const n of [10, 5000]) {
      const v = Array.from({ length: n }, (_, i) => [0.5, -0, 0, -1.5, 2, 0.5][i % 6]!);
      const expected = Array.from({ length: n }, (_, i) => i).sort((a, b) => (v[b]! - v[a]!) || a - b);
      expect(Array.from(argsortDescending(Float64Array.from(v)))).toEqual(expected);
      expect(Array.from(argsortDescending(Float32Array.from(v)))).toEqual(expected);
    }
  });

  it('orders float64 values that differ below float32 precision by their float64 value (radix sizes)', () => {
    // 0.1 + k·1e-12 all round to the same float32: sorting on float32 keys would keep index order.
    const n = 5000;
    const v = Array.from({ length: n }, (_, i) => 0.1 + (i % 7) * 1e-12 - (i % 3) * 1e-13);
    const expected = Array.from({ length: n }, (_, i) => i).sort((a, b) => (v[b]! - v[a]!) || a - b);
    expect(Array.from(argsortDescending(Float64Array.from(v)))).toEqual(expected);
    // One value that is not a float32 among float32 ones switches the whole array to float64 keys.
    const mixed = Float64Array.from({ length: n }, (_, i) => Math.fround((i % 11) / 10));
    mixed[n - 1] = Math.fround(0.5) + 1e-12;
    const expectedMixed = Array.from({ length: n }, (_, i) => i).sort((a, b) => (mixed[b]! - mixed[a]!) || a - b);
    expect(Array.from(argsortDescending(mixed))).toEqual(expectedMixed);
  });
});

describe('numpy primitives: edges', () => {
  // Values whose sum depends on the order of additions (every fifth is ~1e8); expected sums printed by numpy 2.4
  // (np.add.reduce(a) and np.add.reduce(a[3::2])), a running sum differs at n = 8, 64, 129 and 1000.
  const vals = (n: number) => Float64Array.from({ length: n }, (_, i) => ((i * 0.37) % 1.3) * (i % 5 === 0 ? 1e8 : 1) + 0.1);
  it('pairwiseSum: the < 8, ≤ 128 (8 accumulators and a tail) and recursive branches, with offset and stride', () => {
    const want: [number, number, number][] = [
      [7, 55000004.02000001, 55000001.31000001], [8, 55000005.410000004, 55000002.70000001], [13, 165000007.71, 55000003.80000001],
      [64, 780000042.5199995, 420000021.2099997], [129, 1625000079.5699975, 845000038.7999985], [300, 4010000187.4999886, 1920000093.9299946],
      [1000, 13160000621.499865, 6470000310.92993],
    ];
    for (const [n, sum, strided] of want) {
      const a = vals(n);
      expect(pairwiseSum(a)).toBe(sum);
      expect(pairwiseSum(a, 3, Math.floor((n - 3 + 1) / 2), 2)).toBe(strided);
    }
    expect(pairwiseSum([])).toBe(0);
    expect(pairwiseSum([5, 6, 7], 1)).toBe(13);
  });
  it('linspace with 0 and 1 points', () => {
    expect(Array.from(linspace(2, 3, 1))).toEqual([2]);
    expect(Array.from(linspace(2, 3, 0))).toEqual([]);
    expect(Array.from(linspace(1, 0, 3))).toEqual([1, 0.5, 0]);
  });
  it('interp1 at the end points, outside, and with infinite values (numpy recomputes from the right end, then takes the equal value)', () => {
    expect(interp1(1, [0, 1], [3, 5], 2, -1, -2)).toBe(5);
    expect(interp1(0, [0, 1], [3, 5], 2, -1, -2)).toBe(3);
    expect(interp1(1.5, [0, 1], [3, 5], 2, -1, -2)).toBe(-2);
    expect(interp1(-0.5, [0, 1], [3, 5], 2, -1, -2)).toBe(-1);
    expect(interp1(0.25, [0, 1], [3, 5], 2, -1, -2)).toBe(3.5);
    // The first n entries only: xp[2] = 0 beyond n = 2 is not read.
    expect(interp1(0.75, [0, 1, 0], [3, 5, 100], 2, -1, -2)).toBe(4.5);
    // np.interp(0.5, [0, 1], [inf, inf]) = inf, np.interp(0.5, [0, 1], [-inf, 0]) = -inf, np.interp(0.5, [0, 1], [0, inf]) = inf.
    expect(interp1(0.5, [0, 1], [Infinity, Infinity], 2, 0, 0)).toBe(Infinity);
    expect(interp1(0.5, [0, 1], [-Infinity, 0], 2, 0, 0)).toBe(-Infinity);
    expect(interp1(0.5, [0, 1], [0, Infinity], 2, 0, 0)).toBe(Infinity);
  });
  it('trapezoid of fewer than two points is 0', () => {
    expect(trapezoid(Float64Array.of(3), Float64Array.of(1))).toBe(0);
    expect(trapezoid(Float64Array.of(1, 3), Float64Array.of(0, 2))).toBe(4);
  });
});

describe('argsortDescending: every path against a stable reference', () => {
  /** Deterministic values with many exact ties, both signs, -0, and magnitudes across the exponent range. */
  function values(n: number, seed: number): number[] {
    let s = seed >>> 0;
    const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0), s / 2 ** 32);
    return Array.from({ length: n }, () => {
      const r = next();
      if (r < 0.3) return [0, -0, 1, -1, 0.5, 2 ** -30][Math.floor(next() * 6)]!;
      const sign = next() < 0.5 ? -1 : 1;
      return sign * next() * 2 ** Math.floor(next() * 80 - 40);
    });
  }
  const reference = (v: number[], order: number[]) => {
    const pos = new Map(order.map((e, i) => [e, i]));
    return order.slice().sort((a, b) => (v[b]! - v[a]!) || pos.get(a)! - pos.get(b)!);
  };
  it('merge sort (n < 2048, runs of 8 and uneven widths), 8-bit radix (n < 32768) and 16-bit radix, float32 and float64', () => {
    for (const n of [1, 2, 7, 8, 9, 17, 100, 2047, 2048, 5000, 40000]) {
      const v64 = values(n, n);
      const v32 = Array.from(Float32Array.from(v64));
      const ids = Array.from({ length: n }, (_, i) => i);
      expect(Array.from(argsortDescending(Float64Array.from(v64)))).toEqual(reference(v64, ids));
      expect(Array.from(argsortDescending(Float32Array.from(v32)))).toEqual(reference(v32, ids));
    }
  });
  it('reorders a given subset of indices, stably from its order', () => {
    for (const n of [50, 3000]) {
      const v = values(n, 7 + n);
      const subset = Array.from({ length: n }, (_, i) => (i * 7919) % n).filter((i) => i % 3 !== 0);
      const got = argsortDescending(Float64Array.from(v), Int32Array.from(subset));
      expect(Array.from(got)).toEqual(reference(v, subset));
    }
  });
});

describe('bucketSort', () => {
  it('groups stably by bucket with CSR offsets, empty buckets included', () => {
    const buckets = Int32Array.of(2, 0, 2, 3, 0, 2);
    const r = bucketSort(Int32Array.of(5, 4, 3, 2, 1, 0), buckets, 5);
    expect(Array.from(r.order)).toEqual([4, 1, 5, 2, 0, 3]);
    expect(Array.from(r.offsets)).toEqual([0, 2, 2, 5, 6, 6]);
  });
});
