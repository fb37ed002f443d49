/**
 * Optimal Brain Surgeon updates for one group of a layer: rows w [D] sharing the input second moment H [D×D]
 * (a conv's output channels of one group). Removing the weights R of a row and updating the rest to minimise
 * the output error (w − ŵ)ᵀ H (w − ŵ) with ŵ_R = 0 has the closed form
 *   ŵ_K = w_K + (H_KK + λI)⁻¹ H_KR w_R            (K: kept weights)
 * = the least-squares refit of the kept weights to the original outputs. Equivalently, with H⁻¹ = (H + λI)⁻¹,
 *   ŵ = w − H⁻¹[:, R] (H⁻¹[R, R])⁻¹ w_R.
 * `exact` solves whichever of the two systems is smaller (|K| or |R| unknowns) per row. `sparsegpt` is the
 * SparseGPT approximation: columns left to right, each removed weight's error spread over the columns to its
 * right only through the upper Cholesky factor of H⁻¹ (one O(D²) pass per row, no per-row factorisation).
 * The saliency of removing weight q alone is the OBS one, w_q² / [H⁻¹]_qq.
 */
import { cholesky, choleskyInverse, choleskySolve, dampedCholesky } from './linalg.js';

/** H of one group with its damping, factor and (on demand) inverse. */
export interface GroupSystem {
  size: number;
  /** [D×D] undamped. */
  h: Float64Array;
  lambda: number;
  /** The damping had to be raised to factorise (rank-deficient statistics). */
  raised: boolean;
  /** Lower factor of H + λI. */
  l: Float64Array;
  /** (H + λI)⁻¹, computed once. */
  inverse(): Float64Array;
  /** Upper Cholesky factor U of (H + λI)⁻¹ = UᵀU, row-major, computed once. */
  upperOfInverse(): Float64Array;
}

export function groupSystem(h: Float64Array, size: number, relDamp: number): GroupSystem {
  const { l, lambda, raised } = dampedCholesky(h, size, relDamp);
  let inv: Float64Array | undefined;
  let upper: Float64Array | undefined;
  const inverse = () => (inv ??= choleskyInverse(l, size));
  return {
    size, h, lambda, raised, l, inverse,
    upperOfInverse() {
      if (upper) return upper;
      const hinv = inverse();
      // H⁻¹ is positive definite; a tiny relative damping guards its factorisation against rounding.
      const li = dampedCholesky(hinv, size, 1e-12).l;
      upper = new Float64Array(size * size);
      for (let i = 0; i < size; i++) for (let j = i; j < size; j++) upper[i * size + j] = li[j * size + i]!;
      return upper;
    },
  };
}

/** OBS saliency of each weight of a row: w_q² / [H⁻¹]_qq (the output error of removing it alone, others refit). */
export function obsSaliency(sys: GroupSystem, w: ArrayLike<number>, out: Float64Array = new Float64Array(sys.size)): Float64Array {
  const inv = sys.inverse();
  for (let q = 0; q < sys.size; q++) out[q] = (w[q]! * w[q]!) / inv[q * sys.size + q]!;
  return out;
}

/** (a − b)ᵀ H (a − b): the output error of replacing row a by b. */
export function rowError(h: Float64Array, size: number, a: ArrayLike<number>, b: ArrayLike<number>): number {
  const d = Float64Array.from({ length: size }, (_, i) => a[i]! - b[i]!);
  let s = 0;
  for (let i = 0; i < size; i++) {
    if (d[i] === 0) continue;
    let v = 0;
    for (let j = 0; j < size; j++) v += h[i * size + j]! * d[j]!;
    s += d[i]! * v;
  }
  return s;
}

/** Indices of removed (mask 1) and kept (mask 0) weights of a row. */
export function splitMask(mask: ArrayLike<number>, size: number): { removed: Int32Array; kept: Int32Array } {
  let r = 0;
  for (let i = 0; i < size; i++) if (mask[i]) r++;
  const removed = new Int32Array(r), kept = new Int32Array(size - r);
  for (let i = 0, a = 0, b = 0; i < size; i++) if (mask[i]) removed[a++] = i; else kept[b++] = i;
  return { removed, kept };
}

/** Exact OBS/least-squares update of row `w` (in place): removed weights 0, kept ones refit. */
export function solveRowExact(sys: GroupSystem, w: Float64Array, mask: ArrayLike<number>): void {
  const d = sys.size;
  const { removed, kept } = splitMask(mask, d);
  const nr = removed.length, nk = kept.length;
  if (nr === 0) return;
  if (nk === 0) { w.fill(0); return; }
  if (nk <= nr) {
    const a = new Float64Array(nk * nk), rhs = new Float64Array(nk);
    for (let i = 0; i < nk; i++) {
      const ki = kept[i]! * d;
      for (let j = 0; j < nk; j++) a[i * nk + j] = sys.h[ki + kept[j]!]!;
      let v = 0;
      for (let r = 0; r < nr; r++) v += sys.h[ki + removed[r]!]! * w[removed[r]!]!;
      rhs[i] = v;
    }
    const l = cholesky(a, nk, sys.lambda) ?? dampedCholesky(a, nk, 1e-9).l;
    const x = choleskySolve(l, nk, rhs);
    for (let i = 0; i < nk; i++) w[kept[i]!]! += x[i]!;
  } else {
    const inv = sys.inverse();
    const b = new Float64Array(nr * nr), wr = new Float64Array(nr);
    for (let i = 0; i < nr; i++) {
      for (let j = 0; j < nr; j++) b[i * nr + j] = inv[removed[i]! * d + removed[j]!]!;
      wr[i] = w[removed[i]!]!;
    }
    const y = choleskySolve(cholesky(b, nr, 0) ?? dampedCholesky(b, nr, 1e-9).l, nr, wr);
    for (let q = 0; q < d; q++) {
      let v = 0;
      for (let r = 0; r < nr; r++) v += inv[q * d + removed[r]!]! * y[r]!;
      w[q]! -= v;
    }
  }
  for (let r = 0; r < nr; r++) w[removed[r]!] = 0;
}

/** SparseGPT update of row `w` (in place) for a fixed mask: left to right, error spread to the right. */
export function solveRowSparseGpt(sys: GroupSystem, w: Float64Array, mask: ArrayLike<number>): void {
  const d = sys.size;
  const u = sys.upperOfInverse();
  for (let i = 0; i < d; i++) {
    if (!mask[i]) continue;
    const err = w[i]! / u[i * d + i]!;
    const row = i * d;
    for (let j = i + 1; j < d; j++) w[j]! -= err * u[row + j]!;
    w[i] = 0;
  }
}

/** Estimated multiply-adds of the exact solve of a row with `removed` of `size` weights removed. */
export function exactCost(size: number, removed: number): number {
  const m = Math.min(removed, size - removed);
  return (m * m * m) / 3 + size * m;
}

/**
 * SparseGPT's N:M mask for one row (`w` is not modified): groups of M columns left to right; in each, the M−N
 * weights with the smallest w_q² / U_qq² of the row *as updated so far* are removed, and each removed weight's
 * error is spread over the columns to its right through U (the upper Cholesky factor of H⁻¹), so later groups
 * choose knowing what the earlier removals cost. Writes 1 (removed) / 0 into `mask` at `at`.
 */
export function adaptiveNmRow(sys: GroupSystem, w: ArrayLike<number>, n: number, m: number, mask: Uint8Array, at: number): void {
  const d = sys.size;
  if (d % m !== 0) throw new RangeError(`adaptiveNmRow: row of ${d} is not a multiple of ${m}`);
  const u = sys.upperOfInverse();
  const cur = Float64Array.from({ length: d }, (_, i) => w[i]!);
  const score = new Float64Array(m);
  for (let g = 0; g < d; g += m) {
    for (let j = 0; j < m; j++) { const q = g + j, uq = u[q * d + q]!; score[j] = (cur[q]! * cur[q]!) / (uq * uq); }
    for (let c = 0; c < m - n; c++) {
      let best = -1;
      for (let j = 0; j < m; j++) if (!mask[at + g + j] && (best < 0 || score[j]! < score[best]!)) best = j;
      mask[at + g + best] = 1;
    }
    for (let j = 0; j < m; j++) {
      const i = g + j;
      if (!mask[at + i]) continue;
      const err = cur[i]! / u[i * d + i]!;
      for (let k = i + 1; k < d; k++) cur[k]! -= err * u[i * d + k]!;
      cur[i] = 0;
    }
  }
}
