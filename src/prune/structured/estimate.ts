/**
 * Quick size estimates of a removal, without rewriting the model: weight parameters after pruning, from the
 * kept fraction along each pruned axis of every member weight. Used to search a ratio that meets a target.
 */
import { numel } from '../../core/dtype.js';
import type { DependencyGraph } from '../../graph/deps/index.js';
import { tensorDims, type OnnxModel } from '../../io/onnx/bytes.js';
import { tensorRefs } from '../../io/onnx/bytes.js';

export interface WeightShrink {
  tensor: string;
  numel: number;
  /** axis → member maps along it */
  axes: Map<number, Int32Array>;
}

/** Member weight tensors (roles out/in) with the maps of their pruned axes. */
export function weightShrinks(model: OnnxModel, dg: DependencyGraph): WeightShrink[] {
  const refs = tensorRefs(model);
  const out = new Map<string, WeightShrink>();
  for (const m of dg.trace.members) {
    if (m.role !== 'out' && m.role !== 'in') continue;
    const ref = refs.get(m.tensor);
    if (!ref) continue;
    let w = out.get(m.tensor);
    if (!w) out.set(m.tensor, (w = { tensor: m.tensor, numel: numel(tensorDims(ref.proto)), axes: new Map() }));
    w.axes.set(m.axis, m.map);
  }
  return [...out.values()];
}

/** Weight elements removed by `removedClass`, per tensor name. */
export function removedWeights(shrinks: readonly WeightShrink[], dg: DependencyGraph, removedClass: Uint8Array): Map<string, number> {
  const classOf = dg.trace.classOf;
  const out = new Map<string, number>();
  for (const w of shrinks) {
    let frac = 1;
    for (const map of w.axes.values()) {
      let kept = 0;
      for (const e of map) if (!removedClass[classOf[e]!]) kept++;
      frac *= kept / map.length;
    }
    if (frac < 1) out.set(w.tensor, Math.round(w.numel * (1 - frac)));
  }
  return out;
}
