/** Weight-parameter and MAC totals of a model (MACs from static shape propagation). */
import { numel } from '../../core/dtype.js';
import { constantOf, indexGraph, inferShapes, nodeMacs, type GraphIndex, type ShapeOptions } from '../../graph/index.js';
import { tensorDims, type OnnxModel } from '../../io/onnx/bytes.js';

function weightOf(g: GraphIndex, n: GraphIndex['nodes'][number]): string | undefined {
  if (n.opType === 'Conv' || n.opType === 'ConvTranspose' || n.opType === 'Gemm') return n.input[1] ? constantOf(g, n.input[1])?.name : undefined;
  if (n.opType !== 'MatMul') return undefined;
  const b = n.input[1] ? constantOf(g, n.input[1]) : undefined;
  const a = n.input[0] ? constantOf(g, n.input[0]) : undefined;
  return b && b.proto.dims.length >= 2 ? b.name : a && a.proto.dims.length >= 2 ? a.name : undefined;
}

/**
 * Σ elements of the distinct weight tensors of Conv, ConvTranspose, Gemm and MatMul-with-a-constant nodes (the
 * same set as `listLayers`).
 */
export function weightParams(model: OnnxModel, g: GraphIndex = indexGraph(model)): number {
  const seen = new Set<string>();
  let params = 0;
  for (const n of g.nodes) {
    const w = weightOf(g, n);
    if (!w || seen.has(w)) continue;
    seen.add(w);
    params += numel(tensorDims(g.constants.get(w)!.proto));
  }
  return params;
}

export interface MacsInfo {
  /** Σ MACs of every Conv/ConvTranspose/Gemm/MatMul whose shapes are known. */
  total: number;
  /** Weight tensor → MACs per weight element (Σ over the nodes using it); conv MACs scale with weight size. */
  perWeightElement: Map<string, number>;
}

/** MACs per inference at the model's static input size (see inferShapes for dynamic dims). */
export function modelMacs(model: OnnxModel, g: GraphIndex = indexGraph(model), shapes: ShapeOptions = {}): MacsInfo {
  const info = inferShapes(model, g, shapes);
  const shapeOf = (v: string | undefined) => (v ? info.shapes.get(v) : undefined);
  let total = 0;
  const perWeightElement = new Map<string, number>();
  for (const n of g.nodes) {
    const macs = nodeMacs(n, shapeOf);
    if (macs === undefined) continue;
    total += macs;
    const w = weightOf(g, n);
    if (!w || n.opType === 'MatMul' || n.opType === 'Gemm') continue;
    const size = numel(tensorDims(g.constants.get(w)!.proto));
    if (size > 0) perWeightElement.set(w, (perWeightElement.get(w) ?? 0) + macs / size);
  }
  return { total, perWeightElement };
}
