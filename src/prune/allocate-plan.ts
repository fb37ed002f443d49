/**
 * "How much to cut" for a whole plan: zeros per plan entry from the preset ratios, a `--target`, global scope
 * (one score threshold over all prunable layers) or N:M (fixed per layer: counts stay 0 here). Shared by ONNX,
 * `.pt` and safetensors pruning.
 */
import type { Tensor } from '../core/dtype.js';
import { UsageError } from '../core/errors.js';
import type { WeightLayer } from '../graph/index.js';
import { alreadyReached, checkFraction, presetAllocation, targetAllocation, type Budget } from './allocate.js';
import type { Plan } from './categorise.js';
import { globalCounts } from './global.js';
import { DEFAULT_ALPHA, scoreLayer, type Criterion } from './importance.js';
import type { NmPattern } from './nm.js';

export interface AllocationOptions {
  scope?: 'layer' | 'global';
  criterion?: Criterion;
  alpha?: number;
  target?: number;
  nm?: NmPattern;
}

/** Reject option combinations that contradict each other (before any work). */
export function checkAllocationOptions(options: AllocationOptions): void {
  if (options.target !== undefined) checkFraction(options.target, '--target');
  if (options.nm && (options.target !== undefined || options.scope === 'global')) {
    throw new UsageError('--nm fixes the sparsity of every layer; it cannot be combined with --target or --scope global');
  }
}

/** What {@link allocatePlan} decided. */
export interface PlanAllocation {
  /** Zeros to reach per plan entry. */
  counts: number[];
  /** The factor that scaled the preset ratios (layer scope), else undefined. */
  factor: number | undefined;
  /** Set when the target was already reached by the zeros in the model: nothing is cut. */
  note?: string;
}

/** The allocation budget of every plan entry (size, existing zeros, ratio, cap, protection). */
export function planBudgets(plan: Plan): Budget[] {
  return plan.entries.map((e) => ({ n: e.layer.params, zeros: e.layer.params - e.layer.nonZero, ratio: e.ratio, max: e.max, protected: e.protected }));
}

/** Zeros to reach per plan entry, and the factor that scaled the preset ratios (layer scope). */
export function allocatePlan(plan: Plan, options: AllocationOptions, tensorOf: (l: WeightLayer) => Tensor): PlanAllocation {
  const budgets = planBudgets(plan);
  if (options.nm) return { counts: budgets.map(() => 0), factor: undefined };
  const note = options.target !== undefined ? alreadyReached(budgets, options.target) : undefined;
  if (note) return { counts: budgets.map(() => 0), factor: options.scope === 'global' ? undefined : 0, note };
  if (options.scope === 'global') {
    const prunable = budgets.reduce((s, b) => s + (b.protected ? 0 : b.n), 0);
    const want = options.target !== undefined ? Math.round(options.target * prunable) : presetAllocation(budgets).zerosAfter;
    const scores = plan.entries.map((e) => (e.protected || e.ratio <= 0 ? undefined : scoreLayer(tensorOf(e.layer), options.criterion ?? 'l1', options.alpha ?? DEFAULT_ALPHA)));
    return { counts: globalCounts(budgets, scores, want), factor: undefined };
  }
  const alloc = options.target !== undefined ? targetAllocation(budgets, options.target) : presetAllocation(budgets);
  return { counts: alloc.counts, factor: alloc.factor };
}
