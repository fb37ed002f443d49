/**
 * `sparseStorage`: store an initializer as an ONNX `sparse_initializer` (non-zero values + int64 linear indices)
 * only where that is smaller than the dense tensor, byte for byte as serialized. With int64 indices (the only
 * index type the ONNX checker accepts) a float32 tensor needs more than 2/3 zeros before it shrinks, a float16
 * one more than 4/5, an int8 one more than 8/9. Values are kept bit-exact (+0 is the only value dropped), so the
 * model computes the same outputs; onnxruntime turns sparse initializers back into dense tensors when it loads.
 */
import type { TensorProto } from 'onnx-buf';
import { ONNX_DTYPE } from '../io/onnx/dtypes.js';
import { countStoredNonZero, denseProtoBytes, shallowCopy, sparseProtoBytes, toSparseTensor, withProto, type OnnxModel } from '../io/onnx/bytes.js';

/** Bytes of one int64 index: what each stored non-zero costs on top of its value. */
export const SPARSE_INDEX_BYTES = 8;

export interface SparseTensorChoice {
  name: string;
  elements: number;
  nonZero: number;
  /** Serialized bytes of the dense tensor and of its sparse form. */
  denseBytes: number;
  sparseBytes: number;
  /** Stored sparse (the sparse form is smaller). */
  sparse: boolean;
}

export interface SparseStorageResult {
  model: OnnxModel;
  /** Every candidate initializer (numeric, in the main graph, not also a graph input), largest first. */
  tensors: SparseTensorChoice[];
  /** Serialized bytes of the candidates before → after. */
  bytes: { before: number; after: number };
}

/** Fraction of zeros above which a tensor of `dtype`'s element size gets smaller as sparse (ignoring headers). */
export function breakEvenZeros(elementBytes: number): number {
  return SPARSE_INDEX_BYTES / (elementBytes + SPARSE_INDEX_BYTES);
}

/** Move the initializers that get smaller into `sparse_initializer`; the rest stay as they are. `model` is not modified. */
export function sparseStorage(model: OnnxModel, options: { minElements?: number } = {}): SparseStorageResult {
  const g = model.proto.graph!;
  const inputs = new Set(g.input.map((i) => i.name));
  const min = options.minElements ?? 16;
  const keep: TensorProto[] = [];
  const sparse = [...g.sparseInitializer];
  const tensors: SparseTensorChoice[] = [];
  for (const t of g.initializer) {
    const dtype = ONNX_DTYPE[t.dataType];
    const elements = t.dims.reduce((a, d) => a * Number(d), 1);
    if (!dtype || dtype === 'bool' || inputs.has(t.name) || elements < min) { keep.push(t); continue; }
    const { nonZero } = countStoredNonZero(t, model.external);
    const s = toSparseTensor(t, model.external);
    const choice = { name: t.name, elements, nonZero, denseBytes: denseProtoBytes(t), sparseBytes: sparseProtoBytes(s), sparse: false };
    choice.sparse = choice.sparseBytes < choice.denseBytes;
    tensors.push(choice);
    if (choice.sparse) sparse.push(s);
    else keep.push(t);
  }
  tensors.sort((a, b) => b.denseBytes - a.denseBytes);
  const bytes = {
    before: tensors.reduce((a, t) => a + t.denseBytes, 0),
    after: tensors.reduce((a, t) => a + (t.sparse ? t.sparseBytes : t.denseBytes), 0),
  };
  if (!tensors.some((t) => t.sparse)) return { model, tensors, bytes };
  const graph = shallowCopy(g);
  graph.initializer = keep;
  graph.sparseInitializer = sparse;
  const proto = shallowCopy(model.proto);
  proto.graph = graph;
  return { model: withProto(model, proto), tensors, bytes };
}
