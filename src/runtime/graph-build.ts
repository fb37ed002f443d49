/**
 * The graph-extension bookkeeping the statistics collectors (channel moments, layer Hessians, activation ranges) share: a copy of a
 * model's graph being extended with nodes, initializers and new outputs, fresh names, and reductions written for
 * the model's opset. Node/tensor/value-info constructors come from io/onnx/build.ts.
 */
import type { GraphProto, NodeProto, TensorProto, ValueInfoProto } from 'onnx-buf';
import { attrInt, attrInts, int64Tensor, makeNode, opsetOf, shallowCopy, withProto, type OnnxModel } from '../io/onnx/bytes.js';

/** A copy of a graph being extended: its nodes, initializers and new outputs, and a fresh-name generator. */
export interface GraphEdit {
  nodes: NodeProto[];
  inits: TensorProto[];
  outs: ValueInfoProto[];
  /** Values some node computes. */
  produced: ReadonlySet<string>;
  /** Graph inputs. */
  inputs: ReadonlySet<string>;
  opset: number;
  /** A name not yet used in the graph, from `stem`. */
  fresh(stem: string): string;
}

export function editGraph(model: OnnxModel): GraphEdit {
  const graph = model.proto.graph!;
  const produced = new Set(graph.node.flatMap((n) => n.output));
  const taken = new Set([...produced, ...graph.initializer.map((t) => t.name), ...graph.input.map((i) => i.name)]);
  const fresh = (stem: string) => { let n = stem; for (let k = 1; taken.has(n); k++) n = `${stem}${k}`; taken.add(n); return n; };
  return { nodes: [...graph.node], inits: [...graph.initializer], outs: [], produced, inputs: new Set(graph.input.map((i) => i.name)), opset: opsetOf(model), fresh };
}

/** The model with the edit's nodes and initializers, and only the edit's outputs as graph outputs. */
export function finishEdit(model: OnnxModel, edit: GraphEdit): OnnxModel {
  const graph: GraphProto = shallowCopy(model.proto.graph!);
  graph.node = edit.nodes;
  graph.initializer = edit.inits;
  graph.output = edit.outs;
  const proto = shallowCopy(model.proto);
  proto.graph = graph;
  return withProto(model, proto);
}

/** ReduceMean over `axes` with keepdims: axes as an attribute (opset < 18) or an input (≥ 18). */
export function reduceMean(edit: GraphEdit, x: string, out: string, axes: readonly number[]): void {
  if (edit.opset >= 18) {
    const a = edit.fresh(`${out}_axes`);
    edit.inits.push(int64Tensor(a, axes));
    edit.nodes.push(makeNode('ReduceMean', [x, a], [out], [attrInt('keepdims', 1)]));
  } else edit.nodes.push(makeNode('ReduceMean', [x], [out], [attrInts('axes', axes), attrInt('keepdims', 1)]));
}
