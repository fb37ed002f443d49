/**
 * Weight and bias quantization for Conv/ConvTranspose/Gemm/MatMul: int8 symmetric weights (per output channel by
 * default), int32 biases at scale = input scale × weight scale. When a bias value would not fit int32 at that
 * scale, the weight scale of its channel is widened until it does (the weights of that channel are requantized).
 */
import { qRange, roundHalfEven, symmetricParams } from './params.js';

export interface WeightQuantOptions {
  /** One scale per output channel (default true) or one for the tensor. */
  perChannel?: boolean;
  /** 7-bit weights (±63). */
  reduceRange?: boolean;
  /** Output-channel axis of the weight (Conv/Gemm with transB: 0; ConvTranspose and MatMul: 1). */
  axis?: number;
  /**
   * Range of each channel: `max` (|w| max, nothing clipped) or `mse` (default: the clip of |w| max·α, α in
   * 0.50…1.00 by 0.02, with the least squared rounding + clipping error — outlier weights no longer stretch
   * the step of every other weight).
   */
  range?: 'max' | 'mse';
}

/**
 * Squared error of quantizing `values` at `scale` symmetric int8 within ±qmax; stops summing (returns a value
 * above `limit`) once the sum exceeds `limit`.
 */
export function quantError(values: Float32Array, scale: number, qmax: number, limit = Infinity): number {
  let e = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    const q = Math.min(qmax, Math.max(-qmax, roundHalfEven(x / scale)));
    const d = x - q * scale;
    e += d * d;
    if (e > limit) return e;
  }
  return e;
}

/** The symmetric scale of one channel: |w| max, or the MSE-optimal clip of it. */
function channelScale(values: Float32Array, absMax: number, options: WeightQuantOptions): number {
  const base = symmetricParams(absMax, options.reduceRange).scale;
  if ((options.range ?? 'mse') === 'max' || absMax === 0) return base;
  const qmax = qRange('int8', options.reduceRange).qmax;
  let best = base, bestErr = quantError(values, base, qmax);
  for (let a = 0.98; a >= 0.5 - 1e-9; a -= 0.02) {
    const s = Math.fround(base * a);
    const e = quantError(values, s, qmax, bestErr);
    if (e < bestErr) { bestErr = e; best = s; }
  }
  return best;
}

export interface QuantizedWeights {
  /** int8 values, same shape as the float weight. */
  data: Int8Array;
  dims: readonly number[];
  /** One scale per channel along `axis` (per-channel) or a single one. */
  scales: Float32Array;
  /** Channel axis of `scales`, or undefined for per-tensor. */
  axis: number | undefined;
}

export interface QuantizedBias {
  data: Int32Array;
  /** input scale × weight scale, per channel (after widening). */
  scales: Float32Array;
}

export interface ConvQuantization {
  weight: QuantizedWeights;
  bias: QuantizedBias | undefined;
  /** Channels whose weight scale was widened so the bias fits int32. */
  widened: number[];
}

const INT32_MAX = 2 ** 31 - 1;

/** Iterate the flat indices of channel c along `axis` of `dims`. */
function forChannel(dims: readonly number[], axis: number, c: number, fn: (i: number) => void): void {
  const outer = dims.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const n = dims[axis]!;
  for (let o = 0; o < outer; o++) {
    const base = (o * n + c) * inner;
    for (let k = 0; k < inner; k++) fn(base + k);
  }
}

/** Quantize a float weight tensor to int8 with symmetric scales. `minScales` (per channel) lower-bounds each scale. */
export function quantizeWeights(w: Float32Array, dims: readonly number[], options: WeightQuantOptions = {}, minScales?: Float32Array): QuantizedWeights {
  const perChannel = options.perChannel ?? true;
  const axis = options.axis ?? 0;
  if (perChannel && (axis < 0 || axis >= dims.length)) throw new RangeError(`weight axis ${axis} is outside shape [${dims.join(',')}]`);
  const channels = perChannel ? dims[axis]! : 1;
  const data = new Int8Array(w.length);
  const scales = new Float32Array(channels);
  const qmax = qRange('int8', options.reduceRange).qmax;
  const each = (c: number, fn: (i: number) => void) => (perChannel ? forChannel(dims, axis, c, fn) : w.forEach((_, i) => fn(i)));
  for (let c = 0; c < channels; c++) {
    let absMax = 0;
    const idx: number[] = [];
    each(c, (i) => { absMax = Math.max(absMax, Math.abs(w[i]!)); idx.push(i); });
    const values = Float32Array.from(idx, (i) => w[i]!);
    const scale = Math.max(channelScale(values, absMax, options), minScales?.[c] ?? 0);
    scales[c] = scale;
    // Symmetric: clipped values saturate at ±qmax (not at int8's −128, nor past ±63 with reduce-range), as the
    // range search assumed.
    each(c, (i) => { data[i] = Math.min(qmax, Math.max(-qmax, roundHalfEven(w[i]! / scales[c]!))); });
  }
  return { data, dims, scales, axis: perChannel ? axis : undefined };
}

/**
 * Quantize a layer's weight and bias for an input at `inputScale`. Bias channel c uses inputScale × weightScale[c];
 * a bias too large for int32 at that scale widens weightScale[c] (and requantizes the channel's weights).
 */
export function quantizeLayer(w: Float32Array, dims: readonly number[], bias: Float32Array | undefined, inputScale: number, options: WeightQuantOptions = {}): ConvQuantization {
  let weight = quantizeWeights(w, dims, options);
  const widened: number[] = [];
  if (bias) {
    const channels = weight.scales.length;
    const need = new Float32Array(channels);
    bias.forEach((b, i) => {
      const c = channels === 1 ? 0 : i;
      const s = weight.scales[c]!;
      if (Math.abs(b) / (inputScale * s) > INT32_MAX) need[c] = Math.max(need[c]!, Math.fround((Math.abs(b) / INT32_MAX / inputScale) * 1.0001));
    });
    need.forEach((v, c) => { if (v > 0) widened.push(c); });
    if (widened.length > 0) weight = quantizeWeights(w, dims, options, need);
  }
  return { weight, bias: bias ? quantizeBias(bias, inputScale, weight.scales) : undefined, widened };
}

/** int32 bias at scale inputScale × weightScales[c] (one scale broadcasts to every channel). */
export function quantizeBias(bias: Float32Array, inputScale: number, weightScales: Float32Array): QuantizedBias {
  const scales = new Float32Array(bias.length);
  const data = new Int32Array(bias.length);
  bias.forEach((b, i) => {
    const s = Math.fround(inputScale * weightScales[weightScales.length === 1 ? 0 : i]!);
    scales[i] = s;
    data[i] = Math.max(-INT32_MAX, Math.min(INT32_MAX, roundHalfEven(b / s)));
  });
  return { data, scales };
}
