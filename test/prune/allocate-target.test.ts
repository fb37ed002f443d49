/** targetAllocation at its exact points: the smallest factor reaching the target, the integer fix-up, the caps. */
import { describe, expect, it } from 'vitest';
import { targetAllocation, type Budget } from '../../src/prune/allocate.js';

const layer = (n: number, ratio: number, o: Partial<Budget> = {}): Budget => ({ n, zeros: 0, ratio, max: 0.95, protected: false, ...o });

describe('targetAllocation boundaries', () => {
  it('the factor is the smallest one whose counts reach the target', () => {
    // round(f × 0.1 × 100) reaches 20 at f = 1.95 (not past it, where it would exceed 20).
    const a = targetAllocation([layer(100, 0.1)], 0.2);
    expect(a.counts).toEqual([20]);
    expect(a.factor).toBeCloseTo(1.95, 9);
    expect(a.zerosAfter).toBe(20);
    expect(a.prunable).toBe(100);
  });

  it('the fix-up gives the last elements only to layers whose count steps at that factor, in plan order', () => {
    // round(f) + round(3f) first reaches 4 at f = 5/6, where only the second layer steps (2 → 3).
    const a = targetAllocation([layer(10, 0.1), layer(10, 0.3)], 0.2);
    expect(a.counts).toEqual([1, 3]);
    expect(a.factor).toBeCloseTo(5 / 6, 9);
    // Both step at f = 1.5 (1 → 2 each) when the target needs 3 of 20 with equal ratios: the first layer takes it.
    expect(targetAllocation([layer(10, 0.1), layer(10, 0.1)], 0.15).counts).toEqual([2, 1]);
  });

  it("counts are each layer's own k: existing zeros are not added to a layer that does not step", () => {
    // max(5 zeros, round(f)) + round(3f) reaches 8 at f = 5/6; the first layer stays at k = 1 (its 5 zeros count anyway).
    const a = targetAllocation([layer(10, 0.1, { zeros: 5 }), layer(10, 0.3)], 0.4);
    expect(a.counts).toEqual([1, 3]);
    expect(a.zerosAfter).toBe(8);
  });

  it('a target exactly at what the caps allow is reachable', () => {
    const b = [layer(100, 0.1, { zeros: 30, max: 0.5 })];
    expect(targetAllocation(b, 0.5).counts).toEqual([50]);
    expect(() => targetAllocation(b, 0.51)).toThrow(/needs 51 zeros over 100 prunable weights and the category caps allow at most 50/);
  });

  it('zero-ratio and protected layers neither take zeros nor stretch the factor', () => {
    const b = [layer(100, 0.1), layer(100, 0), layer(50, 0.2, { protected: true }), layer(100, 0.3)];
    // Prunable: 300 weights; 0.1 of them = 30 zeros, split 1:3 by one factor f = 0.75.
    const a = targetAllocation(b, 0.1);
    expect(a.counts).toEqual([8, 0, 0, 22]);
    expect(a.factor).toBeGreaterThan(0.7);
    expect(a.factor).toBeLessThan(0.76);
    expect(a.prunable).toBe(300);
  });

  it('rejects a target outside [0, 1) naming the flag', () => {
    expect(() => targetAllocation([layer(10, 0.1)], 1)).toThrow('--target 1 is outside [0, 1)');
    expect(() => targetAllocation([layer(10, 0.1)], Number.NaN)).toThrow('--target NaN is outside [0, 1)');
  });
});
