/**
 * Paired bootstrap of a candidate's accuracy drop over the search images. mAP is not a sum over images, so each
 * replicate *recomputes* it: the images are resampled with replacement (a count per image), and the per-image match
 * records (every detection's class, confidence and true-positive flag, every label's class — computed once per
 * model with the validation matcher) are replayed with those multiplicities through Ultralytics' AP (`computeAp`).
 * With every count 1 this is exactly `computeDetectionMetrics`' mAP. The original and the candidate are scored on
 * the *same* resamples (one seeded plan), so a replicate's drop is paired: image difficulty cancels and only the
 * candidate's own changes vary. Pure (typed arrays), deterministic for a seed.
 */
import type { ImageDetections, ImageLabels } from '../eval/contract.js';
import { computeAp, matchImage, ULTRALYTICS_IOU_THRESHOLDS } from '../eval/metrics/index.js';
import { argsortDescending } from '../eval/metrics/sort.js';
import { seededRandom } from '../bench/stats.js';

const EPS = 1e-16;

/** The match records of one model on one image set, detections in global confidence order (stable). */
export interface MatchRecords {
  images: number;
  /** IoU thresholds T the metric averages over (1: mAP50; 10: mAP50-95). */
  thresholds: number;
  /** [N] image index of each detection (global confidence order). */
  image: Int32Array;
  /** [N*T] true positive flags. */
  tp: Uint8Array;
  /** Detection indices of each class, in confidence order. */
  byClass: Map<number, Int32Array>;
  /** Per class, [images] label count in each image (classes that have labels somewhere). */
  labels: Map<number, Int32Array>;
}

export type BootstrapMetric = 'map50' | 'map5095';

/** Records of `detections` against `labels` (dataset order; crowd boxes dropped, as the Ultralytics metric does). */
export function matchRecords(labels: readonly ImageLabels[], detections: readonly ImageDetections[], metric: BootstrapMetric = 'map50'): MatchRecords {
  const thr = metric === 'map50' ? ULTRALYTICS_IOU_THRESHOLDS.subarray(0, 1) : ULTRALYTICS_IOU_THRESHOLDS;
  const T = thr.length;
  const byId = new Map(detections.map((d) => [d.imageId, d]));
  const total = labels.reduce((s, l) => s + (byId.get(l.imageId)?.scores.length ?? 0), 0);
  const conf = new Float32Array(total), cls = new Int32Array(total), img = new Int32Array(total), tpRaw = new Uint8Array(total * T);
  const labelCounts = new Map<number, Int32Array>();
  let offset = 0;
  labels.forEach((lab, i) => {
    const rows: number[] = [];
    for (let g = 0; g < lab.classes.length; g++) {
      if (lab.crowd?.[g]) continue;
      rows.push(g);
      const c = lab.classes[g]!;
      if (!labelCounts.has(c)) labelCounts.set(c, new Int32Array(labels.length));
      labelCounts.get(c)![i]!++;
    }
    const det = byId.get(lab.imageId);
    if (!det || det.scores.length === 0) return;
    const order = argsortDescending(det.scores);
    for (let k = 0; k < order.length; k++) {
      conf[offset + k] = det.scores[order[k]!]!;
      cls[offset + k] = det.classes[order[k]!]!;
      img[offset + k] = i;
    }
    matchImage(lab.boxesXyxy, lab.classes, Int32Array.from(rows), det.boxesXyxy, det.classes, order, thr, tpRaw, offset);
    offset += order.length;
  });
  const global = argsortDescending(conf);
  const image = new Int32Array(total), tp = new Uint8Array(total * T);
  const lists = new Map<number, number[]>();
  global.forEach((e, k) => {
    image[k] = img[e]!;
    for (let t = 0; t < T; t++) tp[k * T + t] = tpRaw[e * T + t]!;
    const c = cls[e]!;
    if (!labelCounts.has(c)) return; // Ultralytics ignores detections of classes without labels
    if (!lists.has(c)) lists.set(c, []);
    lists.get(c)!.push(k);
  });
  return { images: labels.length, thresholds: T, image, tp, byClass: new Map([...lists].map(([c, l]) => [c, Int32Array.from(l)])), labels: labelCounts };
}

/** The resamples: `resamples` rows of per-image counts (multinomial: n draws with replacement), from `seed`. */
export interface ResamplePlan { images: number; resamples: number; seed: number; counts: Uint16Array }

export function resamplePlan(images: number, resamples = 2000, seed = 1): ResamplePlan {
  const rand = seededRandom(seed);
  const counts = new Uint16Array(images * resamples);
  for (let b = 0; b < resamples; b++) for (let k = 0; k < images; k++) counts[b * images + Math.floor(rand() * images)]!++;
  return { images, resamples, seed, counts };
}

/**
 * The metric (mAP50, or mAP50-95 over the 10 thresholds) of the records with image `i` counted `counts[i]` times:
 * what `computeDetectionMetrics` gives on the image list where image i appears counts[i] times.
 */
export function metricWithCounts(r: MatchRecords, counts: ArrayLike<number>): number {
  const T = r.thresholds;
  let nc = 0, sum = 0, anyTp = false;
  let recall = new Float64Array(64), precision = new Float64Array(64);
  let sentinels = { mrec: new Float64Array(66), mpre: new Float64Array(66) };
  for (const [c, perImage] of r.labels) {
    let nl = 0;
    for (let i = 0; i < r.images; i++) nl += perImage[i]! * counts[i]!;
    if (nl === 0) continue;
    nc++;
    const dets = r.byClass.get(c);
    if (!dets) continue;
    let n = 0;
    for (const e of dets) n += counts[r.image[e]!]!;
    if (n === 0) continue;
    if (recall.length < n) {
      recall = new Float64Array(2 * n);
      precision = new Float64Array(2 * n);
      sentinels = { mrec: new Float64Array(2 * n + 2), mpre: new Float64Array(2 * n + 2) };
    }
    for (let t = 0; t < T; t++) {
      let tpc = 0, fpc = 0, k = 0;
      for (const e of dets) {
        const w = counts[r.image[e]!]!;
        const hit = r.tp[e * T + t] === 1;
        if (hit) anyTp = true;
        for (let j = 0; j < w; j++) {
          if (hit) tpc++;
          else fpc++;
          recall[k] = tpc / (nl + EPS);
          precision[k] = tpc / (tpc + fpc);
          k++;
        }
      }
      sum += computeAp(recall, precision, n, sentinels).ap;
    }
  }
  // Ultralytics computes metrics only when some detection is a true positive; otherwise everything is 0.
  return nc === 0 || !anyTp ? 0 : sum / (nc * T);
}

/** The metric on every resample of `plan`. */
export function replicateMetrics(r: MatchRecords, plan: ResamplePlan): Float64Array {
  if (plan.images !== r.images) throw new RangeError(`resample plan is for ${plan.images} images, the records have ${r.images}`);
  const out = new Float64Array(plan.resamples);
  for (let b = 0; b < plan.resamples; b++) out[b] = metricWithCounts(r, plan.counts.subarray(b * plan.images, (b + 1) * plan.images));
  return out;
}

/** Paired drops per replicate, ascending: relative (base − cand) / base (0 when base is 0) or absolute base − cand. */
export function pairedDrops(base: Float64Array, cand: Float64Array, kind: 'relative' | 'absolute'): Float64Array {
  return Float64Array.from(base, (b, i) => (kind === 'absolute' ? b - cand[i]! : b > 0 ? (b - cand[i]!) / b : 0)).sort();
}

/**
 * One-sided upper confidence bound at `level` (e.g. 0.9) of the drop: the `level` quantile of the sorted bootstrap
 * drops (percentile method, linear interpolation between order statistics).
 */
export function upperBound(sortedDrops: Float64Array, level: number): number {
  const n = sortedDrops.length;
  if (n === 0) return NaN;
  const pos = Math.min(Math.max(level, 0), 1) * (n - 1);
  const lo = Math.floor(pos), hi = Math.ceil(pos);
  return sortedDrops[lo]! + (pos - lo) * (sortedDrops[hi]! - sortedDrops[lo]!);
}

/**
 * The per-candidate level after the selection correction: the written point is the best of `family` verified
 * candidates, so each is tested at 1 − (1 − confidence) / family (Bonferroni). family ≤ 1 → the plain level.
 */
export function correctedLevel(confidence: number, family: number): number {
  return 1 - (1 - confidence) / Math.max(1, family);
}

export interface DropBootstrapOptions {
  /** Resamples (default 2000). */
  resamples?: number;
  /** Seed of the resample plan (default 1): the same seed gives the same bounds. */
  seed?: number;
}

/**
 * The paired bootstrap of one budget against one original: the original's replicate metrics are computed once,
 * every candidate is replayed on the same resamples. `drops` gives the sorted replicate drops of a candidate.
 */
export class DropBootstrap {
  readonly plan: ResamplePlan;
  private readonly base: Float64Array;
  constructor(private readonly labels: readonly ImageLabels[], original: readonly ImageDetections[], private readonly metric: BootstrapMetric, private readonly kind: 'relative' | 'absolute', options: DropBootstrapOptions = {}) {
    this.plan = resamplePlan(labels.length, options.resamples ?? 2000, options.seed ?? 1);
    this.base = replicateMetrics(matchRecords(labels, original, metric), this.plan);
  }

  drops(candidate: readonly ImageDetections[]): Float64Array {
    return pairedDrops(this.base, replicateMetrics(matchRecords(this.labels, candidate, this.metric), this.plan), this.kind);
  }
}
