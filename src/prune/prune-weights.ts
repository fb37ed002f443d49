/**
 * The format-independent core of unstructured pruning for weight files without a graph (`.pt`, safetensors):
 * layers + class sources + tensors in, plan, per-layer rows and new tensor values out. Same presets, head
 * protection, allocation (preset ratios, --target, --scope global, N:M) and exact smallest-k selection as ONNX.
 */
import { isFloatDType, type Tensor } from '../core/dtype.js';
import { UnsupportedOpError } from '../core/errors.js';
import { countNonZero, type ClassSource, type WeightLayer } from '../graph/index.js';
import { allocatePlan, checkAllocationOptions } from './allocate-plan.js';
import { categorise, layerChains, type Plan } from './categorise.js';
import type { HeadInfo } from './head.js';
import { nmMask, nmSkipReason } from './nm.js';
import type { PruneOptions } from './prune.js';
import { categoryRows, initialRow, totalsOf, type PruneLayerRow, type PruneResult } from './result.js';
import { applyMask, selectSmallest } from './select.js';

export interface WeightsToPrune {
  /** File name for messages. */
  label: string;
  layers: readonly WeightLayer[];
  /** Class sources, best first (name rules of the preset are appended). */
  sources: readonly ClassSource[];
  /** Values of a layer's weight (may be a view into the input: never modified). */
  tensorOf(layer: WeightLayer): Tensor;
  /** Every float element of the model and how many are zero. */
  census: { params: number; zeros: number };
}

export interface PrunedWeights {
  result: PruneResult;
  /** New values by layer id (empty for a dry run). */
  updates: Map<string, Tensor>;
}

function headOf(layers: readonly WeightLayer[], chains: ReadonlyMap<string, readonly string[]>, headClasses: readonly string[]): HeadInfo {
  const ids = new Set<string>();
  const found = new Set<string>();
  const where = new Set<string>();
  for (const l of layers) {
    const hit = chains.get(l.id)?.find((c) => headClasses.includes(c));
    if (!hit) continue;
    ids.add(l.id);
    found.add(hit);
    const top = /^model\.\d+/.exec(l.modulePath)?.[0];
    if (top) where.add(top);
  }
  if (ids.size === 0) return { method: 'none', detail: 'no head class found', layerIds: ids };
  return { method: 'class', detail: `class ${[...found].join(', ')}${where.size ? ` (${[...where].join(', ')})` : ''}`, layerIds: ids };
}


/** Plan and cut. Pure: the tensors given are read, never modified. */
export function pruneWeights(input: WeightsToPrune, options: PruneOptions): PrunedWeights {
  const { label, layers, tensorOf } = input;
  const scope = options.scope ?? 'layer';
  const criterion = options.criterion ?? 'l1';
  checkAllocationOptions({ ...options, scope });
  if (!layers.some((l) => isFloatDType(l.dtype))) throw new UnsupportedOpError(`${label}: no prunable float Conv/Linear weights`, label);
  const sources = input.sources;
  const chains = new Map([...layerChains(layers, sources)].map(([id, c]) => [id, c.chain]));
  const head = headOf(layers, chains, options.preset.head.classes);
  const plan: Plan = categorise(layers, options.preset, { sources, head, pruneHead: options.pruneHead ?? false });
  const { counts, factor, note } = allocatePlan(plan, { ...options, scope, criterion }, tensorOf);

  const rows: PruneLayerRow[] = [];
  const skipped: { id: string; reason: string }[] = [];
  const updates = new Map<string, Tensor>();
  plan.entries.forEach((e, i) => {
    const l = e.layer;
    const row = initialRow(e);
    const zerosBefore = row.zerosBefore;
    rows.push(row);
    if (e.protected) return;
    let mask: Uint8Array | undefined;
    if (options.nm) {
      mask = nmMask(tensorOf(l), l, options.nm);
      if (!mask) {
        row.skipped = nmSkipReason(l, options.nm) ?? `reduction size not a multiple of ${options.nm.m}`;
        skipped.push({ id: l.id, reason: row.skipped });
        return;
      }
      row.ratio = (options.nm.m - options.nm.n) / options.nm.m;
    } else {
      const k = counts[i]!;
      row.ratio = k / l.params;
      if (k <= zerosBefore) return;
      if (options.dryRun) { row.zerosAfter = k; return; }
      mask = selectSmallest(tensorOf(l), k);
    }
    const pruned = applyMask(tensorOf(l), mask);
    row.zerosAfter = l.params - countNonZero(pruned);
    if (!options.dryRun) updates.set(l.id, pruned);
    options.onProgress?.({ done: i + 1, total: plan.entries.length, label: l.modulePath });
  });
  options.onProgress?.({ done: plan.entries.length, total: plan.entries.length });
  const result: PruneResult = {
    plan,
    options: { preset: options.preset.name, criterion, scope, target: options.target, nm: options.nm ? `${options.nm.n}:${options.nm.m}` : undefined, pruneHead: options.pruneHead ?? false },
    factor,
    notes: note ? [note] : [],
    layers: rows,
    categories: categoryRows(rows),
    totals: totalsOf(rows, input.census, options.target),
    skipped,
  };
  return { result, updates };
}
