/** Byte-level tensor edits used by structured pruning (dtype-agnostic). */
import { BYTES_PER_ELEMENT, bytesOf, numel, viewAs, type Tensor } from '../../core/dtype.js';

/** Keep only indices `keep` (ascending) along `axis`. The input is not modified. */
export function gatherAxis(t: Tensor, axis: number, keep: Int32Array): Tensor {
  const dims = [...t.dims];
  const size = BYTES_PER_ELEMENT[t.dtype];
  const outer = numel(dims.slice(0, axis));
  const inner = numel(dims.slice(axis + 1)) * size;
  const d = dims[axis]!;
  const src = bytesOf(t.data);
  const out = new Uint8Array(outer * keep.length * inner);
  let o = 0;
  for (let a = 0; a < outer; a++) {
    const base = a * d * inner;
    for (const k of keep) {
      out.set(src.subarray(base + k * inner, base + (k + 1) * inner), o);
      o += inner;
    }
  }
  dims[axis] = keep.length;
  return { dtype: t.dtype, dims, data: viewAs(t.dtype, out, numel(dims)) };
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
