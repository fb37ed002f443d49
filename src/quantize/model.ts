/**
 * `quantizeModel`: the static INT8 quantization `prunekit quantize` makes, in memory (the file edge's
 * `quantizeModelFile` adds the file checks, the provenance record and the write). Refuses quantized or non-image
 * models; calibrates once; float prefix; accuracy control; builds the candidate placements (every quantizable layer,
 * or also "stem kept float"); when a latency probe is given (the CLI's interleaved bench), keeps the fastest and
 * says when none beats float. `variant` rebuilds the choice with more layers float (used by `optimize --int8`).
 */
import { UsageError } from '../core/errors.js';
import { indexGraph } from '../graph/onnx-graph.js';
import { serializeOnnx } from '../io/onnx/index.js';
import type { CalibrationSource } from '../prune/structured/index.js';
import { checkQuantizable } from './check.js';
import { upgradeToOpset13 } from './opset.js';
import type { Tensor } from '../core/dtype.js';
import { planQuantization, type FloatNode, type LayerKind, type PlanOptions, type QuantPlan } from './plan.js';
import { layerSensitivity, rankedLayers, type LayerSensitivity } from './sensitivity.js';
import { searchFloatPrefix, type PrefixStep } from './prefix.js';
import type { QuantizedLayer } from './qdq.js';
import { buildQuantized, calibrateRanges, type StaticQuantOptions } from './static.js';
import type { FusionCount, OutputSqnr } from './verify.js';
import { correctBiases, withBiasShift } from './bias.js';
import type { OnnxModel } from '../io/onnx/bytes.js';

export type Placement = 'all' | 'auto';

/** A candidate placement: which layer kinds stay float. */
export interface PlacementCandidate { label: string; floatKinds: readonly LayerKind[] }

/** Candidates `auto` measures: every layer integer; the narrow stem float (its integer kernel is slower on x86). */
export const AUTO_CANDIDATES: readonly PlacementCandidate[] = [
  { label: 'all layers integer', floatKinds: [] },
  { label: 'stem float', floatKinds: ['stem'] },
];

/** Speed-up over the float model (median latency ratio) of each candidate's bytes, in order. */
export type LatencyProbe = (candidates: ReadonlyArray<{ label: string; bytes: Uint8Array }>) => Promise<number[]>;

export interface QuantizeFileOptions extends StaticQuantOptions {
  placement?: Placement;
  /** Required for placement `auto`. */
  measure?: LatencyProbe;
  force?: boolean;
  /** Write the fastest candidate even when it is slower than the float model (default: refuse, write nothing). */
  allowSlower?: boolean;
  /**
   * Accuracy control: `check` evaluates a candidate model (e.g. mAP against --max-drop on --data); the most
   * sensitive layers (see layerSensitivity) return to float, 0, 2, 4, 8, … of them, until a candidate passes.
   */
  accuracy?: { check: (bytes: Uint8Array) => Promise<{ ok: boolean; summary: string }>; sensitivityImages?: number; onStep?: (s: AccuracyStep) => void };
  /** Calibration images (from the start of the source) used for the SQNR check (default 4, as many as the float-prefix probes). */
  verifyImages?: number;
  /**
   * Float prefix search (default on; see searchFloatPrefix): keep float the first layers whose quantization costs
   * the most output SQNR. `false` skips it; `images` calibration images are probed (default 4).
   */
  floatPrefix?: false | { images?: number; dbPerLayer?: number; maxFraction?: number; onProbe?: (s: PrefixStep) => void };
  /**
   * Bias correction (see correctBiases): `rounds` rounds over the calibration images (default 2). Off by default:
   * on LeYOLO-Nano it raised held-out output SQNR by 0.2–0.4 dB but lowered held-out mAP (docs/quantize.md).
   */
  biasCorrection?: false | { rounds?: number };
  /** Extra calibration fields for the provenance record (e.g. the image names), asked for once calibration ran. */
  provenance?: () => Readonly<Record<string, unknown>>;
}

export interface AccuracyStep { floatLayers: number; ok: boolean; summary: string }

export interface QuantizeFileResult {
  /** Float prefix probes (empty when skipped) and the layers it kept float. */
  floatPrefix: { steps: PrefixStep[]; layers: string[] };
  /** Accuracy-control steps (empty without accuracy control) and the sensitivity ranking used. */
  accuracy: { steps: AccuracyStep[]; sensitivity: LayerSensitivity[] };
  input: { path: string; bytes: number; gzipBytes?: number };
  output: { path: string; bytes: number; gzipBytes?: number };
  plan: QuantPlan;
  layers: QuantizedLayer[];
  float: FloatNode[];
  placement: { chosen: string; candidates: Array<{ label: string; speedup: number | undefined }>; slowerThanFloat: boolean };
  calibration: { images: number; description: string; method: string; seconds: number };
  /** Convs whose bias was corrected and the mean |shift| found in each round (empty when skipped). */
  biasCorrection: { convs: number; rounds: number[]; seconds: number };
  /** The provenance record written into the model's metadata (key and JSON value). */
  provenance: { key: string; value: string };
  verify: { outputs: OutputSqnr[]; images: number; fusion: FusionCount };
  seconds: { total: number };
}

/** Two sets of node indices hold the same nodes. */
export const sameNodes = (a: ReadonlySet<number>, b: ReadonlySet<number>): boolean => a.size === b.size && [...a].every((i) => b.has(i));

/** The first `n` feeds of a source. */
export function firstFeeds(source: CalibrationSource, n: number): CalibrationSource {
  return {
    count: Math.min(n, source.count), description: source.description,
    async *feeds() { let k = 0; for await (const f of source.feeds()) { if (k++ >= n) return; yield f; } },
  };
}

/**
 * What `quantizeModel` chose, in memory: the chosen model (no provenance record yet) and how it was made. `variant`
 * rebuilds it with more layers kept float — same calibration ranges, float prefix, placement and bias shifts — which
 * is how `optimize --int8` searches float-kept layers on top of exactly what `prunekit quantize` writes.
 */
export interface QuantizedModel extends Pick<QuantizeFileResult, 'floatPrefix' | 'accuracy' | 'plan' | 'layers' | 'float' | 'placement' | 'calibration' | 'biasCorrection'> {
  model: OnnxModel;
  bytes: Uint8Array;
  /** Number of float-prefix layers, the placement label and the accuracy-control float count, for provenance. */
  chosen: { prefix: number; placement: string; accuracyFloat: number | undefined };
  /** Node names of the layers the chosen model makes integer and ranks (weighted layers, standalone arithmetic), graph order. */
  units: string[];
  /** The chosen quantization with the layers named in `keepFloat` (node names) also kept float. */
  variant(keepFloat: ReadonlySet<string>): OnnxModel;
  /** Sensitivity of each unit: output SQNR on `feeds` with only that layer integer (same ranges and placement). */
  sensitivity(feeds: ReadonlyArray<Readonly<Record<string, Tensor>>>, onLayer?: (done: number, total: number) => void): Promise<LayerSensitivity[]>;
}

/**
 * The quantization `prunekit quantize` makes, in memory (the entry point behind {@link quantizeModelFile}):
 * calibrate once, float prefix, accuracy control, placement measured by `options.measure`, refusal of a model
 * slower than float unless `allowSlower`. `input` names the model in errors.
 */
export async function quantizeModel(model: OnnxModel, source: CalibrationSource, options: QuantizeFileOptions = {}, input = 'the model'): Promise<QuantizedModel> {
  checkQuantizable(model, input);
  const m13 = upgradeToOpset13(model);
  const g = indexGraph(m13);
  const auto = options.placement === 'auto';
  if (auto && !options.measure) throw new UsageError('placement auto needs a latency probe');
  const candidates = auto ? AUTO_CANDIDATES : [AUTO_CANDIDATES[0]!];
  const sensitive = new Set<number>();
  const prefix = new Set<number>();
  const withPlacement = (c: PlacementCandidate): PlanOptions => ({
    exclude: options.exclude,
    keepFloat: (info) => (prefix.has(info.index) ? 'float prefix: quantizing the early layers costs the most output SQNR' : sensitive.has(info.index) ? 'accuracy control: quantization-sensitive layer' : info.kind && c.floatKinds.includes(info.kind) ? `placement: ${info.kind} is faster in float` : options.keepFloat?.(info)),
  });
  const basePlan = planQuantization(m13, withPlacement(candidates[0]!), g);
  const tensors = [...new Set([...basePlan.tensors, ...candidates.flatMap((c) => planQuantization(m13, withPlacement(c), g).tensors)])];
  const tc = performance.now();
  const cal = await calibrateRanges(m13, tensors, source, options);
  const calSeconds = (performance.now() - tc) / 1000;
  let prefixSteps: PrefixStep[] = [];
  if (options.floatPrefix !== false) {
    const po = options.floatPrefix ?? {};
    const feeds: Array<Readonly<Record<string, Tensor>>> = [];
    for await (const f of firstFeeds(source, po.images ?? 4).feeds()) feeds.push(f);
    const found = await searchFloatPrefix(m13, g, basePlan, withPlacement(candidates[0]!), cal.ranges, feeds, { ...options, ...po });
    prefixSteps = found.steps;
    for (const i of found.layers) prefix.add(i);
  }
  let shifts = new Map<number, Float64Array>();
  const bias = { convs: 0, rounds: [] as number[], seconds: 0 };
  if (options.biasCorrection) {
    const tb = performance.now();
    const plan = planQuantization(m13, withPlacement(candidates[0]!), g);
    const bc = await correctBiases(m13, g, plan, cal.ranges, source, { ...options, rounds: options.biasCorrection.rounds ?? 2 });
    shifts = bc.shifts;
    Object.assign(bias, { convs: bc.convs, rounds: bc.rounds, seconds: (performance.now() - tb) / 1000 });
  }
  /** The quantized model of `plan`, from the float model with the bias shifts of the convs `plan` quantizes. */
  const build = (plan: QuantPlan) => {
    const own = new Map([...shifts].filter(([i]) => plan.quantized.has(i)));
    const m = withBiasShift(m13, own, g);
    return buildQuantized(m, plan, cal.ranges, options, m === m13 ? g : indexGraph(m));
  };
  const steps: AccuracyStep[] = [];
  let sensitivity: LayerSensitivity[] = [];
  if (options.accuracy) {
    const feeds: Array<Readonly<Record<string, Tensor>>> = [];
    for await (const f of firstFeeds(source, options.accuracy.sensitivityImages ?? 2).feeds()) feeds.push(f);
    sensitivity = await layerSensitivity(m13, g, basePlan, withPlacement(candidates[0]!), cal.ranges, feeds, options);
    for (let k = 0; ; k = k === 0 ? 2 : k * 2) {
      const n = Math.min(k, sensitivity.length);
      sensitive.clear();
      for (const s of sensitivity.slice(0, n)) sensitive.add(s.index);
      const plan = planQuantization(m13, withPlacement(candidates[0]!), g);
      const r = await options.accuracy.check(serializeOnnx(build(plan).model));
      const step = { floatLayers: n, ...r };
      steps.push(step);
      options.accuracy.onStep?.(step);
      if (r.ok && n >= sensitivity.length && n > 0) throw new UsageError(`accuracy budget holds only with every ranked layer float (${r.summary}): no INT8 placement keeps it; nothing written. Widen --max-drop or use --weights-only`);
      if (r.ok) break;
      if (n >= sensitivity.length) throw new UsageError(`accuracy budget not met even with all ${n} ranked layers float (${r.summary}); nothing written. Widen --max-drop or use --weights-only`);
    }
  }
  const plans = candidates.map((c) => planQuantization(m13, withPlacement(c), g));
  const built = plans.map((plan) => ({ plan, ...build(plan) }));
  const bytes = built.map((b) => serializeOnnx(b.model));
  let speedups: Array<number | undefined> = built.map(() => undefined);
  let best = 0;
  if (auto) {
    // Candidates that quantize the same nodes (e.g. the stem already in the float prefix) are measured once.
    const first = plans.map((p) => plans.findIndex((q) => sameNodes(q.quantized, p.quantized)));
    const distinct = [...new Set(first)];
    const measured = await options.measure!(distinct.map((i) => ({ label: candidates[i]!.label, bytes: bytes[i]! })));
    speedups = first.map((i) => measured[distinct.indexOf(i)]);
    best = speedups.reduce<number>((b, s, i) => ((s ?? 0) > (speedups[b] ?? 0) ? i : b), 0);
  }
  const chosen = built[best]!;
  if (chosen.layers.length === 0) throw new UsageError(`${input}: no layer could be quantized (${chosen.plan.float.length} kept float; see --layers); nothing written`);
  const slowerThanFloat = auto && (speedups[best] ?? 0) < 1;
  if (slowerThanFloat && !options.allowSlower) {
    const seen = candidates.map((c, i) => `${c.label} ×${(speedups[i] ?? 0).toFixed(2)}`).join(', ');
    throw new UsageError(`INT8 is slower than the float model on this machine (${seen}); nothing written. Use --weights-only for a 4× smaller float-compute file, or --allow-slower to write the fastest INT8 model anyway`);
  }
  const byName = new Map(g.nodes.map((n, i) => [n.name, i]));
  return {
    model: chosen.model, bytes: bytes[best]!,
    floatPrefix: { steps: prefixSteps, layers: [...prefix].sort((a, b) => a - b).map((i) => g.nodes[i]!.name) },
    accuracy: { steps, sensitivity },
    plan: chosen.plan, layers: chosen.layers, float: chosen.plan.float,
    placement: { chosen: candidates[best]!.label, candidates: candidates.map((c, i) => ({ label: c.label, speedup: speedups[i] })), slowerThanFloat },
    calibration: { images: cal.images, description: source.description, method: options.method ?? 'percentile', seconds: calSeconds },
    biasCorrection: bias,
    chosen: { prefix: prefix.size, placement: candidates[best]!.label, accuracyFloat: steps.length ? steps[steps.length - 1]!.floatLayers : undefined },
    units: rankedLayers(chosen.plan).sort((a, b) => a - b).map((i) => g.nodes[i]!.name),
    sensitivity: (feeds, onLayer) => layerSensitivity(m13, g, chosen.plan, withPlacement(candidates[best]!), cal.ranges, feeds, { ...options, onLayer }),
    variant: (keepFloat) => {
      const extra = new Set([...keepFloat].map((n) => byName.get(n))); // (an unknown name maps to undefined, no index)
      const base = withPlacement(candidates[best]!);
      return build(planQuantization(m13, { ...base, keepFloat: (info) => (extra.has(info.index) ? 'kept float by optimize' : base.keepFloat?.(info)) }, g)).model;
    },
  };
}
