/**
 * Mutable bookkeeping of one trace (internal to src/graph/deps): tensor → channel map, roots, couplings, pins,
 * members and node edits. The tracer's rules write here; `finish` turns it into an immutable {@link ChannelTrace}.
 */
import type { NodeProto } from 'onnx-buf';
import type { OnnxModel } from '../../io/onnx/bytes.js';
import { readTensor } from '../../io/onnx/bytes.js';
import { constantOf, type GraphIndex } from '../onnx-graph.js';
import type { Barrier, ChannelMember, ChannelRoot, ChannelTrace, NodeEdit } from './types.js';

export class TraceState {
  readonly maps = new Map<string, Int32Array>();
  readonly ranks = new Map<string, number>();
  readonly roots: ChannelRoot[] = [];
  readonly members: ChannelMember[] = [];
  readonly edits: NodeEdit[] = [];
  readonly barriers: Barrier[] = [];
  private readonly pairsA: number[] = [];
  private readonly pairsB: number[] = [];
  private elements = 0;

  constructor(readonly model: OnnxModel, readonly g: GraphIndex, readonly opset: number) {}

  /** Element ids of a traced tensor, or undefined when it is not on a traced path. */
  map(value: string | undefined): Int32Array | undefined {
    return value ? this.maps.get(value) : undefined;
  }

  setMap(value: string | undefined, map: Int32Array, rank: number): void {
    if (!value) return;
    this.maps.set(value, map);
    this.ranks.set(value, rank);
  }

  rank(value: string | undefined): number {
    return (value && this.ranks.get(value)) || 4;
  }

  /** A new root: `channels` fresh elements. */
  addRoot(node: number, nodeName: string, weight: string, modulePath: string, channels: number): Int32Array {
    const base = this.elements;
    this.roots.push({ id: this.roots.length, node, nodeName, weight, modulePath, channels, base });
    this.elements += channels;
    const map = new Int32Array(channels);
    for (let i = 0; i < channels; i++) map[i] = base + i;
    return map;
  }

  /** Channels of `a` and `b` must be kept or removed together, index by index. */
  couple(a: Int32Array, b: Int32Array): void {
    for (let i = 0; i < a.length; i++) {
      if (a[i] !== b[i]) { this.pairsA.push(a[i]!); this.pairsB.push(b[i]!); }
    }
  }

  pin(node: NodeProto, elements: Int32Array, reason: string): void {
    if (elements.length > 0) this.barriers.push({ nodeName: node.name, opType: node.opType, reason, elements });
  }

  /** Pin every traced input of a node (the node is a barrier). */
  pinInputs(node: NodeProto, reason: string): void {
    for (const v of node.input) {
      const m = this.map(v);
      if (m) this.pin(node, m, reason);
    }
  }

  /** Integer values of a constant input (through Identity), or undefined when computed at run time. */
  ints(value: string | undefined): number[] | undefined {
    if (!value) return undefined;
    const ref = constantOf(this.g, value);
    if (!ref) return undefined;
    const t = readTensor(ref.proto, this.model.external);
    if (t.dtype === 'int64') return Array.from(t.data as BigInt64Array, (x) => Number(x));
    if (t.dtype.startsWith('float') || t.dtype.startsWith('int') || t.dtype === 'uint8') return Array.from(t.data as ArrayLike<number>);
    return undefined;
  }

  /** Float values of a constant input (float16 not decoded: returns undefined). */
  floats(value: string | undefined): number[] | undefined {
    if (!value) return undefined;
    const ref = constantOf(this.g, value);
    if (!ref) return undefined;
    const t = readTensor(ref.proto, this.model.external);
    if (t.dtype === 'float32' || t.dtype === 'float64') return Array.from(t.data as ArrayLike<number>);
    return undefined;
  }

  finish(graphOutputs: Iterable<string>): ChannelTrace {
    const n = this.elements;
    const parent = new Int32Array(n);
    for (let i = 0; i < n; i++) parent[i] = i;
    const find = (x: number): number => {
      let r = x;
      while (parent[r] !== r) r = parent[r]!;
      while (parent[x] !== r) { const nx = parent[x]!; parent[x] = r; x = nx; }
      return r;
    };
    for (let k = 0; k < this.pairsA.length; k++) {
      const a = find(this.pairsA[k]!), b = find(this.pairsB[k]!);
      if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
    }
    const classOf = new Int32Array(n);
    const dense = new Map<number, number>();
    for (let e = 0; e < n; e++) {
      const r = find(e);
      let c = dense.get(r);
      if (c === undefined) { c = dense.size; dense.set(r, c); }
      classOf[e] = c;
    }
    const rootOf = new Int32Array(n);
    for (const r of this.roots) rootOf.fill(r.id, r.base, r.base + r.channels);
    for (const out of graphOutputs) {
      const m = this.maps.get(out);
      if (m) this.barriers.push({ nodeName: out, opType: 'graph output', reason: 'graph output', elements: m });
    }
    const pinnedClass = new Uint8Array(dense.size);
    for (const b of this.barriers) for (const e of b.elements) pinnedClass[classOf[e]!] = 1;
    return {
      roots: this.roots, elementCount: n, rootOf, classOf, classCount: dense.size, pinnedClass, maps: this.maps,
      members: this.members, edits: this.edits, barriers: this.barriers,
    };
  }
}
