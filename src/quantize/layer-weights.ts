/**
 * The weighted layers whose weight is stored as float32: the layers weight-only storage rewrites (int8, float16)
 * and the set `--weights-only` measures its kept-float ends against.
 */
import type { NodeProto } from 'onnx-buf';
import { constantOf, type GraphIndex } from '../graph/onnx-graph.js';
import type { TensorRef } from '../io/onnx/bytes.js';
import { WEIGHTED_OPS } from './ops.js';

export interface FloatWeightedLayer {
  /** Index of the node in the graph's node list. */
  index: number;
  node: NodeProto;
  /** Its weight (input 1, through Identity): a float32 initializer. */
  weight: TensorRef;
}

/** Conv, ConvTranspose, Gemm and MatMul nodes of `g` whose weight is a float32 initializer (not a Constant node, not another type), in graph order. */
export function floatWeightedLayers(g: GraphIndex): FloatWeightedLayer[] {
  const out: FloatWeightedLayer[] = [];
  g.nodes.forEach((node, index) => {
    if (!WEIGHTED_OPS.has(node.opType)) return;
    const weight = constantOf(g, node.input[1]!); // a malformed node without input 1 resolves to no constant
    if (weight?.kind === 'initializer' && weight.proto.dataType === 1) out.push({ index, node, weight });
  });
  return out;
}
