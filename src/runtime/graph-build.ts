/**
 * Small builders for the nodes, constants and outputs that the statistics collectors (channel moments, layer
 * Hessians) append to a copy of a model's graph, and the fresh-name bookkeeping they share.
 */
import { create } from '@bufbuild/protobuf';
import {
  AttributeProto_AttributeType, AttributeProtoSchema, NodeProtoSchema, TensorProtoSchema, TypeProto_TensorSchema, TypeProtoSchema, ValueInfoProtoSchema,
  type AttributeProto, type GraphProto, type NodeProto, type TensorProto, type ValueInfoProto,
} from 'onnx-buf';
import type { Tensor } from '../core/dtype.js';
import { makeTensorProto, shallowCopy, withProto, type OnnxModel } from '../io/onnx/index.js';

export const FLOAT = 1, INT64 = 7;

export const ints = (name: string, values: readonly number[]): AttributeProto =>
  create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.INTS, ints: values.map((v) => BigInt(v)) });
export const int = (name: string, value: number): AttributeProto =>
  create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.INT, i: BigInt(value) });
export const str = (name: string, value: string): AttributeProto =>
  create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.STRING, s: new TextEncoder().encode(value) });
export const node = (opType: string, input: string[], output: string[], attribute: AttributeProto[] = []): NodeProto =>
  create(NodeProtoSchema, { opType, input, output, attribute, name: `${output[0]}__node` });
export const int64s = (name: string, values: readonly number[]): TensorProto =>
  makeTensorProto(create(TensorProtoSchema, {}), name, { dtype: 'int64', dims: [values.length], data: BigInt64Array.from(values, (v) => BigInt(v)) });
export const initializer = (name: string, t: Tensor): TensorProto => makeTensorProto(create(TensorProtoSchema, {}), name, t);
export const output = (name: string, elemType: number): ValueInfoProto =>
  create(ValueInfoProtoSchema, { name, type: create(TypeProtoSchema, { value: { case: 'tensorType', value: create(TypeProto_TensorSchema, { elemType }) } }) });

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
  const opset = Number(model.proto.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx')?.version ?? 13);
  const taken = new Set([...produced, ...graph.initializer.map((t) => t.name), ...graph.input.map((i) => i.name)]);
  const fresh = (stem: string) => { let n = stem; for (let k = 1; taken.has(n); k++) n = `${stem}${k}`; taken.add(n); return n; };
  return { nodes: [...graph.node], inits: [...graph.initializer], outs: [], produced, inputs: new Set(graph.input.map((i) => i.name)), opset, fresh };
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

/** ReduceMean/ReduceSum over `axes` with keepdims, as an attribute (opset < 18) or an input (≥ 18). */
export function reduce(edit: GraphEdit, op: 'ReduceMean' | 'ReduceSum', x: string, out: string, axes: readonly number[]): void {
  // ReduceSum takes axes as an input from opset 13, the other reductions from opset 18.
  const asInput = op === 'ReduceSum' ? edit.opset >= 13 : edit.opset >= 18;
  if (asInput) {
    const a = edit.fresh(`${out}_axes`);
    edit.inits.push(int64s(a, axes));
    edit.nodes.push(node(op, [x, a], [out], [int('keepdims', 1)]));
  } else edit.nodes.push(node(op, [x], [out], [ints('axes', axes), int('keepdims', 1)]));
}
