/** Byte-level tensor edits used by structured pruning (dtype-agnostic). */
import { BYTES_PER_ELEMENT, bytesOf, numel, viewAs, type Tensor } from '../../core/dtype.js';

/** Keep only indices `keep` (ascending) along `axis`. The input is not modified. */
export function gatherAxis(t: Tensor, axis: number, keep: Int32Array): Tensor {
  const dims = [...t.dims];
  const size = BYTES_PER_ELEMENT[t.dtype];
  const outer = numel(dims.slice(0, axis));
  const inner = numel(dims.slice(axis + 1));
  const d = dims[axis]!;
  const count = outer * keep.length * inner;
  // Copy whole elements through an unsigned view of the element width (aligned: readTensor data is aligned).
  const bytes = bytesOf(t.data);
  const view = (b: Uint8Array, n: number) =>
    size === 8 ? new BigUint64Array(b.buffer, b.byteOffset, n) : size === 4 ? new Uint32Array(b.buffer, b.byteOffset, n)
      : size === 2 ? new Uint16Array(b.buffer, b.byteOffset, n) : new Uint8Array(b.buffer, b.byteOffset, n);
  const aligned = bytes.byteOffset % size === 0 ? bytes : bytes.slice();
  const src = view(aligned, t.data.length) as Uint32Array;
  const outBytes = new Uint8Array(count * size);
  const dst = view(outBytes, count) as Uint32Array;
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
  return { dtype: t.dtype, dims, data: viewAs(t.dtype, outBytes, count) };
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
