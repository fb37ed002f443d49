import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/index.js';
import type { Tensor } from '../../src/core/dtype.js';
import type { WeightLayer } from '../../src/graph/index.js';
import { allocatePlan, checkAllocationOptions } from '../../src/prune/allocate-plan.js';
import type { Plan, PlanEntry } from '../../src/prune/categorise.js';
import { weightLayer } from '../helpers/weight-layer.js';

/** A plan entry over a 1-D weight `values` (zeros counted as existing zeros). */
function entry(id: string, values: number[], ratio: number, o: { max?: number; protected?: boolean } = {}): PlanEntry & { values: number[] } {
  const layer = weightLayer(id, { params: values.length, nonZero: values.filter((v) => v !== 0).length });
  return { layer, classChain: [], classSource: 'none', category: 'c', rule: 'default', ratio, max: o.max ?? 0.95, protected: o.protected ?? false, head: false, values };
}
const planOf = (entries: ReturnType<typeof entry>[]): Plan => ({ preset: 'test', classSources: [], head: { method: 'none', detail: '', pruned: false }, entries });
/** tensorOf over the plan's values, recording which layers were asked for. */
function tensors(entries: ReturnType<typeof entry>[]): { tensorOf: (l: WeightLayer) => Tensor; asked: string[] } {
  const asked: string[] = [];
  const tensorOf = (l: WeightLayer): Tensor => {
    asked.push(l.id);
    const e = entries.find((x) => x.layer.id === l.id)!;
    return { dtype: 'float32', dims: [e.values.length], data: Float32Array.from(e.values) };
  };
  return { tensorOf, asked };
}

describe('checkAllocationOptions', () => {
  it('rejects a target outside [0, 1) and N:M combined with a target or global scope', () => {
    expect(() => checkAllocationOptions({ target: 1 })).toThrow('--target 1 is outside [0, 1)');
    const nm = { n: 2, m: 4 };
    const msg = '--nm fixes the sparsity of every layer; it cannot be combined with --target or --scope global';
    expect(() => checkAllocationOptions({ nm, target: 0 })).toThrow(msg);
    expect(() => checkAllocationOptions({ nm, scope: 'global' })).toThrow(UsageError);
    expect(() => checkAllocationOptions({ nm, scope: 'global' })).toThrow(msg);
    expect(() => checkAllocationOptions({ nm, scope: 'layer' })).not.toThrow();
    expect(() => checkAllocationOptions({ target: 0.5, scope: 'global' })).not.toThrow();
    expect(() => checkAllocationOptions({})).not.toThrow();
  });
});

describe('allocatePlan', () => {
  const entries = [entry('a', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.3), entry('b', [5, 1, 0, 2], 0.5), entry('p', [1, 2], 0.5, { protected: true }), entry('z', [1, 2, 3], 0)];

  it('N:M: no counts (the pattern fixes each layer), no factor, no weights read', () => {
    const t = tensors(entries);
    expect(allocatePlan(planOf(entries), { nm: { n: 2, m: 4 } }, t.tensorOf)).toEqual({ counts: [0, 0, 0, 0], factor: undefined });
    expect(t.asked).toEqual([]);
  });

  it('layer scope: the preset ratios, or the target scaled by one factor', () => {
    const t = tensors(entries);
    expect(allocatePlan(planOf(entries), {}, t.tensorOf)).toEqual({ counts: [3, 2, 0, 0], factor: 1 });
    const a = allocatePlan(planOf(entries), { target: 0.5 }, t.tensorOf); // 7 zeros over 14 prunable (17 with the protected layer excluded: 10 + 4 + 3)
    expect(a.counts[2]).toBe(0);
    expect(a.counts[3]).toBe(0);
    expect(a.counts[0]! + Math.max(1, a.counts[1]!)).toBe(Math.round(0.5 * 17));
    expect(a.factor).toBeGreaterThan(1);
    expect(a.note).toBeUndefined();
    expect(t.asked).toEqual([]);
  });

  it('a target the existing zeros already reach: nothing cut, a note, factor 0 (layer) or undefined (global)', () => {
    const t = tensors(entries);
    const layer = allocatePlan(planOf(entries), { target: 0.05 }, t.tensorOf);
    expect(layer.counts).toEqual([0, 0, 0, 0]);
    expect(layer.factor).toBe(0);
    expect(layer.note).toBe('--target 0.05 asks for 1 zeros over 17 prunable weights, which already hold 1: nothing was pruned, the weights are unchanged');
    const global = allocatePlan(planOf(entries), { target: 0.05, scope: 'global' }, t.tensorOf);
    expect(global).toEqual({ counts: [0, 0, 0, 0], factor: undefined, note: layer.note });
    expect(t.asked).toEqual([]);
  });

  it('global scope: scores only the pooled layers, the preset total without a target, l1 by default', () => {
    const t = tensors(entries);
    // Preset total: 3 + max(1 existing zero, 2) = 5 zeros; the 5 smallest |w| of a and b, ties in layer order: b's 0, a's 1, b's 1, a's 2, b's 2.
    expect(allocatePlan(planOf(entries), { scope: 'global' }, t.tensorOf)).toEqual({ counts: [2, 3, 0, 0], factor: undefined });
    expect(t.asked).toEqual(['a', 'b']);
    // With a target: round(0.25 × 17) = 4 zeros (z, ratio 0, counts as prunable but is not in the pool).
    expect(allocatePlan(planOf(entries), { scope: 'global', target: 0.25 }, t.tensorOf).counts).toEqual([2, 2, 0, 0]);
  });

  it('global scope: the criterion and α given are the ones used', () => {
    const pair = [entry('a', [1, 2], 0.5), entry('b', [1.5, 100], 0.5)];
    const plan = planOf(pair);
    const { tensorOf } = tensors(pair);
    // One zero: l1 takes a's 1; LAMP (b's 1.5 is tiny next to 100) takes b's.
    expect(allocatePlan(plan, { scope: 'global', target: 0.25 }, tensorOf).counts).toEqual([1, 0]);
    expect(allocatePlan(plan, { scope: 'global', target: 0.25, criterion: 'lamp' }, tensorOf).counts).toEqual([0, 1]);
    // l1l2 normalised per layer: α = 0.7 (the default) and α = 0.1 pick the first zero in different layers.
    const mixed = [entry('a', [8, 3, 8, 6], 0.5), entry('b', [9, 2, 2, 2], 0.5)];
    const m = tensors(mixed);
    const one = 1 / 8;
    expect(allocatePlan(planOf(mixed), { scope: 'global', target: one, criterion: 'l1l2' }, m.tensorOf).counts).toEqual([1, 0]);
    expect(allocatePlan(planOf(mixed), { scope: 'global', target: one, criterion: 'l1l2', alpha: 0.7 }, m.tensorOf).counts).toEqual([1, 0]);
    expect(allocatePlan(planOf(mixed), { scope: 'global', target: one, criterion: 'l1l2', alpha: 0.1 }, m.tensorOf).counts).toEqual([0, 1]);
  });
});
