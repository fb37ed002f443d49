/** The per-layer statistics budget: the smallest subsampling that fits, the floor on positions, the input cap. */
import { describe, expect, it } from 'vitest';
import { keptPositions, positionPlan } from '../../../src/prune/recon/positions.js';

describe('positionPlan', () => {
  it('keeps every position while the Gram fits (LeYOLO-Nano: 1×1 conv, 576 inputs, 20×20 → 1.3·10⁸)', () => {
    expect(positionPlan(1, 576, [20, 20])).toEqual({ subsample: 1 });
    expect(positionPlan(1, 576, undefined)).toEqual({ subsample: 1 });
  });

  it('takes the smallest f that fits the budget, exactly at the boundary', () => {
    // 1·100²·P ≤ 10⁶ ⇔ P ≤ 100: 40×40 → f=4 gives 10×10 = 100 (fits), f=3 gives 14×14 = 196 (does not).
    expect(positionPlan(1, 100, [40, 40], { maxMacs: 1e6, minPositions: 1 })).toEqual({ subsample: 4 });
    expect(positionPlan(1, 100, [40, 40], { maxMacs: 1e6 - 1, minPositions: 1 })).toEqual({ subsample: 5 });
    expect(positionPlan(1, 100, [40, 40], { maxMacs: 100 * 100 * 1600, minPositions: 1 })).toEqual({ subsample: 1 });
  });

  it('never goes below the position floor, even over budget', () => {
    // Budget alone would want 1 position; the floor of 64 stops at 8×8 (f=5 on 40×40).
    expect(positionPlan(1, 1000, [40, 40], { maxMacs: 1, minPositions: 64 })).toEqual({ subsample: 5 });
    expect(positionPlan(1, 1000, [40, 40], { maxMacs: 1, minPositions: 49 })).toEqual({ subsample: 6 });
    expect(keptPositions([40, 40], 5)).toBe(64);
    expect(keptPositions([40, 40], 6)).toBe(49);
  });

  it('cuts layers with more inputs per row than the cap by magnitude, the cap itself included in the refit', () => {
    expect(positionPlan(1, 1153, [10, 10])).toEqual({ reason: '1153 inputs per row (more than 1152): cut by magnitude' });
    expect(positionPlan(1, 1152, [10, 10])).toEqual({ subsample: 1 });
    expect(positionPlan(1, 2304, [10, 10], { maxInputs: 2304 })).toEqual({ subsample: 1 });
  });
});
