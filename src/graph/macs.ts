/**
 * Multiply-accumulates of one weight-bearing node at static shapes:
 * - Conv: output elements × (C_in / groups × kernel area)
 * - ConvTranspose: input elements × (C_out / groups × kernel area)
 * - Gemm, MatMul: output elements × K (i.e. M × K × N per batch)
 */
import type { NodeProto } from 'onnx-buf';
import { intAttr } from './onnx-graph.js';
import { numelOf, type Shape } from './shape-math.js';

type ShapeOf = (value: string | undefined) => Shape | undefined;

/** MACs of `node`, or undefined when a shape it needs is unknown. */
export function nodeMacs(node: NodeProto, shapeOf: ShapeOf): number | undefined {
  const x = shapeOf(node.input[0]);
  const w = shapeOf(node.input[1]);
  const y = shapeOf(node.output[0]);
  if (!x || !w) return undefined;
  switch (node.opType) {
    case 'Conv':
      return y && w.length >= 2 ? numelOf(y) * numelOf(w.slice(1)) : undefined;
    case 'ConvTranspose':
      return w.length >= 2 ? numelOf(x) * numelOf(w.slice(1)) : undefined;
    case 'Gemm': {
      if (!y || x.length !== 2) return undefined;
      const k = intAttr(node, 'transA', 0) ? x[0]! : x[1]!;
      return numelOf(y) * k;
    }
    case 'MatMul': {
      const k = x[x.length - 1];
      return y && k !== undefined ? numelOf(y) * k : undefined;
    }
    default:
      return undefined;
  }
}
