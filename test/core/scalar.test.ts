import { describe, expect, it } from 'vitest';
import { sigmoid } from '../../src/core/scalar.js';

describe('sigmoid', () => {
  it('is 0.5 at 0, 0 and 1 at the infinities, and σ(−x) = 1 − σ(x)', () => {
    expect(sigmoid(0)).toBe(0.5);
    expect(sigmoid(-Infinity)).toBe(0);
    expect(sigmoid(Infinity)).toBe(1);
    expect(sigmoid(Math.log(3))).toBeCloseTo(0.75, 15);
    expect(sigmoid(-Math.log(3))).toBeCloseTo(0.25, 15);
    for (const x of [0.1, 1, 2.5, 7]) expect(sigmoid(-x)).toBeCloseTo(1 - sigmoid(x), 15);
  });
});
