/** Byte-level tensor edits used by structured pruning (dtype-agnostic). */
import { BYTES_PER_ELEMENT, bytesOf, numel, viewAs, type Tensor } from '../../core/dtype.js';

type Lanes = Uint32Array;

/** An unsigned view of whole elements of `t` (aligned copy when needed), and a maker of output views. */
function lanes(t: Tensor): { src: Lanes; make: (count: number) => { bytes: Uint8Array; dst: Lanes } } {
  const size = BYTES_PER_ELEMENT[t.dtype];
  const view = (b: Uint8Array, n: number) =>
    size === 8 ? new BigUint64Array(b.buffer, b.byteOffset, n) : size === 4 ? new Uint32Array(b.buffer, b.byteOffset, n)
      : size === 2 ? new Uint16Array(b.buffer, b.byteOffset, n) : new Uint8Array(b.buffer, b.byteOffset, n);
  const bytes = bytesOf(t.data);
  const aligned = bytes.byteOffset % size === 0 ? bytes : bytes.slice();
  return {
    src: view(aligned, t.data.length) as Lanes,
    make: (count) => { const out = new Uint8Array(count * size); return { bytes: out, dst: view(out, count) as Lanes }; },
  };
}

/**
 * Grouped conv weight [O, C/G, …taps] → [O, K, …taps]: the rows of block b (O/G rows each) keep the input
 * slices `keep[b]` (ascending, every block the same count K). Dtype-agnostic; the input is not modified.
 */
export function gatherGrouped(t: Tensor, keep: readonly Int32Array[]): Tensor {
  const [o, c] = [t.dims[0]!, t.dims[1]!];
  const taps = numel(t.dims.slice(2));
  const k = keep[0]?.length ?? 0;
  const rowsPer = o / Math.max(1, keep.length);
  const { src, make } = lanes(t);
  const count = o * k * taps;
  const { bytes, dst } = make(count);
  let at = 0;
  for (let row = 0; row < o; row++) {
    const cols = keep[Math.floor(row / rowsPer)]!;
    for (let j = 0; j < k; j++) {
      const from = (row * c + cols[j]!) * taps;
      for (let q = 0; q < taps; q++) dst[at++] = src[from + q]!;
    }
  }
  return { dtype: t.dtype, dims: [o, k, ...t.dims.slice(2)], data: viewAs(t.dtype, bytes, count) };
}

/** Keep only indices `keep` (ascending) along `axis`. The input is not modified. */
export function gatherAxis(t: Tensor, axis: number, keep: Int32Array): Tensor {
  const dims = [...t.dims];
  const outer = numel(dims.slice(0, axis));
  const inner = numel(dims.slice(axis + 1));
  const d = dims[axis]!;
  const count = outer * keep.length * inner;
  // Copy whole elements through an unsigned view of the element width.
  const { src, make } = lanes(t);
  const { bytes, dst } = make(count);
  let o = 0;
  for (let a = 0; a < outer; a++) {
    const base = a * d * inner;
    for (let q = 0; q < keep.length; q++) {
      const from = base + keep[q]! * inner;
      if (inner > 64) dst.set(src.subarray(from, from + inner), o);
      else for (let j = 0; j < inner; j++) dst[o + j] = src[from + j]!;
      o += inner;
    }
  }
  dims[axis] = keep.length;
  return { dtype: t.dtype, dims, data: viewAs(t.dtype, bytes, count) };
}

/** A copy of an integer tensor with `values` set at `index` (int64 and int32 supported). */
export function withIntsAt(t: Tensor, updates: ReadonlyMap<number, number>): Tensor {
  if (t.dtype === 'int64') {
    const data = (t.data as BigInt64Array).slice();
    for (const [i, v] of updates) data[i] = BigInt(v);
    return { dtype: t.dtype, dims: t.dims, data };
  }
  if (t.dtype === 'int32') {
    const data = (t.data as Int32Array).slice();
    for (const [i, v] of updates) data[i] = v;
    return { dtype: t.dtype, dims: t.dims, data };
  }
  throw new TypeError(`integer tensor expected, got ${t.dtype}`);
}

/** An int64 1-D tensor. */
export function int64Tensor(values: readonly number[]): Tensor<'int64'> {
  return { dtype: 'int64', dims: [values.length], data: BigInt64Array.from(values, (v) => BigInt(v)) };
}
