/**
 * The layer inventory of an ONNX model: every weight-bearing node (Conv incl. grouped/depthwise,
 * ConvTranspose, Gemm, MatMul with a constant operand) with its weight tensor, module path, shape, groups,
 * parameter and non-zero counts. A weight shared by several nodes (directly or through Identity) is one layer.
 */
import type { NodeProto, TensorProto } from 'onnx-buf';
import type { DType, Tensor } from '../core/dtype.js';
import { BYTES_PER_ELEMENT, isFloatDType, numel } from '../core/dtype.js';
import type { ExternalReader, OnnxModel } from '../io/onnx/bytes.js';
import { inFile, readTensor, tensorDims, tensorDType, tensorRawBytes } from '../io/onnx/bytes.js';
import { modulePathFromNodeName, modulePathFromTensorName } from './module-path.js';
import { nodeMacs } from './macs.js';
import { constantOf, indexGraph, intAttr, type GraphIndex } from './onnx-graph.js';
import { inferShapes, type ShapeInfo, type ShapeOptions } from './shapes.js';

export type LayerOp = 'Conv' | 'ConvTranspose' | 'Gemm' | 'MatMul';

/**
 * How the weight is laid out, which fixes the output and reduction axes:
 * - `conv`: [O, I/groups, k…] — output axis 0, reduction over axes 1..
 * - `convtranspose`: [I, O/groups, k…] — output axis 1, reduction over axis 0 and kernel
 * - `kn`: […, K, N] (MatMul B operand, Gemm with transB=0) — output axis last, reduction axis -2
 * - `nk`: [N, K] (Gemm with transB=1) — output axis 0, reduction axis 1
 * - `mk`: […, M, K] (MatMul A operand is the constant) — reduction axis last
 */
export type WeightLayout = 'conv' | 'convtranspose' | 'kn' | 'nk' | 'mk';

export interface WeightLayer {
  /** Stable key: the weight tensor's name in the file. */
  id: string;
  /** Names of the nodes using this weight (several when the exporter shares it). */
  nodeNames: string[];
  /** Module path, e.g. `model.9.branch1.m.cv1.conv` ('' when nothing names it). */
  modulePath: string;
  /** Where the module path came from. */
  pathSource: 'node-name' | 'tensor-name' | 'none';
  opType: LayerOp;
  layout: WeightLayout;
  dims: readonly number[];
  dtype: DType;
  groups: number;
  /** groups > 1 and one input channel per group. */
  depthwise: boolean;
  /** Name of the bias tensor, when the node has a constant bias. */
  biasId: string | undefined;
  params: number;
  nonZero: number;
  /** Multiply-accumulates per inference at the model's input size; undefined when shapes are unknown. */
  macs: number | undefined;
}

/** Count of non-zero elements (float16/bfloat16: -0 counts as zero). */
export function countNonZero(t: Tensor): number {
  let n = 0;
  const d = t.data;
  if (t.dtype === 'float16' || t.dtype === 'bfloat16') {
    const u = d as Uint16Array;
    for (let i = 0; i < u.length; i++) if ((u[i]! & 0x7fff) !== 0) n++;
  } else if (t.dtype === 'int64') {
    const b = d as BigInt64Array;
    for (let i = 0; i < b.length; i++) if (b[i] !== 0n) n++;
  } else {
    const a = d as Exclude<Tensor['data'], BigInt64Array>;
    for (let i = 0; i < a.length; i++) if (a[i] !== 0) n++;
  }
  return n;
}

const SCRATCH = new Uint32Array(16384);
const SCRATCH_BYTES = new Uint8Array(SCRATCH.buffer);

/**
 * Count of non-zero elements of little-endian tensor bytes, without copying (raw_data is often unaligned).
 * Floats: ±0 count as zero (NaN counts as non-zero), as in {@link countNonZero}.
 */
export function countNonZeroBytes(dtype: DType, bytes: Uint8Array, count: number): number {
  const size = BYTES_PER_ELEMENT[dtype];
  const top = isFloatDType(dtype) ? 0x7f : 0xff;
  let n = 0;
  if (size === 1) {
    for (let i = 0; i < count; i++) if (bytes[i] !== 0) n++;
  } else if (size === 4 && bytes.byteOffset % 4 === 0) {
    const a = new Uint32Array(bytes.buffer, bytes.byteOffset, count);
    const mask = top === 0x7f ? 0x7fffffff : 0xffffffff;
    for (let i = 0; i < count; i++) if ((a[i]! & mask) !== 0) n++;
  } else if (size === 4) {
    // Unaligned (common: raw_data sits wherever protobuf put it): copy blocks into an aligned scratch buffer.
    const mask = top === 0x7f ? 0x7fffffff : 0xffffffff;
    for (let start = 0; start < count; start += SCRATCH.length) {
      const len = Math.min(SCRATCH.length, count - start);
      SCRATCH_BYTES.set(bytes.subarray(start * 4, (start + len) * 4));
      for (let i = 0; i < len; i++) if ((SCRATCH[i]! & mask) !== 0) n++;
    }
  } else if (size === 2) {
    for (let i = 0, o = 0; i < count; i++, o += 2) if ((bytes[o]! | (bytes[o + 1]! & top)) !== 0) n++;
  } else {
    for (let i = 0, o = 0; i < count; i++, o += size) {
      let v = bytes[o + size - 1]! & top;
      for (let k = 0; k < size - 1; k++) v |= bytes[o + k]!;
      if (v !== 0) n++;
    }
  }
  return n;
}

/** Non-zero count of a tensor proto's values, reading raw bytes in place when it can. */
function nonZeroOf(proto: TensorProto, dtype: DType, count: number, external: ExternalReader | undefined): number {
  const raw = tensorRawBytes(proto, external);
  return raw ? countNonZeroBytes(dtype, raw, count) : countNonZero(readTensor(proto, external));
}

/** The quantized constant behind a DequantizeLinear output (QDQ models keep weights as int8 → DequantizeLinear). */
function dequantizedConstant(g: GraphIndex, value: string): string | undefined {
  const p = g.producer.get(value);
  const n = p === undefined ? undefined : g.nodes[p];
  return n?.opType === 'DequantizeLinear' && n.input[0] ? constantOf(g, n.input[0])?.name : undefined;
}

interface Candidate { node: NodeProto; weight: string; op: LayerOp; layout: WeightLayout; bias: string | undefined }

function candidate(g: GraphIndex, node: NodeProto): Candidate | undefined {
  const op = node.opType;
  const input = (i: number) => node.input[i] || undefined;
  const constName = (i: number) => {
    const v = input(i);
    return v === undefined ? undefined : constantOf(g, v)?.name ?? dequantizedConstant(g, v);
  };
  if (op === 'QLinearConv') {
    const weight = constName(3);
    return weight ? { node, weight, op: 'Conv', layout: 'conv', bias: constName(8) } : undefined;
  }
  if (op === 'ConvInteger') {
    const weight = constName(1);
    return weight ? { node, weight, op: 'Conv', layout: 'conv', bias: undefined } : undefined;
  }
  if (op === 'MatMulInteger' || op === 'QLinearMatMul') {
    const weight = constName(op === 'QLinearMatMul' ? 3 : 1);
    return weight && g.constants.get(weight)!.proto.dims.length >= 2 ? { node, weight, op: 'MatMul', layout: 'kn', bias: undefined } : undefined;
  }
  if (op === 'Conv' || op === 'ConvTranspose') {
    const weight = constName(1);
    if (!weight) return undefined;
    return { node, weight, op, layout: op === 'Conv' ? 'conv' : 'convtranspose', bias: constName(2) };
  }
  if (op === 'Gemm') {
    const weight = constName(1);
    if (!weight) return undefined;
    return { node, weight, op, layout: intAttr(node, 'transB', 0) ? 'nk' : 'kn', bias: constName(2) };
  }
  if (op === 'MatMul') {
    const b = constName(1);
    if (b && g.constants.get(b)!.proto.dims.length >= 2) return { node, weight: b, op, layout: 'kn', bias: undefined };
    const a = constName(0);
    if (a && g.constants.get(a)!.proto.dims.length >= 2) return { node, weight: a, op, layout: 'mk', bias: undefined };
  }
  return undefined;
}

export interface ListLayersOptions {
  /** Shapes to compute MACs from (default: {@link inferShapes} with `imgsz`/`batch`). */
  shapes?: ShapeInfo;
  /** Image size for dynamic input dims when shapes are inferred here (default: metadata imgsz, else 640). */
  imgsz?: ShapeOptions['imgsz'];
  batch?: number;
  /** Compute MACs (default true; false skips shape inference). */
  macs?: boolean;
}

const addMacs = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? undefined : a + b);

/**
 * Weight layers of a model, in graph order, one per distinct weight tensor. Typed errors (an unsupported
 * weight dtype, a truncated tensor) name the model file.
 */
export function listLayers(model: OnnxModel, g: GraphIndex = indexGraph(model), options: ListLayersOptions = {}): WeightLayer[] {
  return inFile(model.path, () => collectLayers(model, g, options));
}

function collectLayers(model: OnnxModel, g: GraphIndex, options: ListLayersOptions): WeightLayer[] {
  const byWeight = new Map<string, WeightLayer>();
  const shapes = options.macs === false ? undefined : (options.shapes ?? inferShapes(model, g, options)).shapes;
  const macsOf = (node: NodeProto) => (shapes ? nodeMacs(node, (v) => (v ? shapes.get(v) : undefined)) : undefined);
  for (const node of g.nodes) {
    const c = candidate(g, node);
    if (!c) continue;
    const existing = byWeight.get(c.weight);
    if (existing) {
      existing.nodeNames.push(node.name);
      existing.macs = addMacs(existing.macs, macsOf(node));
      continue;
    }
    const ref = g.constants.get(c.weight)!;
    const dims = tensorDims(ref.proto);
    const dtype = tensorDType(ref.proto, `weight '${c.weight}' of node '${node.name}'`);
    const nodePath = modulePathFromNodeName(node.name);
    const tensorPath = modulePathFromTensorName(c.weight);
    const groups = c.op === 'Conv' || c.op === 'ConvTranspose' ? intAttr(node, 'group', 1) : 1;
    const inPerGroup = c.layout === 'conv' ? (dims[1] ?? 0) : c.layout === 'convtranspose' ? 1 : 0;
    const params = numel(dims);
    const nonZero = nonZeroOf(ref.proto, dtype, params, model.external);
    byWeight.set(c.weight, {
      id: c.weight,
      nodeNames: [node.name],
      modulePath: nodePath ?? tensorPath ?? '',
      pathSource: nodePath ? 'node-name' : tensorPath ? 'tensor-name' : 'none',
      opType: c.op,
      layout: c.layout,
      dims,
      dtype,
      groups,
      depthwise: groups > 1 && inPerGroup === 1,
      biasId: c.bias,
      params,
      nonZero,
      macs: macsOf(node),
    });
  }
  return [...byWeight.values()];
}
