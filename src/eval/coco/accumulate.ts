/**
 * pycocotools `accumulate` for one category: precision at the recall thresholds (envelope of the PR curve,
 * `searchsorted(rc, recThrs, side='left')`) and final recall, per IoU threshold, area range and maxDets.
 */
import { DT_IGNORED, DT_TP, type CategoryMatches, type CocoParams } from './match.js';
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

/** Scratch for the PR walk, grown on demand. */
export class AccumulateScratch {
  rc = new Float64Array(256);
  pr = new Float64Array(256);
  ensure(n: number): void {
    if (this.rc.length < n) {
      this.rc = new Float64Array(n * 2);
      this.pr = new Float64Array(n * 2);
    }
  }
}

/**
 * Fills the category-`k` slices of `out`. `withPrecision[m]` says whether precision is needed for maxDets index m
 * (recall is always computed: it needs no sort).
 */
export function accumulateCategory(
  prep: PreparedCoco, k: number, K: number, matches: CategoryMatches, p: CocoParams,
  withPrecision: readonly boolean[], out: CocoEvalArrays, scratch: AccumulateScratch,
): void {
  if (!matches.present) return;
  const T = p.iouThrs.length, R = p.recThrs.length, A = p.areaRng.length, M = p.maxDets.length;
  const { dt } = prep;
  const dStart = dt.catOffsets[k]!, dEnd = dt.catOffsets[k + 1]!;
  const nk = dEnd - dStart;
  scratch.ensure(nk);
  const { rc, pr } = scratch;
  for (let a = 0; a < A; a++) {
    const npig = matches.npig[a]!;
    if (npig === 0) continue;
    for (let m = 0; m < M; m++) {
      const maxDet = p.maxDets[m]!;
      for (let t = 0; t < T; t++) {
        const base = (a * T + t) * nk;
        const recallAt = ((t * K + k) * A + a) * M + m;
        if (!withPrecision[m]) {
          let tp = 0;
          let nd = 0;
          for (let j = 0; j < nk; j++) {
            if (dt.rank[dStart + j]! >= maxDet) continue;
            nd++;
            if (matches.states[base + j] === DT_TP) tp++;
          }
          out.recall[recallAt] = nd ? tp / npig : 0;
          continue;
        }
        let tp = 0, fp = 0, nd = 0;
        for (let s = dStart; s < dEnd; s++) {
          const e = dt.byScore[s]!;
          if (dt.rank[e]! >= maxDet) continue;
          const st = matches.states[base + e - dStart];
          if (st === DT_TP) tp++;
          else if (st !== DT_IGNORED) fp++;
          rc[nd] = tp / npig;
          pr[nd] = tp / (fp + tp + EPS);
          nd++;
        }
        out.recall[recallAt] = nd ? rc[nd - 1]! : 0;
        for (let i = nd - 1; i > 0; i--) if (pr[i]! > pr[i - 1]!) pr[i - 1] = pr[i]!;
        let i = 0;
        for (let r = 0; r < R; r++) {
          const thr = p.recThrs[r]!;
          while (i < nd && rc[i]! < thr) i++;
          out.precision[(((t * R + r) * K + k) * A + a) * M + m] = i < nd ? pr[i]! : 0;
        }
      }
    }
  }
}
