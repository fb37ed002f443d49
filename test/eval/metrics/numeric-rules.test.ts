/**
 * The rules of the numpy primitives that the other numeric tests leave open (read from StrykerJS survivors):
 * linspace's end point is `stop` itself, interp1 returns the ordinate of an exact abscissa without interpolating,
 * its "recompute from the right end" fallback, and trapezoid of no points. Expected values printed by numpy 2.4.
 */
import { describe, expect, it } from 'vitest';
import { interp1, linspace, trapezoid } from '../../../src/eval/metrics/index.js';

describe('numpy primitives: rules', () => {
  it('linspace sets the last point to stop even where (num - 1) * step + start rounds elsewhere', () => {
    // (3 - 1) * ((0.9 - 0.2) / 2) + 0.2 = 0.8999999999999999 and 3 * ((0.3 - 0.1) / 3) + 0.1 = 0.30000000000000004,
    // np.linspace(0.2, 0.9, 3), np.linspace(0.1, 0.3, 4) and np.linspace(1, 0.1, 4):
    expect(Array.from(linspace(0.2, 0.9, 3))).toEqual([0.2, 0.55, 0.9]);
    expect(Array.from(linspace(0.1, 0.3, 4))).toEqual([0.1, 0.16666666666666669, 0.23333333333333334, 0.3]);
    expect(Array.from(linspace(1, 0.1, 4))).toEqual([1, 0.7, 0.4, 0.1]);
  });

  it('interp1 at an exact abscissa returns its ordinate without interpolating', () => {
    // np.interp(0, [0, 1], [0, inf]) = 0.0: interpolating would give inf * 0 = nan, then -inf + inf = nan.
    expect(interp1(0, [0, 1], [0, Infinity], 2, 7, 8)).toBe(0);
    // np.interp(0, [0, 1], [-0.0, 1]) = -0.0: 1 * 0 + (-0) would be +0.
    expect(Object.is(interp1(0, [0, 1], [-0, 1], 2, 7, 8), -0)).toBe(true);
    // An exact hit inside, not at the first abscissa: np.interp(1, [0, 1, 2], [5, 0, inf]) = 0.0.
    expect(interp1(1, [0, 1, 2], [5, 0, Infinity], 3, 7, 8)).toBe(0);
  });

  it('interp1 recomputes from the right end when the left end gives NaN, and takes equal ordinates when both do', () => {
    // xp[0] = -inf: slope (2 - 1) / inf = 0 and 0 * (key - xp[0]) = 0 * inf = nan; from the right 0 * (-1) + 2 = 2.
    expect(interp1(-1, [-Infinity, 0], [1, 2], 2, 7, 8)).toBe(2);
    // np.interp(-1, [-inf, 0], [5, 5]) = 5.0.
    expect(interp1(-1, [-Infinity, 0], [5, 5], 2, 7, 8)).toBe(5);
    // np.interp(0.5, [0, 1], [-inf, inf]) and np.interp(0.5, [0, 1], [inf, -inf]) = nan: unequal ends stay NaN.
    expect(interp1(0.5, [0, 1], [-Infinity, Infinity], 2, 7, 8)).toBeNaN();
    expect(interp1(0.5, [0, 1], [Infinity, -Infinity], 2, 7, 8)).toBeNaN();
    // Both abscissae infinite: slope 0 and 0 * inf = nan from either end; np.interp(0, [-inf, inf], [1, 2]) = nan,
    // np.interp(0, [-inf, inf], [3, 3]) = 3.0.
    expect(interp1(0, [-Infinity, Infinity], [1, 2], 2, 7, 8)).toBeNaN();
    expect(interp1(0, [-Infinity, Infinity], [3, 3], 2, 7, 8)).toBe(3);
  });

  it('trapezoid of no points is 0 (np.trapezoid([], [])), as of one point', () => {
    expect(trapezoid(new Float64Array(0), new Float64Array(0))).toBe(0);
    expect(trapezoid(Float64Array.of(4), Float64Array.of(2))).toBe(0);
  });
});
