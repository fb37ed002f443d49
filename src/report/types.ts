/**
 * The data of a before/after comparison: plain JSON (numbers, strings, arrays — no typed arrays, no Dates), so
 * it can be written with `--json`, read back and rendered again. `compare` and `run` fill it; the Markdown and
 * HTML renderers only read it. Sections that were not measured are `null`.
 */
import type { LatencySummary, RatioEstimate } from '../bench/index.js';

export interface ReportModel {
  /** Display name (file name). */
  label: string;
  path: string;
}

/** The four headline accuracy metrics, fractions in [0,1]. */
export interface AccuracyValues {
  precision: number;
  recall: number;
  map50: number;
  /** mAP over IoU 0.50:0.05:0.95 */
  map5095: number;
}

export type AccuracyMetric = keyof AccuracyValues;

export interface ClassRow {
  classIndex: number;
  name: string;
  images: number;
  instances: number;
  base: AccuracyValues;
  candidate: AccuracyValues;
}

export interface PrCurve {
  /** Recall grid, 0..1. */
  recall: number[];
  /** Mean precision over classes at IoU 0.5 at each recall. */
  precision: number[];
}

export interface AccuracySection {
  /** The dataset as given (path of data.yaml). */
  dataset: string;
  images: number;
  base: AccuracyValues;
  candidate: AccuracyValues;
  perClass: ClassRow[];
  prCurve: { base: PrCurve; candidate: PrCurve };
}

export interface LatencySide extends LatencySummary {
  loadMs: number;
  rssDeltaBytes: number;
}

export interface LatencySection {
  /** Settings, e.g. `threads 1, graph-opt all, batch 1, warm-up 20, 200 rounds interleaved`. */
  settings: string;
  environment: string;
  base: LatencySide;
  candidate: LatencySide;
  /** Raw per-round samples (ms), paired by index. */
  samplesMs: { base: number[]; candidate: number[] };
  /** Base against candidate: ratio of medians (> 1: candidate faster) with its interval and verdict. */
  comparison: RatioEstimate & { verdict: string };
}

export interface SizeValues {
  fileBytes: number;
  /** The file gzip-compressed (level 6): what zeros buy on the wire; absent in reports written before it existed. */
  gzipBytes?: number | null;
  /** What the model computes in / stores weights as: `float32`, `int8 QDQ`, `fp16 weights (float32 compute)`, … */
  precision?: string | null;
  /** Weight parameters of the weight layers (Conv, Gemm, MatMul); null when unknown. */
  params: number | null;
  nonZeroParams: number | null;
  /** Multiply-accumulates per inference; null when unknown. */
  macs: number | null;
}

export interface SizeSection {
  base: SizeValues;
  candidate: SizeValues;
  /**
   * True when both graphs have the same weight tensors of the same shapes and the candidate differs only by
   * values set to zero (unstructured pruning); null when not checked.
   */
  onlyZeroedWeights: boolean | null;
}

export interface SparsityLayer {
  id: string;
  modulePath: string;
  /** Grouping key of the chart (the pruning category, or the op kind when no plan is known). */
  category: string;
  params: number;
  baseNonZero: number;
  candidateNonZero: number;
  /** Weight shape in the base (`[out, in/groups, kh, kw]` for a Conv); absent in reports written before it existed. */
  baseDims?: number[];
  /** Weight shape in the candidate: differs from `baseDims` when channels were removed (structured pruning). */
  candidateDims?: number[];
  /** Multiply-accumulates per inference of the layer in the base / the candidate; null when unknown. */
  baseMacs?: number | null;
  candidateMacs?: number | null;
  /** Calibrated pruning (`--calib`): how the layer was refit and its relative output error before/after. */
  reconstruction?: LayerReconstructionNote;
}

/** Per-layer outcome of calibrated reconstruction, as the prune result reports it. */
export interface LayerReconstructionNote {
  /** `exact`, `sparsegpt`, `none` (mask only) or `magnitude` (no statistics). */
  method: string;
  /** ‖ΔY‖²/‖Y‖² on the calibration data with the mask alone and after the refit; null without statistics. */
  errorBefore: number | null;
  errorAfter: number | null;
}

export interface SparsitySection {
  /** Where the categories came from, e.g. `preset yolov8` or `op type`. */
  categorySource: string;
  layers: SparsityLayer[];
}

export interface BudgetRule {
  metric: AccuracyMetric;
  /** `relative`: allowed drop as a fraction of the base value; `absolute`: allowed drop in metric units (0..1). */
  kind: 'relative' | 'absolute';
  value: number;
  /** As the user wrote it, e.g. `map50=2%`. */
  text: string;
}

export interface BudgetCheck {
  rule: BudgetRule;
  base: number;
  candidate: number;
  /** base − candidate (metric units; negative = improved). */
  drop: number;
  /** The largest allowed drop in metric units. */
  allowedDrop: number;
  ok: boolean;
}

export interface BudgetSection {
  checks: BudgetCheck[];
  ok: boolean;
}

export interface ComparisonReport {
  schema: 'prunekit.comparison/1';
  /** ISO timestamp of the run. */
  createdAt: string;
  title: string;
  base: ReportModel;
  candidate: ReportModel;
  accuracy: AccuracySection | null;
  latency: LatencySection | null;
  size: SizeSection;
  sparsity: SparsitySection | null;
  budget: BudgetSection | null;
  /** Plain-language caveats (see {@link honestyNotes}). */
  notes: string[];
}
