/**
 * The constant each removed channel carries once its filter is gone: a conv channel with zero weights outputs
 * its bias everywhere, and that constant flows on through BatchNormalization, activations, pooling, resizing,
 * Concat/Split/Slice (offset mapping) and Add/Mul/… with the coupled channels (which lose the same channel) or a
 * broadcast constant. Values live per traced tensor as one float per channel: NaN means "unknown" (a data-
 * dependent operand, an op that cannot be evaluated on a scalar) or "not removed" (only removed channels are
 * ever read). Convs are evaluated by the caller (compensate.ts), which owns the weights.
 */
import type { NodeProto } from 'onnx-buf';
import { toFloat32 } from '../../core/convert.js';
import { isFloatDType, numel } from '../../core/dtype.js';
import type { ChannelTrace, NodeEdit } from '../../graph/deps/index.js';
import { constantOf, type GraphIndex } from '../../graph/index.js';
import { readTensor, tensorDims, type OnnxModel } from '../../io/onnx/bytes.js';
import { binaryScalar, unaryScalar } from './scalar-ops.js';

/** Ops that keep a spatially constant channel's value (Pad: exact inside, approximate on the padded border). */
const KEEPS_CONSTANT: ReadonlySet<string> = new Set([
  'MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool', 'Resize', 'Upsample', 'Pad', 'ReduceMean', 'ReduceMax',
  'ReduceMin', 'Reshape',
]);

export class ConstEnv {
  /** traced tensor → per-channel constant (NaN: unknown or kept). */
  readonly values = new Map<string, Float64Array>();
  private readonly floatCache = new Map<string, { dims: number[]; data: Float32Array } | null>();
  private readonly sliceEdits = new Map<number, Extract<NodeEdit, { kind: 'slice' }>>();

  constructor(readonly model: OnnxModel, readonly g: GraphIndex, readonly trace: ChannelTrace, readonly removed: Uint8Array) {
    for (const e of trace.edits) if (e.kind === 'slice') this.sliceEdits.set(e.node, e);
  }

  isRemoved(element: number): boolean {
    return this.removed[this.trace.classOf[element]!] === 1;
  }

  /** Per-channel constants of a traced tensor (all NaN when nothing was recorded). */
  of(value: string | undefined): Float64Array | undefined {
    if (!value) return undefined;
    const m = this.trace.maps.get(value);
    if (!m) return undefined;
    return this.values.get(value) ?? new Float64Array(m.length).fill(NaN);
  }

  set(value: string | undefined, v: Float64Array): void {
    if (value && this.trace.maps.has(value)) this.values.set(value, v);
  }

  /** A float constant input (through Identity), decoded once; undefined when computed at run time. */
  constFloats(value: string | undefined): { dims: number[]; data: Float32Array } | undefined {
    if (!value) return undefined;
    const ref = constantOf(this.g, value);
    if (!ref) return undefined;
    let c = this.floatCache.get(ref.name);
    if (c === undefined) {
      const t = readTensor(ref.proto, this.model.external);
      c = isFloatDType(t.dtype) ? { dims: tensorDims(ref.proto), data: t.dtype === 'float32' ? (t.data as Float32Array) : toFloat32(t) } : null;
      this.floatCache.set(ref.name, c);
    }
    return c ?? undefined;
  }

  /** Evaluate a non-conv node on the constants of its traced inputs. */
  evalNode(node: NodeProto, i: number): void {
    const op = node.opType;
    const x = this.of(node.input[0]);
    if (op === 'Concat') return this.concat(node);
    if (op === 'BatchNormalization' || op === 'InstanceNormalization') return this.norm(node, x);
    if (binaryScalar(op) || op === 'Mean') return this.broadcast(node);
    if (!x) return;
    if (KEEPS_CONSTANT.has(op)) return this.set(node.output[0], x);
    if (op === 'Split') return this.split(node, x);
    if (op === 'Slice') {
      const e = this.sliceEdits.get(i);
      return this.set(node.output[0], e ? x.slice(e.start, e.end) : x);
    }
    const f = unaryScalar(node, op === 'Clip' ? this.clipBounds(node) : undefined);
    this.set(node.output[0], f ? x.map(f) : new Float64Array(x.length).fill(NaN));
  }

  private clipBounds(node: NodeProto): { min: number; max: number } | undefined {
    if (node.input.length < 2) return undefined;
    const lo = node.input[1] ? this.constFloats(node.input[1])?.data[0] : -Infinity;
    const hi = node.input[2] ? this.constFloats(node.input[2])?.data[0] : Infinity;
    return { min: lo ?? NaN, max: hi ?? NaN };
  }

  private norm(node: NodeProto, x: Float64Array | undefined): void {
    if (!x) return;
    const p = node.input.slice(1).map((v) => this.constFloats(v)?.data);
    const out = new Float64Array(x.length).fill(NaN);
    if (node.opType === 'InstanceNormalization') {
      // A spatially constant channel normalises to 0, leaving β.
      const beta = p[1];
      if (beta) for (let c = 0; c < x.length; c++) out[c] = Number.isNaN(x[c]!) ? NaN : beta[c]!;
    } else {
      const [gamma, beta, mean, variance] = p;
      const eps = node.attribute.find((a) => a.name === 'epsilon')?.f ?? 1e-5;
      if (gamma && beta && mean && variance) {
        for (let c = 0; c < x.length; c++) out[c] = (gamma[c]! * (x[c]! - mean[c]!)) / Math.sqrt(variance[c]! + eps) + beta[c]!;
      }
    }
    this.set(node.output[0], out);
  }

  /** Per-channel values of one operand broadcast to `C` channels of rank `rank`, or all-NaN. */
  private operand(value: string, C: number, rank: number): Float64Array {
    const traced = this.of(value);
    if (traced) return traced.length === C ? traced : new Float64Array(C).fill(traced.length === 1 ? traced[0]! : NaN);
    const out = new Float64Array(C).fill(NaN);
    const c = this.constFloats(value);
    if (!c) return out;
    const n = numel(c.dims);
    if (n === 1) return out.fill(c.data[0]!);
    const axis = 1 - (rank - c.dims.length);
    if (axis >= 0 && c.dims[axis] === C && n === C) for (let k = 0; k < C; k++) out[k] = c.data[k]!;
    return out;
  }

  private broadcast(node: NodeProto): void {
    const outMap = this.trace.maps.get(node.output[0] ?? '');
    if (!outMap) return;
    const C = outMap.length;
    // Traced tensors are NCHW (rank 4) in the models this targets; a constant that does not line up reads as unknown.
    const rank = Math.max(4, ...node.input.map((v) => (this.trace.maps.has(v) ? 0 : this.constFloats(v)?.dims.length ?? 0)));
    const operands = node.input.filter(Boolean).map((v) => this.operand(v, C, rank));
    const f = binaryScalar(node.opType === 'Mean' ? 'Sum' : node.opType)!;
    const out = operands[0]!.slice();
    for (const b of operands.slice(1)) for (let k = 0; k < C; k++) out[k] = f(out[k]!, b[k]!);
    if (node.opType === 'Mean') for (let k = 0; k < C; k++) out[k]! /= operands.length;
    this.set(node.output[0], out);
  }

  private concat(node: NodeProto): void {
    const parts = node.input.map((v) => this.of(v));
    if (!parts.every(Boolean) || parts.length === 0) return;
    const list = parts as Float64Array[];
    const outMap = this.trace.maps.get(node.output[0] ?? '');
    if (!outMap) return;
    const total = list.reduce((n, p) => n + p.length, 0);
    if (total === outMap.length) {
      const out = new Float64Array(total);
      let o = 0;
      for (const p of list) { out.set(p, o); o += p.length; }
      return this.set(node.output[0], out);
    }
    // Concat along a spatial axis: constant only where every part carries the same value.
    const out = list[0]!.map((v, k) => (list.every((p) => p[k] === v) ? v : NaN));
    this.set(node.output[0], out);
  }

  private split(node: NodeProto, x: Float64Array): void {
    let o = 0;
    // Channel-axis Split: the parts' channel counts add up to the input's (any other axis keeps every channel).
    const channelSplit = node.output.reduce((n, v) => n + (this.trace.maps.get(v)?.length ?? 0), 0) === x.length;
    for (const v of node.output) {
      const n = this.trace.maps.get(v)?.length ?? 0;
      if (channelSplit) { this.set(v, x.slice(o, o + n)); o += n; } else this.set(v, x);
    }
  }
}
