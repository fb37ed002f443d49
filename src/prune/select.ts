/**
 * Exact, deterministic, linear-time selection of the k least important weights of a layer ("cut").
 *
 * Within one layer every elementwise magnitude criterion (l1 |w|, l2 w², l1l2, lamp) is a strictly increasing
 * function of |w|, so all give the same order and the same mask: selection ranks by |w| exactly, using the
 * IEEE bit pattern with the sign cleared as an integer key (monotone in |w| for non-NaN values; NaN ranks above
 * infinity and is pruned last). The k smallest keys are found by a two-pass 16-bit radix select (O(n)); ties at
 * the threshold go to the lowest indices first. Existing zeros have the smallest key, so they count toward k.
 */
import type { Tensor } from '../core/dtype.js';

export interface Threshold {
  /** Keys below this are selected. */
  key: number;
  /** How many elements equal to `key` are also selected, lowest index first. */
  takeEqual: number;
}

const HIST_A = new Uint32Array(65536);
/** Below this many keys a sort beats two 65536-bin histogram scans. */
const SMALL = 8192;

function thresholdBySort(arrays: readonly Uint32Array[], total: number, k: number, mask: number): Threshold {
  const keys = new Uint32Array(total);
  let o = 0;
  for (const a of arrays) for (let i = 0; i < a.length; i++) keys[o++] = (a[i]! & mask) >>> 0;
  keys.sort();
  const key = keys[k - 1]!;
  let below = k - 1;
  while (below > 0 && keys[below - 1] === key) below--;
  return { key, takeEqual: k - below };
}
const HIST_B = new Uint32Array(65536);

/** Find the bucket holding the k-th (1-based) element of a histogram: returns bucket and count below it. */
function bucketOf(hist: Uint32Array, k: number): { bucket: number; below: number } {
  let below = 0;
  for (let b = 0; b < hist.length; b++) {
    const h = hist[b]!;
    if (below + h >= k) return { bucket: b, below };
    below += h;
  }
  return { bucket: hist.length - 1, below };
}

/**
 * Threshold of the k smallest 31-bit keys `bits[i] & mask` over one or more arrays (treated as one sequence in
 * order). 1 ≤ k ≤ total length.
 */
export function thresholdU32(arrays: readonly Uint32Array[], k: number, mask = 0x7fffffff): Threshold {
  let total = 0;
  for (const a of arrays) total += a.length;
  if (total <= SMALL) return thresholdBySort(arrays, total, k, mask);
  HIST_A.fill(0);
  for (const a of arrays) for (let i = 0; i < a.length; i++) HIST_A[(a[i]! & mask) >>> 16]!++;
  const hi = bucketOf(HIST_A, k);
  HIST_B.fill(0);
  for (const a of arrays) {
    for (let i = 0; i < a.length; i++) {
      const x = a[i]! & mask;
      if (x >>> 16 === hi.bucket) HIST_B[x & 0xffff]!++;
    }
  }
  const lo = bucketOf(HIST_B, k - hi.below);
  return { key: ((hi.bucket << 16) | lo.bucket) >>> 0, takeEqual: k - hi.below - lo.below };
}

/** Threshold of the k smallest 15-bit keys `bits[i] & 0x7fff` (float16/bfloat16 magnitudes). */
export function thresholdU16(bits: Uint16Array, k: number): Threshold {
  const hist = HIST_A.subarray(0, 32768);
  hist.fill(0);
  for (let i = 0; i < bits.length; i++) hist[bits[i]! & 0x7fff]!++;
  const b = bucketOf(hist, k);
  return { key: b.bucket, takeEqual: k - b.below };
}

/** The magnitude keys of a float tensor as an integer view (no copy for float32/float16/bfloat16). */
function keyView(t: Tensor): { u32?: Uint32Array; u16?: Uint16Array; f64?: Float64Array } {
  const d = t.data;
  if (t.dtype === 'float32') return { u32: new Uint32Array(d.buffer, d.byteOffset, d.length) };
  if (t.dtype === 'float16' || t.dtype === 'bfloat16') return { u16: d as Uint16Array };
  if (t.dtype === 'float64') return { f64: d as Float64Array };
  throw new Error(`selectSmallest: ${t.dtype} is not a float dtype`);
}

/**
 * Mask (1 = zero it) of the k elements of smallest |w|, ties lowest index first. O(n) for float32/16/bf16;
 * float64 (rare) uses an exact sort.
 */
export function selectSmallest(t: Tensor, k: number): Uint8Array {
  const n = t.data.length;
  const mask = new Uint8Array(n);
  if (k <= 0) return mask;
  if (k >= n) return mask.fill(1);
  const v = keyView(t);
  if (v.u32) {
    const th = thresholdU32([v.u32], k);
    let eq = th.takeEqual;
    const a = v.u32;
    for (let i = 0; i < n; i++) {
      const x = (a[i]! & 0x7fffffff) >>> 0;
      if (x < th.key) mask[i] = 1;
      else if (x === th.key && eq > 0) { mask[i] = 1; eq--; }
    }
    return mask;
  }
  if (v.u16) {
    const th = thresholdU16(v.u16, k);
    let eq = th.takeEqual;
    const a = v.u16;
    for (let i = 0; i < n; i++) {
      const x = a[i]! & 0x7fff;
      if (x < th.key) mask[i] = 1;
      else if (x === th.key && eq > 0) { mask[i] = 1; eq--; }
    }
    return mask;
  }
  const f = v.f64!;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => Math.abs(f[a]!) - Math.abs(f[b]!) || a - b);
  for (let j = 0; j < k; j++) mask[order[j]!] = 1;
  return mask;
}

/**
 * Zero the k elements of smallest |w| of `t` in place (same choice as {@link selectSmallest}, no mask
 * allocated). `t` must be a private copy the caller owns. Returns `t`.
 */
export function zeroSmallest(t: Tensor, k: number): Tensor {
  const n = t.data.length;
  if (k <= 0) return t;
  const v = keyView(t);
  if (k >= n || v.f64) return zeroInPlace(t, selectSmallest(t, k));
  if (v.u32) {
    const a = v.u32;
    const th = thresholdU32([a], k);
    let eq = th.takeEqual;
    for (let i = 0; i < n; i++) {
      const x = (a[i]! & 0x7fffffff) >>> 0;
      if (x < th.key) a[i] = 0;
      else if (x === th.key && eq > 0) { a[i] = 0; eq--; }
    }
    return t;
  }
  const a = v.u16!;
  const th = thresholdU16(a, k);
  let eq = th.takeEqual;
  for (let i = 0; i < n; i++) {
    const x = a[i]! & 0x7fff;
    if (x < th.key) a[i] = 0;
    else if (x === th.key && eq > 0) { a[i] = 0; eq--; }
  }
  return t;
}

/** A copy of `t` with masked elements set to +0 (the input is not modified). Returns the new zero count too. */
export function applyMask(t: Tensor, mask: Uint8Array): Tensor {
  const data = t.data.slice() as Tensor['data'];
  if (data instanceof BigInt64Array) throw new Error('applyMask: int64 weights are not pruned');
  for (let i = 0; i < mask.length; i++) if (mask[i]) data[i] = 0;
  return { dtype: t.dtype, dims: t.dims, data };
}

/** Set masked elements of `t` (a private copy the caller owns) to +0, in place; returns `t`. */
export function zeroInPlace(t: Tensor, mask: Uint8Array): Tensor {
  const data = t.data;
  if (data instanceof BigInt64Array) throw new Error('zeroInPlace: int64 weights are not pruned');
  for (let i = 0; i < mask.length; i++) if (mask[i]) data[i] = 0;
  return t;
}

/** Number of set entries of a mask. */
export function maskCount(mask: Uint8Array): number {
  let c = 0;
  for (let i = 0; i < mask.length; i++) c += mask[i]!;
  return c;
}
