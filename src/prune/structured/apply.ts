/**
 * Apply a channel removal to an ONNX model: shrink every member tensor, recompute channel-count attributes and
 * constants (depthwise `group`, Split sizes, Slice bounds, Reshape shapes), give shared constants their own copy
 * when their users shrink differently, and drop shape annotations that became stale. The input is not modified.
 */
import { create } from '@bufbuild/protobuf';
import { AttributeProto_AttributeType, AttributeProtoSchema, TensorProtoSchema, type AttributeProto, type NodeProto, type TensorProto } from 'onnx-buf';
import type { Tensor } from '../../core/dtype.js';
import type { DependencyGraph, NodeEdit } from '../../graph/deps/index.js';
import { opsetOf } from '../../io/onnx/bytes.js';
import { constantOf, indexGraph, resolveIdentity, type GraphIndex } from '../../graph/index.js';
import { makeTensorProto, readTensor, shallowCopy, withProto, type OnnxModel } from '../../io/onnx/bytes.js';
import { gatherAxis, gatherGrouped, int64Tensor, withIntsAt } from './tensor-ops.js';

type TensorOp =
  | { kind: 'gather'; axis: number; keep: Int32Array }
  /** Grouped conv weight [O, C/G, …]: rows of block b keep input slices `keep[b]` (every block the same count). */
  | { kind: 'gather-grouped'; keep: Int32Array[] }
  | { kind: 'set'; updates: Map<number, number> };
interface UseEdit { tensor: string; ops: TensorOp[] }

const opKey = (ops: readonly TensorOp[]) =>
  [...ops].map((o) => (o.kind === 'gather' ? `g${o.axis}:${o.keep.join(',')}` : o.kind === 'gather-grouped' ? `gg:${o.keep.map((k) => k.join(',')).join('/')}` : `s:${[...o.updates].join(';')}`)).sort().join('|');

function runOps(t: Tensor, ops: readonly TensorOp[]): Tensor {
  let out = t;
  // Row gathers first, so that the grouped input gather sees the final rows (blocks stay contiguous and even).
  const order = [...ops].sort((a, b) => Number(a.kind === 'gather-grouped') - Number(b.kind === 'gather-grouped'));
  for (const o of order) out = o.kind === 'gather' ? gatherAxis(out, o.axis, o.keep) : o.kind === 'gather-grouped' ? gatherGrouped(out, o.keep) : withIntsAt(out, o.updates);
  return out;
}


class Rewriter {
  readonly nodes: NodeProto[];
  readonly inits: TensorProto[];
  private readonly copied = new Set<number>();
  readonly uses = new Map<string, UseEdit>();
  readonly added: TensorProto[] = [];

  constructor(readonly model: OnnxModel, readonly g: GraphIndex) {
    this.nodes = [...model.proto.graph!.node];
    this.inits = [...model.proto.graph!.initializer];
  }

  node(i: number): NodeProto {
    if (!this.copied.has(i)) {
      const n = shallowCopy(this.nodes[i]!);
      n.input = [...n.input];
      n.attribute = [...n.attribute];
      this.nodes[i] = n;
      this.copied.add(i);
    }
    return this.nodes[i]!;
  }

  setIntAttr(i: number, name: string, value: number | number[]): void {
    const n = this.node(i);
    const k = n.attribute.findIndex((a) => a.name === name);
    let a: AttributeProto;
    if (k >= 0) a = shallowCopy(n.attribute[k]!);
    else a = create(AttributeProtoSchema, { name, type: Array.isArray(value) ? AttributeProto_AttributeType.INTS : AttributeProto_AttributeType.INT });
    if (Array.isArray(value)) a.ints = value.map((v) => BigInt(v));
    else a.i = BigInt(value);
    if (k >= 0) n.attribute[k] = a;
    else n.attribute.push(a);
  }

  removeAttr(i: number, name: string): void {
    const n = this.node(i);
    n.attribute = n.attribute.filter((a) => a.name !== name);
  }

  addUseOp(node: number, slot: number, op: TensorOp): void {
    const v = this.nodes[node]!.input[slot];
    const ref = v ? constantOf(this.g, v) : undefined;
    if (!ref) throw new TypeError(`internal: input ${slot} of node ${node} is not a constant`);
    const key = `${node}:${slot}`;
    const u = this.uses.get(key) ?? { tensor: ref.name, ops: [] };
    u.ops.push(op);
    this.uses.set(key, u);
  }
}

function applyEdit(rw: Rewriter, e: NodeEdit, count: (m: Int32Array, from?: number, to?: number) => number, opset: number): void {
  if (e.kind === 'group') {
    const n = count(e.map);
    if (n !== e.map.length) rw.setIntAttr(e.node, 'group', n);
  } else if (e.kind === 'split') {
    const sizes = e.maps.map((m) => count(m));
    if (sizes.every((n, k) => n === e.maps[k]!.length)) return;
    if (e.source === 'attribute' || (e.source === 'equal' && opset < 13)) rw.setIntAttr(e.node, 'split', sizes);
    else if (e.source === 'input') rw.addUseOp(e.node, 1, { kind: 'set', updates: new Map(sizes.map((v, k) => [k, v])) });
    else {
      const name = `${rw.nodes[e.node]!.name || `split${e.node}`}__pk_split`;
      rw.added.push(makeTensorProto(create(TensorProtoSchema, {}), name, int64Tensor(sizes)));
      const n = rw.node(e.node);
      n.input[1] = name;
      rw.removeAttr(e.node, 'num_outputs');
    }
  } else if (e.kind === 'slice') {
    if (count(e.input) === e.input.length) return;
    const start = count(e.input, 0, e.start);
    const end = start + count(e.input, e.start, e.end);
    if (e.source === 'attribute') {
      const n = rw.nodes[e.node]!;
      const get = (name: string) => n.attribute.find((a) => a.name === name)!.ints.map(Number);
      const starts = get('starts'), ends = get('ends');
      starts[e.index] = start; ends[e.index] = end;
      rw.setIntAttr(e.node, 'starts', starts);
      rw.setIntAttr(e.node, 'ends', ends);
    } else {
      rw.addUseOp(e.node, 1, { kind: 'set', updates: new Map([[e.index, start]]) });
      rw.addUseOp(e.node, 2, { kind: 'set', updates: new Map([[e.index, end]]) });
    }
  } else if (e.kind === 'reshape') {
    const n = count(e.map);
    if (n !== e.map.length) rw.addUseOp(e.node, 1, { kind: 'set', updates: new Map([[1, n]]) });
  }
  // 'grouped': the group count stays; the weights shrink through their members.
}

/**
 * Remove the channels of every class with `removedClass[c] = 1`. The caller guarantees that no traced tensor
 * loses all its channels and that pinned classes are kept.
 */
export function applyChannelRemoval(model: OnnxModel, dg: DependencyGraph, removedClass: Uint8Array, g: GraphIndex = indexGraph(model)): OnnxModel {
  const { trace } = dg;
  const kept = (e: number) => removedClass[trace.classOf[e]!] !== 1;
  const count = (m: Int32Array, from = 0, to = m.length) => { let n = 0; for (let i = from; i < to; i++) if (kept(m[i]!)) n++; return n; };
  const rw = new Rewriter(model, g);
  for (const m of trace.members) {
    if (count(m.map) === m.map.length) continue;
    if (m.groups !== undefined && m.groups > 1) {
      const per = m.map.length / m.groups;
      const blocks = Array.from({ length: m.groups }, (_, b) => {
        const keep: number[] = [];
        for (let j = 0; j < per; j++) if (kept(m.map[b * per + j]!)) keep.push(j);
        return Int32Array.from(keep);
      });
      rw.addUseOp(m.node, m.input, { kind: 'gather-grouped', keep: blocks });
      continue;
    }
    const keep: number[] = [];
    m.map.forEach((e, i) => { if (kept(e)) keep.push(i); });
    rw.addUseOp(m.node, m.input, { kind: 'gather', axis: m.axis, keep: Int32Array.from(keep) });
  }
  const opset = opsetOf(model);
  for (const e of trace.edits) applyEdit(rw, e, count, opset);
  rewriteTensors(rw);
  const graph = shallowCopy(model.proto.graph!);
  graph.node = rw.nodes;
  graph.initializer = [...rw.inits, ...rw.added];
  const stale = new Set<string>();
  for (const [name, m] of trace.maps) if (count(m) !== m.length) stale.add(name);
  graph.valueInfo = graph.valueInfo.filter((v) => !stale.has(v.name));
  removeDead(graph);
  const proto = shallowCopy(model.proto);
  proto.graph = graph;
  return withProto(model, proto);
}

/** Rewrite touched constants in place when all users agree, else give each variant its own copy. */
function rewriteTensors(rw: Rewriter): void {
  const { g, model } = rw;
  const byTensor = new Map<string, Array<{ node: number; slot: number }>>();
  rw.nodes.forEach((n, i) => {
    if (n.opType === 'Identity') return;
    n.input.forEach((v, slot) => {
      if (!v) return;
      const r = resolveIdentity(g, v);
      if (!g.constants.has(r)) return;
      const list = byTensor.get(r) ?? [];
      list.push({ node: i, slot });
      byTensor.set(r, list);
    });
  });
  const touched = new Set([...rw.uses.values()].map((u) => u.tensor));
  const names = new Set([...g.constants.keys(), ...g.nodes.flatMap((n) => n.output)]);
  for (const tensor of touched) {
    const ref = g.constants.get(tensor)!;
    const uses = byTensor.get(tensor) ?? [];
    const variants = new Map<string, { ops: TensorOp[]; at: Array<{ node: number; slot: number }> }>();
    for (const u of uses) {
      const edit = rw.uses.get(`${u.node}:${u.slot}`);
      const key = edit ? opKey(edit.ops) : '';
      const v = variants.get(key) ?? { ops: edit?.ops ?? [], at: [] };
      v.at.push(u);
      variants.set(key, v);
    }
    const original = readTensor(ref.proto, model.external);
    if (variants.size === 1 && !variants.has('') && !g.graphInputs.has(tensor) && !g.graphOutputs.has(tensor)) {
      const next = makeTensorProto(ref.proto, tensor, runOps(original, [...variants.values()][0]!.ops));
      if (ref.kind === 'initializer') rw.inits[ref.index] = next;
      else {
        const n = rw.node(ref.index);
        n.attribute = n.attribute.map((a) => { if (a.name !== 'value') return a; const b = shallowCopy(a); b.t = next; return b; });
      }
      continue;
    }
    let k = 0;
    for (const [key, v] of variants) {
      if (key === '') continue;
      let name = `${tensor}__pk${k++}`;
      while (names.has(name)) name = `${tensor}__pk${k++}`;
      names.add(name);
      rw.added.push(makeTensorProto(ref.proto, name, runOps(original, v.ops)));
      for (const u of v.at) rw.node(u.node).input[u.slot] = name;
    }
  }
}

/** Drop Identity/Constant nodes and initializers nobody reads any more. */
function removeDead(graph: { node: NodeProto[]; initializer: TensorProto[]; output: Array<{ name: string }>; input: Array<{ name: string }> }): void {
  const outputs = new Set(graph.output.map((o) => o.name));
  for (;;) {
    const used = new Set<string>(outputs);
    for (const n of graph.node) for (const v of n.input) if (v) used.add(v);
    const before = graph.node.length + graph.initializer.length;
    graph.node = graph.node.filter((n) => !((n.opType === 'Identity' || n.opType === 'Constant') && n.output.every((o) => !used.has(o))));
    const inputs = new Set(graph.input.map((i) => i.name));
    graph.initializer = graph.initializer.filter((t) => used.has(t.name) || inputs.has(t.name));
    if (graph.node.length + graph.initializer.length === before) return;
  }
}
