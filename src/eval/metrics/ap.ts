/**
 * Ultralytics `compute_ap` and `ap_per_class` (`ultralytics/utils/metrics.py`): per class, cumulative TP/FP over
 * detections by descending confidence; AP = trapezoid integral of the precision envelope sampled by linear
 * interpolation at 101 recall points; P/R/F1 curves over 1000 confidence points; P and R read at the argmax of the
 * smoothed mean F1.
 */
import { interp1, linspace, trapezoid } from './numeric.js';
import { bucketSort } from './sort.js';

const EPS = 1e-16;
const X101 = linspace(0, 1, 101);
/** The 1000-point confidence / recall grid of the curves. */
export const CURVE_X = linspace(0, 1, 1000);

export interface ApResult {
  ap: number;
  /** [n+2] recall with sentinels 0 and 1. */
  mrec: Float64Array;
  /** [n+2] precision envelope with sentinels. */
  mpre: Float64Array;
}

/**
 * Ultralytics `compute_ap(recall, precision)` for `n` points. `into` (length ≥ n+2 each) avoids allocating the
 * sentinel arrays when called repeatedly; the returned `mrec`/`mpre` are then views of it.
 */
export function computeAp(recall: ArrayLike<number>, precision: ArrayLike<number>, n: number, into?: { mrec: Float64Array; mpre: Float64Array }): ApResult {
  const mrec = into ? into.mrec.subarray(0, n + 2) : new Float64Array(n + 2);
  const mpre = into ? into.mpre.subarray(0, n + 2) : new Float64Array(n + 2);
  mrec[0] = 0;
  mpre[0] = 1;
  for (let i = 0; i < n; i++) {
    mrec[i + 1] = recall[i]!;
    mpre[i + 1] = precision[i]!;
  }
  mrec[n + 1] = 1;
  mpre[n + 1] = 0;
  for (let i = n; i >= 0; i--) if (mpre[i + 1]! > mpre[i]!) mpre[i] = mpre[i + 1]!;
  const y = new Float64Array(101);
  for (let i = 0; i < 101; i++) y[i] = interp1(X101[i]!, mrec, mpre, n + 2, mpre[0]!, mpre[n + 1]!);
  return { ap: trapezoid(y, X101), mrec, mpre };
}

/** `numpy.convolve`-based `smooth(y, f)` of Ultralytics: box filter of odd width with edge padding. */
export function smooth(y: Float64Array, f: number): Float64Array {
  const nf = Math.floor(Math.round(y.length * f * 2) / 2) + 1;
  const half = Math.floor(nf / 2);
  const n = y.length;
  const out = new Float64Array(n);
  const w = 1 / nf;
  for (let k = 0; k < n; k++) {
    let s = 0;
    for (let m = 0; m < nf; m++) {
      const idx = k + m - half;
      s += (idx < 0 ? y[0]! : idx >= n ? y[n - 1]! : y[idx]!) * w;
    }
    out[k] = s;
  }
  return out;
}

export interface ApPerClassInput {
  /** [N,T] 0/1 true positive flags, detections in concatenation order. */
  tp: Uint8Array;
  /** [N] float32 confidences. */
  conf: Float32Array;
  /** [N] class of each detection. */
  predCls: Int32Array;
  /** Number of IoU thresholds T. */
  nThresholds: number;
  /** Classes with labels, ascending, and their label counts. */
  classes: Int32Array;
  counts: Int32Array;
  /** Detection order by descending confidence (stable). */
  order: Int32Array;
}

export interface ApPerClassResult {
  /** [nc] per class (rows follow `classes`). */
  p: Float64Array;
  r: Float64Array;
  /** [nc,T] */
  ap: Float64Array;
  /** Index into {@link CURVE_X} of the best mean F1. */
  bestIndex: number;
  /** [1000] mean precision over classes (with detections) at the first IoU threshold, against recall CURVE_X. */
  prMean: Float64Array;
}

export function apPerClass(input: ApPerClassInput): ApPerClassResult {
  const { tp, conf, predCls, classes, counts, order } = input;
  const T = input.nThresholds;
  const nc = classes.length;
  const G = CURVE_X.length;
  const ap = new Float64Array(nc * T);
  const pCurve = new Float64Array(nc * G);
  const rCurve = new Float64Array(nc * G);
  const prMean = new Float64Array(G);
  let nPrec = 0;
  const classRow = new Map<number, number>();
  classes.forEach((c, i) => classRow.set(c, i));
  // Detections of each labelled class, in confidence order (counting sort by class row; -1 rows dropped).
  const rowOf = new Int32Array(order.length);
  const kept: number[] = [];
  for (let i = 0; i < order.length; i++) {
    const e = order[i]!;
    const row = classRow.get(predCls[e]!);
    if (row === undefined) continue;
    rowOf[e] = row;
    kept.push(e);
  }
  const byClass = bucketSort(Int32Array.from(kept), rowOf, nc);
  let largest = 0;
  for (let ci = 0; ci < nc; ci++) largest = Math.max(largest, byClass.offsets[ci + 1]! - byClass.offsets[ci]!);
  const sentinels = { mrec: new Float64Array(largest + 2), mpre: new Float64Array(largest + 2) };
  const negConf = new Float64Array(largest);
  const recall = new Float64Array(largest);
  const precision = new Float64Array(largest);
  for (let ci = 0; ci < nc; ci++) {
    const idx = byClass.order.subarray(byClass.offsets[ci]!, byClass.offsets[ci + 1]!);
    const np = idx.length;
    const nl = counts[ci]!;
    if (np === 0 || nl === 0) continue;
    for (let i = 0; i < np; i++) negConf[i] = -conf[idx[i]!]!;
    for (let t = 0; t < T; t++) {
      let tpc = 0;
      let fpc = 0;
      for (let i = 0; i < np; i++) {
        if (tp[idx[i]! * T + t]) tpc++;
        else fpc++;
        recall[i] = tpc / (nl + EPS);
        precision[i] = tpc / (tpc + fpc);
      }
      if (t === 0) {
        for (let k = 0; k < G; k++) {
          rCurve[ci * G + k] = interp1(-CURVE_X[k]!, negConf, recall, np, 0, recall[np - 1]!);
          pCurve[ci * G + k] = interp1(-CURVE_X[k]!, negConf, precision, np, 1, precision[np - 1]!);
        }
      }
      const res = computeAp(recall, precision, np, sentinels);
      ap[ci * T + t] = res.ap;
      if (t === 0) {
        for (let k = 0; k < G; k++) prMean[k] = prMean[k]! + interp1(CURVE_X[k]!, res.mrec, res.mpre, np + 2, res.mpre[0]!, res.mpre[np + 1]!);
        nPrec++;
      }
    }
  }
  if (nPrec > 0) for (let k = 0; k < G; k++) prMean[k] = prMean[k]! / nPrec;
  // Mean F1 over classes (axis-0 mean: sequential sum), smoothed, first argmax.
  const f1Mean = new Float64Array(G);
  for (let k = 0; k < G; k++) {
    let s = 0;
    for (let ci = 0; ci < nc; ci++) {
      const p = pCurve[ci * G + k]!;
      const r = rCurve[ci * G + k]!;
      s += (2 * p * r) / (p + r + EPS);
    }
    f1Mean[k] = s / nc;
  }
  const sm = smooth(f1Mean, 0.1);
  let bestIndex = 0;
  for (let k = 1; k < G; k++) if (sm[k]! > sm[bestIndex]!) bestIndex = k;
  const p = new Float64Array(nc);
  const r = new Float64Array(nc);
  for (let ci = 0; ci < nc; ci++) {
    p[ci] = pCurve[ci * G + bestIndex]!;
    r[ci] = rCurve[ci * G + bestIndex]!;
  }
  return { p, r, ap, bestIndex, prMean };
}
