/**
 * Build small ONNX models in tests, by hand:
 *
 * ```ts
 * const m = model(
 *   [node('Conv', ['x', 'w', 'b'], ['y'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }), node('Relu', ['y'], ['z'])],
 *   [initializer('w', [8, 3, 3, 3], randomFloats(216)), initializer('b', [8], new Float32Array(8))],
 *   [input('x', [1, 3, 16, 16])],
 *   [output('z', [1, 8, 16, 16])],
 * );
 * const bytes = toBytes(m);            // Uint8Array, ready for parseOnnx or a file
 * const onnx = parseOnnx(bytes);       // OnnxModel
 * ```
 * Attributes: an integer number → INT, a non-integer number → FLOAT (`{ f: 1 }` forces FLOAT), number[] → INTS
 * (FLOATS when any is fractional; `{ floats: [...] }` forces FLOATS), string → STRING, string[] → STRINGS,
 * a TensorProto (from {@link tensor}) → TENSOR.
 */
import { create, toBinary } from '@bufbuild/protobuf';
import {
  AttributeProto_AttributeType as AT,
  AttributeProtoSchema,
  GraphProtoSchema,
  ModelProtoSchema,
  NodeProtoSchema,
  OperatorSetIdProtoSchema,
  StringStringEntryProtoSchema,
  TensorProtoSchema,
  TensorShapeProto_DimensionSchema,
  TensorShapeProtoSchema,
  TypeProto_TensorSchema,
  TypeProtoSchema,
  ValueInfoProtoSchema,
  type AttributeProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from 'onnx-buf';
import { parseOnnx, type OnnxModel } from '../../src/io/onnx/index.js';

/** ONNX TensorProto.DataType codes used in tests. */
export const DT = {
  float32: 1, uint8: 2, int8: 3, int16: 5, int32: 6, int64: 7, string: 8, bool: 9, float16: 10, float64: 11,
  complex64: 14, bfloat16: 16,
} as const;

export type AttrValue = number | string | number[] | string[] | TensorProto | { f: number } | { floats: number[] };

const enc = new TextEncoder();

function attribute(name: string, v: AttrValue): AttributeProto {
  if (typeof v === 'number') {
    return Number.isInteger(v)
      ? create(AttributeProtoSchema, { name, type: AT.INT, i: BigInt(v) })
      : create(AttributeProtoSchema, { name, type: AT.FLOAT, f: v });
  }
  if (typeof v === 'string') return create(AttributeProtoSchema, { name, type: AT.STRING, s: enc.encode(v) });
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === 'string')) return create(AttributeProtoSchema, { name, type: AT.STRINGS, strings: (v as string[]).map((s) => enc.encode(s)) });
    const nums = v as number[];
    return nums.every(Number.isInteger)
      ? create(AttributeProtoSchema, { name, type: AT.INTS, ints: nums.map(BigInt) })
      : create(AttributeProtoSchema, { name, type: AT.FLOATS, floats: nums });
  }
  if ('f' in v && typeof v.f === 'number') return create(AttributeProtoSchema, { name, type: AT.FLOAT, f: v.f });
  if ('floats' in v && Array.isArray(v.floats)) return create(AttributeProtoSchema, { name, type: AT.FLOATS, floats: v.floats });
  return create(AttributeProtoSchema, { name, type: AT.TENSOR, t: v as TensorProto });
}

let nodeCounter = 0;

/** A node. Its name defaults to `/<op>_<n>`; pass a torch-style name (`/model.0/conv/Conv`) to give it a module path. */
export function node(op: string, inputs: string[], outputs: string[], attrs: Record<string, AttrValue> = {}, name?: string): NodeProto {
  return create(NodeProtoSchema, {
    opType: op,
    input: inputs,
    output: outputs,
    name: name ?? `${op}_${nodeCounter++}`,
    attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
  });
}

export type TensorValues = Float32Array | Float64Array | Int32Array | BigInt64Array | Int8Array | Uint8Array | Uint16Array | Int16Array;

export interface TensorOptions {
  /** ONNX data type code (see {@link DT}); default from the array type (Uint16Array → float16). */
  dataType?: number;
  /** `raw` (default) puts the bytes in raw_data; `typed` uses float_data/int32_data/int64_data/double_data. */
  storage?: 'raw' | 'typed';
}

function defaultType(v: TensorValues): number {
  if (v instanceof Float32Array) return DT.float32;
  if (v instanceof Float64Array) return DT.float64;
  if (v instanceof Int32Array) return DT.int32;
  if (v instanceof BigInt64Array) return DT.int64;
  if (v instanceof Int8Array) return DT.int8;
  if (v instanceof Uint16Array) return DT.float16;
  if (v instanceof Int16Array) return DT.int16;
  return DT.uint8;
}

/** A TensorProto named `name` with shape `dims`. */
export function tensor(name: string, dims: readonly number[], values: TensorValues, options: TensorOptions = {}): TensorProto {
  const dataType = options.dataType ?? defaultType(values);
  const t = create(TensorProtoSchema, { name, dims: dims.map(BigInt), dataType });
  if ((options.storage ?? 'raw') === 'raw') {
    t.rawData = new Uint8Array(values.byteLength);
    t.rawData.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  } else if (values instanceof Float32Array) t.floatData = Array.from(values);
  else if (values instanceof Float64Array) t.doubleData = Array.from(values);
  else if (values instanceof BigInt64Array) t.int64Data = Array.from(values);
  else t.int32Data = Array.from(values as ArrayLike<number>);
  return t;
}

/** A graph initializer (same as {@link tensor}). */
export const initializer = tensor;

/** A Constant node whose `value` is the tensor (its output is the tensor's name). */
export function constant(name: string, dims: readonly number[], values: TensorValues, options: TensorOptions = {}, nodeName?: string): NodeProto {
  return node('Constant', [], [name], { value: tensor(name, dims, values, options) }, nodeName);
}

/** A graph input/output description. Strings in `dims` are symbolic dims (`'batch'`). */
export function valueInfo(name: string, dims: readonly (number | string)[], elemType: number = DT.float32): ValueInfoProto {
  const dim = dims.map((d) => create(TensorShapeProto_DimensionSchema, { value: typeof d === 'number' ? { case: 'dimValue', value: BigInt(d) } : { case: 'dimParam', value: d } }));
  const tensorType = create(TypeProto_TensorSchema, { elemType, shape: create(TensorShapeProtoSchema, { dim }) });
  return create(ValueInfoProtoSchema, { name, type: create(TypeProtoSchema, { value: { case: 'tensorType', value: tensorType } }) });
}
export const input = valueInfo;
export const output = valueInfo;

export interface ModelExtras {
  /** metadata_props */
  metadata?: Record<string, string>;
  irVersion?: number;
  producer?: string;
  graphName?: string;
}

/** A model with one graph (default domain at `opset`). */
export function model(
  nodes: NodeProto[],
  inits: TensorProto[],
  inputs: ValueInfoProto[],
  outputs: ValueInfoProto[],
  opset = 13,
  extras: ModelExtras = {},
): ModelProto {
  return create(ModelProtoSchema, {
    irVersion: BigInt(extras.irVersion ?? 8),
    producerName: extras.producer ?? 'prunekit-tests',
    opsetImport: [create(OperatorSetIdProtoSchema, { domain: '', version: BigInt(opset) })],
    metadataProps: Object.entries(extras.metadata ?? {}).map(([key, value]) => create(StringStringEntryProtoSchema, { key, value })),
    graph: create(GraphProtoSchema, { name: extras.graphName ?? 'test', node: nodes, initializer: inits, input: inputs, output: outputs }),
  });
}

/** Serialise a ModelProto. */
export function toBytes(m: ModelProto): Uint8Array {
  return toBinary(ModelProtoSchema, m);
}

/** Serialise and parse back: an OnnxModel as `loadOnnx` would give for these bytes. */
export function toOnnx(m: ModelProto): OnnxModel {
  return parseOnnx(toBytes(m));
}

/** Deterministic pseudo-random floats in [-1, 1) (mulberry32). */
export function randomFloats(count: number, seed = 1): Float32Array {
  const out = new Float32Array(count);
  let a = seed >>> 0;
  for (let i = 0; i < count; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/**
 * A small conv net for tests: Conv(3→8, 3×3, s2) → Relu → depthwise Conv(8, 3×3) → Conv(8→4, 1×1) → Flatten →
 * Gemm(4·8·8 → 10). Node names carry module paths (`model.0.conv`, `model.1.conv`, `model.2.conv`, `model.3.linear`).
 * Input `images [1,3,32,32]` → output `logits [1,10]`.
 */
export function tinyConvNet(opset = 13): ModelProto {
  return model(
    [
      node('Conv', ['images', 'model.0.conv.weight', 'model.0.conv.bias'], ['c0'], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, '/model.0/conv/Conv'),
      node('Relu', ['c0'], ['r0'], {}, '/model.0/act/Relu'),
      node('Conv', ['r0', 'onnx::Conv_7'], ['c1'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], group: 8 }, '/model.1/conv/Conv'),
      node('Conv', ['c1', 'model.2.conv.weight'], ['c2'], { kernel_shape: [1, 1], strides: [2, 2] }, '/model.2/conv/Conv'),
      node('Flatten', ['c2'], ['f'], { axis: 1 }, '/model.3/Flatten'),
      node('Gemm', ['f', 'model.3.linear.weight', 'model.3.linear.bias'], ['logits'], { transB: 1 }, '/model.3/linear/Gemm'),
    ],
    [
      initializer('model.0.conv.weight', [8, 3, 3, 3], randomFloats(216, 1)),
      initializer('model.0.conv.bias', [8], randomFloats(8, 2)),
      initializer('onnx::Conv_7', [8, 1, 3, 3], randomFloats(72, 3)),
      initializer('model.2.conv.weight', [4, 8, 1, 1], randomFloats(32, 4)),
      initializer('model.3.linear.weight', [10, 256], randomFloats(2560, 5)),
      initializer('model.3.linear.bias', [10], randomFloats(10, 6)),
    ],
    [valueInfo('images', [1, 3, 32, 32])],
    [valueInfo('logits', [1, 10])],
    opset,
  );
}

/**
 * A conv net with a skip connection and a shape value crossing layers, for block-by-block runs: Conv(3→8, 3×3,
 * s2) → Relu = r0; depthwise Conv(8, 3×3) = c1; s = r0 + c1; sh = Shape(s) (int64); Conv(8→8, 1×1) = c2;
 * c2r = Reshape(c2, sh); Conv(8→4, 1×1, s2) = c3 → Flatten → Gemm(4·8·8 → 10). Input `images [1,3,32,32]`.
 */
export function skipConvNet(): ModelProto {
  return model(
    [
      node('Conv', ['images', 'model.0.conv.weight', 'model.0.conv.bias'], ['c0'], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, '/model.0/conv/Conv'),
      node('Relu', ['c0'], ['r0'], {}, '/model.0/act/Relu'),
      node('Conv', ['r0', 'model.1.conv.weight', 'model.1.conv.bias'], ['c1'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], group: 8 }, '/model.1/conv/Conv'),
      node('Add', ['r0', 'c1'], ['s'], {}, '/model.1/Add'),
      node('Shape', ['s'], ['sh'], {}, '/model.1/Shape'),
      node('Conv', ['s', 'model.2.conv.weight', 'model.2.conv.bias'], ['c2'], { kernel_shape: [1, 1] }, '/model.2/conv/Conv'),
      node('Reshape', ['c2', 'sh'], ['c2r'], {}, '/model.2/Reshape'),
      node('Conv', ['c2r', 'model.3.conv.weight'], ['c3'], { kernel_shape: [1, 1], strides: [2, 2] }, '/model.3/conv/Conv'),
      node('Flatten', ['c3'], ['f'], { axis: 1 }, '/model.4/Flatten'),
      node('Gemm', ['f', 'model.4.linear.weight', 'model.4.linear.bias'], ['logits'], { transB: 1 }, '/model.4/linear/Gemm'),
    ],
    [
      initializer('model.0.conv.weight', [8, 3, 3, 3], randomFloats(216, 11)),
      initializer('model.0.conv.bias', [8], randomFloats(8, 12)),
      initializer('model.1.conv.weight', [8, 1, 3, 3], randomFloats(72, 13)),
      initializer('model.1.conv.bias', [8], randomFloats(8, 14)),
      initializer('model.2.conv.weight', [8, 8, 1, 1], randomFloats(64, 15)),
      initializer('model.2.conv.bias', [8], randomFloats(8, 16)),
      initializer('model.3.conv.weight', [4, 8, 1, 1], randomFloats(32, 17)),
      initializer('model.4.linear.weight', [10, 256], randomFloats(2560, 18)),
      initializer('model.4.linear.bias', [10], randomFloats(10, 19)),
    ],
    [valueInfo('images', [1, 3, 32, 32])],
    [valueInfo('logits', [1, 10])],
  );
}
