import { describe, expect, it } from 'vitest';
import { asymmetricParams, dequantizeValue, MIN_SCALE, qRange, quantizeValue, roundHalfEven, symmetricParams, type QuantParams } from '../../src/quantize/index.js';

describe('qRange', () => {
  it('uint8 0…255, int8 −128…127; reduce-range keeps 7 bits: 0…127 and −64…63', () => {
    expect(qRange('uint8')).toEqual({ qmin: 0, qmax: 255 });
    expect(qRange('uint8', true)).toEqual({ qmin: 0, qmax: 127 });
    expect(qRange('int8')).toEqual({ qmin: -128, qmax: 127 });
    expect(qRange('int8', true)).toEqual({ qmin: -64, qmax: 63 });
  });
});

describe('roundHalfEven', () => {
  it('ties go to the even neighbour on both sides of zero; non-ties round to nearest', () => {
    expect([3.5, 4.5, -3.5, -4.5, 2.6, -2.6, 2.4, -2.4, 7, -7].map(roundHalfEven)).toEqual([4, 4, -4, -4, 3, -3, 2, -2, 7, -7]);
  });
});

describe('asymmetricParams: hand-computed scale and zero point', () => {
  it('a zero point exactly between two integers goes to the even one (uint8 and int8)', () => {
    // [−0.5, 254.5]: scale 255/255 = 1, z = 0 + 0.5 → 0 (round-half-up would give 1)
    expect(asymmetricParams(-0.5, 254.5)).toEqual({ scale: 1, zeroPoint: 0, dtype: 'uint8' });
    // [−1.5, 253.5]: z = 1.5 → 2
    expect(asymmetricParams(-1.5, 253.5)).toEqual({ scale: 1, zeroPoint: 2, dtype: 'uint8' });
    // int8: z = −128 + 0.5 = −127.5 → −128
    expect(asymmetricParams(-0.5, 254.5, 'int8')).toEqual({ scale: 1, zeroPoint: -128, dtype: 'int8' });
  });
  it('an all-negative range puts the zero point at qmax (uint8 255, int8 127)', () => {
    expect(asymmetricParams(-2.55, -1)).toEqual({ scale: Math.fround(0.01), zeroPoint: 255, dtype: 'uint8' });
    expect(asymmetricParams(-2.55, -1, 'int8')).toEqual({ scale: Math.fround(0.01), zeroPoint: 127, dtype: 'int8' });
  });
  it('an all-positive range puts it at qmin (uint8 0, int8 −128)', () => {
    expect(asymmetricParams(1, 2.55)).toEqual({ scale: Math.fround(0.01), zeroPoint: 0, dtype: 'uint8' });
    expect(asymmetricParams(1, 2.55, 'int8')).toEqual({ scale: Math.fround(0.01), zeroPoint: -128, dtype: 'int8' });
  });
  it('a zero or tiny range gets exactly MIN_SCALE (1e-8 as float32) and the zero point of 0', () => {
    expect(MIN_SCALE).toBe(1e-8);
    expect(asymmetricParams(0, 0)).toEqual({ scale: Math.fround(1e-8), zeroPoint: 0, dtype: 'uint8' });
    expect(asymmetricParams(-1e-9, 1e-9)).toEqual({ scale: Math.fround(1e-8), zeroPoint: 0, dtype: 'uint8' });
    expect(asymmetricParams(0, 0, 'int8')).toEqual({ scale: Math.fround(1e-8), zeroPoint: -128, dtype: 'int8' });
    // just above the floor the span decides: 255e-8 / 255 = 1e-8 · 1.02
    expect(asymmetricParams(0, 2.55e-6).scale).toBe(Math.fround(1e-8));
    expect(asymmetricParams(0, 2.6e-6).scale).toBe(Math.fround(2.6e-6 / 255));
  });
  it('accepts min = max, rejects NaN, infinities and min > max', () => {
    expect(asymmetricParams(1, 1)).toEqual({ scale: Math.fround(1 / 255), zeroPoint: 0, dtype: 'uint8' });
    for (const [lo, hi] of [[NaN, 1], [0, NaN], [-Infinity, 0], [0, Infinity], [2, 1]] as const) {
      expect(() => asymmetricParams(lo, hi), `[${lo}, ${hi}]`).toThrow(/quantization range \[.*\] is not a finite interval/);
    }
  });
});

describe('symmetricParams', () => {
  it('scale = absMax / 127 as float32, or / 63 with reduce-range; z = 0, int8', () => {
    expect(symmetricParams(2.54)).toEqual({ scale: Math.fround(0.02), zeroPoint: 0, dtype: 'int8' });
    expect(symmetricParams(1.26, true)).toEqual({ scale: Math.fround(0.02), zeroPoint: 0, dtype: 'int8' });
    expect(symmetricParams(1, false).scale).toBe(Math.fround(1 / 127));
  });
  it('an all-zero weight gets MIN_SCALE; a negative, NaN or infinite bound is refused', () => {
    expect(symmetricParams(0)).toEqual({ scale: Math.fround(1e-8), zeroPoint: 0, dtype: 'int8' });
    for (const b of [-1, NaN, Infinity]) expect(() => symmetricParams(b), String(b)).toThrow(/quantization bound .* is not a finite non-negative number/);
  });
});

describe('quantizeValue / dequantizeValue', () => {
  const u: QuantParams = { scale: 0.5, zeroPoint: 10, dtype: 'uint8' };
  const s: QuantParams = { scale: 0.5, zeroPoint: 0, dtype: 'int8' };
  it('q = round_half_even(x / s) + z: ties go to the even code before the zero point is added', () => {
    expect(quantizeValue(1.25, u)).toBe(12); // 2.5 → 2
    expect(quantizeValue(1.75, u)).toBe(14); // 3.5 → 4
    expect(quantizeValue(-1.25, u)).toBe(8); // −2.5 → −2
    expect(quantizeValue(0, u)).toBe(10);
  });
  it('saturates uint8 at 0 and 255', () => {
    expect(quantizeValue(-5, u)).toBe(0); // −10 + 10
    expect(quantizeValue(-5.25, u)).toBe(0); // −10.5 → −10, + 10
    expect(quantizeValue(-5.75, u)).toBe(0); // −11.5 → −12, + 10 = −2 → 0
    expect(quantizeValue(122.5, u)).toBe(255); // 245 + 10
    expect(quantizeValue(123, u)).toBe(255); // 246 + 10 = 256 → 255
    expect(quantizeValue(1e9, u)).toBe(255);
  });
  it('saturates int8 at −128 and 127', () => {
    expect(quantizeValue(-64, s)).toBe(-128);
    expect(quantizeValue(-64.25, s)).toBe(-128); // −128.5 → −128
    expect(quantizeValue(-64.75, s)).toBe(-128); // −129.5 → −130 → −128
    expect(quantizeValue(63.25, s)).toBe(126); // 126.5 → 126
    expect(quantizeValue(63.5, s)).toBe(127);
    expect(quantizeValue(63.75, s)).toBe(127); // 127.5 → 128 → 127
    expect(quantizeValue(-1e9, s)).toBe(-128);
  });
  it('x ≈ (q − z)·s', () => {
    expect(dequantizeValue(14, u)).toBe(2);
    expect(dequantizeValue(0, u)).toBe(-5);
    expect(dequantizeValue(-128, s)).toBe(-64);
  });
});
