/**
 * The named result of a prune: per-layer rows, per-category rows, totals. Pure bookkeeping over counts.
 */
import type { Plan, PlanEntry } from './categorise.js';

export interface PruneLayerRow {
  id: string;
  modulePath: string;
  /** Class chain outermost first, ' > '-joinable; empty when unknown. */
  classChain: readonly string[];
  classSource: PlanEntry['classSource'];
  category: string;
  rule: string;
  opType: string;
  dtype: string;
  dims: readonly number[];
  protected: boolean;
  /** Ratio the preset asked for (before target scaling). */
  presetRatio: number;
  /** Ratio applied: k / params. */
  ratio: number;
  params: number;
  zerosBefore: number;
  zerosAfter: number;
  /** Why the layer was left alone despite a ratio (e.g. N:M reduction size not a multiple of M). */
  skipped?: string;
  /** Calibrated pruning (`--calib`): how the layer's kept weights were refit, or why they were not. */
  reconstruction?: LayerReconstructionRow;
}

/** Per-layer outcome of calibrated reconstruction. */
export interface LayerReconstructionRow {
  /** `exact` least squares, `sparsegpt` approximation, `none` (mask only), or `magnitude` (no statistics: plain |w| cut). */
  method: 'exact' | 'sparsegpt' | 'none' | 'magnitude';
  /** ‖ΔY‖²/‖Y‖² of the layer's output on the calibration data: with the mask alone, and after the refit (null without statistics). */
  errorBefore: number | null;
  errorAfter: number | null;
  /** Why no statistics were used (magnitude fallback). */
  reason?: string;
  /** Damping used (λ / mean diag H), and whether the statistics were rank-deficient. */
  damp?: number;
  rankDeficient?: boolean;
}

export interface PruneCategoryRow {
  category: string;
  layers: number;
  params: number;
  /** Preset ratio (head/protected: 0). */
  presetRatio: number;
  protected: boolean;
  zerosBefore: number;
  zerosAfter: number;
  /** zerosAfter / params. */
  sparsity: number;
}

export interface PruneTotals {
  /** Every float tensor element of the model (weights, biases, norms, constants). */
  allParams: number;
  /** Elements of the weight layers (Conv/ConvTranspose/Gemm/MatMul weights). */
  weightParams: number;
  /** Elements of the layers that may be pruned (not protected). */
  prunableParams: number;
  nonZeroBefore: number;
  nonZeroAfter: number;
  /** Weights newly set to zero. */
  zeroed: number;
  /** Zeros / prunable weights, before and after. */
  sparsityPrunableBefore: number;
  sparsityPrunable: number;
  /** Zeros / all float parameters after pruning. */
  sparsityAll: number;
  target: number | undefined;
  achieved: number;
}

/** The report row of a plan entry before anything is cut (ratio 0, zeros as found). */
export function initialRow(e: PlanEntry): PruneLayerRow {
  const l = e.layer;
  const zerosBefore = l.params - l.nonZero;
  return {
    id: l.id, modulePath: l.modulePath, classChain: e.classChain, classSource: e.classSource, category: e.category, rule: e.rule,
    opType: l.opType, dtype: l.dtype, dims: l.dims, protected: e.protected, presetRatio: e.ratio, ratio: 0, params: l.params,
    zerosBefore, zerosAfter: zerosBefore,
  };
}

export function categoryRows(rows: readonly PruneLayerRow[]): PruneCategoryRow[] {
  const by = new Map<string, PruneCategoryRow>();
  for (const r of rows) {
    let c = by.get(r.category);
    if (!c) by.set(r.category, (c = { category: r.category, layers: 0, params: 0, presetRatio: r.presetRatio, protected: r.protected, zerosBefore: 0, zerosAfter: 0, sparsity: 0 }));
    c.layers++;
    c.params += r.params;
    c.zerosBefore += r.zerosBefore;
    c.zerosAfter += r.zerosAfter;
  }
  return [...by.values()].map((c) => ({ ...c, sparsity: c.params ? c.zerosAfter / c.params : 0 }));
}

/** Totals over the rows; `all` counts every float element of the model and its zeros before pruning. */
export function totalsOf(rows: readonly PruneLayerRow[], all: { params: number; zeros: number }, target: number | undefined): PruneTotals {
  let weightParams = 0, prunable = 0, zb = 0, za = 0, allZb = 0, allZa = 0;
  for (const r of rows) {
    weightParams += r.params;
    allZb += r.zerosBefore;
    allZa += r.zerosAfter;
    if (r.protected) continue;
    prunable += r.params;
    zb += r.zerosBefore;
    za += r.zerosAfter;
  }
  const zerosAllAfter = all.zeros + (allZa - allZb);
  const achieved = prunable ? za / prunable : 0;
  return {
    allParams: all.params, weightParams, prunableParams: prunable,
    nonZeroBefore: prunable - zb, nonZeroAfter: prunable - za, zeroed: allZa - allZb,
    sparsityPrunableBefore: prunable ? zb / prunable : 0, sparsityPrunable: achieved,
    sparsityAll: all.params ? zerosAllAfter / all.params : 0,
    target, achieved,
  };
}

export interface PruneResult {
  plan: Plan;
  options: { preset: string; criterion: string; scope: 'layer' | 'global'; target: number | undefined; nm: string | undefined; pruneHead: boolean };
  /** Factor applied to the preset's ratios (1 without --target; undefined for global/N:M). */
  factor: number | undefined;
  /** Things the user should know about this prune (e.g. the target was already reached: nothing cut). */
  notes: string[];
  layers: PruneLayerRow[];
  categories: PruneCategoryRow[];
  totals: PruneTotals;
  /** Layers skipped by N:M, with the reason. */
  skipped: { id: string; reason: string }[];
}

/** A prune result plus the files it read and wrote (`output` undefined on a dry run): ONNX and checkpoint runs alike. */
export interface PrunedFileResult extends PruneResult {
  files: { input: { path: string; bytes: number }; output: { path: string; bytes: number } | undefined };
}
