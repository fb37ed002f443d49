/**
 * Quantization sensitivity of each weighted layer: the model with only that layer (and its activation) quantized,
 * run on a few calibration images; its outputs' SQNR against the float model (dB, all outputs pooled). The lower,
 * the more that layer alone costs. Accuracy control returns layers to float in this order.
 */
import type { Tensor } from '../core/dtype.js';
import { toFloat32 } from '../core/convert.js';
import type { GraphIndex } from '../graph/onnx-graph.js';
import { serializeOnnx, type OnnxModel } from '../io/onnx/index.js';
import { createSession } from '../runtime/index.js';
import { planQuantization, type LayerKind, type PlanOptions, type QuantPlan } from './plan.js';
import { buildQuantized, type StaticQuantOptions } from './static.js';
import type { TensorRange } from './scales.js';
import { SATURATION_BOUND } from './saturation.js';
import { sigmoid } from '../core/scalar.js';

export interface LayerSensitivity { index: number; node: string; kind: LayerKind | undefined; sqnrDb: number }

const FOLLOWERS = new Set<LayerKind>(['sigmoid', 'silu']);

/** The layers `plan` quantizes that placement ranks (weighted ops and standalone arithmetic). */
export function rankedLayers(plan: QuantPlan): number[] {
  return [...plan.kinds].filter(([i, k]) => plan.quantized.has(i) && !FOLLOWERS.has(k)).map(([i]) => i);
}

/** Plan options that quantize only `only` (activations follow their layer). */
export function onlyLayer(only: number, base: PlanOptions): PlanOptions {
  return { ...base, keepFloat: (info) => (info.kind && !FOLLOWERS.has(info.kind) && info.index !== only ? 'sensitivity probe' : base.keepFloat?.(info)) };
}

/** Rank `plan`'s layers by the SQNR of the model's outputs when only that layer is quantized (ascending). */
export async function layerSensitivity(
  model: OnnxModel, g: GraphIndex, plan: QuantPlan, base: PlanOptions, ranges: ReadonlyMap<string, TensorRange>,
  feeds: ReadonlyArray<Readonly<Record<string, Tensor>>>, options: StaticQuantOptions & { onLayer?: (done: number, total: number) => void } = {},
): Promise<LayerSensitivity[]> {
  const refOut = await referenceOutputs(model, feeds, options.threads);
  const layers = rankedLayers(plan);
  const out: LayerSensitivity[] = [];
  for (const [n, i] of layers.entries()) {
    const sqnr = await probeSqnr(model, g, onlyLayer(i, base), ranges, feeds, refOut, options);
    out.push({ index: i, node: g.nodes[i]!.name, kind: plan.kinds.get(i), sqnrDb: sqnr });
    options.onLayer?.(n + 1, layers.length);
  }
  return out.sort((a, b) => a.sqnrDb - b.sqnrDb);
}

/** Float outputs of `model` on `feeds` (the reference of {@link probeSqnr}). */
export async function referenceOutputs(model: OnnxModel, feeds: ReadonlyArray<Readonly<Record<string, Tensor>>>, threads?: number): Promise<Array<Record<string, Tensor>>> {
  const ref = await createSession(serializeOnnx(model), { threads });
  const out: Array<Record<string, Tensor>> = [];
  try {
    for (const f of feeds) out.push(await ref.run(f));
  } finally { await ref.release(); }
  return out;
}

/**
 * Mean per-field output SQNR (dB) against `refOut` of the model quantized with plan options `planOptions`: without
 * the class-logit clip and without a score floor — the metric the float prefix was set on (LeYOLO-Nano 13 layers,
 * held-out −0.12 pt); with the floor its curve flattens and the prefix rule picked 4 layers (−1.90 pt).
 */
export async function probeSqnr(
  model: OnnxModel, g: GraphIndex, planOptions: PlanOptions, ranges: ReadonlyMap<string, TensorRange>,
  feeds: ReadonlyArray<Readonly<Record<string, Tensor>>>, refOut: ReadonlyArray<Record<string, Tensor>>, options: StaticQuantOptions = {},
): Promise<number> {
  const q = buildQuantized(model, planQuantization(model, planOptions, g), ranges, { ...options, clipLogits: false }, g);
  return bytesSqnr(serializeOnnx(q.model), feeds, refOut, options.threads, 0);
}

/**
 * Mean per-field output SQNR (dB) of the model `bytes` against `refOut` (see {@link referenceOutputs}); score fields
 * compare values under `scoreFloor` as equal (default {@link SCORE_FLOOR}; 0 compares them as they are).
 */
export async function bytesSqnr(bytes: Uint8Array, feeds: ReadonlyArray<Readonly<Record<string, Tensor>>>, refOut: ReadonlyArray<Record<string, Tensor>>, threads?: number, scoreFloor = SCORE_FLOOR): Promise<number> {
  const s = await createSession(bytes, { threads });
  const acc = new Map<string, { sig: Float64Array; err: Float64Array }>();
  try {
    for (const [k, f] of feeds.entries()) {
      const o = await s.run(f);
      for (const [name, ft] of Object.entries(refOut[k]!)) accumulate(acc, name, ft, o[name]!, scoreFloor);
    }
  } finally { await s.release(); }
  return meanDb(acc);
}

/**
 * Scores under this count as equal in the SQNR: σ(−{@link SATURATION_BOUND}) = 0.00034, what the saturation rule
 * makes of a class logit it clips (see saturatedRanges), under every confidence threshold prunekit applies (`val`'s
 * 0.001). Without it, per-field SQNR of a class absent from the probe images measures background scores of 1e-5
 * that no threshold lets through, and the clip that never changes a detection reads as −20 dB.
 */
export const SCORE_FLOOR = sigmoid(-SATURATION_BOUND);

/**
 * Per-field signal and error sums of one output. A detector output [1, F, N] or [1, N, F] has F fields (box
 * coordinates, objectness, class scores) of very different magnitudes; each field gets its own SQNR so that
 * class scores weigh as much as pixel coordinates. A field whose float values all lie in [0, 1] in this image is a
 * score: both values are compared at least {@link SCORE_FLOOR}.
 */
function accumulate(acc: Map<string, { sig: Float64Array; err: Float64Array }>, name: string, ft: Tensor, qt: Tensor, floor: number): void {
  const f = toFloat32(ft), q = toFloat32(qt);
  const d = ft.dims;
  const byDim1 = d.length === 3 && d[1]! <= d[2]!;
  const fields = d.length === 3 ? (byDim1 ? d[1]! : d[2]!) : 1;
  const inner = d.length === 3 && byDim1 ? d[2]! : 1;
  const field = (j: number) => (fields === 1 ? 0 : byDim1 ? Math.floor(j / inner) % fields : j % fields);
  const score = new Uint8Array(fields).fill(floor > 0 ? 1 : 0);
  for (let j = 0; j < f.length; j++) if (!(f[j]! >= 0 && f[j]! <= 1)) score[field(j)] = 0;
  let a = acc.get(name);
  if (!a) acc.set(name, (a = { sig: new Float64Array(fields), err: new Float64Array(fields) }));
  for (let j = 0; j < f.length; j++) {
    const c = field(j);
    a.sig[c] = a.sig[c]! + f[j]! * f[j]!;
    const e = score[c] ? Math.max(f[j]!, floor) - Math.max(q[j]!, floor) : f[j]! - q[j]!;
    a.err[c] = a.err[c]! + e * e;
  }
}

/** Mean over outputs and fields of the SQNR in dB (a field with no error counts as 100 dB). */
function meanDb(acc: Map<string, { sig: Float64Array; err: Float64Array }>): number {
  let sum = 0, n = 0;
  for (const { sig, err } of acc.values()) {
    sig.forEach((s, c) => { sum += err[c]! === 0 ? 100 : Math.min(100, 10 * Math.log10(s / err[c]!)); n++; });
  }
  return n === 0 ? Infinity : sum / n;
}
