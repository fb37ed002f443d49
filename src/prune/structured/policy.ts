/**
 * How many channels each group loses, and which: the `ratio` of a group's classes (the kept count rounded to the
 * nearest multiple of `roundTo`), lowest importance first, never pinned classes, never all channels of a group,
 * and never every channel of any traced tensor (a Split part or Concat input must keep one).
 *
 * A group whose channels are split (Split/Slice on the channel axis, e.g. YOLOv8 C2f's halves) is cut segment by
 * segment: each part loses the ratio of its own channels and keeps a multiple of `roundTo`, so every tensor after
 * the split keeps kernel-friendly channel counts (onnxruntime's blocked CPU convs want multiples of 8 or 16).
 */
import type { DependencyGraph, DependencyGroup, NodeEdit } from '../../graph/deps/index.js';

export interface SelectOptions {
  /** Fraction of a group's channels to remove, in [0, 1). */
  ratioOf: (group: DependencyGroup) => number;
  /** Kept channel counts stay multiples of this (default 1). */
  roundTo?: number;
}

/**
 * Channels kept of `n` of which `prunable` may go, at `ratio`: n·(1 − ratio) rounded to the nearest multiple of
 * `roundTo` (ties keep more; at least one multiple; `n ≤ roundTo` is not cut), never fewer than the pinned ones.
 */
export function keptCount(n: number, prunable: number, ratio: number, roundTo = 1): number {
  if (ratio <= 0 || prunable === 0 || n <= 1) return n;
  const exact = n * (1 - ratio);
  let keep: number;
  if (roundTo > 1) keep = n <= roundTo ? n : Math.min(n, Math.max(roundTo, roundTo * Math.round(exact / roundTo + 1e-9)));
  else keep = Math.max(1, Math.round(exact + 1e-9));
  return Math.max(keep, n - prunable);
}

/**
 * The segments of each group: classes that belong to the same parts of every channel Split/Slice (one segment
 * when the group is never split). Keyed by group id; segments in class order.
 */
export function groupSegments(dg: DependencyGraph): number[][][] {
  const { trace } = dg;
  const signature: string[] = new Array<string>(trace.classCount).fill('');
  trace.edits.forEach((edit, k) => {
    partsOf(edit).forEach((part, p) => {
      for (const c of new Set(Array.from(part, (x) => trace.classOf[x]!))) signature[c] += `${k}.${p},`;
    });
  });
  return dg.groups.map((g) => {
    const bySig = new Map<string, number[]>();
    for (const c of g.classes) {
      const key = signature[c]!;
      const seg = bySig.get(key);
      if (seg) seg.push(c);
      else bySig.set(key, [c]);
    }
    return [...bySig.values()];
  });
}

/** The element lists an edit cuts a tensor into: Split outputs, a Slice's range, each group of a grouped conv. */
function partsOf(edit: NodeEdit): Int32Array[] {
  if (edit.kind === 'split') return edit.maps;
  if (edit.kind === 'slice') return [edit.input.subarray(edit.start, edit.end)];
  if (edit.kind === 'grouped') return edit.maps.flatMap((m) => blocksOf(m, edit.groups));
  return [];
}

/** `m` cut into `groups` equal consecutive blocks. */
function blocksOf(m: Int32Array, groups: number): Int32Array[] {
  const per = m.length / groups;
  return Array.from({ length: groups }, (_, b) => m.subarray(b * per, (b + 1) * per));
}

/** `removed[c] = 1` for every class to remove. Deterministic: ties break on class id. */
export function selectRemoval(dg: DependencyGraph, importance: Float64Array, options: SelectOptions, segments: number[][][] = groupSegments(dg)): Uint8Array {
  const { trace } = dg;
  const removed = new Uint8Array(trace.classCount);
  for (const g of dg.groups) {
    const ratio = options.ratioOf(g);
    if (!(ratio > 0) || g.prunable === 0) continue;
    const parts = segments[g.id] ?? [g.classes];
    let kept = 0;
    const choices = parts.map((seg) => {
      const candidates = seg.filter((c) => !trace.pinnedClass[c]);
      const keep = keptCount(seg.length, candidates.length, ratio, options.roundTo ?? 1);
      kept += keep;
      return { candidates, cut: seg.length - keep };
    });
    if (kept === 0) continue; // never every channel of a group
    for (const { candidates, cut } of choices) {
      if (cut <= 0) continue;
      candidates.sort((a, b) => importance[a]! - importance[b]! || a - b);
      for (const c of candidates.slice(0, cut)) removed[c] = 1;
    }
  }
  // No traced tensor may lose all its channels (give back its most important class), and every group of a
  // grouped conv keeps the same count (give back the most important classes of the blocks that lost more).
  const grouped = trace.edits.filter((e) => e.kind === 'grouped');
  for (let changed = true; changed;) {
    changed = false;
    for (const e of grouped) if (evenBlocks(e.maps, e.groups, trace.classOf, importance, removed)) changed = true;
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

/** Restore removed classes until every block of each map keeps as many channels as the best; true if any was restored. */
function evenBlocks(maps: readonly Int32Array[], groups: number, classOf: Int32Array, importance: Float64Array, removed: Uint8Array): boolean {
  let restored = false;
  for (const m of maps) {
    const blocks = blocksOf(m, groups);
    const keptIn = (block: Int32Array) => block.reduce((n, x) => n + (removed[classOf[x]!] ? 0 : 1), 0);
    const max = Math.max(...blocks.map(keptIn));
    for (const block of blocks) {
      const back = [...new Set(Array.from(block, (x) => classOf[x]!))].filter((c) => removed[c])
        .sort((x, y) => importance[y]! - importance[x]! || x - y);
      for (const c of back) {
        if (keptIn(block) >= max) break;
        removed[c] = 0;
        restored = true;
      }
    }
  }
  return restored;
}
