/**
 * Which nodes get quantized, found from the graph: the detector decode tail (every node from which no weighted
 * layer can be reached — box decoding, anchors and strides arithmetic, the final Concat/Sigmoid of scores — and the
 * DFL: a Conv fed by a Softmax) stays float; weighted layers, integer-friendly arithmetic and the data movement
 * between quantized nodes are quantized unless a placement rule or `exclude` keeps them float. Every float node
 * that could have been quantized is listed with its reason.
 */
import type { NodeProto } from 'onnx-buf';
import { constantOf, indexGraph, intAttr, intsAttr, type GraphIndex } from '../graph/onnx-graph.js';
import type { OnnxModel } from '../io/onnx/bytes.js';
import { isFloatType, valueTypes } from './dtypes.js';
import { ARITHMETIC_OPS, CONCAT, dataInputs, MOVEMENT_OPS, WEIGHTED_OPS } from './ops.js';

/** Kinds of layers whose integer speed differs on CPUs (placement decides per kind). */
export type LayerKind = 'conv1x1' | 'conv3x3' | 'convkxk' | 'depthwise' | 'grouped' | 'stem' | 'convtranspose' | 'gemm' | 'matmul' | 'silu' | 'sigmoid' | 'add' | 'mul' | 'pool';

export interface NodeInfo { index: number; node: NodeProto; kind: LayerKind | undefined }

export interface PlanOptions {
  /** Node names, or module-path prefixes of node names (`/model.3/`), kept float. */
  exclude?: readonly string[];
  /** Keep a node float when this returns a reason (placement rules). */
  keepFloat?: (info: NodeInfo) => string | undefined;
}

export interface FloatNode { node: string; op: string; reason: string }

export interface QuantPlan {
  /** Indices (in graph.node) of the quantized nodes. */
  quantized: ReadonlySet<number>;
  /** Detector decode tail (kept float). */
  tail: ReadonlySet<number>;
  /** Quantizable nodes kept float, with why. */
  float: FloatNode[];
  /** Activation tensors that get a Q/DQ pair (inputs and outputs of quantized nodes), in graph order. */
  tensors: string[];
  kinds: ReadonlyMap<number, LayerKind>;
}

function producedBySoftmax(g: GraphIndex, value: string): boolean {
  let v = value;
  for (let guard = 0; guard < 16; guard++) {
    const p = g.producer.get(v);
    if (p === undefined) return false;
    const n = g.nodes[p]!;
    if (n.opType === 'Softmax') return true;
    if (!MOVEMENT_OPS.has(n.opType)) return false;
    v = n.input[0]!;
  }
  return false;
}

/** The DFL projection: a Conv fed (through data movement) by a Softmax. */
export function isDflConv(g: GraphIndex, n: NodeProto): boolean {
  return n.opType === 'Conv' && producedBySoftmax(g, n.input[0]!);
}

/** Nodes from which no weighted layer (other than a DFL conv) is reachable: the decode tail. */
export function decodeTail(g: GraphIndex): Set<number> {
  const reaches = new Array<boolean>(g.nodes.length).fill(false);
  for (let i = g.nodes.length - 1; i >= 0; i--) {
    const n = g.nodes[i]!;
    if (WEIGHTED_OPS.has(n.opType) && !isDflConv(g, n)) { reaches[i] = true; continue; }
    reaches[i] = n.output.some((o) => (g.consumers.get(o) ?? []).some((c) => reaches[c]));
  }
  const tail = new Set<number>();
  reaches.forEach((r, i) => { if (!r) tail.add(i); });
  return tail;
}

/** The layer kind of a node (undefined for ops placement has no rule for). */
export function layerKind(g: GraphIndex, n: NodeProto, sigmoidOfInput: boolean): LayerKind | undefined {
  switch (n.opType) {
    case 'Conv': {
      const w = constantOf(g, n.input[1] ?? '');
      const dims = w?.proto.dims.map(Number) ?? [];
      const group = intAttr(n, 'group', 1);
      const k = intsAttr(n, 'kernel_shape') ?? dims.slice(2);
      const cin = (dims[1] ?? 0) * group;
      if (cin > 0 && cin <= 4) return 'stem';
      if (group > 1 && group === dims[0] && dims[1] === 1) return 'depthwise';
      if (group > 1) return 'grouped';
      if (k.every((d) => d === 1)) return 'conv1x1';
      if (k.every((d) => d === 3)) return 'conv3x3';
      return 'convkxk';
    }
    case 'ConvTranspose': return 'convtranspose';
    case 'Gemm': return 'gemm';
    case 'MatMul': return 'matmul';
    case 'Sigmoid': return 'sigmoid';
    case 'Add': return 'add';
    case 'Mul': return sigmoidOfInput ? 'silu' : 'mul';
    case 'AveragePool': case 'GlobalAveragePool': return 'pool';
    default: return undefined;
  }
}

/** Mul(x, Sigmoid(x)) (either order): the SiLU product. */
function isSiluMul(g: GraphIndex, n: NodeProto): boolean {
  if (n.opType !== 'Mul') return false;
  return [0, 1].some((k) => {
    const p = g.producer.get(n.input[k] ?? '');
    const s = p === undefined ? undefined : g.nodes[p];
    return s?.opType === 'Sigmoid' && s.input[0] === n.input[1 - k];
  });
}

function excluded(n: NodeProto, exclude: readonly string[]): boolean {
  return exclude.some((e) => n.name === e || (e.length > 0 && n.name.startsWith(e)));
}

/**
 * A Concat that joins the outputs of integer and float nodes and feeds only integer nodes (e.g. a neck Concat of an
 * upsampled integer tensor and a tensor from the float prefix) is quantized too: its float inputs get a Q/DQ pair
 * read only by the Concat (see insertQdq), which takes the place of the DQ of each integer input and the Q of its
 * output, and onnxruntime runs it as QLinearConcat in its integer layout instead of converting layouts around a
 * float Concat (LeYOLO-Nano's `/model.21/Concat`: DequantizeLinear, two Transposes, QuantizeLinear ×2 and a float
 * Concat become one QuantizeLinear, one uint8 Transpose and a QLinearConcat).
 */
export function joinsIntoInteger(g: GraphIndex, n: NodeProto, i: number, quantized: ReadonlySet<number>, tail: ReadonlySet<number>, exclude: readonly string[]): boolean {
  if (n.opType !== CONCAT || quantized.has(i) || tail.has(i) || excluded(n, exclude)) return false;
  if (n.input.some((v) => constantOf(g, v) !== undefined)) return false;
  if (!n.input.some((v) => { const p = g.producer.get(v); return p !== undefined && quantized.has(p); })) return false;
  const out = n.output[0]!; // a Concat has one output
  const readers = g.consumers.get(out) ?? [];
  return !g.graphOutputs.has(out) && readers.every((c) => quantized.has(c));
}

/** Decide what to quantize in `model`. */
export function planQuantization(model: OnnxModel, options: PlanOptions = {}, g: GraphIndex = indexGraph(model)): QuantPlan {
  const types = valueTypes(model, g);
  const tail = decodeTail(g);
  const isConst = (v: string) => constantOf(g, v) !== undefined;
  const quantized = new Set<number>();
  const kinds = new Map<number, LayerKind>();
  const float: FloatNode[] = [];
  const keep = (i: number, n: NodeProto, reason: string) => { float.push({ node: n.name || n.output[0]!, op: n.opType, reason }); void i; };
  g.nodes.forEach((n, i) => {
    const op = n.opType;
    const movement = MOVEMENT_OPS.has(op) || op === CONCAT;
    if (!movement && !WEIGHTED_OPS.has(op) && !ARITHMETIC_OPS.has(op)) return;
    const data = dataInputs(op, n.input).map((k) => n.input[k]).filter((v): v is string => !!v);
    const floatData = data.filter((v) => isFloatType(types, v) || (isConst(v) && types.get(v) === 1));
    if (floatData.length !== data.length || data.length === 0) return; // integer or shape arithmetic
    if (tail.has(i) && !movement) { keep(i, n, 'detector decode tail (after the last conv of its head branch)'); return; }
    if (excluded(n, options.exclude ?? [])) { keep(i, n, '--exclude'); return; }
    if (movement) {
      // Data movement is quantized only between quantized producers: it never adds a Q/DQ pair of its own. In the
      // decode tail too (the head's Concat/Reshape/Split of its last convs' outputs): the DequantizeLinear then
      // follows it, the same values, moved in uint8 — insertQdq keeps a tail Concat integer only where its inputs
      // share one scale (see sharedTail).
      if (data.every((v) => { const p = g.producer.get(v); return p !== undefined && quantized.has(p); })) quantized.add(i);
      return;
    }
    if ((op === 'Conv' || op === 'ConvTranspose' || op === 'Gemm') && !isConst(n.input[1] ?? '')) { keep(i, n, 'weights computed at run time'); return; }
    if ((op === 'Add' || op === 'Mul') && data.some(isConst)) { keep(i, n, 'constant operand (kept float)'); return; }
    if (isDflConv(g, n)) { keep(i, n, 'DFL projection'); return; }
    const kind = layerKind(g, n, isSiluMul(g, n));
    if (kind) kinds.set(i, kind);
    if (kind === 'sigmoid' || kind === 'silu') {
      // An activation follows its layer: integer after an integer layer, float (fused by onnxruntime) after a float one.
      const p = g.producer.get(n.input[0] ?? '');
      const layer = p === undefined ? undefined : g.nodes[p]!.opType === 'Sigmoid' && kind === 'silu' ? g.producer.get(g.nodes[p]!.input[0] ?? '') : p;
      if (layer === undefined || !quantized.has(layer)) { keep(i, n, 'activation of a float layer'); return; }
    }
    const reason = options.keepFloat?.({ index: i, node: n, kind });
    if (reason) { keep(i, n, reason); return; }
    quantized.add(i);
  });
  g.nodes.forEach((n, i) => { if (joinsIntoInteger(g, n, i, quantized, tail, options.exclude ?? [])) quantized.add(i); });
  const tensors: string[] = [];
  const seen = new Set<string>();
  const add = (v: string) => { if (v && !seen.has(v) && !constantOf(g, v) && isFloatType(types, v)) { seen.add(v); tensors.push(v); } };
  g.nodes.forEach((n, i) => {
    if (!quantized.has(i)) return;
    for (const k of dataInputs(n.opType, n.input)) add(n.input[k] ?? '');
    for (const o of n.output) add(o);
  });
  return { quantized, tail, float, tensors, kinds };
}
