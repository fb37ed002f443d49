/**
 * pycocotools `computeIoU` + `evaluateImg` for one category over all images, written as flat loops.
 * For each area range, IoU threshold and detection it records one state: true positive, false positive,
 * or ignored (matched to a crowd / out-of-range ground truth, or unmatched and itself out of range).
 */
import type { PreparedCoco } from './prepare.js';

export const DT_FP = 0;
export const DT_TP = 1;
export const DT_IGNORED = 2;

export interface CocoParams {
  /** [T] IoU thresholds. */
  iouThrs: Float64Array;
  /** [R] recall thresholds. */
  recThrs: Float64Array;
  /** [A] area ranges [lo, hi] px². */
  areaRng: readonly (readonly [number, number])[];
  /** Ascending. */
  maxDets: readonly number[];
}

/** `kind[j]` of a detection whose states are written out in `states`. */
export const DT_EXPLICIT = 255;

export interface CategoryMatches {
  /** [nk] how detection j's states are stored. `DT_EXPLICIT`: in row j of `states`. Otherwise the detection
   *  matched nothing (its image has no ground truth of the category) and `kind[j]` is a bit mask over the area
   *  ranges: bit a set = DT_IGNORED at every IoU threshold of area range a (its own area is outside), clear =
   *  DT_FP. Most detections of a COCO-sized run are of this kind; storing one byte for them instead of A·T
   *  keeps match and accumulate linear in the detections that can match. View into the scratch. */
  kind: Uint8Array;
  /** [nk, A, T] detection states (nk = the category's detections, in prepared order), detection-major; only
   *  the rows of `DT_EXPLICIT` detections are defined. A view into the scratch: valid until the next
   *  `matchCategory` call. */
  states: Uint8Array;
  /** [A] ground truths not ignored for each area range. */
  npig: Int32Array;
  /** [A, T, M] true positives among the detections with rank < maxDets[m] (the final recall numerator). */
  tp: Int32Array;
  /** True when some image has a ground truth or a detection of this category (pycocotools `E` non-empty). */
  present: boolean;
}

/** Grows-on-demand scratch buffers shared across categories. */
export class MatchScratch {
  ious = new Float64Array(64);
  order = new Int32Array(16);
  ignore = new Uint8Array(16);
  gtm = new Uint8Array(160);
  dtOut = new Uint8Array(16);
  /** Per-category buffers, reused across categories (fresh memory is costly: page faults). */
  states = new Uint8Array(1024);
  mMin = new Int32Array(64);
  kind = new Uint8Array(64);
  dtArea = new Float64Array(16);
  ensureCategory(nStates: number, nk: number): void {
    if (this.states.length < nStates) this.states = new Uint8Array(nStates * 2);
    if (this.mMin.length < nk) {
      this.mMin = new Int32Array(nk * 2);
      this.kind = new Uint8Array(nk * 2);
    }
  }
  ensure(d: number, g: number, t: number): void {
    if (this.dtArea.length < d) this.dtArea = new Float64Array(d * 2);
    if (this.ious.length < d * g) this.ious = new Float64Array(d * g * 2);
    if (this.order.length < g) {
      this.order = new Int32Array(g * 2);
      this.ignore = new Uint8Array(g * 2);
    }
    if (this.gtm.length < g * t) this.gtm = new Uint8Array(g * t * 2);
    if (this.dtOut.length < d) this.dtOut = new Uint8Array(d * 2);
  }
}

/** pycocotools `bbIou`: boxes x y w h at offsets `d` / `g`; for a crowd ground truth the union is the detection's area. */
function boxIou(db: Float64Array, d: number, gb: Float64Array, g: number, crowd: boolean): number {
  const dx = db[d]!, dy = db[d + 1]!, dw = db[d + 2]!, dh = db[d + 3]!;
  const gx = gb[g]!, gy = gb[g + 1]!, gw = gb[g + 2]!, gh = gb[g + 3]!;
  const w = Math.min(dw + dx, gw + gx) - Math.max(dx, gx);
  if (w <= 0) return 0;
  const h = Math.min(dh + dy, gh + gy) - Math.max(dy, gy);
  if (h <= 0) return 0;
  const i = w * h;
  const da = dw * dh;
  return i / (crowd ? da : da + gw * gh - i);
}

export function matchCategory(prep: PreparedCoco, k: number, p: CocoParams, scratch: MatchScratch): CategoryMatches {
  const { gt, dt } = prep;
  const T = p.iouThrs.length;
  const A = p.areaRng.length;
  const gStart = gt.catOffsets[k]!, gEnd = gt.catOffsets[k + 1]!;
  const dStart = dt.catOffsets[k]!, dEnd = dt.catOffsets[k + 1]!;
  const nk = dEnd - dStart;
  const M = p.maxDets.length;
  const AT = A * T;
  scratch.ensureCategory(AT * nk, nk);
  const states = scratch.states.subarray(0, AT * nk);
  const kind = scratch.kind.subarray(0, nk);
  const npig = new Int32Array(A);
  // Counts per first maxDets index that admits the detection; prefix-summed over m at the end.
  const tp = new Int32Array(AT * M);
  const mMin = scratch.mMin;
  for (let j = 0; j < nk; j++) {
    const rank = dt.rank[dStart + j]!;
    let m = 0;
    while (rank >= p.maxDets[m]!) m++;
    mMin[j] = m;
  }
  const thr = p.iouThrs.map((t) => Math.min(t, 1 - 1e-10));
  const areaLo = new Float64Array(A), areaHi = new Float64Array(A);
  for (let a = 0; a < A; a++) [areaLo[a], areaHi[a]] = p.areaRng[a]!;
  // Area masks fit the kind byte only for up to 7 area ranges (pycocotools has 4); beyond, every row is explicit.
  const masks = A <= 7;
  let gi = gStart;
  let di = dStart;
  while (gi < gEnd || di < dEnd) {
    const img = Math.min(gi < gEnd ? gt.img[gi]! : Infinity, di < dEnd ? dt.rec[di * 6 + 5]! : Infinity);
    const g0 = gi, d0 = di;
    while (gi < gEnd && gt.img[gi] === img) gi++;
    while (di < dEnd && dt.rec[di * 6 + 5] === img) di++;
    const G = gi - g0, D = di - d0;
    if (G === 0) {
      // No ground truth: every detection is a false positive, or ignored where its own area is outside the range.
      for (let d = 0; d < D; d++) {
        const j = d0 - dStart + d;
        const ar = dt.rec[(d0 + d) * 6 + 2]! * dt.rec[(d0 + d) * 6 + 3]!;
        let mask = 0;
        for (let a = 0; a < A; a++) if (ar < areaLo[a]! || ar > areaHi[a]!) mask |= 1 << a;
        if (masks) {
          kind[j] = mask;
          continue;
        }
        kind[j] = DT_EXPLICIT;
        for (let a = 0; a < A; a++) states.fill((mask >> a) & 1 ? DT_IGNORED : DT_FP, j * AT + a * T, j * AT + (a + 1) * T);
      }
      continue;
    }
    scratch.ensure(D, G, T);
    const { ious, order, ignore, gtm, dtOut, dtArea } = scratch;
    for (let d = 0; d < D; d++) {
      dtArea[d] = dt.rec[(d0 + d) * 6 + 2]! * dt.rec[(d0 + d) * 6 + 3]!;
      kind[d0 - dStart + d] = DT_EXPLICIT;
    }
    for (let d = 0; d < D; d++) {
      for (let g = 0; g < G; g++) ious[d * G + g] = boxIou(dt.rec, (d0 + d) * 6, gt.box, (g0 + g) * 4, gt.crowd[g0 + g] === 1);
    }
    for (let a = 0; a < A; a++) {
      const lo = areaLo[a]!, hi = areaHi[a]!;
      // Ground truths ignored (crowd or area outside the range) go last, stable.
      let n = 0;
      for (let g = 0; g < G; g++) {
        const ar = gt.area[g0 + g]!;
        if (!(gt.crowd[g0 + g] || ar < lo || ar > hi)) order[n++] = g;
      }
      npig[a] = npig[a]! + n;
      for (let g = 0; g < G; g++) {
        const ar = gt.area[g0 + g]!;
        if (gt.crowd[g0 + g] || ar < lo || ar > hi) order[n++] = g;
      }
      for (let j = 0; j < G; j++) {
        const g = order[j]!;
        const ar = gt.area[g0 + g]!;
        ignore[j] = gt.crowd[g0 + g] || ar < lo || ar > hi ? 1 : 0;
      }
      for (let d = 0; d < D; d++) {
        const ar = dtArea[d]!;
        dtOut[d] = ar < lo || ar > hi ? 1 : 0;
      }
      gtm.fill(0, 0, T * G);
      for (let t = 0; t < T; t++) {
        const at = a * T + t;
        const gtmT = t * G;
        for (let d = 0; d < D; d++) {
          let best = thr[t]!;
          let m = -1;
          const row = d * G;
          if (G > 0) {
            for (let j = 0; j < G; j++) {
              const g = order[j]!;
              if (gtm[gtmT + j] && !gt.crowd[g0 + g]) continue;
              if (m > -1 && ignore[m] === 0 && ignore[j] === 1) break;
              const v = ious[row + g]!;
              if (v < best) continue;
              best = v;
              m = j;
            }
          }
          let state: number;
          if (m === -1) {
            state = dtOut[d] ? DT_IGNORED : DT_FP;
          } else {
            gtm[gtmT + m] = 1;
            const matchedId = gt.idNonZero[g0 + order[m]!] === 1;
            const ig = ignore[m] === 1 || (!matchedId && dtOut[d] === 1);
            state = ig ? DT_IGNORED : matchedId ? DT_TP : DT_FP;
          }
          const j = d0 - dStart + d;
          states[j * AT + at] = state;
          if (state === DT_TP) tp[at * M + mMin[j]!]!++;
        }
      }
    }
  }
  for (let at = 0; at < AT; at++) for (let m = 1; m < M; m++) tp[at * M + m] = tp[at * M + m]! + tp[at * M + m - 1]!;
  return { kind, states, npig, tp, present: gEnd > gStart || dEnd > dStart };
}
