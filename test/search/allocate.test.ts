import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocate, allocationFrontier, type AllocationUnit } from '../../src/search/allocate.js';

/** Exhaustive optimum: every combination of (option or none) per unit. */
function bruteForce(units: readonly AllocationUnit[], budget: number): number {
  let best = 0;
  const rec = (u: number, damage: number, gain: number) => {
    if (damage > budget + 1e-12) return;
    if (u === units.length) { best = Math.max(best, gain); return; }
    rec(u + 1, damage, gain);
    for (const o of units[u]!.options) if (o.gain > 0) rec(u + 1, damage + Math.max(0, o.damage), gain + o.gain);
  };
  rec(0, 0, 0);
  return best;
}

const unit = (id: string, options: [number, number][]): AllocationUnit => ({ id, options: options.map(([damage, gain]) => ({ damage, gain })) });

describe('allocate (multiple-choice knapsack over a sensitivity table)', () => {
  it('finds the known optimum of a hand-made table', () => {
    // Budget 0.010. The optimum is A@2 + B@1: damage 0.006 + 0.004 = 0.010, gain 0.08 + 0.03 = 0.11; the runners-up
    // are A@2 + C (0.10) and A@1 + B@1 (0.08); B@2 alone (gain 0.2) is over the budget.
    const units = [
      unit('A', [[0.005, 0.05], [0.006, 0.08]]),
      unit('B', [[0.004, 0.03], [0.02, 0.2]]),
      unit('C', [[0.004, 0.02]]),
    ];
    const a = allocate(units, { budget: 0.01, bins: 1000 });
    expect(a.choice).toEqual([1, 0, -1]);
    expect(a.gain).toBeCloseTo(0.11, 12);
    expect(a.damage).toBeCloseTo(0.01, 12);
  });

  it('takes an option whose damage equals the budget exactly, and never one just above it', () => {
    const units = [unit('A', [[0.01, 0.5]]), unit('B', [[0.0100001, 0.9]])];
    const a = allocate(units, { budget: 0.01, bins: 500 });
    expect(a.choice).toEqual([0, -1]);
  });

  it('counts negative (noise) damage as 0 and never picks gain ≤ 0', () => {
    const units = [unit('A', [[-0.01, 0.1]]), unit('B', [[0, 0], [0, -0.1]])];
    const a = allocate(units, { budget: 0, bins: 10 });
    expect(a.choice).toEqual([0, -1]);
    expect(a.damage).toBe(0);
  });

  it('matches exhaustive search on random tables (within the discretisation)', () => {
    // Damages, gains and the budget as evenly spread integer counts of 1e-5: fc.double({ min, max }) favours its
    // bounds and denormals, so most tables would be all-zero or all-maximum damages. Sizes: up to 3 options × 6 units.
    const hundredThousandths = (min: number, max: number) => fc.integer({ min, max }).map((i) => i / 100_000);
    const opt = fc.tuple(hundredThousandths(0, 5000), hundredThousandths(0, 20_000));
    const tables = fc.array(fc.array(opt, { minLength: 1, maxLength: 3, size: 'max' }), { minLength: 1, maxLength: 6, size: 'max' });
    fc.assert(fc.property(tables, hundredThousandths(100, 10_000), (table, budget) => {
      const units = table.map((o, i) => unit(`u${i}`, o));
      const a = allocate(units, { budget, bins: 4000 });
      expect(a.damage).toBeLessThanOrEqual(budget + 1e-12);
      // Rounding damages up to bins can only lose combinations within one bin per unit of the budget.
      const exact = bruteForce(units, budget);
      const slack = bruteForce(units, budget * (1 - units.length / 4000));
      expect(a.gain).toBeLessThanOrEqual(exact + 1e-12);
      expect(a.gain).toBeGreaterThanOrEqual(slack - 1e-12);
    }), { numRuns: 150 });
  });

  it('the frontier is increasing in damage and gain and ends at the optimum of the whole budget', () => {
    const units = [unit('A', [[0.002, 0.01], [0.01, 0.05]]), unit('B', [[0.003, 0.02], [0.02, 0.06]]), unit('C', [[0.001, 0.005]])];
    const f = allocationFrontier(units, { budget: 0.03, bins: 3000 });
    expect(f[0]!.gain).toBe(0);
    for (let i = 1; i < f.length; i++) {
      expect(f[i]!.gain).toBeGreaterThan(f[i - 1]!.gain);
      expect(f[i]!.damage).toBeGreaterThanOrEqual(f[i - 1]!.damage - 1e-12);
    }
    expect(f[f.length - 1]!.gain).toBeCloseTo(allocate(units, { budget: 0.03, bins: 3000 }).gain, 12);
    expect(f[f.length - 1]!.gain).toBeCloseTo(bruteForce(units, 0.03), 12);
  });

  it('rejects a negative budget', () => {
    expect(() => allocate([], { budget: -1 })).toThrow(RangeError);
  });
});
