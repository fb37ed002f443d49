/**
 * Channel statistics of intermediate tensors, for data-driven reconstruction of removed channels: per tensor
 * the mean μ (C) and the second moments E[x xᵀ] (C×C) of its channel vectors, over a deterministic subsample
 * of spatial positions of every calibration image (accumulated in Float64), and the ridge least-squares fit
 * `x_R ≈ A·x_K + b` of removed channels R from kept channels K computed from those moments alone.
 */

/** First and second moments of one tensor's channel vectors. */
export interface TensorMoments {
  channels: number;
  /** Positions accumulated (over all images). */
  count: number;
  /** [C] E[x]. */
  mean: Float64Array;
  /** [C×C] row-major E[x xᵀ] (symmetric). */
  second: Float64Array;
}

/** Moments of every tensor observed on the calibration images. */
export interface ChannelStats {
  images: number;
  /** Upper bound of positions sampled per image and tensor. */
  positionsPerImage: number;
  tensors: ReadonlyMap<string, TensorMoments>;
}

/** An activation as the runtime returns it: `[N, C, …spatial]` float32. */
export interface Activation { dims: readonly number[]; data: Float32Array }

/**
 * Default ridge, relative to the mean variance of the kept channels. Measured on LeYOLONano-640 at channel ratio
 * 0.1 (coco8 calibration, coco128 mAP50): 1e-1 0.211, 1e-2 0.220, 1e-3 0.218, 1e-4 0.222, 1e-6 0.222.
 */
export const DEFAULT_RIDGE = 1e-4;

/** Default cap of sampled positions per image and tensor. */
export const DEFAULT_POSITIONS = 512;

/**
 * `max` of `total` flat positions, evenly spaced with an image-dependent phase (golden-ratio sequence) so that
 * successive images sample different pixels; all positions when `total ≤ max`. Deterministic.
 */
export function samplePositions(total: number, max: number, image: number): Int32Array {
  if (total <= max) return Int32Array.from({ length: total }, (_, i) => i);
  const phase = (image * 0.6180339887498949) % 1;
  const step = total / max;
  return Int32Array.from({ length: max }, (_, k) => Math.min(total - 1, Math.floor((k + phase) * step)));
}

interface Sums { channels: number; count: number; sum: Float64Array; /** upper triangle used */ cross: Float64Array }

/** Accumulates {@link TensorMoments} image by image without keeping activations. */
export class ChannelStatsAccumulator {
  private readonly sums = new Map<string, Sums>();
  private readonly images = new Set<number>();
  readonly maxPositions: number;

  constructor(options: { maxPositions?: number } = {}) {
    this.maxPositions = options.maxPositions ?? DEFAULT_POSITIONS;
    if (!(Number.isInteger(this.maxPositions) && this.maxPositions >= 1)) throw new RangeError(`maxPositions ${this.maxPositions}: expected a positive integer`);
  }

  /** Add the sampled positions of `activation` (batch items × spatial positions) for image `image`. */
  add(name: string, activation: Activation, image: number): void {
    const { dims, data } = activation;
    if (dims.length < 2) throw new RangeError(`activation '${name}': expected [N, C, …], got [${dims.join(',')}]`);
    const n = dims[0]!, c = dims[1]!;
    const plane = dims.slice(2).reduce((a, b) => a * b, 1);
    let s = this.sums.get(name);
    if (!s) this.sums.set(name, (s = { channels: c, count: 0, sum: new Float64Array(c), cross: new Float64Array(c * c) }));
    if (s.channels !== c) throw new RangeError(`activation '${name}': ${c} channels, earlier images had ${s.channels}`);
    this.images.add(image);
    const pos = samplePositions(n * plane, this.maxPositions, image);
    const p = pos.length;
    // Channel-major gather: row c holds the sampled values of channel c (contiguous for the dot products).
    const x = new Float64Array(c * p);
    for (let ch = 0; ch < c; ch++) {
      const row = ch * p;
      for (let k = 0; k < p; k++) {
        const q = pos[k]!;
        const item = Math.floor(q / plane);
        x[row + k] = data[(item * c + ch) * plane + (q - item * plane)]!;
      }
    }
    accumulateCross(x, c, p, s.cross, s.sum);
    s.count += p;
  }

  /** The moments so far (the accumulator stays usable). */
  finish(): ChannelStats {
    const tensors = new Map<string, TensorMoments>();
    for (const [name, s] of this.sums) {
      const { channels: c, count } = s;
      const inv = count > 0 ? 1 / count : 0;
      const second = new Float64Array(c * c);
      for (let a = 0; a < c; a++) {
        for (let b = a; b < c; b++) {
          const v = s.cross[a * c + b]! * inv;
          second[a * c + b] = v;
          second[b * c + a] = v;
        }
      }
      tensors.set(name, { channels: c, count, mean: s.sum.map((v) => v * inv), second });
    }
    return { images: this.images.size, positionsPerImage: this.maxPositions, tensors };
  }
}

/** cross[a,b] += Σ_k x[a,k]·x[b,k] for b ≥ a; sum[a] += Σ_k x[a,k]. `x` is [c×p] channel-major. */
function accumulateCross(x: Float64Array, c: number, p: number, cross: Float64Array, sum: Float64Array): void {
  for (let a = 0; a < c; a++) {
    const ra = a * p;
    let sa = 0;
    for (let k = 0; k < p; k++) sa += x[ra + k]!;
    sum[a]! += sa;
    let b = a;
    // Four rows at a time: each load of x[a,k] serves four products.
    for (; b + 3 < c; b += 4) {
      const r0 = b * p, r1 = r0 + p, r2 = r1 + p, r3 = r2 + p;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let k = 0; k < p; k++) {
        const v = x[ra + k]!;
        s0 += v * x[r0 + k]!; s1 += v * x[r1 + k]!; s2 += v * x[r2 + k]!; s3 += v * x[r3 + k]!;
      }
      const o = a * c + b;
      cross[o]! += s0; cross[o + 1]! += s1; cross[o + 2]! += s2; cross[o + 3]! += s3;
    }
    for (; b < c; b++) {
      const rb = b * p;
      let s = 0;
      for (let k = 0; k < p; k++) s += x[ra + k]! * x[rb + k]!;
      cross[a * c + b]! += s;
    }
  }
}

/** `x_R ≈ A·x_K + b` for the removed channels of one tensor. */
export interface LinearFit {
  /** Kept channel indices K (ascending). */
  kept: Int32Array;
  /** Removed channel indices R (ascending). */
  removed: Int32Array;
  /** [|R|×|K|] row-major. */
  a: Float64Array;
  /** [|R|]. */
  b: Float64Array;
  /** Ridge λ added to the kept channels' covariance diagonal. */
  lambda: number;
}

/**
 * Ridge least squares from the moments (covariance form): with Σ = E[xxᵀ] − μμᵀ,
 * A = Σ_RK (Σ_KK + λI)⁻¹ and b = μ_R − A μ_K, λ = `ridge` × mean of diag Σ_KK (a tiny floor when that is 0).
 * `removedMask[c] = 1` marks removed channels.
 */
export function fitRemoved(m: TensorMoments, removedMask: Uint8Array, ridge = DEFAULT_RIDGE): LinearFit {
  const c = m.channels;
  if (removedMask.length !== c) throw new RangeError(`fitRemoved: mask of ${removedMask.length} channels for a tensor of ${c}`);
  const keptList: number[] = [], removedList: number[] = [];
  for (let i = 0; i < c; i++) (removedMask[i] ? removedList : keptList).push(i);
  const kept = Int32Array.from(keptList), removed = Int32Array.from(removedList);
  const nk = kept.length, nr = removed.length;
  const cov = (i: number, j: number) => m.second[i * c + j]! - m.mean[i]! * m.mean[j]!;
  const skk = new Float64Array(nk * nk);
  let diag = 0;
  for (let i = 0; i < nk; i++) {
    for (let j = 0; j <= i; j++) {
      const v = cov(kept[i]!, kept[j]!);
      skk[i * nk + j] = v;
      skk[j * nk + i] = v;
    }
    diag += skk[i * nk + i]!;
  }
  const meanDiag = nk > 0 ? diag / nk : 0;
  let lambda = Math.max(ridge * meanDiag, 1e-12);
  const a = new Float64Array(nr * nk);
  const b = new Float64Array(nr);
  if (nk > 0 && nr > 0) {
    let chol = cholesky(skk, nk, lambda);
    for (let attempt = 0; attempt < 8 && !chol; attempt++) {
      lambda *= 10;
      chol = cholesky(skk, nk, lambda);
    }
    if (!chol) throw new RangeError('fitRemoved: covariance is not positive definite even with a large ridge (non-finite activations?)');
    const rhs = new Float64Array(nk);
    for (let r = 0; r < nr; r++) {
      for (let i = 0; i < nk; i++) rhs[i] = cov(removed[r]!, kept[i]!);
      const sol = choleskySolve(chol, nk, rhs);
      a.set(sol, r * nk);
    }
  }
  for (let r = 0; r < nr; r++) {
    let pred = 0;
    for (let i = 0; i < nk; i++) pred += a[r * nk + i]! * m.mean[kept[i]!]!;
    b[r] = m.mean[removed[r]!]! - pred;
  }
  return { kept, removed, a, b, lambda };
}

/** Lower Cholesky factor of (S + λI) ([n×n] row-major), or undefined when not positive definite. */
function cholesky(s: Float64Array, n: number, lambda: number): Float64Array | undefined {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let v = s[i * n + j]! + (i === j ? lambda : 0);
      for (let k = 0; k < j; k++) v -= l[i * n + k]! * l[j * n + k]!;
      if (i === j) {
        if (!(v > 0) || !Number.isFinite(v)) return undefined;
        l[i * n + i] = Math.sqrt(v);
      } else l[i * n + j] = v / l[j * n + j]!;
    }
  }
  return l;
}

/** Solve L Lᵀ x = rhs. */
function choleskySolve(l: Float64Array, n: number, rhs: Float64Array): Float64Array {
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let v = rhs[i]!;
    for (let k = 0; k < i; k++) v -= l[i * n + k]! * y[k]!;
    y[i] = v / l[i * n + i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let v = y[i]!;
    for (let k = i + 1; k < n; k++) v -= l[k * n + i]! * x[k]!;
    x[i] = v / l[i * n + i]!;
  }
  return x;
}
