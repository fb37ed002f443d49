/**
 * Structured channel pruning of an ONNX model: trace dependency groups, score channels, choose what to remove
 * (per-group ratio or a global params/MACs target), apply, and report. Pure: returns a new model.
 */
import { UsageError } from '../../core/errors.js';
import type { ChannelRoot, DependencyGraph, DependencyGroup, TraceOptions } from '../../graph/deps/index.js';
import { groupChannels, traceChannels } from '../../graph/deps/index.js';
import { indexGraph, type ShapeOptions } from '../../graph/index.js';
import type { OnnxModel } from '../../io/onnx/bytes.js';
import { applyChannelRemoval } from './apply.js';
import { compensateRemoval, type CompensationReport } from './compensate.js';
import type { ChannelStats } from './channel-stats.js';
import { reconstructRemoval, type ReconstructionReport } from './reconstruct.js';
import { removedWeights, weightShrinks } from './estimate.js';
import { activationImportance } from './data-importance.js';
import { channelImportance, type ImportanceOptions } from './importance.js';
import { groupSegments, keptCount, selectRemoval } from './policy.js';
import { modelMacs, weightParams, type MacsInfo } from './weights.js';

export interface StructuredOptions extends TraceOptions, ImportanceOptions {
  /** Fraction of each group's channels to remove (default 0.3 unless `ratioOf` or `target` is given). */
  ratio?: number;
  /** Per-layer ratio (e.g. from a category preset); a group takes the smallest ratio of its roots. */
  ratioOf?: (root: ChannelRoot) => number | undefined;
  /** Remove this fraction of the model's weight parameters (or MACs) instead of a per-group ratio. */
  target?: number;
  targetKind?: 'params' | 'macs';
  /** Sizes for dynamic input dims when computing MACs (default: model metadata, else 640, batch 1). */
  shapes?: ShapeOptions;
  /** Kept channel counts stay multiples of this (default 1). */
  roundTo?: number;
  /** Fold the constant each removed channel carries into its consumers' biases (default true). */
  compensate?: boolean;
  /** Calibration statistics: refit the plain convs that lose input channels (see reconstruct.ts); others get bias compensation. */
  calibration?: ChannelStats;
  /** With `calibration`: score channels by the signal they send to their consumers (default true; data-importance.ts). */
  dataImportance?: boolean;
  /**
   * How a `target` is spread (default 'group'): 'group' scales every group's ratio by one factor; 'global' removes
   * the channels whose importance relative to their group's mean falls below one threshold, so groups that carry
   * little lose more and sensitive ones (residual streams) little or nothing — at most `maxRatio` of any group.
   */
  scope?: 'group' | 'global';
  /** Largest fraction of one group removed in 'global' scope (default 0.75). */
  maxRatio?: number;
}

export interface GroupReport {
  id: number;
  /** Module path (or node name) of the first root conv. */
  root: string;
  roots: string[];
  members: number;
  channelsBefore: number;
  channelsAfter: number;
  /** Channels that cannot be removed (pinned by a barrier). */
  pinned: number;
  barriers: string[];
}

export interface StructuredReport {
  groups: GroupReport[];
  /** Every barrier met, `op 'node': reason`, once. */
  barriers: string[];
  params: { before: number; after: number };
  macs: { before: number; after: number };
  channels: { before: number; after: number };
  /** Ratio used (the searched uniform ratio in target mode). */
  ratio: number | undefined;
  /** Set when nothing could be pruned (the model is returned unchanged). */
  message: string | undefined;
  /** Bias compensation of the removed channels (undefined when disabled or nothing was removed). */
  compensation: CompensationReport | undefined;
  /** Data-driven reconstruction (undefined without calibration or when nothing was removed). */
  reconstruction: ReconstructionReport | undefined;
}

export interface StructuredResult { model: OnnxModel; report: StructuredReport; graph: DependencyGraph }

const rootName = (r: ChannelRoot) => r.modulePath || r.nodeName || r.weight;

/**
 * Bisection for a target: the largest knob value whose removal stays within the target fraction of params (or
 * MACs). 'group' scope: the knob scales every group's base ratio; 'global': it is the threshold on importance
 * relative to the group's mean below which channels go (capped at `maxRatio` of a group).
 */
function searchTarget(model: OnnxModel, dg: DependencyGraph, importance: Float64Array, options: StructuredOptions, base: (g: DependencyGroup) => number, macs: MacsInfo) {
  const kind = options.targetKind ?? 'params';
  const shrinks = weightShrinks(model, dg);
  const weight = (t: string) => (kind === 'macs' ? macs.perWeightElement.get(t) ?? 0 : 1);
  const total = kind === 'macs' ? macs.total : weightParams(model);
  const segments = groupSegments(dg);
  const global = options.scope === 'global';
  let ratioAt: (knob: number) => (g: DependencyGroup) => number;
  let hi: number;
  if (global) {
    const rel = relativeImportance(dg, importance);
    const cap = options.maxRatio ?? 0.75;
    ratioAt = (t) => (gr) => Math.min(cap, gr.classes.filter((c) => !dg.trace.pinnedClass[c] && rel[c]! < t).length / gr.classes.length);
    hi = Math.max(1, ...rel) + 1;
  } else {
    ratioAt = (s) => (g) => Math.min(0.95, s * base(g));
    const positive = dg.groups.map(base).filter((b) => b > 0);
    hi = positive.length > 0 ? 0.95 / Math.min(...positive) : 1;
  }
  const at = (knob: number) => {
    const removed = selectRemoval(dg, importance, { ratioOf: ratioAt(knob), roundTo: options.roundTo }, segments);
    let r = 0;
    for (const [t, n] of removedWeights(shrinks, dg, removed)) r += n * weight(t);
    return { removed, fraction: total > 0 ? r / total : 0 };
  };
  let lo = 0;
  let best = at(0);
  for (let k = 0; k < (global ? 30 : 20); k++) {
    const mid = (lo + hi) / 2;
    const next = at(mid);
    if (next.fraction <= options.target!) { lo = mid; best = next; } else hi = mid;
  }
  return { removed: best.removed, ratio: global ? undefined : lo };
}

/** Importance of each class divided by the mean over its group (comparable across groups; 1 = average). */
function relativeImportance(dg: DependencyGraph, importance: Float64Array): Float64Array {
  const rel = new Float64Array(importance.length);
  for (const gr of dg.groups) {
    let sum = 0;
    for (const c of gr.classes) sum += importance[c]!;
    const mean = sum / Math.max(1, gr.classes.length);
    for (const c of gr.classes) rel[c] = mean > 0 ? importance[c]! / mean : 1;
  }
  return rel;
}

/** Prune whole channels. Never throws for unprunable graphs: returns the model unchanged with a message. */
/** UsageError for options pruneChannels cannot take (callers check before slow work such as a calibration pass). */
export function checkStructuredOptions(options: Pick<StructuredOptions, 'ratio' | 'target' | 'roundTo' | 'scope'>): void {
  for (const [flag, v] of [['ratio', options.ratio], ['target', options.target]] as const) {
    if (v !== undefined && !(v >= 0 && v < 1)) throw new UsageError(`--${flag} ${v}: expected a fraction in [0, 1)`);
  }
  if (options.roundTo !== undefined && !(Number.isInteger(options.roundTo) && options.roundTo >= 1)) throw new UsageError(`--round-to ${options.roundTo}: expected a positive integer`);
  if (options.scope === 'global' && options.target === undefined) throw new UsageError('--scope global spreads a --target over the groups; pass --target F (and --target-kind macs|params)');
}

export function pruneChannels(model: OnnxModel, options: StructuredOptions = {}): StructuredResult {
  checkStructuredOptions(options);
  const ratio = options.ratio ?? (options.ratioOf || options.target !== undefined ? undefined : 0.3);
  const g = indexGraph(model);
  const dg = groupChannels(traceChannels(model, options, g));
  const { trace } = dg;
  const weightImportance = channelImportance(model, dg, options);
  const importance = options.calibration && options.dataImportance !== false ? activationImportance(model, dg, options.calibration, weightImportance, g) : weightImportance;
  const base = (gr: DependencyGroup) => {
    if (!options.ratioOf) return ratio ?? 1;
    const rs = gr.roots.map((r) => options.ratioOf!(trace.roots[r]!) ?? ratio ?? 0);
    return Math.min(...rs);
  };
  let removed: Uint8Array;
  let used = ratio;
  const macsBefore = modelMacs(model, g, options.shapes);
  if (options.target !== undefined) ({ removed, ratio: used } = searchTarget(model, dg, importance, options, options.ratioOf ? base : () => 1, macsBefore));
  else removed = selectRemoval(dg, importance, { ratioOf: base, roundTo: options.roundTo });
  const anyRemoved = removed.some((x) => x === 1);
  const prunableGroups = dg.groups.filter((gr) => gr.prunable > 0).length;
  const recon = anyRemoved && options.calibration ? reconstructRemoval(model, dg, removed, options.calibration, g) : undefined;
  const pre = recon ?? { model, graph: dg };
  const gPre = pre.model === model ? g : indexGraph(pre.model);
  const comp = anyRemoved && options.compensate !== false ? compensateRemoval(pre.model, pre.graph, removed, gPre) : undefined;
  const out = !anyRemoved ? model
    : comp && comp.model !== pre.model ? applyChannelRemoval(comp.model, comp.graph, removed) : applyChannelRemoval(pre.model, pre.graph, removed, gPre);
  const paramsBefore = weightParams(model, g);
  const outIndex = anyRemoved ? indexGraph(out) : g;
  const paramsAfter = anyRemoved ? weightParams(out, outIndex) : paramsBefore;
  const macsAfter = anyRemoved ? modelMacs(out, outIndex, options.shapes).total : macsBefore.total;
  const groups: GroupReport[] = dg.groups.map((gr) => {
    const kept = gr.classes.filter((c) => !removed[c]).length;
    return {
      id: gr.id, root: rootName(trace.roots[gr.roots[0]!]!), roots: gr.roots.map((r) => rootName(trace.roots[r]!)),
      members: gr.members.length, channelsBefore: gr.classes.length, channelsAfter: kept,
      pinned: gr.classes.length - gr.prunable, barriers: gr.barriers,
    };
  });
  const barriers = [...new Set(trace.barriers.map((b) => `${b.opType} '${b.nodeName}': ${b.reason}`))];
  let message: string | undefined;
  if (prunableGroups === 0) message = 'no prunable channel group: every channel reaches a barrier (see the barrier list); the model is unchanged';
  else if (!anyRemoved) message = 'nothing to remove at this ratio/target (groups too small or ratio 0); the model is unchanged';
  return {
    model: out, graph: dg,
    report: {
      groups, barriers, message, ratio: used, compensation: comp?.report, reconstruction: recon?.report,
      params: { before: paramsBefore, after: paramsAfter },
      macs: { before: macsBefore.total, after: macsAfter },
      channels: { before: trace.classCount, after: trace.classCount - removed.reduce((a, b) => a + b, 0) },
    },
  };
}

export { keptCount };
