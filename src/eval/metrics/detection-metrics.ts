/**
 * `computeDetectionMetrics`: the numbers Ultralytics' DetectionValidator prints (P, R, mAP50, mAP50-95 and the
 * per-class table), from ground truth and post-NMS detections in original image pixels.
 */
import { DatasetError, UsageError } from '../../core/errors.js';
import type { ClassMetrics, DetectionMetrics, ImageDetections, ImageLabels } from '../contract.js';
import { apPerClass, CURVE_X } from './ap.js';
import { ULTRALYTICS_IOU_THRESHOLDS, matchImage } from './match.js';
import { pairwiseSum } from './numeric.js';
import { argsortDescending } from './sort.js';

export interface DetectionMetricsInput {
  /** Ground truth, one entry per dataset image (also images without boxes); their order is the dataset order. */
  labels: readonly ImageLabels[];
  /** Detections after NMS; images absent here have no detections. Every `imageId` must be in `labels`. */
  detections: readonly ImageDetections[];
  /** Class index → name. */
  names: readonly string[];
  /** IoU thresholds, ascending in (0, 1]; default Ultralytics' 0.50:0.05:0.95 (float32). The first one gives mAP50. */
  iouThresholds?: ArrayLike<number>;
}

function checkThresholds(t: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(t);
  if (out.length === 0 || !out.every((v, i) => v > 0 && v <= 1 && (i === 0 || v >= out[i - 1]!))) {
    throw new UsageError(`iouThresholds must be a non-empty ascending list in (0, 1] (got [${Array.from(out).join(', ')}])`);
  }
  return out;
}

export function computeDetectionMetrics(input: DetectionMetricsInput): DetectionMetrics {
  const thresholds = input.iouThresholds === undefined ? ULTRALYTICS_IOU_THRESHOLDS : checkThresholds(input.iouThresholds);
  const T = thresholds.length;
  const byImage = new Map<string, ImageDetections>();
  const labelIds = new Set<string>();
  for (const l of input.labels) {
    if (labelIds.has(l.imageId)) throw new DatasetError(`labels: image id "${l.imageId}" appears twice; each image must be listed once`, l.imageId);
    labelIds.add(l.imageId);
  }
  let total = 0;
  for (const d of input.detections) {
    if (!labelIds.has(d.imageId)) throw new DatasetError(`detections for image id "${d.imageId}" which has no labels entry; pass every evaluated image in labels (empty boxes for background images)`, d.imageId);
    if (byImage.has(d.imageId)) throw new DatasetError(`detections: image id "${d.imageId}" appears twice`, d.imageId);
    byImage.set(d.imageId, d);
    total += d.scores.length;
  }
  const tp = new Uint8Array(total * T);
  const conf = new Float32Array(total);
  const predCls = new Int32Array(total);
  const instances = new Map<number, number>();
  const images = new Map<number, number>();
  let offset = 0;
  for (const lab of input.labels) {
    // Crowd regions are not Ultralytics labels.
    const rows: number[] = [];
    for (let g = 0; g < lab.classes.length; g++) if (!lab.crowd?.[g]) rows.push(g);
    const seen = new Set<number>();
    for (const g of rows) {
      const c = lab.classes[g]!;
      instances.set(c, (instances.get(c) ?? 0) + 1);
      seen.add(c);
    }
    for (const c of seen) images.set(c, (images.get(c) ?? 0) + 1);
    const det = byImage.get(lab.imageId);
    if (!det || det.scores.length === 0) continue;
    const order = argsortDescending(det.scores);
    for (let i = 0; i < order.length; i++) {
      conf[offset + i] = det.scores[order[i]!]!;
      predCls[offset + i] = det.classes[order[i]!]!;
    }
    matchImage(lab.boxesXyxy, lab.classes, Int32Array.from(rows), det.boxesXyxy, det.classes, order, thresholds, tp, offset);
    offset += order.length;
  }
  const classes = Int32Array.from([...instances.keys()].sort((a, b) => a - b));
  const counts = Int32Array.from(classes, (c) => instances.get(c)!);
  const nc = classes.length;
  const name = (c: number): string => input.names[c] ?? String(c);
  const zeroCurve = { recall: CURVE_X.slice(), precision: new Float64Array(CURVE_X.length) };
  // Ultralytics computes metrics only when some detection is a true positive; otherwise everything is 0.
  if (nc === 0 || !tp.some((v) => v === 1)) {
    const perClass: ClassMetrics[] = Array.from(classes, (c) => ({
      classIndex: c, name: name(c), images: images.get(c)!, instances: instances.get(c)!,
      precision: 0, recall: 0, map50: 0, map5095: 0,
    }));
    return { precision: 0, recall: 0, map50: 0, map5095: 0, perClass, prCurve: zeroCurve, bestConfidence: 0 };
  }
  const res = apPerClass({ tp, conf, predCls, nThresholds: T, classes, counts, order: argsortDescending(conf) });
  const ap50 = new Float64Array(nc);
  const perClass: ClassMetrics[] = [];
  for (let ci = 0; ci < nc; ci++) {
    const c = classes[ci]!;
    ap50[ci] = res.ap[ci * T]!;
    perClass.push({
      classIndex: c, name: name(c), images: images.get(c)!, instances: counts[ci]!,
      precision: res.p[ci]!, recall: res.r[ci]!, map50: res.ap[ci * T]!,
      map5095: pairwiseSum(res.ap, ci * T, T) / T,
    });
  }
  return {
    precision: pairwiseSum(res.p) / nc,
    recall: pairwiseSum(res.r) / nc,
    map50: pairwiseSum(ap50) / nc,
    map5095: pairwiseSum(res.ap) / (nc * T),
    perClass,
    prCurve: { recall: CURVE_X.slice(), precision: res.prMean },
    bestConfidence: CURVE_X[res.bestIndex]!,
  };
}
