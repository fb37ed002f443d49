/**
 * `quantizeModelFile`: a float ONNX file → a verified static-INT8 QDQ file. Refuses quantized or non-image models;
 * calibrates once; builds the candidate placements (every quantizable layer, or also "stem kept float"); when a
 * latency probe is given (the CLI's interleaved bench), keeps the fastest and says when none beats float; checks
 * that the result loads with the original output shapes, its per-output SQNR on calibration images, and how many
 * convs onnxruntime fused into integer kernels; writes atomically.
 */
import { UsageError } from '../core/errors.js';
import { indexGraph } from '../graph/onnx-graph.js';
import { serializeOnnx } from '../io/onnx/index.js';
import { loadOnnx, saveOnnx } from './onnx-file.js';
import type { CalibrationSource } from '../prune/structured/index.js';
import { checkQuantizable } from '../quantize/check.js';
import { upgradeToOpset13 } from '../quantize/opset.js';
import type { Tensor } from '../core/dtype.js';
import { planQuantization, type FloatNode, type LayerKind, type PlanOptions, type QuantPlan } from '../quantize/plan.js';
import { layerSensitivity, type LayerSensitivity } from '../quantize/sensitivity.js';
import { searchFloatPrefix, type PrefixStep } from '../quantize/prefix.js';
import type { QuantizedLayer } from '../quantize/qdq.js';
import { buildQuantized, calibrateRanges, type StaticQuantOptions } from '../quantize/static.js';
import { countFusedConvs, outputSqnr, type FusionCount, type OutputSqnr } from '../quantize/verify.js';
import { correctBiases, withBiasShift } from '../quantize/bias.js';
import { SATURATION_BOUND } from '../quantize/saturation.js';
import { provenanceValue } from '../core/provenance.js';
import { nextProvenanceKey, type OnnxModel } from '../io/onnx/bytes.js';

/** The `metadata_props` entry recording a quantization of `model` (the next free `prunekit[.N]` key). */
function onnxQuantProvenance(model: OnnxModel, fields: Readonly<Record<string, unknown>>): { key: string; value: string } {
  return { key: nextProvenanceKey(model.proto), value: provenanceValue(fields) };
}

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
  /** Calibration images (from the start of the source) used for the SQNR check (default 8). */
  verifyImages?: number;
  /**
   * Float prefix search (default on; see searchFloatPrefix): keep float the first layers whose quantization costs
   * the most output SQNR. `false` skips it; `images` calibration images are probed (default 4).
   */
  floatPrefix?: false | { images?: number; gainDb?: number; maxFraction?: number; onProbe?: (s: PrefixStep) => void };
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

const sameNodes = (a: ReadonlySet<number>, b: ReadonlySet<number>) => a.size === b.size && [...a].every((i) => b.has(i));

/** The first `n` feeds of a source. */
function firstFeeds(source: CalibrationSource, n: number): CalibrationSource {
  return {
    count: Math.min(n, source.count), description: source.description,
    async *feeds() { let k = 0; for await (const f of source.feeds()) { if (k++ >= n) return; yield f; } },
  };
}

export async function quantizeModelFile(input: string, output: string, source: CalibrationSource, options: QuantizeFileOptions = {}): Promise<QuantizeFileResult> {
  const t0 = performance.now();
  if (input === output) throw new UsageError(`-o ${output}: the output would overwrite the input model; choose another path`, output);
  const model = await loadOnnx(input);
  checkQuantizable(model, input);
  const m13 = upgradeToOpset13(model);
  const g = indexGraph(m13);
  const placement = options.placement ?? 'all';
  if (placement === 'auto' && !options.measure) throw new UsageError('placement auto needs a latency probe');
  const candidates = placement === 'auto' ? AUTO_CANDIDATES : [AUTO_CANDIDATES[0]!];
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
    const bc = await correctBiases(m13, g, plan, cal.ranges, source, { ...options, rounds: options.biasCorrection?.rounds ?? 2 });
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
  if (placement === 'auto') {
    // Candidates that quantize the same nodes (e.g. the stem already in the float prefix) are measured once.
    const first = plans.map((p) => plans.findIndex((q) => sameNodes(q.quantized, p.quantized)));
    const distinct = [...new Set(first)];
    const measured = await options.measure!(distinct.map((i) => ({ label: candidates[i]!.label, bytes: bytes[i]! })));
    speedups = first.map((i) => measured[distinct.indexOf(i)]);
    best = speedups.reduce<number>((b, s, i) => ((s ?? 0) > (speedups[b] ?? 0) ? i : b), 0);
  }
  const chosen = built[best]!;
  if (chosen.layers.length === 0) throw new UsageError(`${input}: no layer could be quantized (${chosen.plan.float.length} kept float; see --layers); nothing written`);
  const chosenBytes = bytes[best]!;
  const quantizedConvs = chosen.layers.filter((l) => l.op === 'Conv' || l.op === 'ConvTranspose').length;
  const fusion = await countFusedConvs(chosenBytes, quantizedConvs, options.threads);
  const floatBytes = serializeOnnx(model);
  const sq = await outputSqnr(floatBytes, chosenBytes, firstFeeds(source, options.verifyImages ?? 8).feeds(), options.threads);
  for (const o of sq.outputs) {
    if (o.dims.join(',') !== o.floatDims.join(',')) throw new UsageError(`internal check failed: output '${o.name}' is [${o.dims.join(',')}] after quantization, [${o.floatDims.join(',')}] before; nothing written`);
  }
  const slowerThanFloat = placement === 'auto' && (speedups[best] ?? 0) < 1;
  if (slowerThanFloat && !options.allowSlower) {
    const seen = candidates.map((c, i) => `${c.label} ×${(speedups[i] ?? 0).toFixed(2)}`).join(', ');
    throw new UsageError(`INT8 is slower than the float model on this machine (${seen}); nothing written. Use --weights-only for a 4× smaller float-compute file, or --allow-slower to write the fastest INT8 model anyway`);
  }
  const provenance = onnxQuantProvenance(model, {
    command: 'quantize', mode: 'static-int8', method: options.method ?? 'percentile', percentile: options.method === 'minmax' ? undefined : options.percentile ?? 0.9999,
    activations: options.activationType ?? 'uint8', weights: `int8 symmetric ${options.perChannel === false ? 'per tensor' : 'per output channel'}${options.reduceRange ? ' (7-bit)' : ''}`,
    bias: options.biasType ?? 'float32', silu: options.silu ?? 'integer', saturationBound: options.saturationBound ?? SATURATION_BOUND, exclude: options.exclude?.length ? options.exclude : undefined,
    floatPrefix: prefix.size, biasCorrection: bias.rounds.length || false, accuracyControl: steps.length ? steps[steps.length - 1]!.floatLayers : undefined,
    placement: candidates[best]!.label, calibration: { images: cal.images, ...options.provenance?.() },
    result: { quantizedLayers: chosen.layers.length, floatNodes: chosen.plan.float.length, fusedConvs: fusion.integerConvs },
  });
  const saved = await saveOnnx(chosen.model, output, { force: options.force, metadata: [provenance] });
  return {
    floatPrefix: { steps: prefixSteps, layers: [...prefix].sort((a, b) => a - b).map((i) => g.nodes[i]!.name) },
    accuracy: { steps, sensitivity },
    input: { path: input, bytes: model.source?.length ?? floatBytes.length },
    output: { path: saved.path, bytes: saved.bytes },
    plan: chosen.plan, layers: chosen.layers, float: chosen.plan.float,
    placement: { chosen: candidates[best]!.label, candidates: candidates.map((c, i) => ({ label: c.label, speedup: speedups[i] })), slowerThanFloat },
    calibration: { images: cal.images, description: source.description, method: options.method ?? 'percentile', seconds: calSeconds },
    biasCorrection: bias, provenance,
    verify: { outputs: sq.outputs, images: sq.images, fusion },
    seconds: { total: (performance.now() - t0) / 1000 },
  };
}
