import { describe, expect, it } from 'vitest';
import { asymmetricParams, dequantizeValue, quantizeValue, roundHalfEven, symmetricParams } from '../../src/quantize/index.js';

describe('roundHalfEven', () => {
  it('rounds ties to the even integer, like QuantizeLinear', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4999, 2.5001].map(roundHalfEven)).toEqual([0, 2, 2, -0, -2, -2, 2, 3]);
  });
});

describe('asymmetricParams (uint8)', () => {
  it('maps [−1, 3] to scale 4/255 and zero point round(255/4) = 64', () => {
    const p = asymmetricParams(-1, 3);
    expect(p.scale).toBe(Math.fround(4 / 255)); // stored as float32
    expect(p.zeroPoint).toBe(64);
    expect(quantizeValue(0, p)).toBe(64);
    expect(quantizeValue(3, p)).toBe(255);
    expect(quantizeValue(-1, p)).toBe(0);
  });
  it('widens a positive range to include 0 (zero point 0) and saturates above the range', () => {
    const p = asymmetricParams(2, 5.1);
    expect(p.scale).toBeCloseTo(0.02, 9);
    expect(p.zeroPoint).toBe(0);
    expect(quantizeValue(6, p)).toBe(255);
    expect(quantizeValue(-1, p)).toBe(0);
  });
  it('gives an all-negative range zero point 255', () => {
    expect(asymmetricParams(-2.55, -1).zeroPoint).toBe(255);
  });
  it('keeps a constant-zero tensor exact with the minimal scale', () => {
    const p = asymmetricParams(0, 0);
    expect(p.scale).toBeGreaterThan(0);
    expect(dequantizeValue(quantizeValue(0, p), p)).toBe(0);
  });
  it('int8 activations: [−1, 3] → zero point −128 + 64 = −64', () => {
    const p = asymmetricParams(-1, 3, 'int8');
    expect(p.zeroPoint).toBe(-64);
    expect(quantizeValue(3, p)).toBe(127);
  });
  it('rejects an inverted or infinite range', () => {
    expect(() => asymmetricParams(1, 0)).toThrow(RangeError);
    expect(() => asymmetricParams(0, Infinity)).toThrow(RangeError);
  });
});

describe('symmetricParams (int8 weights)', () => {
  it('scale = absMax / 127, zero point 0; reduce-range uses 63', () => {
    expect(symmetricParams(1.27).scale).toBeCloseTo(0.01, 9);
    expect(symmetricParams(1.27).zeroPoint).toBe(0);
    expect(symmetricParams(0.63, true).scale).toBeCloseTo(0.01, 9);
  });
  it('dequantize(quantize(x)) is within half a step', () => {
    const p = symmetricParams(1);
    for (const x of [-1, -0.5, -0.003, 0, 0.0041, 0.77, 1]) expect(Math.abs(dequantizeValue(quantizeValue(x, p), p) - x)).toBeLessThanOrEqual(p.scale / 2 + 1e-12);
  });
});
