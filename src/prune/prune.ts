/**
 * Unstructured pruning of an ONNX model (pure: model in, new model and a named result out; the input is not
 * modified). Categorise (plan) → allocate (counts) → cut (masks), then value-only edits, so the written file
 * differs from the input only in weight bytes.
 */
import type { Tensor } from '../core/dtype.js';
import { isFloatDType } from '../core/dtype.js';
import { UnsupportedOpError } from '../core/errors.js';
import { countNonZero, indexGraph, listLayers, modulePathFromNodeName, paramTensorNames, resolveIdentity, type ClassSource, type GraphIndex, type WeightLayer } from '../graph/index.js';
import { nameRuleSource } from '../graph/name-rules.js';
import { checkYamlAgainstModel, classSourceFromMetadata, type YamlClassSource } from '../graph/yaml-source.js';
import { isExternal, readTensor, withTensorValues, type OnnxModel } from '../io/onnx/bytes.js';
import { allocatePlan, checkAllocationOptions } from './allocate-plan.js';
import { categorise, layerChains, type Plan } from './categorise.js';
import { findHead } from './head.js';
import type { Criterion } from './importance.js';
import { nmMask, nmSkipReason, type NmPattern } from './nm.js';
import type { Preset } from './preset.js';
import { categoryRows, initialRow, totalsOf, type PruneLayerRow, type PruneResult } from './result.js';
import { applyMask, selectSmallest, zeroInPlace, zeroSmallest } from './select.js';

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

/**
 * The model's parameters (the same tensors `inspect` counts as "all params": {@link paramTensorNames}) and how
 * many are zero (weight layers from the inventory's counts).
 */
function floatCensus(g: GraphIndex, model: OnnxModel, layers: readonly WeightLayer[]): { params: number; zeros: number } {
  let params = 0, zeros = 0;
  const seen = new Set<string>();
  for (const l of layers) {
    const name = resolveIdentity(g, l.id);
    if (seen.has(name)) continue; // one weight shared by several layers counts once
    seen.add(name);
    if (!isFloatDType(l.dtype)) continue;
    params += l.params;
    zeros += l.params - l.nonZero;
  }
  for (const name of paramTensorNames(model, g, layers)) {
    const ref = g.constants.get(name);
    if (!ref || seen.has(ref.name)) continue;
    const v = readTensor(ref.proto, model.external);
    params += v.data.length;
    zeros += v.data.length - countNonZero(v);
  }
  return { params, zeros };
}

/** Plan the prune: class chains, head, categories. Checks yaml sources against the model. */
export function planPrune(model: OnnxModel, layers: readonly WeightLayer[], g: GraphIndex, options: PruneOptions): Plan {
  const props: Record<string, string> = {};
  for (const p of model.proto.metadataProps) props[p.key] = p.value;
  const { source: meta, problems } = classSourceFromMetadata(props);
  const sources = [...(options.classSources ?? []), ...(meta ? [meta] : []), nameRuleSource(options.preset.nameRules)];
  const yaml = sources.find(isYaml);
  if (yaml) {
    const nodePaths = g.nodes.map((n) => modulePathFromNodeName(n.name)).filter((p): p is string => p !== undefined);
    checkYamlAgainstModel(yaml.spec, { nodePaths, weightPaths: layers.map((l) => l.modulePath) }, yaml.origin, model.path ? `'${model.path}'` : 'the model');
  }
  const chains = new Map([...layerChains(layers, sources)].map(([id, c]) => [id, c.chain]));
  const head = findHead({ layers, chains, headClasses: options.preset.head.classes, yamlLayerCount: yaml?.spec.layers.length, graph: g });
  const plan = categorise(layers, options.preset, { sources, head, pruneHead: options.pruneHead ?? false });
  return problems.length > 0 ? { ...plan, warnings: problems.map((p) => `${p}; not used as a class source`) } : plan;
}

/** Everything decided before any weight is cut: plan, counts, and a reader for the weights. */
export interface PreparedPrune {
  graph: GraphIndex;
  layers: WeightLayer[];
  plan: Plan;
  /** Elements to zero per plan entry (unused with N:M). */
  counts: number[];
  factor: number | undefined;
  /** Set when the target was already reached: nothing is cut. */
  note: string | undefined;
  scope: 'layer' | 'global';
  criterion: Criterion;
  /** Decoded weights of a layer (cached for global scores, read on demand otherwise). */
  tensorOf(layer: WeightLayer): Tensor;
  /** Drop a cached tensor once its layer is cut. */
  release(layer: WeightLayer): void;
  /**
   * Decode a layer's weights into one reused scratch buffer (float32/16/bf16 raw data only), for callers that
   * consume each layer's new values before cutting the next (the streaming writer). Undefined otherwise.
   */
  scratchOf(layer: WeightLayer): Tensor | undefined;
}

/** Categorise and allocate (no weight is modified). */
export function preparePrune(model: OnnxModel, options: PruneOptions): PreparedPrune {
  const scope = options.scope ?? 'layer';
  const criterion = options.criterion ?? 'l1';
  checkAllocationOptions({ ...options, scope });
  const g = indexGraph(model);
  const layers = listLayers(model, g, { macs: false });
  const what = model.path ? `'${model.path}'` : 'the model';
  if (!layers.some((l) => isFloatDType(l.dtype))) {
    const kinds = [...new Set(layers.map((l) => l.dtype))].join(', ') || 'none';
    throw new UnsupportedOpError(`${what}: no prunable float weights (${layers.length} weight layers, dtypes: ${kinds}); prunekit prunes float32/float16/bfloat16/float64 Conv/Gemm/MatMul weights`, model.path);
  }
  const plan = planPrune(model, layers, g, options);
  const tensors = new Map<string, Tensor>();
  const tensorOf = (l: WeightLayer) => tensors.get(l.id) ?? readTensor(g.constants.get(l.id)!.proto, model.external);
  // Global scope scores every layer up front: keep those tensors for the cut.
  const { counts, factor, note } = allocatePlan(plan, { ...options, scope, criterion }, (l) => {
    const t = tensorOf(l);
    tensors.set(l.id, t);
    return t;
  });
  let scratch = new ArrayBuffer(0);
  const scratchOf = (l: WeightLayer): Tensor | undefined => {
    const proto = g.constants.get(l.id)!.proto;
    const size = l.dtype === 'float32' ? 4 : l.dtype === 'float16' || l.dtype === 'bfloat16' ? 2 : 0;
    if (size === 0 || tensors.has(l.id) || isExternal(proto) || proto.rawData.length < l.params * size) return undefined;
    if (scratch.byteLength < l.params * size) scratch = new ArrayBuffer(l.params * size);
    new Uint8Array(scratch, 0, l.params * size).set(proto.rawData.subarray(0, l.params * size));
    const data = size === 4 ? new Float32Array(scratch, 0, l.params) : new Uint16Array(scratch, 0, l.params);
    return { dtype: l.dtype, dims: l.dims, data };
  };
  return { graph: g, layers, plan, counts, factor, note, scope, criterion, tensorOf, release: (l) => void tensors.delete(l.id), scratchOf };
}

export interface LayerCut {
  row: PruneLayerRow;
  /** New values, when the layer changes (not for protected/skipped layers or dry runs). */
  values: Tensor | undefined;
}

/**
 * Cut one plan entry: the layer's new values and its report row. `owned`: the decoded tensor may be mutated.
 * `reuse`: the values may live in a scratch buffer that the next call overwrites.
 */
export function cutLayer(prep: PreparedPrune, index: number, options: Pick<PruneOptions, 'nm' | 'dryRun'>, owned: (t: Tensor) => boolean, reuse = false): LayerCut {
  const e = prep.plan.entries[index]!;
  const l = e.layer;
  const row = initialRow(e);
  const zerosBefore = row.zerosBefore;
  if (e.protected) return { row, values: undefined };
  let mask: Uint8Array | undefined;
  if (options.nm) {
    mask = nmMask(prep.tensorOf(l), l, options.nm);
    if (!mask) {
      row.skipped = nmSkipReason(l, options.nm) ?? `reduction size not a multiple of ${options.nm.m}`;
      return { row, values: undefined };
    }
    row.ratio = (options.nm.m - options.nm.n) / options.nm.m;
  } else {
    const k = prep.counts[index]!;
    row.ratio = k / l.params;
    // The k smallest |w| include every existing zero when k ≥ zeros, so the layer ends with max(k, zeros) zeros.
    if (k <= zerosBefore || options.dryRun) { row.zerosAfter = Math.max(k, zerosBefore); return { row, values: undefined }; }
    const scratch = reuse ? prep.scratchOf(l) : undefined;
    if (scratch) {
      const values = zeroSmallest(scratch, k);
      row.zerosAfter = l.params - countNonZero(values);
      return { row, values };
    }
    mask = selectSmallest(prep.tensorOf(l), k);
  }
  const t = prep.tensorOf(l);
  const values = owned(t) ? zeroInPlace(t, mask) : applyMask(t, mask);
  prep.release(l);
  row.zerosAfter = l.params - countNonZero(values);
  return { row, values: options.dryRun ? undefined : values };
}

/** The named result from the report rows. */
export function pruneResult(model: OnnxModel, prep: PreparedPrune, rows: PruneLayerRow[], options: PruneOptions): PruneResult {
  return {
    plan: prep.plan,
    options: { preset: options.preset.name, criterion: prep.criterion, scope: prep.scope, target: options.target, nm: options.nm ? `${options.nm.n}:${options.nm.m}` : undefined, pruneHead: options.pruneHead ?? false },
    factor: prep.factor,
    notes: prep.note ? [prep.note] : [],
    layers: rows,
    categories: categoryRows(rows),
    totals: totalsOf(rows, floatCensus(prep.graph, model, prep.layers), options.target),
    skipped: rows.filter((r) => r.skipped !== undefined).map((r) => ({ id: r.id, reason: r.skipped! })),
  };
}

/** True when a decoded tensor is a private copy (not a view into the model's source bytes). */
export function ownedBy(model: OnnxModel): (t: Tensor) => boolean {
  return (t) => !model.source || t.data.buffer !== model.source.buffer;
}

export function pruneModel(model: OnnxModel, options: PruneOptions): PruneOutcome {
  const prep = preparePrune(model, options);
  const entries = prep.plan.entries;
  const rows: PruneLayerRow[] = [];
  const owned = ownedBy(model);
  let out = model;
  let batch = new Map<string, Tensor>();
  let batchBytes = 0;
  const flush = () => {
    if (batch.size > 0) out = withTensorValues(out, batch);
    batch = new Map();
    batchBytes = 0;
  };
  entries.forEach((e, i) => {
    const { row, values } = cutLayer(prep, i, options, owned);
    rows.push(row);
    if (values) {
      batch.set(e.layer.id, values);
      batchBytes += values.data.byteLength;
      if (batchBytes > 8 << 20) flush();
    }
    options.onProgress?.({ done: i + 1, total: entries.length, label: e.layer.modulePath });
  });
  flush();
  return { model: out, result: pruneResult(model, prep, rows, options) };
}
