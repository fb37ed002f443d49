/**
 * "Categorise layers" (pure): every weight layer gets its class chain (from the best class source that knows
 * it), a category and the rule that decided it, a ratio, and whether it is protected. Shared with structured
 * pruning; it neither scores nor cuts.
 */
import type { ClassSource, ClassSourceKind, WeightLayer } from '../graph/index.js';
import { classNameOf } from '../graph/yaml-source.js';
import { isFloatDType } from '../core/dtype.js';
import type { HeadInfo } from './head.js';
import { DEFAULT_MAX, describeRule, type MatchRule, type Preset } from './preset.js';

export interface PlanEntry {
  layer: WeightLayer;
  /** Class chain outermost first (normalised class names); empty when no source knows the path. */
  classChain: readonly string[];
  /** Which class source gave the chain ('none' when none did). */
  classSource: ClassSourceKind | 'none';
  category: string;
  /** Why: `class TokenC3|LSConv|LSGhostBottleneck`, `default`, `head: class Detect (model.32)`, … */
  rule: string;
  /** The preset's ratio for this layer (before any `--target` scaling); 0 when protected. */
  ratio: number;
  /** Cap of the ratio under `--target` scaling. */
  max: number;
  protected: boolean;
  head: boolean;
}

export interface Plan {
  preset: string;
  /** The class sources consulted, best first. */
  classSources: readonly { kind: ClassSourceKind; description: string }[];
  head: { method: HeadInfo['method']; detail: string; pruned: boolean };
  entries: PlanEntry[];
  /** Problems met while planning that did not stop it (e.g. a model yaml in the metadata that does not parse). */
  warnings?: string[];
}

/** Class chain of a path from the first source that knows it; class names lose module prefixes. */
export function resolveChain(sources: readonly ClassSource[], modulePath: string): { chain: readonly string[]; kind: ClassSourceKind | 'none' } {
  for (const s of sources) {
    const chain = s.classChain(modulePath);
    if (chain && chain.length > 0) return { chain: chain.map(classNameOf), kind: s.kind };
  }
  return { chain: [], kind: 'none' };
}

export function ruleMatches(rule: MatchRule, layer: WeightLayer, chain: readonly string[]): boolean {
  if (rule.classes && !chain.some((c) => rule.classes!.includes(c))) return false;
  if (rule.path !== undefined && !new RegExp(rule.path).test(layer.modulePath)) return false;
  if (rule.op && !rule.op.includes(layer.opType)) return false;
  if (rule.depthwise !== undefined && rule.depthwise !== layer.depthwise) return false;
  return true;
}

export interface CategoriseOptions {
  sources: readonly ClassSource[];
  head: HeadInfo;
  pruneHead: boolean;
}

/** Chains of every layer (for head detection before categorising). */
export function layerChains(layers: readonly WeightLayer[], sources: readonly ClassSource[]): Map<string, { chain: readonly string[]; kind: ClassSourceKind | 'none' }> {
  return new Map(layers.map((l) => [l.id, resolveChain(sources, l.modulePath)]));
}

export function categorise(layers: readonly WeightLayer[], preset: Preset, options: CategoriseOptions): Plan {
  const chains = layerChains(layers, options.sources);
  const entries = layers.map((layer): PlanEntry => {
    const { chain, kind } = chains.get(layer.id)!;
    const base = { layer, classChain: chain, classSource: kind };
    if (!isFloatDType(layer.dtype)) {
      return { ...base, category: 'not-float', rule: `${layer.dtype} weights are not pruned`, ratio: 0, max: 0, protected: true, head: false };
    }
    if (options.head.layerIds.has(layer.id)) {
      const why = `head: ${options.head.detail}`;
      if (!options.pruneHead) return { ...base, category: 'head', rule: `${why} (protected; --prune-head to prune)`, ratio: 0, max: 0, protected: true, head: true };
      return { ...base, category: 'head', rule: `${why} (--prune-head)`, ratio: preset.head.ratio, max: preset.head.max ?? DEFAULT_MAX, protected: false, head: true };
    }
    for (const c of preset.categories) {
      const rule = c.rules.find((r) => ruleMatches(r, layer, chain));
      if (!rule) continue;
      const prot = c.protected === true;
      return { ...base, category: c.name, rule: describeRule(rule), ratio: prot ? 0 : c.ratio, max: prot ? 0 : c.max ?? DEFAULT_MAX, protected: prot, head: false };
    }
    return { ...base, category: preset.default.name, rule: 'default (no category matched)', ratio: preset.default.ratio, max: preset.default.max ?? DEFAULT_MAX, protected: false, head: false };
  });
  return {
    preset: preset.name,
    classSources: options.sources.map((s) => ({ kind: s.kind, description: s.description })),
    head: { method: options.head.method, detail: options.head.detail, pruned: options.pruneHead },
    entries,
  };
}
