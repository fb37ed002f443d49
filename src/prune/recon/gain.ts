/**
 * Network-aware weighting of the data-aware global allocation (allocate.ts). The allocation's score of a weight
 * is the relative output error its removal adds to ITS OWN layer; a layer whose output errors the rest of the
 * network amplifies (or damps) needs its scores scaled by how much a relative error there moves the network's
 * outputs. The gain g_l of layer l is measured, not modelled: noise of relative energy α (per output channel,
 * runtime/perturb.ts) is added to the layer's output on a few calibration images and
 *   g_l = D(outputs, perturbed outputs) / α,
 * with D the distortion below pooled over the images (a ratio of sums, not a mean of per-image ratios). Scores s_q × g_l^p then rank every weight by an estimate of the network error
 * its removal adds (linearised: Σ_l g_l e_l with e_l the layer's relative error; p = 1).
 * Cost: images × (layers + 1) forwards of the network.
 */
import type { Tensor } from '../../core/dtype.js';
import type { OnnxModel } from '../../io/onnx/bytes.js';
import { collectPerturbedOutputs, type ActivationOptions } from '../../runtime/index.js';

/**
 * How far `perturbed` is from `original` (same outputs), as ratios Σ num / Σ den (summed over the ratios; each
 * pair can be summed over images first, see {@link layerGains}). A detection output [1, 4 + nc, A] (Ultralytics:
 * box cx, cy, w, h in pixels, then class probabilities) is scored like detection quality: the relative energy of
 * the class-probability change, Σ Δp² / Σ p², plus the box change relative to each box's size, weighted by the
 * anchor's confidence c_a = max_c p_ca: Σ_a c_a ‖Δbox_a‖² / ((w_a² + h_a²)/2) / Σ_a c_a. Anything else: the
 * relative energy Σ Δy² / Σ y² over every output.
 */
export function distortionParts(original: Readonly<Record<string, Tensor>>, perturbed: Readonly<Record<string, Tensor>>): Array<{ num: number; den: number }> {
  const names = Object.keys(original).sort();
  const first = original[names[0]!];
  if (names.length === 1 && first && first.dims.length === 3 && first.dims[0] === 1 && first.dims[1]! > 4 && first.dims[2]! > first.dims[1]!) {
    return detectParts(first.data as Float32Array, perturbed[names[0]!]!.data as Float32Array, first.dims[1]!, first.dims[2]!);
  }
  let num = 0, den = 0;
  for (const n of names) {
    const a = original[n]!.data as Float32Array, b = perturbed[n]!.data as Float32Array;
    for (let i = 0; i < a.length; i++) { const d = b[i]! - a[i]!; num += d * d; den += a[i]! * a[i]!; }
  }
  return [{ num, den }];
}

/** {@link distortionParts} of one image as one number: Σ num / den (a ratio with den 0 counts 0). */
export function outputDistortion(original: Readonly<Record<string, Tensor>>, perturbed: Readonly<Record<string, Tensor>>): number {
  return ratioSum(distortionParts(original, perturbed));
}

const ratioSum = (parts: ReadonlyArray<{ num: number; den: number }>) => parts.reduce((s, p) => s + (p.den > 0 ? p.num / p.den : 0), 0);

function detectParts(a: Float32Array, b: Float32Array, rows: number, anchors: number): Array<{ num: number; den: number }> {
  let cls = 0, clsEnergy = 0, box = 0, conf = 0;
  for (let k = 0; k < anchors; k++) {
    let c = 0;
    for (let r = 4; r < rows; r++) {
      const p = a[r * anchors + k]!, d = b[r * anchors + k]! - p;
      cls += d * d;
      clsEnergy += p * p;
      if (p > c) c = p;
    }
    const w = a[2 * anchors + k]!, h = a[3 * anchors + k]!;
    const size = (w * w + h * h) / 2;
    if (c > 0 && size > 0) {
      let e = 0;
      for (let r = 0; r < 4; r++) { const d = b[r * anchors + k]! - a[r * anchors + k]!; e += d * d; }
      box += (c * e) / size;
      conf += c;
    }
  }
  return [{ num: cls, den: clsEnergy }, { num: box, den: conf }];
}

/** A layer whose output to perturb: its plan index, its output tensor and that tensor's rank. */
export interface GainTarget { index: number; output: string; rank: number }

export interface GainOptions {
  /** Noise energy relative to the layer output (default 0.01). */
  relative?: number;
  run?: ActivationOptions;
}

/** Measured gains: g_l per target index, and the images and forwards (images × (distinct outputs + 1)) it took. */
export interface LayerGains { gains: Map<number, number>; images: number; forwards: number }

/**
 * The gain g_l per target index: the distortion of the outputs pooled over the images of `feeds` (each ratio's
 * numerators and denominators summed over the images, then divided: an image with few confident detections,
 * whose own ratio is large and erratic, weighs by its share of the energy) ÷ the relative noise energy.
 */
export async function layerGains(model: OnnxModel, targets: readonly GainTarget[], feeds: AsyncIterable<Readonly<Record<string, Tensor>>>, options: GainOptions = {}): Promise<LayerGains> {
  const relative = options.relative ?? 0.01;
  const byOutput = new Map<string, number[]>();
  for (const t of targets) byOutput.set(t.output, [...(byOutput.get(t.output) ?? []), t.index]);
  const requests = [...byOutput.keys()].map((o) => ({ key: o, tensor: o, rank: targets.find((t) => t.output === o)!.rank, relative }));
  const sums = new Map<string, Array<{ num: number; den: number }>>();
  let reference: Record<string, Tensor> | undefined;
  let images = 0;
  await collectPerturbedOutputs(model, requests, feeds, (key, out, index) => {
    if (key === undefined) { reference = copyOutputs(out); images = index + 1; return; }
    const parts = distortionParts(reference!, out), acc = sums.get(key);
    if (!acc) sums.set(key, parts);
    else parts.forEach((p, j) => { acc[j]!.num += p.num; acc[j]!.den += p.den; });
  }, options.run);
  const gains = new Map<number, number>();
  for (const [o, idx] of byOutput) for (const i of idx) gains.set(i, images > 0 ? ratioSum(sums.get(o) ?? []) / relative : 1);
  return { gains, images, forwards: images * (requests.length + 1) };
}

function copyOutputs(out: Readonly<Record<string, Tensor>>): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, { ...v, data: (v.data as Float32Array).slice() }]));
}

/**
 * Scores of one layer weighted by its gain: s × g^p, zeros kept 0 and positive scores kept > 0 (the smallest
 * positive float32), so existing zeros still go first and a weight never ties with them.
 */
export function weightScores(scores: Float32Array, gain: number, exponent = 1): Float32Array {
  const f = Math.pow(Math.max(gain, 0), exponent);
  return Float32Array.from(scores, (v) => (v === 0 ? 0 : Math.min(Math.max(Math.fround(v * f), 1.401298464324817e-45), 3.4028234663852886e38)));
}
