/**
 * Weight-only int8 with a zero point per output channel (asymmetric) and sum-preserving rounding. Channel c
 * stores q ∈ [−128, 127] with w ≈ (q − z_c)·s_c: the step spans the channel's own [min, max] instead of
 * ±max|w|. With float compute (`--weights-only`) no integer kernel constrains the zero point, and
 * DequantizeLinear (opset 13) takes a per-axis zero point. The range of each channel is searched (both ends
 * clipped by α_lo, α_hi ∈ {1, 0.95, …, 0.5}, the pair with the least squared rounding + clipping error kept; 0
 * stays representable, so the zeros of a pruned weight stay exactly zero). Then the rounding: nearest rounding
 * leaves the channel's summed error Σ(w − ŵ) up to several steps, and that sum times the (mostly positive, after
 * SiLU) mean input is a shift of the channel's output mean that every later layer inherits; `rounding: 'sum'`
 * (default) flips the roundings nearest to a half step until the summed error is within half a step.
 */
import { asymmetricParams, roundHalfEven, type QuantParams } from './params.js';

export interface AsymmetricWeights {
  data: Int8Array;
  dims: readonly number[];
  /** One scale per channel along `axis`. */
  scales: Float32Array;
  /** One int8 zero point per channel along `axis`. */
  zeroPoints: Int8Array;
  axis: number;
}

export interface AsymmetricOptions {
  /** Clip factors tried for each end of a channel's range (default {@link ASYM_CLIPS}). */
  clips?: readonly number[];
  /** `nearest` (round half to even) or `sum` (default: nearest, then the channel's summed error below half a step). */
  rounding?: 'nearest' | 'sum';
}

/** Clip factors tried for each end of a channel's range: 1, 0.95, …, 0.5. */
export const ASYM_CLIPS: readonly number[] = Array.from({ length: 11 }, (_, k) => 1 - k * 0.05);

const QMIN = -128, QMAX = 127;

/** int8 code of `x` under `p` (round half to even, saturated to [−128, 127]). */
export function asymCode(x: number, p: QuantParams): number {
  return Math.min(QMAX, Math.max(QMIN, roundHalfEven(x / p.scale) + p.zeroPoint));
}

/** Squared error of quantizing `values` under `p`. */
export function asymError(values: Float32Array, p: QuantParams): number {
  let e = 0;
  for (const x of values) {
    const d = x - (asymCode(x, p) - p.zeroPoint) * p.scale;
    e += d * d;
  }
  return e;
}

/** The parameters of one channel's values: the clipped [α_lo·min, α_hi·max] with the least squared error (ties: the wider range). */
export function asymChannelParams(values: Float32Array, clips: readonly number[] = ASYM_CLIPS): QuantParams {
  let lo = 0, hi = 0;
  for (const x of values) { if (x < lo) lo = x; if (x > hi) hi = x; }
  let best = asymmetricParams(lo, hi, 'int8'), bestErr = asymError(values, best);
  for (const a of clips) {
    for (const b of clips) {
      const p = asymmetricParams(lo * a, hi * b, 'int8');
      const e = asymError(values, p);
      if (e < bestErr) { bestErr = e; best = p; }
    }
  }
  return best;
}

/**
 * Re-round `q` (the codes of `values` under `p`) so that the summed error Σ(values/scale + z − q), in steps, is
 * within half a step: the n = round(|sum|) codes whose residual is largest in the sum's direction move one step
 * that way (codes at the saturation bound excepted). Returns a new array; each moved code's error stays below one
 * step.
 */
export function preserveSum(values: Float32Array, q: Int8Array, p: QuantParams): Int8Array {
  const out = Int8Array.from(q);
  const r = new Float64Array(values.length);
  let sum = 0;
  for (let j = 0; j < values.length; j++) { r[j] = values[j]! / p.scale + p.zeroPoint - q[j]!; sum += r[j]!; }
  const n = Math.round(Math.abs(sum));
  if (n === 0) return out;
  const dir = Math.sign(sum);
  const movable = [...r.keys()].filter((j) => (dir > 0 ? q[j]! < QMAX : q[j]! > QMIN));
  movable.sort((a, b) => dir * (r[b]! - r[a]!)); // a stable sort: equal residuals keep index order
  for (const j of movable.slice(0, n)) out[j] = q[j]! + dir;
  return out;
}

/** Per-channel asymmetric int8 of a float weight whose output channels lie along `axis` of `dims`. */
export function quantizeWeightsAsymmetric(w: Float32Array, dims: readonly number[], axis: number, options: AsymmetricOptions = {}): AsymmetricWeights {
  if (axis < 0 || axis >= dims.length) throw new RangeError(`weight axis ${axis} is outside shape [${dims.join(',')}]`);
  const outer = dims.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const channels = dims[axis]!;
  const data = new Int8Array(w.length);
  const scales = new Float32Array(channels);
  const zeroPoints = new Int8Array(channels);
  const values = new Float32Array(outer * inner);
  const at = (c: number, j: number) => (Math.floor(j / inner) * channels + c) * inner + (j % inner);
  for (let c = 0; c < channels; c++) {
    for (let j = 0; j < values.length; j++) values[j] = w[at(c, j)]!;
    const p = asymChannelParams(values, options.clips);
    scales[c] = p.scale;
    zeroPoints[c] = p.zeroPoint;
    let q: Int8Array = Int8Array.from(values, (x) => asymCode(x, p));
    if ((options.rounding ?? 'sum') === 'sum') q = preserveSum(values, q, p);
    for (let j = 0; j < values.length; j++) data[at(c, j)] = q[j]!;
  }
  return { data, dims, scales, zeroPoints, axis };
}
