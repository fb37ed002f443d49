/**
 * Decode one image's raw detection output into candidates for NMS (or final detections for end-to-end
 * models). Boxes stay in network-input pixels; float32 arithmetic as torch does it.
 */
import type { ResolvedLayout } from './layouts.js';

/** Boxes whose best class score passed the candidate threshold, with all their class scores. */
export interface DenseCandidates {
  /** Number of candidate boxes M. */
  count: number;
  numClasses: number;
  /** [M,4] x1 y1 x2 y2, network-input px. */
  boxesXyxy: Float32Array;
  /** [M,nc] class scores (objectness × class for v5). */
  classScores: Float32Array;
}

/** Detections of one image (after NMS, or straight from an end-to-end model). */
export interface Detections {
  /** [K,4] x1 y1 x2 y2 px. */
  boxesXyxy: Float32Array;
  /** [K] */
  scores: Float32Array;
  /** [K] class index. */
  classes: Int32Array;
}

export type DecodedOutput = { kind: 'dense'; candidates: DenseCandidates } | { kind: 'final'; detections: Detections };

const f = Math.fround;

function xywhToXyxy(out: Float32Array, o: number, cx: number, cy: number, w: number, h: number): void {
  const hw = f(w / 2), hh = f(h / 2);
  out[o] = f(cx - hw);
  out[o + 1] = f(cy - hh);
  out[o + 2] = f(cx + hw);
  out[o + 3] = f(cy + hh);
}

function decodeV8(data: Float32Array, nc: number, n: number, minScore: number): DenseCandidates {
  // Channel-major [4+nc, N]: flag anchors with any class score above the threshold, walking rows (sequential
  // reads; writes only for the few scores that pass).
  const hit = new Uint8Array(n);
  for (let c = 0; c < nc; c++) {
    const row = (4 + c) * n;
    for (let i = 0; i < n; i++) if (data[row + i]! > minScore) hit[i] = 1;
  }
  const idx: number[] = [];
  for (let i = 0; i < n; i++) if (hit[i]) idx.push(i);
  const m = idx.length;
  const boxesXyxy = new Float32Array(m * 4);
  const classScores = new Float32Array(m * nc);
  for (let k = 0; k < m; k++) {
    const i = idx[k]!;
    xywhToXyxy(boxesXyxy, k * 4, data[i]!, data[n + i]!, data[2 * n + i]!, data[3 * n + i]!);
    for (let c = 0; c < nc; c++) classScores[k * nc + c] = data[(4 + c) * n + i]!;
  }
  return { count: m, numClasses: nc, boxesXyxy, classScores };
}

function decodeV5(data: Float32Array, nc: number, n: number, minScore: number): DenseCandidates {
  const stride = 5 + nc;
  const idx: number[] = [];
  for (let i = 0; i < n; i++) if (data[i * stride + 4]! > minScore) idx.push(i);
  const m = idx.length;
  const boxesXyxy = new Float32Array(m * 4);
  const classScores = new Float32Array(m * nc);
  for (let k = 0; k < m; k++) {
    const r = idx[k]! * stride;
    xywhToXyxy(boxesXyxy, k * 4, data[r]!, data[r + 1]!, data[r + 2]!, data[r + 3]!);
    const obj = data[r + 4]!;
    for (let c = 0; c < nc; c++) classScores[k * nc + c] = f(data[r + 5 + c]! * obj);
  }
  return { count: m, numClasses: nc, boxesXyxy, classScores };
}

function decodeE2e(data: Float32Array, k: number, minScore: number): Detections {
  const keep: number[] = [];
  for (let i = 0; i < k; i++) if (data[i * 6 + 4]! > minScore) keep.push(i);
  const boxesXyxy = new Float32Array(keep.length * 4);
  const scores = new Float32Array(keep.length);
  const classes = new Int32Array(keep.length);
  keep.forEach((i, j) => {
    boxesXyxy.set(data.subarray(i * 6, i * 6 + 4), j * 4);
    scores[j] = data[i * 6 + 4]!;
    classes[j] = Math.round(data[i * 6 + 5]!);
  });
  return { boxesXyxy, scores, classes };
}

/**
 * Decode the first image of a float32 output `data` with layout `l`. Only boxes with a score above
 * `minScore` (the confidence threshold) are kept: for v8/v5 this is NMS's own first filter, moved here.
 */
export function decodeOutput(data: Float32Array, l: ResolvedLayout, threshold: number): DecodedOutput {
  const minScore = f(threshold); // compared in float32, as torch does
  switch (l.layout) {
    case 'v8':
      return { kind: 'dense', candidates: decodeV8(data, l.numClasses, l.count, minScore) };
    case 'v5':
      return { kind: 'dense', candidates: decodeV5(data, l.numClasses, l.count, minScore) };
    case 'e2e':
      return { kind: 'final', detections: decodeE2e(data, l.count, minScore) };
  }
}
