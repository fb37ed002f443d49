/**
 * Unstructured pruning of an ONNX model (pure: model in, new model and a named result out; the input is not
 * modified). Categorise (plan) → allocate (counts) → cut (masks), then value-only edits, so the written file
 * differs from the input only in weight bytes.
 */
import type { Tensor } from '../core/dtype.js';
import { isFloatDType } from '../core/dtype.js';
import { UnsupportedOpError, UsageError } from '../core/errors.js';
import { countNonZero, indexGraph, listLayers, modulePathFromNodeName, type ClassSource, type GraphIndex, type WeightLayer } from '../graph/index.js';
import { nameRuleSource } from '../graph/name-rules.js';
import { checkYamlAgainstModel, classSourceFromMetadata, type YamlClassSource } from '../graph/yaml-source.js';
import { readTensor, withTensorValues, type OnnxModel } from '../io/onnx/index.js';
import { checkFraction, presetAllocation, targetAllocation, type Budget } from './allocate.js';
import { categorise, layerChains, type Plan } from './categorise.js';
import { globalCounts } from './global.js';
import { findHead } from './head.js';
import { DEFAULT_ALPHA, scoreLayer, type Criterion } from './importance.js';
import { nmMask, type NmPattern } from './nm.js';
import type { Preset } from './preset.js';
import { categoryRows, totalsOf, type PruneLayerRow, type PruneResult } from './result.js';
import { applyMask, selectSmallest, zeroInPlace } from './select.js';

export interface PruneProgress { done: number; total: number; label?: string }

export interface PruneOptions {
  preset: Preset;
  /** Class sources, best first (yaml, .pt tree, …). Name rules (the preset's) are always consulted last. */
  classSources?: readonly ClassSource[];
  criterion?: Criterion;
  /** α of l1l2 (default 0.7). */
  alpha?: number;
  scope?: 'layer' | 'global';
  /** Sparsity over prunable weights to reach, in [0, 1). */
  target?: number;
  nm?: NmPattern;
  pruneHead?: boolean;
  /** Plan and count only; the returned model is the input. */
  dryRun?: boolean;
  onProgress?: (p: PruneProgress) => void;
}

export interface PruneOutcome {
  /** The pruned model (the input model itself for a dry run or when nothing changes). */
  model: OnnxModel;
  result: PruneResult;
}

function isYaml(s: ClassSource): s is YamlClassSource {
  return (s.kind === 'yaml' || s.kind === 'onnx-metadata') && 'spec' in s;
}

/** Every float element of the model and how many are zero (weight layers from the inventory's counts). */
function floatCensus(g: GraphIndex, model: OnnxModel, layers: readonly WeightLayer[]): { params: number; zeros: number } {
  let params = 0, zeros = 0;
  const seen = new Set<string>();
  for (const l of layers) {
    seen.add(l.id);
    if (!isFloatDType(l.dtype)) continue;
    params += l.params;
    zeros += l.params - l.nonZero;
  }
  for (const ref of g.constants.values()) {
    const t = ref.proto;
    if (seen.has(ref.name) || (t.dataType !== 1 && t.dataType !== 10 && t.dataType !== 11 && t.dataType !== 16)) continue;
    const v = readTensor(t, model.external);
    params += v.data.length;
    zeros += v.data.length - countNonZero(v);
  }
  return { params, zeros };
}

/** Plan the prune: class chains, head, categories. Checks yaml sources against the model. */
export function planPrune(model: OnnxModel, layers: readonly WeightLayer[], g: GraphIndex, options: PruneOptions): Plan {
  const props: Record<string, string> = {};
  for (const p of model.proto.metadataProps) props[p.key] = p.value;
  const meta = classSourceFromMetadata(props);
  const sources = [...(options.classSources ?? []), ...(meta ? [meta] : []), nameRuleSource(options.preset.nameRules)];
  const yaml = sources.find(isYaml);
  if (yaml) {
    const nodePaths = g.nodes.map((n) => modulePathFromNodeName(n.name)).filter((p): p is string => p !== undefined);
    checkYamlAgainstModel(yaml.spec, { nodePaths, weightPaths: layers.map((l) => l.modulePath) }, yaml.origin, model.path ? `'${model.path}'` : 'the model');
  }
  const chains = new Map([...layerChains(layers, sources)].map(([id, c]) => [id, c.chain]));
  const head = findHead({ layers, chains, headClasses: options.preset.head.classes, yamlLayerCount: yaml?.spec.layers.length, graph: g });
  return categorise(layers, options.preset, { sources, head, pruneHead: options.pruneHead ?? false });
}

export function pruneModel(model: OnnxModel, options: PruneOptions): PruneOutcome {
  const scope = options.scope ?? 'layer';
  const criterion = options.criterion ?? 'l1';
  if (options.target !== undefined) checkFraction(options.target, '--target');
  if (options.nm && (options.target !== undefined || scope === 'global')) throw new UsageError('--nm fixes the sparsity of every layer; it cannot be combined with --target or --scope global');
  const g = indexGraph(model);
  const layers = listLayers(model, g);
  const what = model.path ? `'${model.path}'` : 'the model';
  if (!layers.some((l) => isFloatDType(l.dtype))) {
    const kinds = [...new Set(layers.map((l) => l.dtype))].join(', ') || 'none';
    throw new UnsupportedOpError(`${what}: no prunable float weights (${layers.length} weight layers, dtypes: ${kinds}); prunekit prunes float32/float16/bfloat16/float64 Conv/Gemm/MatMul weights`, model.path);
  }
  const plan = planPrune(model, layers, g, options);
  const tensors = new Map<string, Tensor>();
  const tensorOf = (l: WeightLayer) => {
    let t = tensors.get(l.id);
    if (!t) tensors.set(l.id, (t = readTensor(g.constants.get(l.id)!.proto, model.external)));
    return t;
  };
  const budgets: Budget[] = plan.entries.map((e) => ({ n: e.layer.params, zeros: e.layer.params - e.layer.nonZero, ratio: e.ratio, max: e.max, protected: e.protected }));
  let counts: number[];
  let factor: number | undefined;
  if (options.nm) {
    counts = budgets.map(() => 0);
    factor = undefined;
  } else if (scope === 'global') {
    const want = options.target !== undefined ? Math.round(options.target * budgets.reduce((s, b) => s + (b.protected ? 0 : b.n), 0)) : presetAllocation(budgets).zerosAfter;
    const scores = plan.entries.map((e) => (e.protected || e.ratio <= 0 ? undefined : scoreLayer(tensorOf(e.layer), criterion, options.alpha ?? DEFAULT_ALPHA)));
    counts = globalCounts(budgets, scores, want);
    factor = undefined;
  } else {
    const alloc = options.target !== undefined ? targetAllocation(budgets, options.target) : presetAllocation(budgets);
    counts = alloc.counts;
    factor = alloc.factor;
  }
  const rows: PruneLayerRow[] = [];
  const skipped: { id: string; reason: string }[] = [];
  let out = model;
  let batch = new Map<string, Tensor>();
  let batchBytes = 0;
  const flush = () => {
    if (batch.size > 0) out = withTensorValues(out, batch);
    batch = new Map();
    batchBytes = 0;
  };
  plan.entries.forEach((e, i) => {
    const l = e.layer;
    const zerosBefore = l.params - l.nonZero;
    const row: PruneLayerRow = {
      id: l.id, modulePath: l.modulePath, classChain: e.classChain, classSource: e.classSource, category: e.category, rule: e.rule,
      opType: l.opType, dtype: l.dtype, dims: l.dims, protected: e.protected, presetRatio: e.ratio, ratio: 0, params: l.params,
      zerosBefore, zerosAfter: zerosBefore,
    };
    rows.push(row);
    if (e.protected) return;
    let mask: Uint8Array | undefined;
    if (options.nm) {
      mask = nmMask(tensorOf(l), l, options.nm);
      if (!mask) {
        const reason = `reduction size not a multiple of ${options.nm.m}`;
        row.skipped = reason;
        skipped.push({ id: l.id, reason });
        return;
      }
      row.ratio = (options.nm.m - options.nm.n) / options.nm.m;
    } else {
      const k = counts[i]!;
      row.ratio = k / l.params;
      if (k <= zerosBefore) { row.zerosAfter = zerosBefore; return; }
      if (options.dryRun) { row.zerosAfter = k; return; }
      mask = selectSmallest(tensorOf(l), k);
    }
    const t = tensorOf(l);
    // Zero in place when the decoded values are already a private copy (unaligned raw_data), else copy first.
    const owned = !model.source || t.data.buffer !== model.source.buffer;
    const pruned = owned ? zeroInPlace(t, mask) : applyMask(t, mask);
    row.zerosAfter = l.params - countNonZero(pruned);
    tensors.delete(l.id);
    if (options.dryRun) return;
    batch.set(l.id, pruned);
    batchBytes += pruned.data.byteLength;
    if (batchBytes > 8 << 20) flush();
    options.onProgress?.({ done: i + 1, total: plan.entries.length, label: l.modulePath });
  });
  flush();
  options.onProgress?.({ done: plan.entries.length, total: plan.entries.length });
  const result: PruneResult = {
    plan,
    options: { preset: options.preset.name, criterion, scope, target: options.target, nm: options.nm ? `${options.nm.n}:${options.nm.m}` : undefined, pruneHead: options.pruneHead ?? false },
    factor,
    layers: rows,
    categories: categoryRows(rows),
    totals: totalsOf(rows, floatCensus(g, model, layers), options.target),
    skipped,
  };
  return { model: out, result };
}
