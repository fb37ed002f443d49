import { describe, expect, it } from 'vitest';
import { entropyRange, HISTOGRAM_BINS, HistogramAccumulator, KL_EPSILON, windowKl, type HistogramData } from '../../src/quantize/entropy.js';

const hist = (start: number, counts: number[], min: number, max: number, width = 1): HistogramData => ({ width, start, counts: Float64Array.from(counts), min, max });
const kl = (p: number[], q: number[]) => p.reduce((s, x, i) => (x > 0 ? s + x * Math.log(x / q[i]!) : s), 0);

describe('HistogramAccumulator', () => {
  it('bins anchored at 0 with width span/(bins − 1); doubles the width and merges pairs when the range grows', () => {
    const h = new HistogramAccumulator(4);
    h.add([0, 1, 2, 3]);
    expect(h.result()).toEqual(hist(0, [1, 1, 1, 1], 0, 3));
    h.add(Float32Array.of(4));
    // bins 0…4 need 5 > 4 → width 2: {0,1}→0, {2,3}→1, 4→2
    expect(h.result()).toEqual(hist(0, [2, 2, 1, 0], 0, 4, 2));
    h.add([-2]);
    // bin −1 fits after re-anchoring without doubling (−1 … 2 is 4 bins)
    expect(h.result()).toEqual(hist(-1, [1, 2, 2, 1], -2, 4, 2));
    h.add([-3]);
    // bins −2 … 2 need 5 → width 4: k → ⌊k/2⌋: −1 → −1; 0,1 → 0; 2 → 1; then −3 → bin −1
    expect(h.result()).toEqual(hist(-1, [2, 4, 1, 0], -3, 4, 4));
  });
  it('a negative first range starts below 0; doubling merges floor-wise on both sides', () => {
    const h = new HistogramAccumulator(4);
    h.add([-3, -1, 0]);
    // span 3 → width 1; bins −3 … 0
    expect(h.result()).toEqual(hist(-3, [1, 0, 1, 1], -3, 0));
    h.add([1]);
    expect(h.result()).toEqual(hist(-2, [1, 1, 2, 0], -3, 1, 2));
  });
  it('skips NaN and ±Infinity; all-zero images wait in bin 0 until a range exists', () => {
    const h = new HistogramAccumulator(3);
    h.add([NaN, Infinity, -Infinity]);
    expect(h.result()).toEqual(hist(0, [0], 0, 0, 0));
    h.add([0, 0, NaN]);
    expect(h.result()).toEqual(hist(0, [2], 0, 0, 0));
    h.add([2, Infinity]);
    expect(h.result()).toEqual(hist(0, [2, 0, 1], 0, 2));
    expect(entropyRange(new HistogramAccumulator().result())).toEqual({ min: 0, max: 0, kl: 0, bins: 1 });
  });
  it('result() is a copy; the bin budget defaults to 2048 and must be an integer ≥ 2', () => {
    const h = new HistogramAccumulator();
    h.add([0, 2047]);
    const r = h.result();
    expect(r.counts.length).toBe(HISTOGRAM_BINS);
    expect(HISTOGRAM_BINS).toBe(2048);
    expect(r.width).toBe(1);
    r.counts[0] = 99;
    expect(h.result().counts[0]).toBe(1);
    expect(() => new HistogramAccumulator(1)).toThrow(/integer ≥ 2/);
    expect(() => new HistogramAccumulator(2.5)).toThrow(RangeError);
    expect(() => new HistogramAccumulator(2)).not.toThrow();
  });
  it('keeps counts exact over many images', () => {
    const h = new HistogramAccumulator(64);
    let n = 0;
    for (let k = 1; k <= 20; k++) { const v = Float32Array.from({ length: 37 }, (_, i) => (i - 10) * k * 0.37); h.add(v); n += v.length; }
    const r = h.result();
    expect(r.counts.reduce((a, b) => a + b, 0)).toBe(n);
    expect(r.min).toBeCloseTo(-10 * 20 * 0.37, 4);
    expect(r.max).toBeCloseTo(26 * 20 * 0.37, 4);
    expect(r.start * r.width).toBeLessThanOrEqual(r.min);
    expect((r.start + r.counts.length) * r.width).toBeGreaterThan(r.max);
  });
});

describe('windowKl', () => {
  it('P = kept bins + clipped counts in the end bins, Q = levels spread over the non-zero bins of P', () => {
    const c = Float64Array.of(3, 1, 0, 1);
    expect(windowKl(c, 0, 2, 2)).toBeCloseTo(kl([0.6, 0.4], [0.75, 0.25]), 12);
    // level 1 holds only the clipped count: q = ε there
    expect(windowKl(c, 0, 3, 2)).toBeCloseTo(kl([0.6, 0.2, 0.2], [0.5, 0.5, KL_EPSILON]), 12);
    expect(windowKl(c, 0, 4, 2)).toBeCloseTo(kl([0.6, 0.2, 0, 0.2], [0.4, 0.4, 0, 0.2]), 12);
    expect(KL_EPSILON).toBe(1e-4);
    // everything clipped into the last kept bin: q = ε there
    expect(windowKl(Float64Array.of(0, 0, 5), 0, 2, 2)).toBeCloseTo(Math.log(1 / KL_EPSILON), 12);
  });
  it('clips on both sides', () => {
    const c = Float64Array.of(1, 3, 1, 0, 1);
    expect(windowKl(c, 1, 2, 2)).toBeCloseTo(kl([4 / 6, 2 / 6], [0.75, 0.25]), 12);
    expect(windowKl(c, 0, 5, 2)).toBeCloseTo(kl([1 / 6, 3 / 6, 1 / 6, 0, 1 / 6], [5 / 18, 5 / 18, 5 / 18, 0, 1 / 6]), 12);
  });
});

describe('entropyRange', () => {
  it('a uniform distribution keeps its full range (KL 0 only there)', () => {
    expect(entropyRange(hist(0, Array.from({ length: 2048 }, () => 16), 0, 5, 5 / 2048))).toEqual({ min: 0, max: 5, kl: 0, bins: 2048 });
    // streamed (float binning puts a few values in a neighbour bin): nothing visible is clipped
    const h = new HistogramAccumulator();
    h.add(Float32Array.from({ length: 2048 * 16 }, (_, i) => ((i * 7919) % 32768) / 32767 * 5));
    expect(entropyRange(h.result()).max).toBeGreaterThan(4.99);
  });
  it('clips a far outlier (hand-computed: window of 2 bins has the least KL)', () => {
    const r = entropyRange(hist(0, [3, 1, 0, 1], 0, 3.5), { levels: 2 });
    expect(r.min).toBe(0);
    expect(r.max).toBe(2);
    expect(r.bins).toBe(2);
    expect(r.kl).toBeCloseTo(kl([0.6, 0.4], [0.75, 0.25]), 12);
  });
  it('clips a lone outlier among streamed values: 100,000 values in [0, 1) and one at 100', () => {
    const h = new HistogramAccumulator();
    // exponential (mean 0.1), a peaked shape whose resolution matters; KL is blind to the resolution of a flat one
    h.add(Float32Array.from({ length: 100_000 }, (_, i) => -0.1 * Math.log((i + 0.5) / 100_000)));
    h.add([100]);
    const r = entropyRange(h.result());
    expect(r.min).toBe(h.result().min);
    expect(r.max).toBeGreaterThan(0.5);
    expect(r.max).toBeLessThan(20);
  });
  it('ties go to the wider window (fewer values clipped), clamped to the observed range', () => {
    // every window ≥ 2 bins has KL 0: the widest (4 bins) wins, clamped to max 3.5 (the first minimum would give 2)
    expect(entropyRange(hist(0, [1, 1, 0, 0], 0, 3.5), { levels: 2 })).toEqual({ min: 0, max: 3.5, kl: 0, bins: 4 });
  });
  it('splits the window between the sides in proportion (n = 2 of 5 bins: 0 below 0, 2 above)', () => {
    const r = entropyRange(hist(-1, [1, 3, 1, 0, 1], -0.5, 3.5), { levels: 2 });
    expect(r).toEqual({ min: 0, max: 2, kl: windowKl(Float64Array.of(1, 3, 1, 0, 1), 1, 2, 2), bins: 2 });
    expect(Object.is(r.min, -0)).toBe(false);
    // the mirror of the outlier case, all below 0: n = 2 keeps bins −2, −1 (KL 0.4·ln 1.6 + 0.6·ln 0.8), n = 3 keeps
    // −3 … −1 with levels {−3, −2}, {−1}: the same KL (0.2·ln 1.6 · 2 + 0.6·ln 0.8) → the tie goes to the wider
    const s = entropyRange(hist(-4, [1, 0, 1, 3], -3.5, -0.5), { levels: 2 });
    expect(windowKl(Float64Array.of(1, 0, 1, 3), 1, 3, 2)).toBeCloseTo(windowKl(Float64Array.of(1, 0, 1, 3), 2, 2, 2), 14);
    expect(s).toEqual({ min: -3, max: -0.5, kl: windowKl(Float64Array.of(1, 0, 1, 3), 1, 3, 2), bins: 3 });
  });
  it('rounds the negative share of the window: n = 3 of 5 bins, 2 below 0 → round(1.2) = 1 below, 2 above', () => {
    const r = entropyRange(hist(-2, [4, 1, 4, 2, 4], -1.5, 2.5), { levels: 2 });
    // window bins −1, 0, 1 = [1, 4, 2] + 4 clipped each side; levels {−1, 0}, {1}
    expect(r).toMatchObject({ min: -1, max: 2, bins: 3 });
    expect(r.kl).toBeCloseTo(kl([5 / 15, 4 / 15, 6 / 15], [2.5 / 7, 2.5 / 7, 2 / 7]), 12);
  });
  it('abs mode folds |x| and returns [−t, t]', () => {
    // folded: [3, 1, 0, 1] as in the outlier case → t = 2
    const r = entropyRange(hist(-4, [1, 0, 1, 2, 1], -3.5, 0.5), { levels: 2, mode: 'abs' });
    expect(r).toEqual({ min: -2, max: 2, kl: windowKl(Float64Array.of(3, 1, 0, 1), 0, 2, 2), bins: 2 });
    // no more bins than levels: the symmetric full range
    expect(entropyRange(hist(-1, [1, 1], -0.5, 0.75), { levels: 2, mode: 'abs' })).toEqual({ min: -0.75, max: 0.75, kl: 0, bins: 1 });
    expect(entropyRange(hist(0, [1, 1, 0, 0], 0, 3.5), { levels: 2, mode: 'abs' })).toEqual({ min: -3.5, max: 3.5, kl: 0, bins: 4 });
  });
  it('no more bins than levels → the observed range; levels must be an integer ≥ 2 (default 256)', () => {
    expect(entropyRange(hist(0, [1, 5], 0.2, 1.9), { levels: 2 })).toEqual({ min: 0.2, max: 1.9, kl: 0, bins: 2 });
    const many = hist(0, Array.from({ length: 256 }, (_, i) => (i === 255 ? 1 : 100)), 0, 255.5);
    expect(entropyRange(many)).toEqual({ min: 0, max: 255.5, kl: 0, bins: 256 });
    // one count past 256 bins of 100, 50, 100, 50, …: clipping it (KL ≈ 5e-7) beats merging a 100 and a 50 (4.4e-4)
    const tail = entropyRange(hist(0, Array.from({ length: 257 }, (_, i) => (i === 256 ? 1 : i % 2 ? 50 : 100)), 0, 256.5));
    expect(tail).toMatchObject({ min: 0, max: 256, bins: 256 });
    expect(tail.kl).toBeLessThan(1e-6);
    expect(() => entropyRange(many, { levels: 1 })).toThrow(/integer ≥ 2/);
    expect(() => entropyRange(many, { levels: 2.5 })).toThrow(RangeError);
  });
});
