/**
 * The float prefix: in narrow early layers (few channels at high resolution, e.g. LeYOLO-Nano's 16-channel convs
 * whose channels span ±170 beside ±1) one activation scale per tensor erases small channels, and that error runs
 * through the whole network. Probes keep the first k ranked layers float (k = 0, 2, 4, 8, … up to a quarter of
 * them) and quantize the rest; each probe's output SQNR against float on a few calibration images is measured, and
 * the prefix kept is the one whose SQNR less `dbPerLayer` dB per float layer is highest: every layer kept float
 * costs time, so it must buy SQNR. No labels needed; one float→integer boundary, so placement pays no layout
 * conversions in between (the early depthwise convs are faster in float anyway). A prefix that leaves an integer
 * Add/Mul with one operand from a float layer and one from an integer layer (the prefix ending on the source of a
 * residual Add) costs layout Transposes in onnxruntime (see mixedElementwise): it is never a candidate, the
 * longest shorter prefix without one is probed in its place.
 */
import type { Tensor } from '../core/dtype.js';
import type { GraphIndex } from '../graph/onnx-graph.js';
import type { OnnxModel } from '../io/onnx/bytes.js';
import { planQuantization, type PlanOptions, type QuantPlan } from './plan.js';
import type { TensorRange } from './scales.js';
import { probeSqnr, rankedLayers, referenceOutputs } from './sensitivity.js';
import type { StaticQuantOptions } from './static.js';

export interface PrefixStep { floatLayers: number; sqnrDb: number }

/** Probe sizes: 0, step, 2·step, … ≤ ⌊maxFraction·layers⌋. */
export function prefixSizes(layers: number, maxFraction = 0.25, step = 2): number[] {
  const limit = Math.floor(layers * maxFraction);
  const out: number[] = [];
  for (let k = 0; k <= limit; k += step) out.push(k);
  return out;
}

/**
 * SQNR (dB) one more float layer must buy: a quarter dB. Set from the two measured curves (docs/quantize.md):
 * LeYOLO-Nano's decisive layers gain 0.4–1.2 dB each (12 → 13 layers: +1.2 dB, +0.64 pt held-out mAP50-95), while
 * yolov5n_ppe's curve after its first 2 layers rises 0.1–0.2 dB per layer for 1.8× → 1.65× at 1 thread.
 */
export const DB_PER_LAYER = 0.25;

/**
 * The probed prefix with the highest SQNR − `dbPerLayer` · floatLayers (ties: the shorter). Equivalently the
 * shortest prefix that no longer probe beats by more than `dbPerLayer` dB per extra float layer.
 */
export function chooseFloatPrefix(steps: readonly PrefixStep[], dbPerLayer = DB_PER_LAYER): number {
  let best: PrefixStep | undefined, bestScore = -Infinity;
  for (const s of steps) {
    const score = s.sqnrDb - dbPerLayer * s.floatLayers;
    if (score > bestScore || (score === bestScore && s.floatLayers < best!.floatLayers)) { best = s; bestScore = score; }
  }
  return best?.floatLayers ?? 0;
}

/**
 * Integer Add/Mul layers (not SiLU products) of `plan` that read one operand from a float node and one from an
 * integer node. onnxruntime runs QLinearConv in NHWC; such a QLinearAdd stays NCHW (its float-side operand comes
 * from a QuantizeLinear in NCHW), and so does the residual chain after it: two layout Transposes per block
 * (LeYOLO-Nano with /model.0–/model.5 float: 21 Transposes in the optimized graph, 11 with /model.5's last conv integer).
 */
export function mixedElementwise(g: GraphIndex, plan: QuantPlan): number[] {
  return [...plan.quantized].filter((i) => {
    const kind = plan.kinds.get(i);
    if (kind !== 'add' && kind !== 'mul') return false;
    const sources = g.nodes[i]!.input.map((v) => g.producer.get(v)).filter((p): p is number => p !== undefined);
    return sources.some((p) => plan.quantized.has(p)) && sources.some((p) => !plan.quantized.has(p));
  });
}

export interface FloatPrefixOptions extends StaticQuantOptions {
  /** SQNR (dB) each extra float layer must buy (default {@link DB_PER_LAYER}). */
  dbPerLayer?: number;
  /** Largest prefix probed, as a fraction of the ranked layers (default 0.25). */
  maxFraction?: number;
  onProbe?: (step: PrefixStep) => void;
}

/**
 * Search the float prefix of `plan`'s ranked layers (graph order); `base` are the other plan options. A probe size
 * whose prefix leaves a mixed Add/Mul is replaced by the longest shorter prefix that does not (each size probed once).
 */
export async function searchFloatPrefix(
  model: OnnxModel, g: GraphIndex, plan: QuantPlan, base: PlanOptions, ranges: ReadonlyMap<string, TensorRange>,
  feeds: ReadonlyArray<Readonly<Record<string, Tensor>>>, options: FloatPrefixOptions = {},
): Promise<{ layers: number[]; steps: PrefixStep[] }> {
  const ranked = rankedLayers(plan).sort((a, b) => a - b);
  const refOut = await referenceOutputs(model, feeds, options.threads);
  const planOptions = (k: number): PlanOptions => {
    const floatSet = new Set(ranked.slice(0, k));
    return { ...base, keepFloat: (info) => (floatSet.has(info.index) ? 'float prefix probe' : base.keepFloat?.(info)) };
  };
  const mixed = (k: number) => mixedElementwise(g, planQuantization(model, planOptions(k), g)).length > 0;
  const clean = (k: number) => { let j = k; while (j > 0 && mixed(j)) j--; return j; };
  const steps: PrefixStep[] = [];
  for (const k of new Set(prefixSizes(ranked.length, options.maxFraction).map(clean))) {
    const step = { floatLayers: k, sqnrDb: await probeSqnr(model, g, planOptions(k), ranges, feeds, refOut, options) };
    steps.push(step);
    options.onProbe?.(step);
  }
  return { layers: ranked.slice(0, chooseFloatPrefix(steps, options.dbPerLayer)), steps: steps.sort((a, b) => a.floatLayers - b.floatLayers) };
}
