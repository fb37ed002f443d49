/**
 * ONNX sparse tensors (SparseTensorProto, COO): encode a dense TensorProto as its non-zero values plus int64
 * linearized indices, and decode one back to a dense TensorProto. The ONNX checker accepts only int64 indices, so
 * that is what is written (8 bytes per non-zero); decoding also accepts the narrower index types onnxruntime reads
 * and the [NNZ, rank] coordinate form. An element counts as zero only when all its bytes are zero (+0, not −0),
 * so dense → sparse → dense gives back the same bytes.
 */
import { create, toBinary } from '@bufbuild/protobuf';
import { SparseTensorProtoSchema, TensorProtoSchema, type ModelProto, type SparseTensorProto, type TensorProto } from 'onnx-buf';
import { BYTES_PER_ELEMENT, numel } from '../../core/dtype.js';
import { ModelFormatError } from '../../core/errors.js';
import { shallowCopy } from './proto-util.js';
import { checkedDims, readTensor, tensorDType, tensorRawBytes, type ExternalReader } from './tensor.js';

/** Element counts of a dense tensor's bytes: total, and how many are not all-zero bytes. */
export interface ZeroCount { elements: number; nonZero: number }

function denseBytes(t: TensorProto, external?: ExternalReader): Uint8Array {
  const raw = tensorRawBytes(t, external);
  if (raw) return raw.subarray(0, numel(checkedDims(t)) * BYTES_PER_ELEMENT[tensorDType(t)]);
  const v = readTensor(t, external).data;
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

function isZeroAt(bytes: Uint8Array, i: number, size: number): boolean {
  for (let b = i * size; b < (i + 1) * size; b++) if (bytes[b] !== 0) return false;
  return true;
}

/** How many elements of `t` are non-zero (by bytes). */
export function countStoredNonZero(t: TensorProto, external?: ExternalReader): ZeroCount {
  const size = BYTES_PER_ELEMENT[tensorDType(t)];
  const bytes = denseBytes(t, external);
  const elements = bytes.length / size;
  let nonZero = 0;
  for (let i = 0; i < elements; i++) if (!isZeroAt(bytes, i, size)) nonZero++;
  return { elements, nonZero };
}

/** `t` as a SparseTensorProto named like `t` (values [NNZ] of t's dtype, int64 linear indices [NNZ]). */
export function toSparseTensor(t: TensorProto, external?: ExternalReader): SparseTensorProto {
  const dtype = tensorDType(t);
  const size = BYTES_PER_ELEMENT[dtype];
  const bytes = denseBytes(t, external);
  const elements = bytes.length / size;
  const index: number[] = [];
  for (let i = 0; i < elements; i++) if (!isZeroAt(bytes, i, size)) index.push(i);
  const values = new Uint8Array(index.length * size);
  index.forEach((e, k) => values.set(bytes.subarray(e * size, (e + 1) * size), k * size));
  const indices = BigInt64Array.from(index, (i) => BigInt(i));
  return create(SparseTensorProtoSchema, {
    dims: [...t.dims],
    values: create(TensorProtoSchema, { name: t.name, dataType: t.dataType, dims: [BigInt(index.length)], rawData: values }),
    indices: create(TensorProtoSchema, { dataType: 7, dims: [BigInt(index.length)], rawData: new Uint8Array(indices.buffer) }),
  });
}

/** Serialized size in bytes of a tensor as it would sit in the file. */
export const denseProtoBytes = (t: TensorProto): number => toBinary(TensorProtoSchema, t).length;
export const sparseProtoBytes = (s: SparseTensorProto): number => toBinary(SparseTensorProtoSchema, s).length;

function linearIndices(s: SparseTensorProto, dims: readonly number[], nnz: number, external?: ExternalReader): number[] {
  const name = s.values?.name ?? '';
  if (!s.indices) throw new ModelFormatError(`sparse initializer '${name}': no indices`, name);
  const it = readTensor(s.indices, external);
  if (!['int64', 'int32', 'int16', 'int8', 'uint8'].includes(it.dtype)) throw new ModelFormatError(`sparse initializer '${name}': indices are ${it.dtype}; expected int64`, name);
  const raw = Array.from(it.data as ArrayLike<number | bigint>, Number);
  const rank = dims.length;
  const linear = it.dims.length === 2 ? Array.from({ length: nnz }, (_, k) => {
    let l = 0;
    for (let a = 0; a < rank; a++) l = l * dims[a]! + raw[k * rank + a]!;
    return l;
  }) : raw;
  if (linear.length !== nnz || (it.dims.length === 2 && it.dims[1] !== rank)) {
    throw new ModelFormatError(`sparse initializer '${name}': indices [${it.dims.join(',')}] do not match ${nnz} values of a rank-${rank} tensor`, name);
  }
  const total = numel(dims);
  linear.forEach((l, k) => {
    if (!Number.isSafeInteger(l) || l < 0 || l >= total || (k > 0 && l <= linear[k - 1]!)) {
      throw new ModelFormatError(`sparse initializer '${name}': index ${l} at position ${k} is out of range [0, ${total}) or not ascending; the file is corrupt`, name);
    }
  });
  return linear;
}

/** The dense TensorProto (raw_data) a SparseTensorProto stands for. */
export function toDenseTensor(s: SparseTensorProto, external?: ExternalReader): TensorProto {
  const v = s.values;
  if (!v) throw new ModelFormatError('sparse initializer without values', undefined);
  const dtype = tensorDType(v, `sparse initializer '${v.name}'`);
  const size = BYTES_PER_ELEMENT[dtype];
  const dims = s.dims.map((d) => Number(d));
  const vals = denseBytes(v, external);
  const nnz = vals.length / size;
  const index = linearIndices(s, dims, nnz, external);
  const out = new Uint8Array(numel(dims) * size);
  index.forEach((e, k) => out.set(vals.subarray(k * size, (k + 1) * size), e * size));
  return create(TensorProtoSchema, { name: v.name, dataType: v.dataType, dims: [...s.dims], rawData: out });
}

/** `proto` with every main-graph sparse initializer turned into a dense initializer (the same proto when it has none). */
export function withDenseInitializers(proto: ModelProto, external?: ExternalReader): ModelProto {
  const g = proto.graph;
  if (!g || g.sparseInitializer.length === 0) return proto;
  const graph = shallowCopy(g);
  graph.initializer = [...g.initializer, ...g.sparseInitializer.map((s) => toDenseTensor(s, external))];
  graph.sparseInitializer = [];
  const out = shallowCopy(proto);
  out.graph = graph;
  return out;
}
