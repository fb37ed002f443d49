/**
 * Stable orderings over typed arrays without comparator callbacks (LSD radix / counting sorts), so that
 * sorting millions of scores stays in the tens of milliseconds.
 */

/** One stable counting pass: reorders `order` by the digit `(keys[i] >>> shift) & mask` of each element. */
function radixPass(order: Int32Array, keys: Uint32Array, shift: number, mask: number, scratch: Int32Array, count: Uint32Array): void {
  count.fill(0);
  const n = order.length;
  for (let i = 0; i < n; i++) {
    const d = (keys[order[i]!]! >>> shift) & mask;
    count[d] = count[d]! + 1;
  }
  let sum = 0;
  for (let d = 0; d <= mask; d++) {
    const c = count[d]!;
    count[d] = sum;
    sum += c;
  }
  for (let i = 0; i < n; i++) {
    const e = order[i]!;
    const d = (keys[e]! >>> shift) & mask;
    scratch[count[d]!++] = e;
  }
  order.set(scratch);
}

/**
 * Radix digit width for sorting `count` elements: 8 bits below 32768 (cheap histograms), 16 bits from there (half
 * the passes). Exported for its tests: the width changes speed only, never the order.
 */
export function digitBits(count: number): 8 | 16 {
  return count < 1 << 15 ? 8 : 16;
}

/** Reorders `order` stably by ascending unsigned keys (`hi` most significant, then `lo`); for n ≥ 2048 (argsortDescending). */
function sortByKeys(order: Int32Array, hi: Uint32Array, lo?: Uint32Array): void {
  const bits = digitBits(order.length);
  const mask = (1 << bits) - 1;
  const scratch = new Int32Array(order.length);
  const count = new Uint32Array(mask + 1);
  for (const keys of lo ? [lo, hi] : [hi]) {
    for (let shift = 0; shift < 32; shift += bits) radixPass(order, keys, shift, mask, scratch, count);
  }
}

function identity(n: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

/** Stable bottom-up merge sort of `order` by descending `values[e]` (`-0` must already equal `0`); for small inputs. */
function mergeSortDescending(order: Int32Array, values: Float32Array | Float64Array): Int32Array {
  const n = order.length;
  let src: Int32Array = order;
  let dst: Int32Array = new Int32Array(n);
  // Runs of 8 by insertion sort first.
  for (let lo = 0; lo < n; lo += 8) {
    const hi = Math.min(lo + 8, n);
    for (let i = lo + 1; i < hi; i++) {
      const e = src[i]!;
      const v = values[e]!;
      let j = i - 1;
      while (j >= lo && values[src[j]!]! < v) {
        src[j + 1] = src[j]!;
        j--;
      }
      src[j + 1] = e;
    }
  }
  for (let width = 8; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo, j = mid, k = lo;
      while (i < mid && j < hi) {
        // take from the right run only when strictly greater: ties keep the left (earlier) element first
        if (values[src[j]!]! > values[src[i]!]!) dst[k++] = src[j++]!;
        else dst[k++] = src[i++]!;
      }
      while (i < mid) dst[k++] = src[i++]!;
      while (j < hi) dst[k++] = src[j++]!;
    }
    const t = src;
    src = dst;
    dst = t;
  }
  return src;
}

/** True when every value converts to float32 exactly (so float32 keys order them as their float64 values). */
function allFloat32(values: Float64Array): boolean {
  for (let i = 0; i < values.length; i++) if (Math.fround(values[i]!) !== values[i]) return false;
  return true;
}

/** Stable radix sort of `order` by descending float32 keys of `values` (every value must be exactly a float32). */
function radixDescendingF32(order: Int32Array, values: Float32Array | Float64Array): Int32Array {
  const n = values.length;
  const bits = new Uint32Array(n);
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  for (let i = 0; i < n; i++) {
    f[0] = values[i]! + 0; // -0 → +0 (exact: the value is a float32)
    const b = u[0]!;
    // ascending transform: negative → invert all bits, positive → set sign bit; descending = bitwise not of that.
    bits[i] = (b & 0x80000000 ? b : ~(b | 0x80000000)) >>> 0;
  }
  sortByKeys(order, bits);
  return order;
}

/** Stable radix sort of `order` by descending float64 keys of `values` (two 32-bit halves). */
function radixDescendingF64(order: Int32Array, values: Float32Array | Float64Array): Int32Array {
  const n = values.length;
  const hi = new Uint32Array(n);
  const lo = new Uint32Array(n);
  const f = new Float64Array(1);
  const u = new Uint32Array(f.buffer);
  for (let i = 0; i < n; i++) {
    f[0] = values[i]! + 0;
    const l = u[0]!;
    const h = u[1]!;
    // ascending transform: negative → invert all bits, positive → set sign bit; descending = bitwise not of that.
    if (h & 0x80000000) {
      hi[i] = h >>> 0;
      lo[i] = l >>> 0;
    } else {
      hi[i] = ~(h | 0x80000000) >>> 0;
      lo[i] = ~l >>> 0;
    }
  }
  sortByKeys(order, hi, lo);
  return order;
}

const SORTS = { merge: mergeSortDescending, radixF32: radixDescendingF32, radixF64: radixDescendingF64 } as const;

/**
 * How argsortDescending sorts `count` elements of `values`: a comparison merge sort below 2048 elements (it beats
 * 4–8 radix passes there; -0 and 0 compare equal, so stability holds), else a radix sort on 32-bit keys when every
 * value is exactly a float32 (scores of a float32 model: half the passes), on 64-bit keys otherwise. Exported for
 * its tests: every method gives the same order, only the speed differs.
 */
export function sortMethod(values: Float32Array | Float64Array, count: number): keyof typeof SORTS {
  if (count < 2048) return 'merge';
  return values instanceof Float32Array || allFloat32(values) ? 'radixF32' : 'radixF64';
}

/**
 * Stable argsort of `values` in DESCENDING order (ties keep their index order), as
 * `numpy.argsort(-values, kind='mergesort')`. `-0` equals `0`; values must not be NaN.
 * When `order` is given, the elements it lists are reordered (stably, starting from its order) instead of 0..n-1.
 */
export function argsortDescending(values: Float32Array | Float64Array, order?: Int32Array): Int32Array {
  const out = order ? Int32Array.from(order) : identity(values.length);
  return SORTS[sortMethod(values, out.length)](out, values);
}

/**
 * Stable counting sort of `order` by small non-negative integer `buckets[e]` (`< nBuckets`).
 * Returns the reordered indices and the CSR offsets (`offsets[b]..offsets[b+1]` is bucket `b`).
 */
export function bucketSort(order: Int32Array, buckets: Int32Array, nBuckets: number): { order: Int32Array; offsets: Int32Array } {
  const offsets = new Int32Array(nBuckets + 1);
  for (let i = 0; i < order.length; i++) {
    const b = buckets[order[i]!]! + 1;
    offsets[b] = offsets[b]! + 1;
  }
  for (let b = 0; b < nBuckets; b++) offsets[b + 1] = offsets[b + 1]! + offsets[b]!;
  const cursor = offsets.slice(0, nBuckets);
  const out = new Int32Array(order.length);
  for (let i = 0; i < order.length; i++) {
    const e = order[i]!;
    const b = buckets[e]!;
    out[cursor[b]!++] = e;
  }
  return { order: out, offsets };
}
