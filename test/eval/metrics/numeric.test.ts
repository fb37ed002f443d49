import { describe, expect, it } from 'vitest';
import {
  argsortDescending, interp1, linspace, pairwiseSum, smooth, torchLinspaceF32, trapezoid, ULTRALYTICS_IOU_THRESHOLDS,
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
