/**
 * Ranges narrowed where the consumer saturates. A tensor read only by a Sigmoid, or only by a SiLU (x·Sigmoid(x)),
 * needs no values far below zero: SiLU(x) for x < −L is within L·e^(−L) of 0 and Sigmoid(x) within e^(−L) of 0
 * (and of 1 above +L for a Sigmoid). LeYOLO-Nano's first 1×1 conv output spans [−173, 27] while its SiLU
 * output spans [−0.28, 27]: clipping the input at −8 makes its uint8 step 5.7× finer and changes SiLU's output by
 * less than 0.003.
 *
 * The same holds for a tensor whose elements reach only Sigmoids through data movement (see elementReaders): an
 * anchor-free head's class logits pass a Concat with the box outputs, Reshapes, the Concat of the scales and the
 * Split before their Sigmoid. Those are clipped below only: σ(−8) = 0.00034 is under every confidence threshold
 * prunekit applies (`val`'s 0.001, `predict`'s 0.25), so no detection passes or fails the threshold because of the
 * clip, while the top is kept as calibrated (scores of confident detections keep their order). The clip then runs
 * forward through the data movement that holds those elements (a movement output holds only its inputs' values),
 * so the head's shared tail scale (see sharedTail) no longer has to span class logits of −30.
 */
import type { GraphIndex } from '../graph/onnx-graph.js';
import type { Shape } from '../graph/shape-math.js';
import { elementReaders, REARRANGING } from './element-readers.js';
import { CONCAT, dataInputs, MOVEMENT_OPS } from './ops.js';
import type { TensorRange } from './scales.js';

/** Default saturation bound L: SiLU(−8) = −0.0027, Sigmoid(−8) = 0.00034. */
export const SATURATION_BOUND = 8;

/** How every consumer of `tensor` uses it: 'silu' (Sigmoid(x) and Mul(x, Sigmoid(x)) only), 'sigmoid', or undefined. */
export function saturatingUse(g: GraphIndex, tensor: string): 'silu' | 'sigmoid' | undefined {
  const users = (g.consumers.get(tensor) ?? []).map((i) => g.nodes[i]!);
  if (users.length === 0 || g.graphOutputs.has(tensor)) return undefined;
  // (every user reads `tensor`: a Sigmoid has one input, a Mul two; with no Sigmoid no Mul can read a Sigmoid output)
  const sigmoids = users.filter((n) => n.opType === 'Sigmoid');
  if (sigmoids.length === users.length) return 'sigmoid';
  const sigOuts = new Set(sigmoids.flatMap((n) => n.output));
  const siluMul = (n: (typeof users)[number]) => n.opType === 'Mul' && n.input.some((v) => sigOuts.has(v));
  return users.every((n) => sigmoids.includes(n) || siluMul(n)) ? 'silu' : undefined;
}

/**
 * Every element of `tensor` is read by Sigmoids only, through rearranging data movement (and none reaches a graph
 * output). Only traced when its direct readers are data movement or Sigmoids (others end the question at once) and
 * it is not itself made by data movement (those follow their inputs' clip, see saturatedRanges).
 */
export function reachesOnlySigmoids(g: GraphIndex, shapes: ReadonlyMap<string, Shape>, tensor: string): boolean {
  const p = g.producer.get(tensor);
  if (g.graphOutputs.has(tensor) || (p !== undefined && REARRANGING.has(g.nodes[p]!.opType))) return false;
  const direct = (g.consumers.get(tensor) ?? []).map((i) => g.nodes[i]!.opType);
  if (!direct.every((op) => op === 'Sigmoid' || MOVEMENT_OPS.has(op) || op === CONCAT)) return false;
  const isSigmoid = (i: number) => g.nodes[i]!.opType === 'Sigmoid';
  const r = elementReaders(g, shapes, tensor, isSigmoid);
  return !r.graphOutput && r.readers.length > 0 && r.readers.every(isSigmoid);
}

/**
 * `ranges` with the tensors consumed only by a SiLU clipped below at −bound, and those consumed only by a
 * Sigmoid clipped to [−bound, bound]. With `shapes` (static shapes of the graph), a tensor whose elements reach
 * only Sigmoids through data movement is clipped below at −bound, and that clip carried forward through the data
 * movement after it (graph order): an output's minimum is raised to its data inputs' lowest minimum. Other tensors
 * unchanged; a new map.
 */
export function saturatedRanges(g: GraphIndex, ranges: ReadonlyMap<string, TensorRange>, bound = SATURATION_BOUND, shapes?: ReadonlyMap<string, Shape>): Map<string, TensorRange> {
  if (!(bound > 0)) throw new RangeError(`saturation bound ${bound}: expected a positive number`);
  const out = new Map<string, TensorRange>();
  const raised = new Set<string>();
  for (const [name, r] of ranges) {
    const use = saturatingUse(g, name) ?? (shapes && r.min < -bound && reachesOnlySigmoids(g, shapes, name) ? 'logit' : undefined);
    if (use === undefined) { out.set(name, r); continue; }
    const min = Math.max(r.min, -bound);
    const max = use === 'sigmoid' ? Math.min(r.max, bound) : r.max;
    out.set(name, { min: Math.min(min, max), max });
    if (use === 'logit') raised.add(name);
  }
  if (raised.size === 0) return out;
  for (const n of g.nodes) {
    if (!MOVEMENT_OPS.has(n.opType) && n.opType !== CONCAT) continue;
    const data = dataInputs(n.opType, n.input).map((k) => n.input[k] ?? '');
    if (!data.some((v) => raised.has(v)) || !data.every((v) => out.has(v))) continue;
    const floor = Math.min(...data.map((v) => out.get(v)!.min));
    for (const o of n.output) {
      const r = out.get(o);
      if (!r) continue;
      raised.add(o); // bounded by the floor, changed or not: what reads it is bounded too
      if (r.min < floor) out.set(o, { min: Math.min(floor, r.max), max: r.max });
    }
  }
  return out;
}
