/**
 * Ranges narrowed where the consumer saturates. A tensor read only by a Sigmoid, or only by a SiLU (x·Sigmoid(x)),
 * needs no values far below zero: SiLU(x) for x < −L is within L·e^(−L) of 0 and Sigmoid(x) within e^(−L) of 0
 * (and of 1 above +L for a Sigmoid). LeYOLO-Nano's first 1×1 conv output spans [−173, 27] while its SiLU
 * output spans [−0.28, 27]: clipping the input at −8 makes its uint8 step 5.7× finer and changes SiLU's output by
 * less than 0.003.
 */
import type { GraphIndex } from '../graph/onnx-graph.js';
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
 * `ranges` with the tensors consumed only by a SiLU clipped below at −bound, and those consumed only by a
 * Sigmoid clipped to [−bound, bound]. Other tensors unchanged; a new map.
 */
export function saturatedRanges(g: GraphIndex, ranges: ReadonlyMap<string, TensorRange>, bound = SATURATION_BOUND): Map<string, TensorRange> {
  if (!(bound > 0)) throw new RangeError(`saturation bound ${bound}: expected a positive number`);
  const out = new Map<string, TensorRange>();
  for (const [name, r] of ranges) {
    const use = saturatingUse(g, name);
    if (use === undefined) { out.set(name, r); continue; }
    const min = Math.max(r.min, -bound);
    const max = use === 'sigmoid' ? Math.min(r.max, bound) : r.max;
    out.set(name, { min: Math.min(min, max), max });
  }
  return out;
}
