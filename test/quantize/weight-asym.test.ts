import { describe, expect, it } from 'vitest';
import { asymmetricParams } from '../../src/quantize/params.js';
import { ASYM_CLIPS, asymChannelParams, asymCode, asymError, preserveSum, quantizeWeightsAsymmetric } from '../../src/quantize/weight-asym.js';

const unit = { scale: 1, zeroPoint: 0, dtype: 'int8' as const };

describe('asymCode / asymError', () => {
  it('rounds half to even, adds the zero point, saturates to [−128, 127]', () => {
    const p = { scale: 0.5, zeroPoint: 3, dtype: 'int8' as const };
    expect(asymCode(1.25, p)).toBe(5); // 2.5 → 2, + 3
    expect(asymCode(1.75, p)).toBe(7); // 3.5 → 4, + 3
    expect(asymCode(-0.74, p)).toBe(2); // −1.48 → −1, + 3
    expect(asymCode(100, p)).toBe(127);
    expect(asymCode(-100, p)).toBe(-128);
  });
  it('sums squared rounding and clipping errors', () => {
    const p = { scale: 1, zeroPoint: 0, dtype: 'int8' as const };
    expect(asymError(Float32Array.of(0.25, -0.5, 130), p)).toBeCloseTo(0.0625 + 0.25 + 9, 10);
  });
});

describe('asymChannelParams', () => {
  it('without clipping is the asymmetric int8 range of [min, max] (0 included)', () => {
    const p = asymChannelParams(Float32Array.of(-1, 0.5, 3), [1]);
    expect(p).toEqual(asymmetricParams(-1, 3, 'int8'));
    expect(p.scale).toBeCloseTo(4 / 255, 7);
    expect(p.zeroPoint).toBe(-64); // −128 + 1/(4/255) = −64.25
    expect(asymChannelParams(Float32Array.of(0.5, 2), [1])).toEqual(asymmetricParams(0, 2, 'int8'));
  });
  it('clips an outlier end when that lowers the squared error, and keeps the full range on ties', () => {
    const values = Float32Array.from({ length: 200 }, (_, i) => ((i * 37) % 200) / 200 - 0.5);
    values[0] = 8; // one outlier above
    const full = asymmetricParams(-0.5, 8, 'int8');
    const p = asymChannelParams(values);
    expect(p.scale).toBeLessThan(full.scale);
    expect(asymError(values, p)).toBeLessThan(asymError(values, full));
    for (const a of ASYM_CLIPS) for (const b of ASYM_CLIPS) expect(asymError(values, p)).toBeLessThanOrEqual(asymError(values, asymmetricParams(-0.5 * a, 8 * b, 'int8')));
    // exactly representable values: every clip is worse or equal, so the full range stays
    const exact = Float32Array.of(-1, 1, 0);
    expect(asymChannelParams(exact)).toEqual(asymmetricParams(-1, 1, 'int8'));
  });
  it('tries 1, 0.95, …, 0.5', () => {
    expect(ASYM_CLIPS.length).toBe(11);
    expect(ASYM_CLIPS[0]).toBe(1);
    expect(ASYM_CLIPS[10]).toBeCloseTo(0.5, 12);
    expect(ASYM_CLIPS[1]).toBeCloseTo(0.95, 12);
  });
});

describe('preserveSum', () => {
  it('moves the n = round(|sum|) codes with the largest residual one step in the sum’s direction', () => {
    const v = Float32Array.of(0.4, 0.1, 0.45, 0.4);
    const q = Int8Array.of(0, 0, 0, 0);
    expect([...preserveSum(v, q, unit)]).toEqual([0, 0, 1, 0]); // sum 1.35 → 1 move: the 0.45
    expect([...preserveSum(Float32Array.of(0.45, 0.45, 0.45, 0.45), Int8Array.of(0, 0, 0, 0), unit)]).toEqual([1, 1, 0, 0]); // 1.8 → 2, ties by index
    expect([...preserveSum(Float32Array.of(-0.4, -0.3, -0.45), Int8Array.of(0, 0, 0), unit)]).toEqual([0, 0, -1]); // −1.15 → 1 down
    expect([...q]).toEqual([0, 0, 0, 0]); // input not modified
  });
  it('leaves codes alone when the summed error is below half a step (a new array)', () => {
    const q = Int8Array.of(0, 0, 1);
    const out = preserveSum(Float32Array.of(0.3, 0.1, 0.6), q, unit); // 0.3 + 0.1 − 0.4 = 0
    expect([...out]).toEqual([0, 0, 1]);
    expect(out).not.toBe(q);
    expect([...preserveSum(Float32Array.of(0.49, 0), Int8Array.of(0, 0), unit)]).toEqual([0, 0]);
    expect([...preserveSum(Float32Array.of(0.3, 0.3), Int8Array.of(0, 0), unit)]).toEqual([1, 0]); // 0.6 → 1
  });
  it('uses the zero point and scale, and skips codes at the saturation bound', () => {
    const p = { scale: 2, zeroPoint: 10, dtype: 'int8' as const };
    // residuals: 0.9/2 + 10 − 10 = 0.45, 0.8/2 = 0.4 → sum 0.85 → one move up, the first
    expect([...preserveSum(Float32Array.of(0.9, 0.8), Int8Array.of(10, 10), p)]).toEqual([11, 10]);
    // the largest residual sits at 127: the next one moves instead
    expect([...preserveSum(Float32Array.of(127.45, 0.4, 0.3), Int8Array.of(127, 0, 0), unit)]).toEqual([127, 1, 0]);
    expect([...preserveSum(Float32Array.of(-128.45, -0.4, -0.3), Int8Array.of(-128, 0, 0), unit)]).toEqual([-128, -1, 0]);
    // a clipped value's error counts in the sum: 2.6 → three moves, the saturated code excepted
    expect([...preserveSum(Float32Array.of(129, 0.3, 0.2, 0.1), Int8Array.of(127, 0, 0, 0), unit)]).toEqual([127, 1, 1, 1]);
  });
});

describe('quantizeWeightsAsymmetric', () => {
  const dims = [3, 2, 2];
  const w = Float32Array.of(0.1, -0.2, 0.3, 0.05, 2, 1.5, -0.25, 0.7, -3, 0, 0.01, 0.02);
  it('one scale and zero point per channel along axis 0; nearest rounding within half a step', () => {
    const q = quantizeWeightsAsymmetric(w, dims, 0, { rounding: 'nearest' });
    expect(q.scales.length).toBe(3);
    expect(q.zeroPoints.length).toBe(3);
    expect(q.axis).toBe(0);
    for (let c = 0; c < 3; c++) {
      for (let k = 0; k < 4; k++) {
        const i = c * 4 + k;
        expect(Math.abs((q.data[i]! - q.zeroPoints[c]!) * q.scales[c]! - w[i]!)).toBeLessThanOrEqual(q.scales[c]! / 2 + 1e-7);
      }
    }
    expect(q.data[9]! - q.zeroPoints[2]!).toBe(0); // 0 stays exactly 0
  });
  it('along axis 1 the channel gathers the strided values', () => {
    const q = quantizeWeightsAsymmetric(w, [2, 3, 2], 1, { rounding: 'nearest', clips: [1] });
    // channel 1 of [2,3,2] = flat 2, 3, 8, 9 = 0.3, 0.05, −3, 0
    expect(q.scales[1]).toBe(asymmetricParams(-3, Math.fround(0.3), 'int8').scale);
    expect(q.zeroPoints[1]).toBe(asymmetricParams(-3, Math.fround(0.3), 'int8').zeroPoint);
    expect(q.scales[0]).toBe(asymmetricParams(-0.25, Math.fround(0.7), 'int8').scale); // flat 0, 1, 6, 7
  });
  it('sum rounding (default): every channel’s summed error within half a step, each value within one step', () => {
    const big = Float32Array.from({ length: 4 * 64 }, (_, i) => Math.sin(i * 1.7) * (1 + (i % 5)));
    const q = quantizeWeightsAsymmetric(big, [4, 64], 0);
    const near = quantizeWeightsAsymmetric(big, [4, 64], 0, { rounding: 'nearest' });
    let moved = 0;
    for (let c = 0; c < 4; c++) {
      const s = q.scales[c]!, z = q.zeroPoints[c]!;
      let sum = 0, sumNear = 0;
      for (let k = 0; k < 64; k++) {
        const i = c * 64 + k;
        sum += big[i]! / s + z - q.data[i]!;
        sumNear += big[i]! / s + z - near.data[i]!;
        expect(Math.abs(big[i]! / s + z - q.data[i]!)).toBeLessThan(1);
        if (q.data[i] !== near.data[i]) moved++;
      }
      expect(Math.abs(sum)).toBeLessThanOrEqual(0.5 + 1e-9);
      expect(Math.abs(sumNear - sum)).toBeCloseTo(Math.round(Math.abs(sumNear)), 9);
    }
    expect(moved).toBeGreaterThan(0);
  });
  it('refuses an axis outside the shape', () => {
    expect(() => quantizeWeightsAsymmetric(w, dims, 3)).toThrow('weight axis 3 is outside shape [3,2,2]');
    expect(() => quantizeWeightsAsymmetric(w, dims, -1)).toThrow(RangeError);
  });
});
