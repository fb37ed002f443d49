/**
 * Activation quantization parameters from calibrated ranges. Data-movement nodes (Reshape, Transpose, Split,
 * Slice, MaxPool, Resize, …) put their input and outputs in one group that shares a scale and zero point (the
 * union of their ranges), so onnxruntime drops the Q/DQ pairs around them. A Concat joins the group of its inputs
 * only when their ranges are of similar size (widest ≤ `concatSpread` × narrowest): a Concat of box coordinates
 * (0–640) and scores (0–1) keeps one scale per input, or the scores would all round to 0.
 */
import type { NodeProto } from 'onnx-buf';
import { asymmetricParams, type QuantDType, type QuantParams } from './params.js';
import { CONCAT, MOVEMENT_OPS } from './ops.js';

export interface TensorRange { min: number; max: number }

class UnionFind {
  private readonly parent = new Map<string, string>();
  find(x: string): string {
    let p = this.parent.get(x) ?? x;
    if (p !== x) { p = this.find(p); this.parent.set(x, p); }
    return p;
  }
  union(a: string, b: string): void {
    const ra = this.find(a), rb = this.find(b);
    if (ra !== rb) this.parent.set(rb, ra);
  }
}

const span = (r: TensorRange) => Math.max(r.max, 0) - Math.min(r.min, 0);

export interface ScaleOptions {
  activationType?: QuantDType;
  /** Largest ratio of input range spans for a Concat to share one scale (default 4). */
  concatSpread?: number;
}

/**
 * Parameters of every calibrated tensor. `nodes` are the quantized nodes; tensors without a range get none (and
 * are left float by the caller).
 */
export function activationParams(nodes: readonly NodeProto[], ranges: ReadonlyMap<string, TensorRange>, options: ScaleOptions = {}): Map<string, QuantParams> {
  const uf = new UnionFind();
  const spread = options.concatSpread ?? 4;
  for (const n of nodes) {
    const outs = n.output.filter((o) => o && ranges.has(o));
    if (MOVEMENT_OPS.has(n.opType) && ranges.has(n.input[0] ?? '')) for (const o of outs) uf.union(n.input[0]!, o);
    if (n.opType === CONCAT) {
      const ins = n.input.filter((v) => ranges.has(v));
      const spans = ins.map((v) => span(ranges.get(v)!));
      const lo = Math.min(...spans), hi = Math.max(...spans);
      if (ins.length === n.input.length && lo > 0 && hi <= spread * lo) for (const v of [...ins, ...outs]) uf.union(ins[0]!, v);
    }
  }
  const groups = new Map<string, TensorRange>();
  for (const [name, r] of ranges) {
    const root = uf.find(name);
    const g = groups.get(root);
    groups.set(root, g ? { min: Math.min(g.min, r.min), max: Math.max(g.max, r.max) } : { ...r });
  }
  const params = new Map<string, QuantParams>();
  for (const name of ranges.keys()) {
    const r = groups.get(uf.find(name))!;
    params.set(name, asymmetricParams(r.min, r.max, options.activationType ?? 'uint8'));
  }
  return params;
}
