/**
 * How many channels each group loses, and which: the `ratio` of a group's classes (rounded so the kept count
 * stays the nearest multiple of `roundTo`), lowest importance first, never pinned classes, never all channels of a group,
 * and never every channel of any traced tensor (a Split part or Concat input must keep one).
 */
import type { DependencyGraph, DependencyGroup } from '../../graph/deps/index.js';

export interface SelectOptions {
  /** Fraction of a group's channels to remove, in [0, 1). */
  ratioOf: (group: DependencyGroup) => number;
  /** Kept channel counts stay multiples of this (default 1). */
  roundTo?: number;
}

/** Channels kept in a group of `n` classes of which `prunable` may go, at `ratio`. */
export function keptCount(n: number, prunable: number, ratio: number, roundTo = 1): number {
  if (ratio <= 0 || prunable === 0 || n <= 1) return n;
  let keep = Math.max(1, n - Math.floor(ratio * n + 1e-9));
  // Nearest multiple of roundTo (at least one multiple), so the achieved ratio stays close to the requested one.
  if (roundTo > 1) keep = n <= roundTo ? n : Math.min(n, Math.max(roundTo, Math.round(keep / roundTo) * roundTo));
  return Math.max(keep, n - prunable);
}

/** `removed[c] = 1` for every class to remove. Deterministic: ties break on class id. */
export function selectRemoval(dg: DependencyGraph, importance: Float64Array, options: SelectOptions): Uint8Array {
  const { trace } = dg;
  const removed = new Uint8Array(trace.classCount);
  for (const g of dg.groups) {
    const n = g.classes.length;
    const keep = keptCount(n, g.prunable, options.ratioOf(g), options.roundTo ?? 1);
    if (keep >= n) continue;
    const candidates = g.classes.filter((c) => !trace.pinnedClass[c]).sort((a, b) => importance[a]! - importance[b]! || a - b);
    for (const c of candidates.slice(0, n - keep)) removed[c] = 1;
  }
  // No traced tensor may lose all its channels: give back its most important class.
  for (let changed = true; changed;) {
    changed = false;
    for (const m of new Set(trace.maps.values())) {
      let best = -1;
      let any = false;
      for (const e of m) {
        const c = trace.classOf[e]!;
        if (!removed[c]) { any = true; break; }
        if (best < 0 || importance[c]! > importance[best]!) best = c;
      }
      if (!any && best >= 0) { removed[best] = 0; changed = true; }
    }
  }
  return removed;
}
