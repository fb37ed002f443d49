/**
 * pycocotools `accumulate` for one category: precision at the recall thresholds (envelope of the PR curve,
 * `searchsorted(rc, recThrs, side='left')`) and final recall, per IoU threshold, area range and maxDets.
 */
import { DT_EXPLICIT, DT_IGNORED, DT_TP, type CategoryMatches, type CocoParams } from './match.js';
import type { PreparedCoco } from './prepare.js';

/** `numpy.spacing(1)`. */
const EPS = 2.220446049250313e-16;

export interface CocoEvalArrays {
  /** [T,R,K,A,M] precision, -1 where undefined (numpy layout of pycocotools `eval['precision']`). */
  precision: Float64Array;
  /** [T,K,A,M] recall, -1 where undefined. */
  recall: Float64Array;
}

export function allocateEvalArrays(p: CocoParams, K: number): CocoEvalArrays {
  const T = p.iouThrs.length, R = p.recThrs.length, A = p.areaRng.length, M = p.maxDets.length;
  return { precision: new Float64Array(T * R * K * A * M).fill(-1), recall: new Float64Array(T * K * A * M).fill(-1) };
}

/**
 * Fills the category-`k` slices of `out`. `withPrecision[m]` says whether precision is needed for maxDets index m
 * (recall needs no sort: it comes from the match counts).
 *
 * Precision at the recall thresholds needs only the true-positive events of the score-ordered list: recall rises
 * only there, so `searchsorted(rc, thr, 'left')` always lands on one (or on index 0, which yields the same
 * envelope value), and the envelope there is the running max of tp/(tp+fp+eps) over later events — false
 * positives only lower precision and ignored detections repeat the previous value. One pass per maxDets
 * (normally one) collects, for every (area, IoU) pair, the false-positive count before each true positive.
 */
export function accumulateCategory(
  prep: PreparedCoco, k: number, K: number, matches: CategoryMatches, p: CocoParams,
  withPrecision: readonly boolean[], out: CocoEvalArrays,
): void {
  if (!matches.present) return;
  const T = p.iouThrs.length, R = p.recThrs.length, A = p.areaRng.length, M = p.maxDets.length;
  const AT = A * T;
  const { dt } = prep;
  const dStart = dt.catOffsets[k]!, dEnd = dt.catOffsets[k + 1]!;
  const { kind, states, npig } = matches;
  for (let a = 0; a < A; a++) {
    if (npig[a] === 0) continue;
    for (let t = 0; t < T; t++) {
      for (let m = 0; m < M; m++) {
        out.recall[((t * K + k) * A + a) * M + m] = matches.tp[(a * T + t) * M + m]! / npig[a]!;
      }
    }
  }
  let cap = 0;
  for (let a = 0; a < A; a++) cap = Math.max(cap, npig[a]!);
  if (cap === 0) return;
  const fp = new Int32Array(AT);
  // false positives among the detections that matched nothing (kind ≠ DT_EXPLICIT), per area range
  const fpPlain = new Int32Array(A);
  const ntp = new Int32Array(AT);
  const fpAtTp = new Int32Array(AT * cap);
  const env = new Float64Array(cap);
  const maxDetLast = p.maxDets[M - 1]!;
  for (let m = 0; m < M; m++) {
    if (!withPrecision[m]) continue;
    const maxRank = p.maxDets[m]!;
    fp.fill(0);
    fpPlain.fill(0);
    ntp.fill(0);
    for (let s = dStart; s < dEnd; s++) {
      const e = dt.byScore[s]!;
      if (maxRank < maxDetLast && dt.rank[e]! >= maxRank) continue;
      const kd = kind[e - dStart]!;
      if (kd !== DT_EXPLICIT) {
        for (let a = 0; a < A; a++) if (((kd >> a) & 1) === 0) fpPlain[a]!++;
        continue;
      }
      const block = (e - dStart) * AT;
      for (let a = 0; a < A; a++) {
        const plain = fpPlain[a]!;
        for (let at = a * T; at < (a + 1) * T; at++) {
          const st = states[block + at];
          if (st === DT_TP) fpAtTp[at * cap + ntp[at]!++] = fp[at]! + plain;
          else if (st !== DT_IGNORED) fp[at]!++;
        }
      }
    }
    for (let a = 0; a < A; a++) {
      const n = npig[a]!;
      if (n === 0) continue;
      for (let t = 0; t < T; t++) {
        const at = a * T + t;
        const events = ntp[at]!;
        // precision at the i-th true positive (tp = i+1), then its envelope (running max from the end)
        for (let i = 0; i < events; i++) env[i] = (i + 1) / (fpAtTp[at * cap + i]! + (i + 1) + EPS);
        for (let i = events - 1; i > 0; i--) if (env[i]! > env[i - 1]!) env[i - 1] = env[i]!;
        let i = 0;
        for (let r = 0; r < R; r++) {
          const thr = p.recThrs[r]!;
          while (i < events && (i + 1) / n < thr) i++;
          out.precision[(((t * R + r) * K + k) * A + a) * M + m] = i < events ? env[i]! : 0;
        }
      }
    }
  }
}
