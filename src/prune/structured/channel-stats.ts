/**
 * Channel statistics of intermediate tensors, for data-driven reconstruction of removed channels: per tensor
 * the mean μ (C) and the second moments E[x xᵀ] (C×C) of its channel vectors, over a deterministic subsample
 * of spatial positions of every calibration image (accumulated in Float64). The fit from these moments lives
 * in channel-fit.ts.
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

/**
 * Sampled positions of an activation, channel-major: row c holds the values of channel c ([C×P]). Kept in float32
 * (the activations' own precision): products of two float32 values are exact in the float64 running sums.
 */
function gather(name: string, activation: Activation, positions: (total: number) => Int32Array): { x: Float32Array; c: number; p: number } {
  const { dims, data } = activation;
  if (dims.length < 2) throw new RangeError(`activation '${name}': expected [N, C, …], got [${dims.join(',')}]`);
  const n = dims[0]!, c = dims[1]!;
  const plane = dims.slice(2).reduce((a, b) => a * b, 1);
  const pos = positions(n * plane);
  const p = pos.length;
  const x = new Float32Array(c * p);
  for (let ch = 0; ch < c; ch++) {
    const row = ch * p;
    for (let k = 0; k < p; k++) {
      const q = pos[k]!;
      const item = Math.floor(q / plane);
      x[row + k] = data[(item * c + ch) * plane + (q - item * plane)]!;
    }
  }
  return { x, c, p };
}

const newSums = (c: number): Sums => ({ channels: c, count: 0, sum: new Float64Array(c), cross: new Float64Array(c * c) });

/** Upper triangle mirrored and divided by the count. */
function symmetric(s: Sums): Float64Array {
  const c = s.channels, inv = s.count > 0 ? 1 / s.count : 0;
  const out = new Float64Array(c * c);
  for (let a = 0; a < c; a++) {
    for (let b = a; b < c; b++) {
      const v = s.cross[a * c + b]! * inv;
      out[a * c + b] = v;
      out[b * c + a] = v;
    }
  }
  return out;
}

/** Accumulates {@link TensorMoments} image by image without keeping activations. */
export class ChannelStatsAccumulator {
  private readonly sums = new Map<string, Sums>();
  private readonly images = new Set<number>();
  /** Most positions one image contributed through addMoments (0 when only sampled activations were added). */
  private positions = 0;
  readonly maxPositions: number;

  constructor(options: { maxPositions?: number } = {}) {
    this.maxPositions = options.maxPositions ?? DEFAULT_POSITIONS;
    if (!(Number.isInteger(this.maxPositions) && this.maxPositions >= 1)) throw new RangeError(`maxPositions ${this.maxPositions}: expected a positive integer`);
  }

  /** Add the sampled positions of `activation` (batch items × spatial positions) for image `image`. */
  add(name: string, activation: Activation, image: number): void {
    const { x, c, p } = gather(name, activation, (t) => samplePositions(t, this.maxPositions, image));
    let s = this.sums.get(name);
    if (!s) this.sums.set(name, (s = newSums(c)));
    if (s.channels !== c) throw new RangeError(`activation '${name}': ${c} channels, earlier images had ${s.channels}`);
    this.images.add(image);
    accumulateCross(x, c, p, s.cross, s.sum);
    s.count += p;
  }

  /**
   * Add one image's moments computed elsewhere (e.g. by onnxruntime over every position): `count` positions with
   * mean μ [C] and centred Gram G = Σ (x − μ)(x − μ)ᵀ [C×C]; Σx = count·μ and Σxxᵀ = G + count·μμᵀ, in float64.
   */
  addMoments(name: string, m: { channels: number; count: number; mean: ArrayLike<number>; gram: ArrayLike<number> }, image: number): void {
    const c = m.channels;
    if (m.mean.length !== c || m.gram.length !== c * c) throw new RangeError(`moments of '${name}': expected mean [${c}] and Gram [${c}×${c}]`);
    let s = this.sums.get(name);
    if (!s) this.sums.set(name, (s = newSums(c)));
    if (s.channels !== c) throw new RangeError(`moments of '${name}': ${c} channels, earlier images had ${s.channels}`);
    this.images.add(image);
    for (let a = 0; a < c; a++) {
      const ma = m.mean[a]!;
      s.sum[a]! += m.count * ma;
      for (let b = a; b < c; b++) s.cross[a * c + b]! += m.gram[a * c + b]! + m.count * ma * m.mean[b]!;
    }
    s.count += m.count;
    this.positions = Math.max(this.positions, m.count);
  }

  /** The moments so far (the accumulator stays usable). */
  finish(): ChannelStats {
    const tensors = new Map<string, TensorMoments>();
    for (const [name, s] of this.sums) {
      const inv = s.count > 0 ? 1 / s.count : 0;
      tensors.set(name, { channels: s.channels, count: s.count, mean: s.sum.map((v) => v * inv), second: symmetric(s) });
    }
    return { images: this.images.size, positionsPerImage: this.positions > 0 ? this.positions : this.maxPositions, tensors };
  }
}

/** Σ_k x[ra+k]·x[rb+k] over k < p. */
function dot(x: Float32Array, ra: number, rb: number, p: number): number {
  let s = 0;
  for (let k = 0; k < p; k++) s += x[ra + k]! * x[rb + k]!;
  return s;
}

/**
 * cross[a,b] += Σ_k x[a,k]·x[b,k] for b ≥ a; sum[a] += Σ_k x[a,k]. `x` is [c×p] channel-major. Rows are taken
 * two at a time against four others (eight running sums: each load serves two or four products).
 */
function accumulateCross(x: Float32Array, c: number, p: number, cross: Float64Array, sum: Float64Array): void {
  for (let a = 0; a < c; a++) {
    let sa = 0;
    for (let k = 0, ra = a * p; k < p; k++) sa += x[ra + k]!;
    sum[a]! += sa;
  }
  let a = 0;
  for (; a + 1 < c; a += 2) {
    const r0 = a * p, r1 = r0 + p;
    cross[a * c + a]! += dot(x, r0, r0, p);
    cross[a * c + a + 1]! += dot(x, r0, r1, p);
    cross[(a + 1) * c + a + 1]! += dot(x, r1, r1, p);
    let b = a + 2;
    for (; b + 3 < c; b += 4) {
      const q0 = b * p, q1 = q0 + p, q2 = q1 + p, q3 = q2 + p;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      for (let k = 0; k < p; k++) {
        const u = x[r0 + k]!, v = x[r1 + k]!;
        const y0 = x[q0 + k]!, y1 = x[q1 + k]!, y2 = x[q2 + k]!, y3 = x[q3 + k]!;
        s00 += u * y0; s01 += u * y1; s02 += u * y2; s03 += u * y3;
        s10 += v * y0; s11 += v * y1; s12 += v * y2; s13 += v * y3;
      }
      const o0 = a * c + b, o1 = o0 + c;
      cross[o0]! += s00; cross[o0 + 1]! += s01; cross[o0 + 2]! += s02; cross[o0 + 3]! += s03;
      cross[o1]! += s10; cross[o1 + 1]! += s11; cross[o1 + 2]! += s12; cross[o1 + 3]! += s13;
    }
    for (; b < c; b++) {
      cross[a * c + b]! += dot(x, r0, b * p, p);
      cross[(a + 1) * c + b]! += dot(x, r1, b * p, p);
    }
  }
  if (a < c) cross[a * c + a]! += dot(x, a * p, a * p, p);
}
