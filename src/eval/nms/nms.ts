/**
 * Non-maximum suppression with the semantics of Ultralytics' `ops.non_max_suppression` as its detection
 * validator calls it: candidates whose class score exceeds `conf` (every such class of a box with
 * `multiLabel`, which the validator uses; else the best class), at most `maxNms` highest-scoring into NMS,
 * class-aware through the class-offset trick (boxes shifted by class × 7680), torchvision's greedy NMS
 * (stable descending score order, suppress IoU > `iou`, float32 arithmetic), then the first `maxDet`.
 * No wall-clock limit. Offset boxes of different classes never overlap, so suppression runs per class.
 */
import type { DenseCandidates, Detections } from '../decode/decode.js';

export interface NmsOptions {
  /** Confidence threshold (default 0.001, the validator's). */
  conf?: number;
  /** IoU threshold (default 0.7). */
  iou?: number;
  /** Detections kept per image (default 300). */
  maxDet?: number;
  /** Boxes entering NMS at most (default 30,000). */
  maxNms?: number;
  /** Class-agnostic suppression. */
  agnostic?: boolean;
  /** Several classes per box (default true, as in the validator; forced off for one class). */
  multiLabel?: boolean;
}

export const NMS_DEFAULTS = { conf: 0.001, iou: 0.7, maxDet: 300, maxNms: 30_000, agnostic: false, multiLabel: true } as const;

/** Class offset of the batched-NMS trick (Ultralytics' max_wh). */
export const MAX_WH = 7680;

const f = Math.fround;

const bits = new Uint32Array(1);
const bitsF = new Float32Array(bits.buffer);

/**
 * Indices 0..n-1 sorted by descending score, ties kept in index order. Scores are non-negative float32, whose
 * bit patterns order like their values: key = bits·2^21 + index sorts natively (no comparator) and exactly.
 */
function orderByScore(scores: Float32Array, n: number): Int32Array {
  if (n >= 2 ** 21) return Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    bitsF[0] = scores[i]!;
    keys[i] = (0x7f800000 - bits[0]!) * 2 ** 21 + i;
  }
  keys.sort();
  const order = new Int32Array(n);
  for (let r = 0; r < n; r++) order[r] = keys[r]! % 2 ** 21;
  return order;
}

export function nonMaxSuppression(c: DenseCandidates, options: NmsOptions = {}): Detections {
  const o = { ...NMS_DEFAULTS };
  for (const [k, v] of Object.entries(options)) if (v !== undefined) (o as Record<string, unknown>)[k] = v;
  const nc = c.numClasses;
  const multi = o.multiLabel && nc > 1;
  const conf = f(o.conf); // torch compares float32 scores with the threshold cast to float32
  // 1. (box, class, score) pairs, box-major like torch.where on the score matrix.
  let pairBox = new Int32Array(0), pairCls = new Int32Array(0), pairScore = new Float32Array(0);
  // Two passes (count, then fill) so the pairs live in exactly sized typed arrays.
  let n = 0;
  for (let pass = 0; pass < 2; pass++) {
    if (pass === 1) { pairBox = new Int32Array(n); pairCls = new Int32Array(n); pairScore = new Float32Array(n); n = 0; }
    for (let i = 0; i < c.count; i++) {
      const row = i * nc;
      if (multi) {
        for (let j = 0; j < nc; j++) {
          const s = c.classScores[row + j]!;
          if (s > conf) { if (pass === 1) { pairBox[n] = i; pairCls[n] = j; pairScore[n] = s; } n++; }
        }
      } else {
        let bj = 0, bs = c.classScores[row]!;
        for (let j = 1; j < nc; j++) if (c.classScores[row + j]! > bs) { bs = c.classScores[row + j]!; bj = j; }
        if (bs > conf) { if (pass === 1) { pairBox[n] = i; pairCls[n] = bj; pairScore[n] = bs; } n++; }
      }
    }
  }
  let scores = pairScore;
  let boxIdx = pairBox;
  let cls = pairCls;
  // 2. At most maxNms boxes, the highest scoring.
  if (n > o.maxNms) {
    const top = orderByScore(scores, n).subarray(0, o.maxNms);
    scores = Float32Array.from(top, (k) => scores[k]!);
    boxIdx = Int32Array.from(top, (k) => boxIdx[k]!);
    cls = Int32Array.from(top, (k) => cls[k]!);
    n = o.maxNms;
  }
  // 3. Offset boxes (float32, as torch adds the offset) and their areas.
  const bx = new Float32Array(n * 4);
  const area = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    const off = o.agnostic ? 0 : cls[k]! * MAX_WH;
    const b = boxIdx[k]! * 4;
    for (let q = 0; q < 4; q++) bx[k * 4 + q] = f(c.boxesXyxy[b + q]! + off);
    area[k] = f(f(bx[k * 4 + 2]! - bx[k * 4]!) * f(bx[k * 4 + 3]! - bx[k * 4 + 1]!));
  }
  // 4. Greedy NMS in global score order, each box compared only with boxes of its own group.
  const order = orderByScore(scores, n);
  const groups = new Map<number, number[]>();
  for (const k of order) {
    const g = o.agnostic ? 0 : cls[k]!;
    let list = groups.get(g);
    if (!list) groups.set(g, (list = []));
    list.push(k);
  }
  const rank = new Int32Array(n);
  order.forEach((k, r) => { rank[k] = r; });
  const kept: number[] = [];
  const suppressed = new Uint8Array(n);
  for (const list of groups.values()) {
    // A group's boxes past its first maxDet kept ones rank below maxDet others: they cannot be in the output.
    let keptHere = 0;
    for (let a = 0; a < list.length && keptHere < o.maxDet; a++) {
      const i = list[a]!;
      if (suppressed[i]) continue;
      kept.push(i);
      keptHere++;
      const ix1 = bx[i * 4]!, iy1 = bx[i * 4 + 1]!, ix2 = bx[i * 4 + 2]!, iy2 = bx[i * 4 + 3]!, ia = area[i]!;
      for (let b = a + 1; b < list.length; b++) {
        const j = list[b]!;
        if (suppressed[j]) continue;
        const w = Math.max(0, f(Math.min(ix2, bx[j * 4 + 2]!) - Math.max(ix1, bx[j * 4]!)));
        const h = Math.max(0, f(Math.min(iy2, bx[j * 4 + 3]!) - Math.max(iy1, bx[j * 4 + 1]!)));
        const inter = f(w * h);
        if (inter === 0) continue;
        const ovr = f(inter / f(f(ia + area[j]!) - inter));
        if (ovr > o.iou) suppressed[j] = 1;
      }
    }
  }
  kept.sort((a, b) => rank[a]! - rank[b]!);
  const out = kept.slice(0, o.maxDet);
  const boxesXyxy = new Float32Array(out.length * 4);
  out.forEach((k, r) => boxesXyxy.set(c.boxesXyxy.subarray(boxIdx[k]! * 4, boxIdx[k]! * 4 + 4), r * 4));
  return { boxesXyxy, scores: Float32Array.from(out, (k) => scores[k]!), classes: Int32Array.from(out, (k) => cls[k]!) };
}
