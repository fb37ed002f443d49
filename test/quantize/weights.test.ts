import { describe, expect, it } from 'vitest';
import { quantizeBias, quantizeLayer, quantizeWeights } from '../../src/quantize/index.js';
import { quantError } from '../../src/quantize/weights.js';

describe('quantizeWeights', () => {
  it('gives each output channel its own symmetric scale (axis 0)', () => {
    // 2 output channels × 3 values
    const q = quantizeWeights(Float32Array.of(1.27, -0.5, 0.01, 0.127, 0.0634, -0.127), [2, 3]);
    expect(q.axis).toBe(0);
    expect(q.scales[0]).toBeCloseTo(0.01, 7);
    expect(q.scales[1]).toBeCloseTo(0.001, 7);
    expect(Array.from(q.data)).toEqual([127, -50, 1, 127, 63, -127]);
  });
  it('per-channel along axis 1 (ConvTranspose layout [Cin, Cout, …])', () => {
    const q = quantizeWeights(Float32Array.of(1, 0.1, -1, 0.05), [2, 2], { axis: 1 });
    expect(q.scales[0]).toBeCloseTo(1 / 127, 7);
    expect(q.scales[1]).toBeCloseTo(0.1 / 127, 7);
    expect(Array.from(q.data)).toEqual([127, 127, -127, 64]);
  });
  it('per-tensor uses one scale for all channels', () => {
    const q = quantizeWeights(Float32Array.of(1.27, 0.01), [2, 1], { perChannel: false });
    expect(q.axis).toBeUndefined();
    expect(q.scales.length).toBe(1);
    expect(Array.from(q.data)).toEqual([127, 1]);
  });
  it('round-trips every value within half a step of its channel', () => {
    const w = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i * 1.7) * (1 + (i % 8)));
    const q = quantizeWeights(w, [8, 8]);
    w.forEach((x, i) => {
      const s = q.scales[Math.floor(i / 8)]!;
      expect(Math.abs(q.data[i]! * s - x)).toBeLessThanOrEqual(s / 2 + 1e-6);
    });
  });
});

describe('quantizeWeights range search', () => {
  // Laplacian-like (heavy-tailed) weights, as conv weights are: a few large values stretch the |w| max step.
  const w = Float32Array.from({ length: 4096 }, (_, i) => { const u = ((i * 7919) % 4093 + 0.5) / 4093; return (i % 2 ? 1 : -1) * -Math.log(u) * 0.01; });
  const err = (q: ReturnType<typeof quantizeWeights>) => w.reduce((a, x, i) => a + (x - q.data[i]! * q.scales[0]!) ** 2, 0);
  it('mse (default) clips the tail of heavy-tailed weights when that lowers the total squared error', () => {
    const mse = quantizeWeights(w, [1, 4096]);
    const max = quantizeWeights(w, [1, 4096], { range: 'max' });
    expect(max.scales[0]).toBeCloseTo(Math.max(...w.map(Math.abs)) / 127, 7);
    expect(mse.scales[0]!).toBeLessThan(max.scales[0]!);
    expect(err(mse)).toBeLessThan(err(max));
  });
  it('keeps the |w| max scale when nothing is gained by clipping (exactly representable values)', () => {
    const q = quantizeWeights(Float32Array.of(1.27, -0.5, 0.01), [1, 3]);
    expect(q.scales[0]).toBeCloseTo(0.01, 7);
  });
});

describe('quantizeLayer bias', () => {
  it('stores bias at input scale × weight scale', () => {
    const b = quantizeBias(Float32Array.of(0.5, -0.25), 0.1, Float32Array.of(0.01, 0.05));
    expect(b.scales[0]).toBeCloseTo(0.001, 9);
    expect(Array.from(b.data)).toEqual([500, -50]);
  });
  it('widens the weight scale of a channel whose bias would overflow int32, and only that channel', () => {
    // weight scale 1e-6, input scale 1e-6 → bias scale 1e-12; bias 1 would need 1e12 > 2^31 − 1
    const w = Float32Array.of(127e-6, 127e-6);
    const r = quantizeLayer(w, [2, 1], Float32Array.of(1, 1e-6), 1e-6);
    expect(r.widened).toEqual([0]);
    expect(r.bias!.data[0]!).toBeLessThanOrEqual(2 ** 31 - 1);
    expect(Math.abs(r.bias!.data[0]! * r.bias!.scales[0]! - 1)).toBeLessThan(1e-3);
    expect(r.weight.scales[1]).toBeCloseTo(1e-6, 12);
    expect(r.weight.data[1]).toBe(127);
    expect(r.weight.data[0]!).toBeLessThan(127); // requantized at the wider scale
  });
});

describe('quantError', () => {
  it('sums squared rounding and clipping errors at a symmetric scale', () => {
    // 0.26/0.1 → 3 (err 0.04), −0.25/0.1 = −2.5 → −2 (half to even, err 0.05), 2/0.1 → clipped to 12 (err 0.8)
    const v = Float32Array.of(0.26, -0.25, 2);
    const e = 0.04 ** 2 + 0.05 ** 2 + 0.8 ** 2;
    expect(quantError(v, 0.1, 12)).toBeCloseTo(e, 6);
    expect(quantError(v, 0.1, 12, 1)).toBeCloseTo(e, 6); // limit not reached: the full sum
  });
  it('stops once the sum exceeds the limit (returns a value above it)', () => {
    const v = Float32Array.of(0.05, 5, 5, 5);
    const full = quantError(v, 0.1, 10);
    const cut = quantError(v, 0.1, 10, 1);
    expect(cut).toBeGreaterThan(1);
    expect(cut).toBeLessThan(full);
    expect(cut).toBeCloseTo(0.05 ** 2 + 4 ** 2, 5);
  });
});
