/**
 * The allocator: a multiple-choice knapsack over a sensitivity table. Each unit offers a ladder of options (a
 * ratio with its damage and its gain, e.g. latency bought) and may also be left alone (damage 0, gain 0); at most
 * one option per unit. `allocate` maximises the summed gain subject to the summed damage ≤ budget, by dynamic
 * programming over the damage discretised into `bins` steps (damages are rounded *up*, so every returned choice
 * is feasible at the real damages). One pass yields the whole frontier: the best gain at every budget.
 * Pure; assumes damages and gains add up across units (the optimiser verifies the combination afterwards).
 */

export interface UnitOption {
  /** Damage (e.g. proxy accuracy loss, a fraction); negative values count as 0. */
  damage: number;
  /** Gain (e.g. fraction of latency saved); options with gain ≤ 0 are never chosen. */
  gain: number;
}

export interface AllocationUnit {
  id: string;
  options: readonly UnitOption[];
}

export interface Allocation {
  /** Chosen option index per unit (in unit order), -1 = unit left alone. */
  choice: number[];
  /** Summed (real, not discretised) damage and gain of the choice. */
  damage: number;
  gain: number;
}

export interface AllocateOptions {
  /** Damage budget (same units as the options' damage). */
  budget: number;
  /** Discretisation steps of the budget (default 2000). */
  bins?: number;
}

interface Table { step: number; bins: number; best: Float64Array; choice: Int16Array[]; units: readonly AllocationUnit[] }

function solve(units: readonly AllocationUnit[], budget: number, binsWanted: number): Table {
  const bins = Math.max(1, Math.floor(binsWanted));
  const step = budget > 0 ? budget / bins : 1;
  let best = new Float64Array(bins + 1);
  const choice: Int16Array[] = [];
  for (const u of units) {
    const next = Float64Array.from(best);
    const pick = new Int16Array(bins + 1).fill(-1);
    u.options.forEach((o, k) => {
      if (!(o.gain > 0)) return;
      const w = budget > 0 ? Math.ceil(Math.max(0, o.damage) / step - 1e-9) : (o.damage > 0 ? bins + 1 : 0);
      for (let b = bins; b >= w; b--) {
        const v = best[b - w]! + o.gain;
        if (v > next[b]! + 1e-15) { next[b] = v; pick[b] = k; }
      }
    });
    choice.push(pick);
    best = next;
  }
  return { step, bins, best, choice, units };
}

function backtrack(t: Table, bin: number): Allocation {
  const choice = new Array<number>(t.units.length).fill(-1);
  let b = bin;
  let damage = 0, gain = 0;
  for (let u = t.units.length - 1; u >= 0; u--) {
    const k = t.choice[u]![b]!;
    choice[u] = k;
    if (k >= 0) {
      const o = t.units[u]!.options[k]!;
      damage += Math.max(0, o.damage);
      gain += o.gain;
      b -= t.step > 0 ? Math.ceil(Math.max(0, o.damage) / t.step - 1e-9) : 0;
    }
  }
  return { choice, damage, gain };
}

/** The choice of largest summed gain whose summed damage stays within `budget`. */
export function allocate(units: readonly AllocationUnit[], options: AllocateOptions): Allocation {
  if (!(options.budget >= 0)) throw new RangeError(`allocate: budget ${options.budget} must be ≥ 0`);
  const t = solve(units, options.budget, options.bins ?? 2000);
  return backtrack(t, t.bins);
}

/**
 * The frontier up to `budget`: for each budget at which the best gain improves, the allocation reaching it
 * (increasing damage and gain; the empty allocation first).
 */
export function allocationFrontier(units: readonly AllocationUnit[], options: AllocateOptions): Allocation[] {
  if (!(options.budget >= 0)) throw new RangeError(`allocationFrontier: budget ${options.budget} must be ≥ 0`);
  const t = solve(units, options.budget, options.bins ?? 2000);
  const out: Allocation[] = [];
  let last = -Infinity;
  for (let b = 0; b <= t.bins; b++) {
    if (t.best[b]! > last + 1e-12) {
      last = t.best[b]!;
      out.push(backtrack(t, b));
    }
  }
  return out;
}
