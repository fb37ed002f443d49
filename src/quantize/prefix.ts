/**
 * The float prefix: in narrow early layers (few channels at high resolution, e.g. LeYOLO-Nano's 16-channel convs
 * whose channels span ±170 beside ±1) one activation scale per tensor erases small channels, and that error runs
 * through the whole network. Probes keep the first k ranked layers float (k = 0, 2, 4, 8, … up to half of them)
 * and quantize the rest; each probe's output SQNR against float on a few calibration images is measured, and the
 * smallest k within `gainDb` of the best probe is kept. No labels needed; one float→integer boundary, so
 * placement pays no layout conversions in between (the early depthwise convs are faster in float anyway). A
 * boundary that leaves an integer Add/Mul with one operand from a float layer and one from an integer layer (the
 * prefix ending on the source of a residual Add) costs layout Transposes in onnxruntime (see mixedElementwise), so
 * the prefix one layer shorter is probed too and kept when it is within `gainDb` of the best.
 */
import type { Tensor } from '../core/dtype.js';
import type { GraphIndex } from '../graph/onnx-graph.js';
import type { OnnxModel } from '../io/onnx/bytes.js';
import { planQuantization, type PlanOptions, type QuantPlan } from './plan.js';
import type { TensorRange } from './scales.js';
import { probeSqnr, rankedLayers, referenceOutputs } from './sensitivity.js';
import type { StaticQuantOptions } from './static.js';

export interface PrefixStep { floatLayers: number; sqnrDb: number }

/** Probe sizes: 0, 1, 2, … ≤ ⌊maxFraction·layers⌋ in steps of `step`. */
export function prefixSizes(layers: number, maxFraction = 0.25, step = 2): number[] {
  const limit = Math.floor(layers * maxFraction);
  const out: number[] = [];
  for (let k = 0; k <= limit; k += step) out.push(k);
  return out;
}

/** The smallest probed prefix whose SQNR is within `gainDb` of the best probe (ties: the smaller prefix). */
export function chooseFloatPrefix(steps: readonly PrefixStep[], gainDb = 1): number {
  if (steps.length === 0) return 0;
  const best = Math.max(...steps.map((s) => s.sqnrDb));
  const ok = steps.filter((s) => s.sqnrDb >= best - gainDb).sort((a, b) => a.floatLayers - b.floatLayers);
  return ok[0]!.floatLayers;
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
  /** SQNR (dB) a longer float prefix must gain to be chosen (default 1). */
  gainDb?: number;
  /** Largest prefix probed, as a fraction of the ranked layers (default 0.5). */
  maxFraction?: number;
  onProbe?: (step: PrefixStep) => void;
}

/** Search the float prefix of `plan`'s ranked layers (graph order); `base` are the other plan options. */
export async function searchFloatPrefix(
  model: OnnxModel, g: GraphIndex, plan: QuantPlan, base: PlanOptions, ranges: ReadonlyMap<string, TensorRange>,
  feeds: ReadonlyArray<Readonly<Record<string, Tensor>>>, options: FloatPrefixOptions = {},
): Promise<{ layers: number[]; steps: PrefixStep[] }> {
  const ranked = rankedLayers(plan).sort((a, b) => a - b);
  const refOut = await referenceOutputs(model, feeds, options.threads);
  const steps: PrefixStep[] = [];
  const planOptions = (k: number): PlanOptions => {
    const floatSet = new Set(ranked.slice(0, k));
    return { ...base, keepFloat: (info) => (floatSet.has(info.index) ? 'float prefix probe' : base.keepFloat?.(info)) };
  };
  const probe = async (k: number): Promise<PrefixStep> => {
    const step = { floatLayers: k, sqnrDb: await probeSqnr(model, g, planOptions(k), ranges, feeds, refOut, options) };
    steps.push(step);
    options.onProbe?.(step);
    return step;
  };
  for (const k of prefixSizes(ranked.length, options.maxFraction)) await probe(k);
  let chosen = chooseFloatPrefix(steps, options.gainDb);
  const mixed = (k: number) => mixedElementwise(g, planQuantization(model, planOptions(k), g)).length > 0;
  if (chosen > 0 && mixed(chosen) && !mixed(chosen - 1)) { // chosen − 1 is odd: never probed above
    const best = Math.max(...steps.map((s) => s.sqnrDb));
    if ((await probe(chosen - 1)).sqnrDb >= best - (options.gainDb ?? 1)) chosen--;
  }
  return { layers: ranked.slice(0, chosen), steps: steps.sort((a, b) => a.floatLayers - b.floatLayers) };
}
