/**
 * Allocation (pure): how many weights to zero in each layer.
 * - preset ratios: k = round(ratio × n);
 * - `--target S`: one factor f scales every ratio, capped per category (min(max, f·ratio)), chosen so the zeros
 *   over prunable weights total exactly round(S × N): bisection on f, then an integer fix-up that hands the last
 *   few elements to the layers (in plan order) whose count steps up at the same f. Per-layer ratios may then
 *   differ from f·ratio by one element (1/n);
 * - `--scope global`: one score threshold over all prunable layers (see global.ts).
 * Existing zeros count toward a layer's count: a layer ends with max(existing zeros, k) zeros. A target at or
 * below the zeros already there cuts nothing (see {@link alreadyReached}).
 */
import { UsageError } from '../core/errors.js';

export interface Budget {
  /** Weights in the layer. */
  n: number;
  /** Zeros already there. */
  zeros: number;
  /** Preset ratio (0 for protected or zero-ratio categories). */
  ratio: number;
  /** Cap on the scaled ratio. */
  max: number;
  /** Excluded from pruning and from the "prunable" totals. */
  protected: boolean;
}

export interface Allocation {
  /** Elements to select per layer (same order as the budgets); 0 for protected layers. */
  counts: number[];
  /** The scale factor applied to the preset's ratios (1 without a target). */
  factor: number;
  /** Zeros expected over prunable weights after pruning, and their total. */
  zerosAfter: number;
  prunable: number;
}

const countAt = (b: Budget, f: number): number => (b.protected || b.ratio <= 0 ? 0 : Math.round(Math.min(b.max, f * b.ratio) * b.n));
const effective = (b: Budget, k: number): number => (b.protected ? 0 : Math.max(b.zeros, k));

function total(budgets: readonly Budget[], f: number): number {
  let s = 0;
  for (const b of budgets) s += effective(b, countAt(b, f));
  return s;
}

export function prunableCount(budgets: readonly Budget[]): number {
  let n = 0;
  for (const b of budgets) if (!b.protected) n += b.n;
  return n;
}

/** The preset's ratios as given. */
export function presetAllocation(budgets: readonly Budget[]): Allocation {
  const counts = budgets.map((b) => countAt(b, 1));
  return { counts, factor: 1, zerosAfter: total(budgets, 1), prunable: prunableCount(budgets) };
}

/** Validate a ratio/target value in [0, 1). */
export function checkFraction(value: number, what: string): number {
  if (!Number.isFinite(value) || value < 0 || value >= 1) throw new UsageError(`${what} ${value} is outside [0, 1)`);
  return value;
}

/** 1234567 → 1,234,567. */
const int = (x: number) => String(x).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/**
 * When `target` asks for no more zeros than the prunable weights already hold: a note saying so in exact counts
 * (a rounded percentage could contradict the target it explains); undefined when pruning is needed.
 */
export function alreadyReached(budgets: readonly Budget[], target: number): string | undefined {
  const prunable = prunableCount(budgets);
  const want = Math.round(target * prunable);
  const floor = total(budgets, 0);
  if (want > floor) return undefined;
  return `--target ${target} asks for ${int(want)} zeros over ${int(prunable)} prunable weights, which already hold ${int(floor)}: nothing was pruned, the weights are unchanged`;
}

/** Scale the preset so that zeros over prunable weights are exactly round(target × prunable) (at least the zeros already there). */
export function targetAllocation(budgets: readonly Budget[], target: number): Allocation {
  checkFraction(target, '--target');
  const prunable = prunableCount(budgets);
  const want = Math.round(target * prunable);
  const floor = total(budgets, 0);
  if (want <= floor) return { counts: budgets.map(() => 0), factor: 0, zerosAfter: floor, prunable };
  let fmax = 0;
  for (const b of budgets) if (!b.protected && b.ratio > 0) fmax = Math.max(fmax, b.max / b.ratio);
  const ceil = total(budgets, fmax);
  if (want > ceil) {
    throw new UsageError(`--target ${target}: unreachable, it needs ${int(want)} zeros over ${int(prunable)} prunable weights and the category caps allow at most ${int(ceil)}; raise the caps ('max' in a --config) or lower the target`);
  }
  let lo = 0, hi = fmax;
  for (let it = 0; it < 200 && hi - lo > hi * 1e-15; it++) {
    const mid = (lo + hi) / 2;
    if (total(budgets, mid) >= want) hi = mid;
    else lo = mid;
  }
  const counts = budgets.map((b) => countAt(b, lo));
  let missing = want - total(budgets, lo);
  for (let i = 0; i < budgets.length && missing > 0; i++) {
    const b = budgets[i]!;
    const from = effective(b, counts[i]!);
    const to = effective(b, countAt(b, hi));
    const step = Math.min(to - from, missing);
    if (step > 0) { counts[i] = from + step; missing -= step; }
  }
  if (missing !== 0) throw new Error(`targetAllocation: fix-up left ${missing} elements (bug)`);
  return { counts, factor: hi, zerosAfter: want, prunable };
}
