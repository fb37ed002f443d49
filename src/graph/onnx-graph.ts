/**
 * Index of an ONNX graph: producer and consumers of every value, constants, and Identity resolution
 * (exporters route shared weights through Identity nodes).
 */
import type { NodeProto } from 'onnx-buf';
import type { OnnxModel, TensorRef } from '../io/onnx/bytes.js';
import { tensorRefs } from '../io/onnx/bytes.js';

export interface GraphIndex {
  readonly nodes: readonly NodeProto[];
  /** value name → index of the node that produces it */
  readonly producer: ReadonlyMap<string, number>;
  /** value name → indices of nodes that consume it */
  readonly consumers: ReadonlyMap<string, readonly number[]>;
  /** initializers and Constant outputs */
  readonly constants: ReadonlyMap<string, TensorRef>;
  readonly graphInputs: ReadonlySet<string>;
  readonly graphOutputs: ReadonlySet<string>;
}

export function indexGraph(model: OnnxModel): GraphIndex {
  const graph = model.proto.graph!;
  const producer = new Map<string, number>();
  const consumers = new Map<string, number[]>();
  graph.node.forEach((n, i) => {
    for (const o of n.output) if (o) producer.set(o, i);
    for (const inp of n.input) {
      if (!inp) continue;
      let list = consumers.get(inp);
      if (!list) consumers.set(inp, (list = []));
      if (list[list.length - 1] !== i) list.push(i);
    }
  });
  return {
    nodes: graph.node,
    producer,
    consumers,
    constants: tensorRefs(model),
    graphInputs: new Set(graph.input.map((v) => v.name)),
    graphOutputs: new Set(graph.output.map((v) => v.name)),
  };
}

/** Follow Identity nodes back to the value they copy (weights shared through Identity). */
export function resolveIdentity(g: GraphIndex, value: string): string {
  let v = value;
  for (let guard = 0; guard < 64; guard++) {
    const p = g.producer.get(v);
    if (p === undefined) return v;
    const node = g.nodes[p]!;
    if (node.opType !== 'Identity' || !node.input[0]) return v;
    v = node.input[0];
  }
  return v;
}

/** The constant tensor behind a value (through Identity), or undefined when it is computed at run time. */
export function constantOf(g: GraphIndex, value: string): TensorRef | undefined {
  return g.constants.get(resolveIdentity(g, value));
}

export function intAttr(node: NodeProto, name: string, fallback: number): number {
  const a = node.attribute.find((x) => x.name === name);
  return a ? Number(a.i) : fallback;
}

export function intsAttr(node: NodeProto, name: string): number[] | undefined {
  const a = node.attribute.find((x) => x.name === name);
  return a ? a.ints.map(Number) : undefined;
}

const utf8 = new TextDecoder();

export function strAttr(node: NodeProto, name: string, fallback: string): string {
  const a = node.attribute.find((x) => x.name === name);
  return a ? utf8.decode(a.s) : fallback;
}
