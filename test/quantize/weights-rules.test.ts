import { describe, expect, it } from 'vitest';
import { quantizeBias, quantizeLayer, quantizeWeights, roundHalfEven } from '../../src/quantize/index.js';

const INT32_MAX = 2 ** 31 - 1;

describe('quantizeWeights: channels along any axis', () => {
  // dims [2, 3, 2], channel axis 1: element (o, c, k) at (o·3 + c)·2 + k
  const w = Float32Array.of(
    0.5, -0.25, /* c1 */ 1, 0.02, /* c2 */ 0.05, 0.127,
    0.1, -1.27, /* c1 */ -2.54, 0.5, /* c2 */ -0.064, 0.001,
  );
  it('a middle axis: each channel gathers its values from every outer slice (|w| max of c0 is its last value)', () => {
    const q = quantizeWeights(w, [2, 3, 2], { axis: 1, range: 'max' });
    expect(q.axis).toBe(1);
    expect(Array.from(q.scales)).toEqual([Math.fround(1.27 / 127), Math.fround(2.54 / 127), Math.fround(0.127 / 127)]);
    expect(Array.from(q.data)).toEqual([50, -25, 50, 1, 50, 127, 10, -127, -127, 25, -64, 1]);
    expect(q.dims).toEqual([2, 3, 2]);
  });
  it('the last axis (inner size 1) and axis 0 (outer size 1)', () => {
    const last = quantizeWeights(w, [6, 2], { axis: 1, range: 'max' });
    expect(Array.from(last.scales)).toEqual([Math.fround(Math.fround(2.54) / 127), Math.fround(Math.fround(1.27) / 127)]);
    const first = quantizeWeights(w, [6, 2], { axis: 0, range: 'max' });
    expect(Array.from(first.scales)).toEqual([0.5, 1, 0.127, 1.27, 2.54, 0.064].map((m) => Math.fround(Math.fround(m) / 127)));
  });
  it('refuses a channel axis outside the shape, and ignores the axis per tensor', () => {
    expect(() => quantizeWeights(w, [2, 3, 2], { axis: -1 })).toThrow(/weight axis -1 is outside shape \[2,3,2\]/);
    expect(() => quantizeWeights(w, [2, 3, 2], { axis: 3 })).toThrow(RangeError);
    expect(quantizeWeights(w, [2, 3, 2], { axis: 2, range: 'max' }).scales.length).toBe(2);
    const t = quantizeWeights(w, [2, 3, 2], { axis: 7, perChannel: false, range: 'max' });
    expect(t.axis).toBeUndefined();
    expect(Array.from(t.scales)).toEqual([Math.fround(2.54 / 127)]);
    expect(t.data[8]).toBe(-127);
    expect(t.data[1]).toBe(roundHalfEven(Math.fround(-0.25) / Math.fround(2.54 / 127)));
  });
  it('an all-zero channel gets the minimal scale and zeros', () => {
    const q = quantizeWeights(Float32Array.of(0, 0, 1.27, -1.27), [2, 2]);
    expect(Array.from(q.scales)).toEqual([Math.fround(1e-8), Math.fround(0.01)]);
    expect(Array.from(q.data)).toEqual([0, 0, 127, -127]);
  });
  it('minScales lower-bounds each channel scale (a smaller bound changes nothing)', () => {
    const q = quantizeWeights(Float32Array.of(1.27, 0.5, 0.127, 0.05), [2, 2], { range: 'max' }, Float32Array.of(0.05, 1e-9));
    expect(Array.from(q.scales)).toEqual([Math.fround(0.05), Math.fround(0.001)]);
    expect(Array.from(q.data)).toEqual([25, 10, 127, 50]);
  });
});

describe('quantizeWeights: symmetric int8 bounds', () => {
  // heavy-tailed weights: the MSE range search clips their largest values
  const w = Float32Array.from({ length: 4096 }, (_, i) => { const u = ((i * 7919) % 4093 + 0.5) / 4093; return (i % 2 ? 1 : -1) * -Math.log(u) * 0.01; });
  it('reduce-range keeps 7 bits: scale = |w| max / 63 and codes in −63…63', () => {
    const q = quantizeWeights(Float32Array.of(0.63, -0.63, 0.32, 0), [1, 4], { reduceRange: true, range: 'max' });
    expect(Array.from(q.scales)).toEqual([Math.fround(0.01)]);
    expect(Array.from(q.data)).toEqual([63, -63, 32, 0]);
  });
  it('clipped values saturate at ±qmax: −127…127, and −63…63 with reduce-range (also when the MSE range clips)', () => {
    const full = quantizeWeights(w, [1, 4096]);
    const reduced = quantizeWeights(w, [1, 4096], { reduceRange: true });
    expect([Math.min(...full.data), Math.max(...full.data)]).toEqual([-127, 127]);
    expect([Math.min(...reduced.data), Math.max(...reduced.data)]).toEqual([-63, 63]);
  });
  it('the MSE range is the α in 1, 0.98, …, 0.50 (first on ties) of least squared rounding + clipping error', () => {
    const err = (x: Float32Array, s: number, qmax: number) => x.reduce((e, v) => e + (v - Math.min(qmax, Math.max(-qmax, roundHalfEven(v / s))) * s) ** 2, 0);
    const reference = (x: Float32Array, qmax: number) => {
      const base = Math.fround(x.reduce((m, v) => Math.max(m, Math.abs(v)), 0) / qmax);
      let best = base, bestErr = err(x, base, qmax);
      for (let k = 1; k <= 25; k++) {
        const s = Math.fround(base * (1 - 0.02 * k));
        const e = err(x, s, qmax);
        if (e < bestErr) { best = s; bestErr = e; }
      }
      return best;
    };
    expect(quantizeWeights(w, [1, 4096]).scales[0]).toBe(reference(w, 127));
    expect(quantizeWeights(w, [1, 4096], { reduceRange: true }).scales[0]).toBe(reference(w, 63));
    // one outlier (1.0) beside 200 000 values on the grid of step 0.5/127: clipping it at α = 0.50 costs 0.25 but
    // makes every other value exact; the search must reach α = 0.50 itself
    const grid = Float32Array.from({ length: 200_001 }, (_, i) => (i === 0 ? 1 : ((i % 128) * 0.5) / 127));
    const g = quantizeWeights(grid, [1, grid.length]).scales[0]!;
    expect(g).toBe(reference(grid, 127));
    expect(g).toBe(Math.fround(Math.fround(1 / 127) * 0.5));
  });
});

describe('quantizeBias', () => {
  it('one weight scale broadcasts to every bias value; per-channel scales are input scale × weight scale (float32)', () => {
    const one = quantizeBias(Float32Array.of(0.5, -0.25, 1), 0.1, Float32Array.of(0.01));
    expect(Array.from(one.scales)).toEqual([1, 1, 1].map(() => Math.fround(0.1 * Math.fround(0.01))));
    expect(Array.from(one.data)).toEqual([500, -250, 1000]);
    const per = quantizeBias(Float32Array.of(0.5, 0.5), 0.5, Float32Array.of(0.25, 0.125));
    expect(Array.from(per.scales)).toEqual([0.125, 0.0625]);
    expect(Array.from(per.data)).toEqual([4, 8]);
  });
  it('rounds half to even and saturates at ±(2^31 − 1)', () => {
    const b = quantizeBias(Float32Array.of(2.5, 3.5, -2.5, 1e10, -1e10), 1, Float32Array.of(1));
    expect(Array.from(b.data)).toEqual([2, 4, -2, INT32_MAX, -INT32_MAX]);
  });
});

describe('quantizeLayer: bias overflow widening', () => {
  // weight scale 2^-10 (a single weight 127·2^-10), input scale 2^-21: bias scale 2^-31, so |b| < 1 fits int32
  const w = Float32Array.of(127 * 2 ** -10);
  it('a bias just inside int32 at input × weight scale keeps the weight scale', () => {
    const r = quantizeLayer(w, [1, 1], Float32Array.of(1 - 2 ** -24), 2 ** -21);
    expect(r.widened).toEqual([]);
    expect(r.weight.scales[0]).toBe(2 ** -10);
    expect(r.bias!.data[0]).toBe(2 ** 31 - 2 ** 7);
  });
  it('a bias exactly at int32 max × scale (1 at input scale 1/(2^31 − 1), weight scale 1) fits: no widening', () => {
    expect(quantizeLayer(Float32Array.of(127), [1, 1], Float32Array.of(1), 1 / INT32_MAX, { range: 'max' }).widened).toEqual([]);
  });
  it('a bias of 1 widens the weight scale by the smallest margin that fits it unclipped', () => {
    const r = quantizeLayer(w, [1, 1], Float32Array.of(1), 2 ** -21);
    expect(r.widened).toEqual([0]);
    const s = r.weight.scales[0]!;
    expect(s).toBeGreaterThan(2 ** -10);
    expect(s).toBeLessThan(2 ** -10 * 1.0002);
    const q = r.bias!.data[0]!;
    expect(q).toBeLessThan(INT32_MAX); // fits without saturating
    expect(q).toBe(roundHalfEven(1 / r.bias!.scales[0]!));
    expect(r.bias!.scales[0]).toBe(Math.fround(2 ** -21 * s));
  });
  it('per tensor: the one scale widens for the largest overflowing bias value', () => {
    const r = quantizeLayer(Float32Array.of(127 * 2 ** -10, 1 * 2 ** -10), [2, 1], Float32Array.of(1, 4, 0.5), 2 ** -21, { perChannel: false });
    expect(r.widened).toEqual([0]);
    expect(r.weight.scales.length).toBe(1);
    const data = Array.from(r.bias!.data);
    data.forEach((q, i) => expect(q, `bias ${i}`).toBe(roundHalfEven([1, 4, 0.5][i]! / r.bias!.scales[i]!)));
    expect(Math.max(...data)).toBeLessThan(INT32_MAX);
    expect(Math.max(...data)).toBeGreaterThan(INT32_MAX * 0.999);
  });
  it('per channel: only the channel that overflows widens; without a bias nothing does', () => {
    const r = quantizeLayer(Float32Array.of(127 * 2 ** -10, 127 * 2 ** -10, 127 * 2 ** -10), [3, 1], Float32Array.of(0.5, 3, -2), 2 ** -21);
    expect(r.widened).toEqual([1, 2]);
    expect(r.weight.scales[0]).toBe(2 ** -10);
    expect(r.weight.scales[1]! / r.weight.scales[2]!).toBeCloseTo(1.5, 6);
    expect(quantizeLayer(w, [1, 1], undefined, 2 ** -21)).toEqual({ weight: quantizeWeights(w, [1, 1]), bias: undefined, widened: [] });
  });
});
