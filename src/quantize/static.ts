/**
 * Static QDQ quantization of a float ONNX model: raise to opset 13, plan (detector tail and placement rules keep
 * float), calibrate the planned activations in onnxruntime (MinMax or percentile, computed in the graph), derive
 * shared scales, rewrite with Q/DQ pairs and int8/int32 initializers.
 */
import { DatasetError, UsageError } from '../core/errors.js';
import { indexGraph, type GraphIndex } from '../graph/onnx-graph.js';
import { inferShapes } from '../graph/shapes.js';
import type { OnnxModel } from '../io/onnx/bytes.js';
import type { CalibrationSource } from '../prune/structured/index.js';
import type { ActivationProgress } from '../runtime/activations.js';
import { collectRanges } from '../runtime/ranges.js';
import { collectRangeErrors } from '../runtime/range-errors.js';
import { entropyRanges } from './entropy-calibration.js';
import { asymmetricParams } from './params.js';
import { upgradeToOpset13 } from './opset.js';
import type { QuantDType } from './params.js';
import { planQuantization, type FloatNode, type PlanOptions, type QuantPlan } from './plan.js';
import { insertQdq, type QdqOptions, type QuantizedLayer } from './qdq.js';
import { activationParams, type TensorRange } from './scales.js';
import { SATURATION_BOUND, saturatedRanges } from './saturation.js';
import { compactConstants } from './constants.js';
import { planDerivedRanges, withDerived } from './derived-ranges.js';
import { fusedSilu } from './silu.js';
import { floatLayerWeightNames, fp16Weights, weightOnlyInt8 } from './storage.js';

export type CalibrationMethod = 'minmax' | 'percentile' | 'mse' | 'entropy';
export const CALIBRATION_METHODS: readonly CalibrationMethod[] = ['minmax', 'percentile', 'mse', 'entropy'];

/** `mse`: the fractions α of the MinMax range [α·min, α·max] tried per tensor. */
export const MSE_FRACTIONS: readonly number[] = [1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2];
/** `mse`: calibration images (from the start) on which the candidates' errors are summed. */
export const MSE_IMAGES = 16;

export interface StaticQuantOptions extends PlanOptions, QdqOptions {
  /** Activation type (default uint8: the type onnxruntime fuses on x86). */
  activationType?: QuantDType;
  method?: CalibrationMethod;
  /** Fraction of values kept inside the range for `percentile` (default 0.9999). */
  percentile?: number;
  /**
   * Clip the range of tensors read only by a SiLU (below) or a Sigmoid (both sides) at ±this bound (default
   * {@link SATURATION_BOUND}); 0 keeps the calibrated ranges as they are.
   */
  saturationBound?: number;
  /**
   * Weights of the layers kept float: float16 behind a Cast (default; folded at load, float32 compute, half the
   * bytes), float32, or int8 behind DequantizeLinear (float compute, smallest, least exact).
   */
  floatLayerWeights?: 'int8' | 'float16' | 'float32';
  /**
   * Integer SiLUs: `integer` (default: QLinearSigmoid + QLinearMul, standard QDQ) or `quickgelu` (one onnxruntime
   * QuickGelu between a single DQ/Q pair; com.microsoft, onnxruntime only — see fusedSilu).
   */
  silu?: 'integer' | 'quickgelu';
  /**
   * The class-logit clip of saturatedRanges (default true). The float-prefix and sensitivity probes pass false: the
   * clip is the same in every probe, and left in it would only add its own (harmless) error to what they compare.
   */
  clipLogits?: boolean;
  threads?: number;
  onProgress?: (p: ActivationProgress) => void;
}

export interface StaticQuantResult {
  model: OnnxModel;
  plan: QuantPlan;
  layers: QuantizedLayer[];
  /** Quantizable nodes left float, and why. */
  float: FloatNode[];
  /** Calibrated range per activation tensor (over all images). */
  ranges: Map<string, TensorRange>;
  calibration: { images: number; description: string; method: CalibrationMethod; seconds: number };
}

/** Combine per-image ranges: MinMax takes the extremes, percentile averages the per-image percentiles. */
class RangeAccumulator {
  private readonly acc = new Map<string, { min: number; max: number; n: number }>();
  constructor(private readonly mean: boolean) {}
  add(name: string, r: TensorRange): void {
    if (!Number.isFinite(r.min) || !Number.isFinite(r.max)) return;
    const a = this.acc.get(name);
    if (!a) { this.acc.set(name, { ...r, n: 1 }); return; }
    if (this.mean) { a.min += r.min; a.max += r.max; } else { a.min = Math.min(a.min, r.min); a.max = Math.max(a.max, r.max); }
    a.n++;
  }
  ranges(): Map<string, TensorRange> {
    return new Map([...this.acc].map(([k, a]) => [k, this.mean ? { min: a.min / a.n, max: a.max / a.n } : { min: a.min, max: a.max }]));
  }
}

/** Calibrated ranges of `tensors` of `model` over `source` (MinMax or percentile, computed in onnxruntime). */
export async function calibrateRanges(model: OnnxModel, tensors: readonly string[], source: CalibrationSource, options: Pick<StaticQuantOptions, 'method' | 'percentile' | 'threads' | 'onProgress'> = {}): Promise<{ ranges: Map<string, TensorRange>; images: number }> {
  const method = options.method ?? 'percentile';
  if (!CALIBRATION_METHODS.includes(method)) throw new UsageError(`--method ${method}: expected one of ${CALIBRATION_METHODS.join(', ')}`);
  if (tensors.length === 0) return { ranges: new Map(), images: 0 };
  if (method === 'mse') return mseRanges(model, tensors, source, options);
  if (method === 'entropy') return entropyRanges(model, tensors, source, options);
  const acc = new RangeAccumulator(method === 'percentile');
  const percentile = method === 'percentile' ? options.percentile ?? 0.9999 : undefined;
  // Ranges that follow from others (Sigmoid, SiLU, Concat, reshapes) are derived per image instead of reduced.
  const { measured, derived } = planDerivedRanges(indexGraph(model), tensors, { exact: percentile !== undefined && percentile < 1 });
  const image = new Map<string, TensorRange>();
  const run = await collectRanges(model, measured, source.feeds(), (name, r) => {
    image.set(name, r);
    if (image.size < measured.length) return;
    for (const [n, x] of withDerived(image, derived)) acc.add(n, x);
    image.clear();
  }, { percentile, threads: options.threads, total: source.count, onProgress: options.onProgress });
  if (run.images === 0) throw new DatasetError(`calibration: ${source.description} yielded no usable image; pass a dataset yaml or folder with decodable images`);
  return { ranges: acc.ranges(), images: run.images };
}

/**
 * `mse`: the MinMax range over every image, then per tensor the fraction α in {@link MSE_FRACTIONS} whose uint8
 * range [α·min, α·max] has the least squared quantization error (rounding + clipping, computed in onnxruntime) summed
 * over the first {@link MSE_IMAGES} images.
 */
async function mseRanges(model: OnnxModel, tensors: readonly string[], source: CalibrationSource, options: Pick<StaticQuantOptions, 'threads' | 'onProgress'>): Promise<{ ranges: Map<string, TensorRange>; images: number }> {
  const mm = await calibrateRanges(model, tensors, source, { ...options, method: 'minmax' });
  const cands = [...mm.ranges].map(([name, r]) => ({ name, range: r, candidates: MSE_FRACTIONS.map((a) => asymmetricParams(a * r.min, a * r.max)) }));
  const first = { async *[Symbol.asyncIterator]() { let k = 0; for await (const f of source.feeds()) { if (k++ >= MSE_IMAGES) return; yield f; } } };
  const { errors } = await collectRangeErrors(model, cands, first, { threads: options.threads });
  const ranges = new Map<string, TensorRange>();
  for (const c of cands) ranges.set(c.name, scaledRange(c.range, MSE_FRACTIONS[argMin(errors.get(c.name)!)]!));
  return { ranges, images: mm.images };
}

/** Index of the smallest value (the first on ties; NaN never wins). */
export function argMin(values: ArrayLike<number>): number {
  let best = 0;
  for (let k = 1; k < values.length; k++) if (values[k]! < values[best]! || !(values[best]! === values[best]!)) best = k;
  return best;
}

/** [α·min, α·max]. */
export const scaledRange = (r: TensorRange, alpha: number): TensorRange => ({ min: alpha * r.min, max: alpha * r.max });

/** The QDQ model of an opset-13 `model` for `plan` and calibrated `ranges`. */
export function buildQuantized(model: OnnxModel, plan: QuantPlan, ranges: ReadonlyMap<string, TensorRange>, options: StaticQuantOptions = {}, g: GraphIndex = indexGraph(model)): { model: OnnxModel; layers: QuantizedLayer[] } {
  const bound = options.saturationBound ?? SATURATION_BOUND;
  const params = activationParams(g.nodes, bound > 0 ? saturatedRanges(g, ranges, bound, options.clipLogits === false ? undefined : inferShapes(model, g).shapes) : ranges, { activationType: options.activationType });
  const inserted = insertQdq(model, plan, params, options, g);
  const q = options.silu === 'quickgelu' ? { ...inserted, model: fusedSilu(inserted.model).model } : inserted;
  // `floatLayerWeights: 'int8'`: layers kept float store int8 weights too (float compute behind a DequantizeLinear).
  // Not the default: on LeYOLO-Nano it moved the float prefix from 14 to 8 layers and output SQNR 33.7 → 30.1 dB.
  const kept = options.floatLayerWeights ?? 'float16';
  const stored = kept === 'int8' ? weightOnlyInt8(q.model, { perChannel: options.perChannel, minElements: 256 }).model
    : kept === 'float16' ? fp16Weights(q.model, { minElements: 256, only: floatLayerWeightNames(q.model) }).model : q.model;
  return { model: compactConstants(stored).model, layers: q.layers };
}

/** Quantize `model` with activations calibrated on `source`. */
export async function quantizeStatic(model: OnnxModel, source: CalibrationSource, options: StaticQuantOptions = {}): Promise<StaticQuantResult> {
  const t0 = performance.now();
  const m13 = upgradeToOpset13(model);
  const g = indexGraph(m13);
  const plan = planQuantization(m13, options, g);
  const { ranges, images } = await calibrateRanges(m13, plan.tensors, source, options);
  const q = buildQuantized(m13, plan, ranges, options, g);
  return { model: q.model, plan, layers: q.layers, float: plan.float, ranges, calibration: { images, description: source.description, method: options.method ?? 'percentile', seconds: (performance.now() - t0) / 1000 } };
}
