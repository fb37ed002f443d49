/**
 * Search units of structured pruning: one per prunable channel dependency group (the same groups
 * `prune --structured` cuts). A candidate model is asked of prune/structured with a per-root ratio: the roots of
 * the units in the choice take their unit's ratio, every other root 0 — the search owns no pruning logic.
 */
import type { ChannelRoot, TraceOptions } from '../graph/deps/index.js';
import { groupChannels, traceChannels } from '../graph/deps/index.js';
import type { OnnxModel } from '../io/onnx/bytes.js';
import { pruneChannels, type ChannelStats, type StructuredOptions, type StructuredResult } from '../prune/structured/index.js';

export interface GroupUnit {
  /** `group 7 (model.5.layers.2)`-style stable key: `g<id>`. */
  id: string;
  kind: 'group';
  group: number;
  /** Module path (or node name) of the first root conv. */
  root: string;
  /** Module paths of every root conv (they all lose the same channels). */
  rootPaths: string[];
  /** Weight tensor names of the roots. */
  rootWeights: string[];
  channels: number;
  prunable: number;
}

const rootName = (r: ChannelRoot) => r.modulePath || r.nodeName || r.weight;

/** The prunable channel groups of `model`, as units (group order). */
export function groupUnits(model: OnnxModel, options: TraceOptions = {}): GroupUnit[] {
  const dg = groupChannels(traceChannels(model, options));
  return dg.groups.filter((g) => g.prunable > 0).map((g) => {
    const roots = g.roots.map((r) => dg.trace.roots[r]!);
    return {
      id: `g${g.id}`, kind: 'group', group: g.id, root: rootName(roots[0]!), rootPaths: roots.map((r) => r.modulePath),
      rootWeights: roots.map((r) => r.weight), channels: g.classes.length, prunable: g.prunable,
    };
  });
}

/** Per-root ratio of a choice (unit id → ratio): the `ratioOf` prune/structured takes. */
export function ratioOfChoice(units: readonly GroupUnit[], ratios: ReadonlyMap<string, number>): (root: ChannelRoot) => number {
  const byWeight = new Map<string, number>();
  for (const u of units) {
    const r = ratios.get(u.id);
    if (r !== undefined && r > 0) for (const w of u.rootWeights) byWeight.set(w, r);
  }
  return (root) => byWeight.get(root.weight) ?? 0;
}

export interface BuildOptions extends Omit<StructuredOptions, 'ratio' | 'ratioOf' | 'target' | 'calibration'> {
  /** Channel statistics from one calibration pass of the original (refit + data importance), or none. */
  calibration?: ChannelStats;
}

/** The model with each unit of `ratios` cut at its ratio (nothing else touched). */
export function buildCandidate(model: OnnxModel, units: readonly GroupUnit[], ratios: ReadonlyMap<string, number>, options: BuildOptions): StructuredResult {
  return pruneChannels(model, { ...options, ratioOf: ratioOfChoice(units, ratios) });
}
