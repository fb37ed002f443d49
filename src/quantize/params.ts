/**
 * Scale and zero-point arithmetic of ONNX QuantizeLinear/DequantizeLinear: q = saturate(round_half_even(x / s) + z),
 * x ≈ (q − z)·s. Activations are asymmetric (the range is widened to include 0, so 0 is exact: zero padding and
 * ReLU stay exact); weights are symmetric (z = 0).
 */

export type QuantDType = 'uint8' | 'int8';

/** One tensor's quantization: x ≈ (q − zeroPoint)·scale, q in the dtype's range. */
export interface QuantParams { scale: number; zeroPoint: number; dtype: QuantDType }

/** Integer range of a quantized dtype; `reduceRange` keeps 7 bits (for CPUs without VNNI, whose u8·s8 sums saturate). */
export function qRange(dtype: QuantDType, reduceRange = false): { qmin: number; qmax: number } {
  if (dtype === 'uint8') return reduceRange ? { qmin: 0, qmax: 127 } : { qmin: 0, qmax: 255 };
  return reduceRange ? { qmin: -64, qmax: 63 } : { qmin: -128, qmax: 127 };
}

/** Round half to even, as QuantizeLinear does (2.5 → 2, 3.5 → 4, −2.5 → −2). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The smallest scale used: keeps a constant-zero tensor quantizable (every value maps to the zero point). */
export const MIN_SCALE = 1e-8;

/**
 * Asymmetric parameters covering [min, max] (widened to include 0). uint8: z in [0, 255]; int8: z in [−128, 127].
 * A constant tensor (min = max = 0) gets scale {@link MIN_SCALE}.
 */
export function asymmetricParams(min: number, max: number, dtype: QuantDType = 'uint8'): QuantParams {
  if (!(Number.isFinite(min) && Number.isFinite(max)) || min > max) throw new RangeError(`quantization range [${min}, ${max}] is not a finite interval`);
  const lo = Math.min(min, 0), hi = Math.max(max, 0);
  const { qmin, qmax } = qRange(dtype);
  const scale = Math.fround(Math.max((hi - lo) / (qmax - qmin), MIN_SCALE));
  const zeroPoint = Math.min(qmax, Math.max(qmin, roundHalfEven(qmin - lo / scale)));
  return { scale, zeroPoint, dtype };
}

/** Symmetric parameters for |x| ≤ absMax: int8 z = 0, scale = absMax / qmax (127, or 63 with reduceRange). */
export function symmetricParams(absMax: number, reduceRange = false): QuantParams {
  if (!(Number.isFinite(absMax) && absMax >= 0)) throw new RangeError(`quantization bound ${absMax} is not a finite non-negative number`);
  const { qmax } = qRange('int8', reduceRange);
  return { scale: Math.fround(Math.max(absMax / qmax, MIN_SCALE)), zeroPoint: 0, dtype: 'int8' };
}

/** QuantizeLinear of one value. */
export function quantizeValue(x: number, p: QuantParams): number {
  const { qmin, qmax } = qRange(p.dtype);
  return Math.min(qmax, Math.max(qmin, roundHalfEven(x / p.scale) + p.zeroPoint));
}

/** DequantizeLinear of one value. */
export function dequantizeValue(q: number, p: QuantParams): number {
  return (q - p.zeroPoint) * p.scale;
}
