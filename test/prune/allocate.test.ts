import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/index.js';
import { alreadyReached, presetAllocation, targetAllocation, type Budget } from '../../src/prune/allocate.js';
import { globalCounts } from '../../src/prune/global.js';

const budget = fc.record({
  n: fc.integer({ min: 1, max: 5000 }),
  zeros: fc.constant(0),
  ratio: fc.constantFrom(0, 0.04, 0.06, 0.1, 0.15, 0.22),
  max: fc.constantFrom(0.5, 0.95),
  protected: fc.boolean(),
}).map((b) => ({ ...b, zeros: Math.floor(b.n * 0.01) }));

const effective = (b: Budget, k: number) => (b.protected ? 0 : Math.max(b.zeros, k));

// The target as an integer count of thousandths: fc.double({ min: 0, max: 0.9 }) favours its bounds and tiny values.
describe('targetAllocation', () => {
  it('hits round(S × prunable) exactly, respecting caps and protection', () => {
    fc.assert(fc.property(fc.array(budget, { minLength: 1, maxLength: 40, size: 'max' }), fc.integer({ min: 0, max: 900 }).map((i) => i / 1000), (budgets, s) => {
      const prunable = budgets.reduce((a, b) => a + (b.protected ? 0 : b.n), 0);
      const want = Math.round(s * prunable);
      let alloc;
      try {
        alloc = targetAllocation(budgets, s);
      } catch (e) {
        expect(e).toBeInstanceOf(UsageError);
        return;
      }
      const got = budgets.reduce((a, b, i) => a + effective(b, alloc.counts[i]!), 0);
      const floor = budgets.reduce((a, b) => a + effective(b, 0), 0);
      expect(got).toBe(Math.max(want, floor));
      if (want <= floor) expect(alloc.counts.every((c) => c === 0)).toBe(true);
      budgets.forEach((b, i) => {
        if (b.protected || b.ratio === 0) expect(effective(b, alloc.counts[i]!)).toBe(b.protected ? 0 : b.zeros);
        else expect(alloc.counts[i]!).toBeLessThanOrEqual(Math.max(b.zeros, Math.round(b.max * b.n) + 1));
      });
    }), { numRuns: 300 });
  });

  it('scales every ratio by one factor (up to one element per layer)', () => {
    const budgets: Budget[] = [
      { n: 10000, zeros: 0, ratio: 0.06, max: 0.95, protected: false },
      { n: 20000, zeros: 0, ratio: 0.22, max: 0.95, protected: false },
      { n: 5000, zeros: 0, ratio: 0.15, max: 0.95, protected: false },
    ];
    const a = targetAllocation(budgets, 0.2);
    budgets.forEach((b, i) => expect(Math.abs(a.counts[i]! - a.factor * b.ratio * b.n)).toBeLessThanOrEqual(1.5));
  });

  it('errors on unreachable targets (in exact counts); a target at or below the existing zeros cuts nothing', () => {
    const b: Budget[] = [{ n: 100, zeros: 30, ratio: 0.1, max: 0.5, protected: false }];
    expect(() => targetAllocation(b, 0.9)).toThrow('--target 0.9: unreachable, it needs 90 zeros over 100 prunable weights and the category caps allow at most 50;');
    for (const t of [0, 0.1, 0.3]) expect(targetAllocation(b, t)).toEqual({ counts: [0], factor: 0, zerosAfter: 30, prunable: 100 });
    expect(alreadyReached(b, 0.3)).toBe('--target 0.3 asks for 30 zeros over 100 prunable weights, which already hold 30: nothing was pruned, the weights are unchanged');
    expect(alreadyReached(b, 0.31)).toBeUndefined();
    expect(targetAllocation(b, 0.31).counts).toEqual([31]);
    // 2 zeros in 1,000,000: a rounded "0.0000" must never appear; counts are exact.
    expect(alreadyReached([{ n: 1_000_000, zeros: 2, ratio: 0.1, max: 0.5, protected: false }], 0)).toMatch(/asks for 0 zeros over 1,000,000 prunable weights, which already hold 2:/);
    expect(() => targetAllocation(b, 1)).toThrow(/outside \[0, 1\)/);
    expect(() => targetAllocation(b, -0.1)).toThrow(UsageError);
  });

  it('preset allocation is round(ratio × n)', () => {
    expect(presetAllocation([{ n: 15, zeros: 0, ratio: 0.1, max: 0.95, protected: false }, { n: 7, zeros: 0, ratio: 0.5, max: 0.95, protected: true }]).counts).toEqual([2, 0]);
  });
});

describe('globalCounts', () => {
  const mk = (n: number, ratio: number, max = 0.95): Budget => ({ n, zeros: 0, ratio, max, protected: false });
  it('selects the globally smallest scores, ties in layer then index order', () => {
    const s1 = Float32Array.from([0.1, 0.5, 0.3]);
    const s2 = Float32Array.from([0.3, 0.05, 0.9]);
    expect(globalCounts([mk(3, 0.1), mk(3, 0.1)], [s1, s2], 3)).toEqual([2, 1]);
    expect(globalCounts([mk(3, 0.1), mk(3, 0.1)], [s1, s2], 4)).toEqual([2, 2]);
  });
  it('holds a layer at its cap and re-thresholds the rest', () => {
    const s1 = Float32Array.from([0, 0, 0, 0]);
    const s2 = Float32Array.from([1, 2, 3, 4]);
    expect(globalCounts([mk(4, 0.1, 0.5), mk(4, 0.1)], [s1, s2], 4)).toEqual([2, 2]);
  });
  it('leaves layers without scores (protected, ratio 0) alone and errors past the caps', () => {
    const s = Float32Array.from([1, 2]);
    expect(globalCounts([mk(2, 0.1), mk(2, 0)], [s, undefined], 1)).toEqual([1, 0]);
    expect(() => globalCounts([mk(2, 0.1, 0.5)], [s], 2)).toThrow(UsageError);
  });
});
