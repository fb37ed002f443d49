/**
 * Damage proxies: how far a candidate model's predictions moved from the original's, on the search images,
 * without labels. The optimiser ranks and budgets with `agreement damage`: the original model's confident
 * detections (score ≥ 0.25) serve as ground truth and the candidate's detections are scored against them with
 * the same mAP50 code as validation, relative to the original scored the same way. It is a detection-level
 * measure, so it moves the way mAP moves (a box that shifts, vanishes or changes class costs; a change in the
 * background scores that no NMS survivor sees does not), and it compares against the original rather than the
 * labels, so it sees small changes that real mAP on a few dozen images hides in its noise. The head-output error
 * (relative L2 of the raw outputs) is kept beside it for the record. test/search/proxy-rank.test.ts measures the
 * rank correlation of both with real mAP50 on LeYOLO-Nano.
 */
import type { ImageDetections, ImageLabels } from '../eval/contract.js';
import { computeDetectionMetrics } from '../eval/metrics/index.js';

/** Score above which the original's detections become pseudo ground truth. */
export const PSEUDO_LABEL_CONF = 0.25;

/** The original's detections with score ≥ `conf` as ground truth (image sizes from `like`). */
export function pseudoLabels(original: readonly ImageDetections[], like: readonly ImageLabels[], conf = PSEUDO_LABEL_CONF): ImageLabels[] {
  return original.map((d, i) => {
    const keep: number[] = [];
    for (let k = 0; k < d.scores.length; k++) if (d.scores[k]! >= conf) keep.push(k);
    const boxes = new Float32Array(keep.length * 4);
    keep.forEach((k, j) => boxes.set(d.boxesXyxy.subarray(4 * k, 4 * k + 4), 4 * j));
    const base = like[i];
    return {
      imageId: d.imageId, boxesXyxy: boxes, classes: Int32Array.from(keep, (k) => d.classes[k]!),
      width: base?.width ?? 0, height: base?.height ?? 0,
    };
  });
}

/** mAP50 of `detections` against `labels` (Ultralytics' metric). */
export function map50Of(labels: readonly ImageLabels[], detections: readonly ImageDetections[], names: readonly string[]): { map50: number; map5095: number } {
  const m = computeDetectionMetrics({ labels: [...labels], detections: [...detections], names: [...names] });
  return { map50: m.map50, map5095: m.map5095 };
}

/** Relative L2 distance ‖a − b‖ / ‖a‖ accumulated over images: call `add` per image, then `value`. */
export class OutputError {
  private num = 0;
  private den = 0;
  add(original: Float32Array, candidate: Float32Array): void {
    if (original.length !== candidate.length) throw new RangeError(`output sizes differ: ${original.length} vs ${candidate.length}`);
    for (let i = 0; i < original.length; i++) {
      const d = original[i]! - candidate[i]!;
      this.num += d * d;
      this.den += original[i]! * original[i]!;
    }
  }
  value(): number {
    return this.den > 0 ? Math.sqrt(this.num / this.den) : 0;
  }
}

/** Ranks (1-based) with ties given their average rank. */
export function ranks(values: readonly number[]): number[] {
  const order = values.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v);
  const out = new Array<number>(values.length);
  for (let s = 0; s < order.length;) {
    let e = s;
    while (e + 1 < order.length && order[e + 1]!.v === order[s]!.v) e++;
    for (let k = s; k <= e; k++) out[order[k]!.i] = (s + e) / 2 + 1;
    s = e + 1;
  }
  return out;
}

/** Spearman's rank correlation of two equally long series (Pearson on average ranks); NaN when either is constant. */
export function spearman(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new RangeError(`spearman: lengths differ (${a.length} vs ${b.length})`);
  const ra = ranks(a), rb = ranks(b);
  const n = a.length;
  const ma = ra.reduce((s, x) => s + x, 0) / n, mb = rb.reduce((s, x) => s + x, 0) / n;
  let num = 0, da = 0, db = 0;
  for (let i = 0; i < n; i++) {
    num += (ra[i]! - ma) * (rb[i]! - mb);
    da += (ra[i]! - ma) ** 2;
    db += (rb[i]! - mb) ** 2;
  }
  return da > 0 && db > 0 ? num / Math.sqrt(da * db) : NaN;
}
