/**
 * Global allocation (`--scope global`): one score threshold across all prunable layers. The `total` smallest
 * scores over the pool are selected (ties in layer order, then index order); a layer that would exceed its
 * cap (round(max × n)) is held at its cap and the rest is re-thresholded without it, until none exceeds.
 * Layers of zero-ratio or protected categories are not in the pool. Scores must be non-negative float32.
 */
import { UsageError } from '../core/errors.js';
import { thresholdU32 } from './select.js';
import type { Budget } from './allocate.js';

/** Per-layer counts for a global threshold. `scores[i]` is undefined for layers outside the pool. */
export function globalCounts(budgets: readonly Budget[], scores: readonly (Float32Array | undefined)[], want: number): number[] {
  const counts = budgets.map(() => 0);
  const keys = scores.map((s) => (s ? new Uint32Array(s.buffer, s.byteOffset, s.length) : undefined));
  const active = new Set<number>();
  budgets.forEach((b, i) => {
    if (keys[i] && !b.protected && b.ratio > 0) active.add(i);
  });
  const caps = budgets.map((b) => Math.max(b.zeros, Math.round(b.max * b.n)));
  let remaining = want;
  let capSum = 0;
  for (const i of active) capSum += caps[i]!;
  if (want > capSum) throw new UsageError(`global pruning of ${want} weights is unreachable: the category caps allow ${capSum}; raise the caps or lower the target`);
  for (;;) {
    const order = [...active].sort((a, b) => a - b);
    if (remaining <= 0 || order.length === 0) {
      for (const i of order) counts[i] = 0;
      return counts;
    }
    const th = thresholdU32(order.map((i) => keys[i]!), remaining);
    let eq = th.takeEqual;
    const over: number[] = [];
    for (const i of order) {
      const a = keys[i]!;
      let c = 0;
      for (let j = 0; j < a.length; j++) {
        const x = (a[j]! & 0x7fffffff) >>> 0;
        if (x < th.key) c++;
        else if (x === th.key && eq > 0) { c++; eq--; }
      }
      counts[i] = c;
      if (c > caps[i]!) over.push(i);
    }
    if (over.length === 0) return counts;
    for (const i of over) {
      counts[i] = caps[i]!;
      remaining -= caps[i]!;
      active.delete(i);
    }
  }
}
