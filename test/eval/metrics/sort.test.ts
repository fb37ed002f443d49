/**
 * Which sort argsortDescending runs (sortMethod) and the radix digit width (digitBits): choices of speed only, every
 * method gives the same order (numeric.test.ts checks each path against a stable reference), so they are stated here.
 */
import { describe, expect, it } from 'vitest';
import { digitBits, sortMethod } from '../../../src/eval/metrics/sort.js';

describe('sortMethod', () => {
  it('merge sort below 2048 elements, radix from 2048 on (the count sorted, not the length of values)', () => {
    const many = new Float32Array(5000);
    expect(sortMethod(many, 0)).toBe('merge');
    expect(sortMethod(many, 2047)).toBe('merge');
    expect(sortMethod(many, 2048)).toBe('radixF32');
    expect(sortMethod(new Float32Array(3), 2048)).toBe('radixF32');
    expect(sortMethod(Float64Array.of(0.1, 0.5), 2047)).toBe('merge');
  });
  it('float32 keys for float32 values and for float64 values that are all exact float32, float64 keys otherwise', () => {
    expect(sortMethod(Float64Array.from(Float32Array.of(0.1, 0.7, -2, 0, 3e38)), 2048)).toBe('radixF32');
    expect(sortMethod(Float64Array.of(0.5, 0.25, -0), 4096)).toBe('radixF32');
    expect(sortMethod(new Float64Array(0), 2048)).toBe('radixF32');
    // 0.1 as a float64 is not a float32, first or last
    expect(sortMethod(Float64Array.of(0.1, 0.5), 2048)).toBe('radixF64');
    expect(sortMethod(Float64Array.of(0.5, 0.25, 0.1), 2048)).toBe('radixF64');
    // 1e39 overflows float32 (fround gives Infinity)
    expect(sortMethod(Float64Array.of(1e39), 2048)).toBe('radixF64');
  });
});

describe('digitBits', () => {
  it('8-bit digits below 32768 elements, 16-bit from 32768 on', () => {
    expect([0, 2048, 32767, 32768, 1_500_000].map(digitBits)).toEqual([8, 8, 8, 16, 16]);
  });
});
