/**
 * ADMM mask selection for one layer (after Boža 2024, "Fast and Optimal Weight Update for Pruned Large Language
 * Models"). Per row, with H the layer's (damped) input second moment and t the row's target (the original row, or
 * the upstream-corrected one), minimise the output error
 *   (w − t)ᵀ (H + λI) (w − t)   subject to w being zero on the mask
 * by ADMM on the split w = z (z carries the sparsity): scaled form with the penalty ρ·diag(H + λI) (i.e. ρ in the
 * coordinates where every input has unit variance, as the paper normalises):
 *   z ← (w + u) zeroed on the mask        (Z-step: projection onto the pattern)
 *   u ← u + w − z                         (dual update)
 *   w ← (H + λI + ρD)⁻¹ ((H + λI) t + ρD (z − u))   (W-step; one factorisation per group, reused every iteration)
 * The mask is chosen gradually: during the first `schedule` iterations it is re-chosen from |w + u|·√D_qq (the
 * magnitude in normalised coordinates, divided by the row's output scale √(tᵀHt) so a folded BN scale does not
 * decide across rows), its count growing along the cubic schedule s·(1 − (1 − (i+1)/T)³) to exactly the layer's
 * count (then re-chosen at that count if `iterations` runs past the schedule). Unstructured: the layer-wide count (`zeros`, exact). N:M: each run of M
 * consecutive weights (as the caller orders them) offers its M−N smallest as candidates and the schedule takes the
 * smallest candidates layer-wide, all of them at the end, so every run ends with exactly M−N. Existing zeros are
 * masked from the first iteration. Only the mask is kept: the caller refits the kept weights exactly (solve.ts).
 *
 * Cost: a D³ inverse per group, then per iteration and row one D×D matrix-vector product. Pure.
 */
import type { NmPattern } from '../nm.js';
import { selectSmallest } from '../select.js';
import { cholesky, choleskyInverse, dampedCholesky } from './linalg.js';
import type { GroupSystem } from './solve.js';

export interface AdmmOptions {
  /** Penalty relative to each input's variance (ρ·(H_qq + λ)); the paper's ρ = 1 in normalised coordinates. Default 1. */
  rho?: number;
  /**
   * ADMM iterations, each choosing the mask and then taking one Z-step, dual update and W-step (default 15). Past
   * the schedule the mask is re-chosen at its full count every iteration (the plain nonconvex projection).
   */
  iterations?: number;
  /** Iterations over which the mask grows to its full count (cubic schedule; default 15, at most `iterations`, at least 1). */
  schedule?: number;
}

/**
 * The paper's 15 iterations of growing mask (its 5 further iterations with the mask fixed only move the kept
 * weights towards their least-squares values, which the caller's exact refit gives directly).
 */
export const ADMM_DEFAULTS: Required<AdmmOptions> = { rho: 1, iterations: 15, schedule: 15 };

export interface AdmmLayer {
  /** One system per group of the layer; row r uses systems[⌊r / rowsPer⌋]. */
  systems: readonly GroupSystem[];
  rowsPer: number;
  /** Target rows [O × D] (not modified). */
  rows: Float64Array;
  /** 1 where the weight is already zero [O × D]: masked from the start. */
  forced: ArrayLike<number>;
  /** Unstructured: weights to mask in the layer (exactly). Ignored with `nm`. */
  zeros?: number;
  /** N:M over runs of M consecutive weights of each row (D a multiple of M). */
  nm?: NmPattern;
  /** Divide the scores by the row's output scale √(tᵀHt) (default true). */
  normalize?: boolean;
}

/** Positive float32 floor for non-zero weights' scores (the smallest subnormal): existing zeros alone score 0. */
const FLOOR = 1.401298464324817e-45;

/** The fixed parts of one group's W-step: w = b + P(z − u) with P = ρ(H + λI + ρD)⁻¹D, b = (H + λI + ρD)⁻¹(H + λI)t. */
interface Operator { p: Float64Array; hd: Float64Array; /** √diag, the scores' per-input scale. */ rootDiag: Float64Array }

function operatorOf(sys: GroupSystem, rho: number): Operator {
  const d = sys.size;
  const hd = Float64Array.from(sys.h);
  for (let q = 0; q < d; q++) hd[q * d + q]! += sys.lambda;
  const diag = Float64Array.from({ length: d }, (_, q) => hd[q * d + q]!);
  const m = Float64Array.from(hd);
  for (let q = 0; q < d; q++) m[q * d + q]! += rho * diag[q]!;
  const l = cholesky(m, d, 0) ?? dampedCholesky(m, d, 1e-12).l;
  const a = choleskyInverse(l, d);
  const p = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) p[i * d + j] = rho * a[i * d + j]! * diag[j]!;
  return { p, hd, rootDiag: diag.map(Math.sqrt) };
}

/** y = M x for a row-major [d×d] M. */
function matVec(m: Float64Array, d: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < d; i++) {
    let s = 0;
    const row = i * d;
    for (let j = 0; j < d; j++) s += m[row + j]! * x[j]!;
    y[i] = s;
  }
}

/** Σ a[q]·b[off + q] over q < n, four partial sums (about twice as fast as one in V8). */
function dot(a: Float64Array, b: Float64Array, off: number, n: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, q = 0;
  for (; q + 3 < n; q += 4) {
    s0 += a[q]! * b[off + q]!;
    s1 += a[q + 1]! * b[off + q + 1]!;
    s2 += a[q + 2]! * b[off + q + 2]!;
    s3 += a[q + 3]! * b[off + q + 3]!;
  }
  for (; q < n; q++) s0 += a[q]! * b[off + q]!;
  return s0 + s1 + s2 + s3;
}

/** Fraction of the final count masked after iteration i (0-based) of a schedule of T iterations: 1 − (1 − (i+1)/T)³. */
export function scheduleFraction(i: number, schedule: number): number {
  if (i + 1 >= schedule) return 1;
  return 1 - (1 - (i + 1) / schedule) ** 3;
}

/** Mask of the `nm` pattern at `fraction` of its candidates, or of `fraction` of `zeros`, from the scores. */
function selectMask(scores: Float32Array, forced: ArrayLike<number>, fraction: number, zeros: number, nm: NmPattern | undefined): Uint8Array {
  const total = scores.length;
  let forcedCount = 0;
  if (!nm) {
    for (let i = 0; i < total; i++) if (forced[i]) forcedCount++;
    const base = Math.min(forcedCount, zeros);
    const k = base + Math.round((zeros - base) * fraction);
    return selectSmallest({ dtype: 'float32', dims: [total], data: scores }, k);
  }
  // Candidates: the M−N smallest of every run (strict <: the lowest index among equal scores).
  const drop = nm.m - nm.n;
  const candidate = new Uint8Array(total);
  for (let g = 0; g < total; g += nm.m) {
    for (let c = 0; c < drop; c++) {
      let best = -1;
      for (let j = 0; j < nm.m; j++) if (!candidate[g + j] && (best < 0 || scores[g + j]! < scores[g + best]!)) best = j;
      candidate[g + best] = 1;
    }
  }
  if (fraction >= 1) return candidate;
  const ranked = Float32Array.from(scores, (s, i) => (candidate[i] ? s : Infinity));
  let candidates = 0;
  for (let i = 0; i < total; i++) if (candidate[i]) { candidates++; if (forced[i]) forcedCount++; }
  const k = forcedCount + Math.round((candidates - forcedCount) * fraction);
  return selectSmallest({ dtype: 'float32', dims: [total], data: ranked }, k);
}

/** Running ADMM state of a layer: w, u and the per-row constants. */
class AdmmState {
  readonly o: number;
  readonly d: number;
  readonly w: Float64Array;
  readonly u: Float64Array;
  readonly z: Float64Array;
  private readonly ops: Operator[];
  private readonly b: Float64Array;
  constructor(private readonly layer: Pick<AdmmLayer, 'systems' | 'rowsPer' | 'rows'>, rho: number) {
    const d = layer.systems[0]!.size;
    this.d = d;
    this.o = layer.rows.length / d;
    this.ops = layer.systems.map((s) => operatorOf(s, rho));
    this.w = Float64Array.from(layer.rows);
    this.u = new Float64Array(this.o * d);
    this.z = new Float64Array(this.o * d);
    this.b = new Float64Array(this.o * d);
    // b = (H + λI + ρD)⁻¹(H + λI)t = t − P t, since (H + λI + ρD)⁻¹(H + λI) = I − ρ(H + λI + ρD)⁻¹D = I − P.
    const y = new Float64Array(d);
    for (let r = 0; r < this.o; r++) {
      const t = layer.rows.subarray(r * d, (r + 1) * d);
      matVec(this.op(r).p, d, t, y);
      for (let q = 0; q < d; q++) this.b[r * d + q] = t[q]! - y[q]!;
    }
  }
  op(r: number): Operator { return this.ops[Math.floor(r / this.layer.rowsPer)]!; }
  /** Scores |w + u|·√D_qq (× `scale[r]`) of every weight, 0 for forced ones. */
  scores(forced: ArrayLike<number>, scale: Float64Array): Float32Array {
    const d = this.d, out = new Float32Array(this.o * d);
    for (let r = 0; r < this.o; r++) {
      const rootDiag = this.op(r).rootDiag;
      for (let q = 0; q < d; q++) {
        const i = r * d + q;
        out[i] = forced[i] ? 0 : Math.max(Math.fround(Math.abs(this.w[i]! + this.u[i]!) * rootDiag[q]! * scale[r]!), FLOOR);
      }
    }
    return out;
  }
  /** One Z-step, dual update and W-step with `mask`. */
  step(mask: Uint8Array): void {
    const d = this.d, per = this.layer.rowsPer;
    const diff = new Float64Array(per * d);
    for (let g = 0; g * per < this.o; g++) {
      const first = g * per;
      for (let r = 0; r < per; r++) {
        for (let q = 0; q < d; q++) {
          const i = (first + r) * d + q;
          const z = mask[i] ? 0 : this.w[i]! + this.u[i]!;
          this.z[i] = z;
          this.u[i]! += this.w[i]! - z;
          diff[r * d + q] = z - this.u[i]!;
        }
      }
      // w = b + P·diff for the group's rows at once: a [d×d]·[d×per] product in 2×2 blocks (two rows of P against
      // two rows of diff share their loads; P is read once per pair of rows, not once per row).
      const p = this.ops[g]!.p;
      for (let a = 0; a < d; a += 2) {
        const two = a + 1 < d;
        const pa = a * d, pb = two ? pa + d : pa;
        for (let r = 0; r < per; r += 2) {
          const pair = r + 1 < per;
          const xa = r * d, xb = pair ? xa + d : xa;
          let s00 = 0, s01 = 0, s10 = 0, s11 = 0;
          for (let q = 0; q < d; q++) {
            const p0 = p[pa + q]!, p1 = p[pb + q]!, x0 = diff[xa + q]!, x1 = diff[xb + q]!;
            s00 += p0 * x0;
            s01 += p0 * x1;
            s10 += p1 * x0;
            s11 += p1 * x1;
          }
          const i0 = (first + r) * d;
          this.w[i0 + a] = this.b[i0 + a]! + s00;
          if (two) this.w[i0 + a + 1] = this.b[i0 + a + 1]! + s10;
          if (pair) {
            this.w[i0 + d + a] = this.b[i0 + d + a]! + s01;
            if (two) this.w[i0 + d + a + 1] = this.b[i0 + d + a + 1]! + s11;
          }
        }
      }
    }
  }
}

function resolved(options: AdmmOptions | undefined): Required<AdmmOptions> {
  const o = { ...ADMM_DEFAULTS, ...options };
  if (!(o.rho > 0) || !Number.isFinite(o.rho)) throw new RangeError(`admm: rho must be a positive number, got ${o.rho}`);
  if (!Number.isInteger(o.iterations) || o.iterations < 1) throw new RangeError(`admm: iterations must be a positive integer, got ${o.iterations}`);
  if (!Number.isInteger(o.schedule) || o.schedule < 1) throw new RangeError(`admm: schedule must be a positive integer, got ${o.schedule}`);
  return { ...o, schedule: Math.min(o.schedule, o.iterations) };
}

/** The ADMM mask of a layer (1 = zero it): exactly `zeros` (unstructured) or M−N of every run (N:M). */
export function admmMask(layer: AdmmLayer, options?: AdmmOptions): Uint8Array {
  const { rho, iterations, schedule } = resolved(options);
  const d = layer.systems[0]?.size ?? 0;
  if (d === 0 || layer.rows.length % d !== 0) throw new RangeError(`admmMask: ${layer.rows.length} weights are not rows of ${d}`);
  if (layer.nm && d % layer.nm.m !== 0) throw new RangeError(`admmMask: row of ${d} is not a multiple of ${layer.nm.m}`);
  const state = new AdmmState(layer, rho);
  const scale = new Float64Array(state.o).fill(1);
  if (layer.normalize ?? true) {
    for (let r = 0; r < state.o; r++) {
      const t = layer.rows.subarray(r * d, (r + 1) * d), h = state.op(r).hd;
      let e = 0;
      for (let i = 0; i < d; i++) e += t[i]! * dot(t, h, i * d, d);
      if (e > 0 && Number.isFinite(e)) scale[r] = 1 / Math.sqrt(e);
    }
  }
  let mask: Uint8Array = new Uint8Array(layer.rows.length);
  for (let i = 0; i < iterations; i++) {
    mask = selectMask(state.scores(layer.forced, scale), layer.forced, scheduleFraction(i, schedule), layer.zeros ?? 0, layer.nm);
    if (i + 1 < iterations) state.step(mask);
  }
  return mask;
}

/**
 * ADMM with a fixed mask on one group's rows (`rows` [n × D] targets): returns z after `iterations` (zero on the
 * mask). It converges to the exact least-squares refit of the kept weights (solve.ts solveRowExact); the pruning
 * path refits exactly instead, this is the W-/Z-step check.
 */
export function admmFixedMask(sys: GroupSystem, rows: Float64Array, mask: Uint8Array, options?: AdmmOptions): Float64Array {
  const { rho, iterations } = resolved(options);
  const state = new AdmmState({ systems: [sys], rowsPer: rows.length / sys.size, rows }, rho);
  for (let i = 0; i < iterations; i++) state.step(mask);
  return Float64Array.from(state.z);
}
