/**
 * `.pt` → `.pt` unstructured pruning: the same plan (class chains from the checkpoint's own module tree,
 * presets, head protection, allocation, exact smallest-k selection) as ONNX pruning, applied to the Conv/Linear
 * weights of the checkpoint's model (`ema` when present, else `model`). Only the storage entries of the zeroed
 * weights change in the written file; data.pkl and every other entry stay byte-identical, fp16 stays fp16.
 * BatchNorm is not folded in a `.pt`: conv weights are pruned as they are.
 */
import { isFloatDType, numel, type Tensor } from '../core/dtype.js';
import { UnsupportedOpError, UsageError } from '../core/errors.js';
import { countNonZero, type ClassSource, type LayerOp, type WeightLayer, type WeightLayout } from '../graph/index.js';
import { classSourceFromModuleTree, moduleTreeFromCheckpoint } from '../graph/module-tree.js';
import { nameRuleSource } from '../graph/name-rules.js';
import { readCheckpoint, readCheckpointTensor, type PtCheckpoint } from '../io/pytorch/checkpoint.js';
import { selectModel, selectedStateDict, walkModules } from '../io/pytorch/modules.js';
import { PyDict } from '../io/pytorch/pickle-values.js';
import { dtypeOfStorage } from '../io/pytorch/tensors.js';
import { writeCheckpointWithWeights } from '../io/pytorch/write.js';
import { checkFraction, presetAllocation, targetAllocation, type Budget } from './allocate.js';
import { categorise, layerChains, type Plan } from './categorise.js';
import { globalCounts } from './global.js';
import type { HeadInfo } from './head.js';
import { DEFAULT_ALPHA, scoreLayer } from './importance.js';
import { nmMask } from './nm.js';
import type { PruneOptions } from './prune.js';
import { categoryRows, totalsOf, type PruneLayerRow, type PruneResult } from './result.js';
import { applyMask, selectSmallest } from './select.js';

/** Weight-bearing torch module classes → how prunekit treats their `weight`. */
const WEIGHT_MODULES: Readonly<Record<string, { op: LayerOp; layout: WeightLayout }>> = {
  Conv1d: { op: 'Conv', layout: 'conv' }, Conv2d: { op: 'Conv', layout: 'conv' }, Conv3d: { op: 'Conv', layout: 'conv' },
  ConvTranspose1d: { op: 'ConvTranspose', layout: 'convtranspose' }, ConvTranspose2d: { op: 'ConvTranspose', layout: 'convtranspose' },
  Linear: { op: 'Gemm', layout: 'nk' },
};

export interface CheckpointLayers {
  layers: WeightLayer[];
  /** Every float element of the selected model's state_dict and how many are zero. */
  census: { params: number; zeros: number };
}

/** Weight layers of a checkpoint's model: one per Conv/ConvTranspose/Linear module, id = its state_dict key. */
export function checkpointLayers(ckpt: PtCheckpoint): CheckpointLayers {
  const sel = selectModel(ckpt.root, ckpt.label);
  if (!sel.module) throw new UnsupportedOpError(`${ckpt.label}: ${sel.note}; .pt pruning needs the module tree (a checkpoint with 'model'/'ema')`, ckpt.label);
  const layers: WeightLayer[] = [];
  for (const m of walkModules(sel.module, ckpt.label)) {
    const kind = m.cls ? WEIGHT_MODULES[m.cls.name] : undefined;
    const weight = m.parameters.find((p) => p.name === 'weight');
    if (!kind || !weight) continue;
    const dtype = dtypeOfStorage(weight.ref.storageDType);
    if (!dtype) continue;
    const dims = weight.ref.shape;
    const state = m.obj.state instanceof PyDict ? m.obj.state : undefined;
    const groups = typeof state?.get('groups') === 'number' ? (state.get('groups') as number) : 1;
    const prefix = m.path ? `${m.path}.` : '';
    const t = readCheckpointTensor(ckpt, weight.ref);
    layers.push({
      id: `${prefix}weight`, nodeNames: [], modulePath: m.path, pathSource: 'tensor-name', opType: kind.op, layout: kind.layout,
      dims, dtype, groups, depthwise: groups > 1 && kind.layout === 'conv' && dims[1] === 1,
      biasId: m.parameters.some((p) => p.name === 'bias') ? `${prefix}bias` : undefined,
      params: numel(dims), nonZero: countNonZero(t), macs: undefined,
    });
  }
  let params = 0;
  let zeros = 0;
  const counted = new Map(layers.map((l) => [l.id, l]));
  for (const e of selectedStateDict(sel, ckpt.label)) {
    const d = dtypeOfStorage(e.ref.storageDType);
    if (!d || !isFloatDType(d)) continue;
    const known = counted.get(e.name);
    const n = numel(e.ref.shape);
    params += n;
    zeros += known ? known.params - known.nonZero : n - countNonZero(readCheckpointTensor(ckpt, e.ref));
  }
  return { layers, census: { params, zeros } };
}

export type PruneCheckpointOptions = Omit<PruneOptions, 'classSources'> & {
  /** File name for messages. */
  label?: string;
  /** Extra class sources consulted after the checkpoint's own tree (and before the preset's name rules). */
  classSources?: readonly ClassSource[];
};

export interface PruneCheckpointOutcome {
  /** The new checkpoint bytes (the input bytes for a dry run). */
  bytes: Uint8Array;
  result: PruneResult;
  /** Which model object was pruned (`ema` / `model`) and why. */
  modelNote: string;
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
  if (ids.size === 0) return { method: 'none', detail: 'no head class in the module tree', layerIds: ids };
  return { method: 'class', detail: `class ${[...found].join(', ')}${where.size ? ` (${[...where].join(', ')})` : ''}`, layerIds: ids };
}

/** Prune checkpoint `bytes` (pure: bytes in, new bytes and a named result out; the input is not modified). */
export function pruneCheckpoint(bytes: Uint8Array, options: PruneCheckpointOptions): PruneCheckpointOutcome {
  const label = options.label ?? 'checkpoint';
  const scope = options.scope ?? 'layer';
  const criterion = options.criterion ?? 'l1';
  if (options.target !== undefined) checkFraction(options.target, '--target');
  if (options.nm && (options.target !== undefined || scope === 'global')) throw new UsageError('--nm fixes the sparsity of every layer; it cannot be combined with --target or --scope global');
  const ckpt = readCheckpoint(bytes, label);
  const tree = moduleTreeFromCheckpoint(ckpt);
  const { layers, census } = checkpointLayers(ckpt);
  if (!layers.some((l) => isFloatDType(l.dtype))) throw new UnsupportedOpError(`${label}: no prunable float Conv/Linear weights`, label);
  const sources = [classSourceFromModuleTree(tree, label), ...(options.classSources ?? []), nameRuleSource(options.preset.nameRules)];
  const chains = new Map([...layerChains(layers, sources)].map(([id, c]) => [id, c.chain]));
  const head = headOf(layers, chains, options.preset.head.classes);
  const plan: Plan = categorise(layers, options.preset, { sources, head, pruneHead: options.pruneHead ?? false });

  const refs = new Map(selectedStateDict(selectModel(ckpt.root, label), label).map((e) => [e.name, e.ref]));
  const tensorOf = (l: WeightLayer): Tensor => readCheckpointTensor(ckpt, refs.get(l.id)!);
  const budgets: Budget[] = plan.entries.map((e) => ({ n: e.layer.params, zeros: e.layer.params - e.layer.nonZero, ratio: e.ratio, max: e.max, protected: e.protected }));
  let counts: number[];
  let factor: number | undefined;
  if (options.nm) {
    counts = budgets.map(() => 0);
  } else if (scope === 'global') {
    const want = options.target !== undefined ? Math.round(options.target * budgets.reduce((s, b) => s + (b.protected ? 0 : b.n), 0)) : presetAllocation(budgets).zerosAfter;
    const scores = plan.entries.map((e) => (e.protected || e.ratio <= 0 ? undefined : scoreLayer(tensorOf(e.layer), criterion, options.alpha ?? DEFAULT_ALPHA)));
    counts = globalCounts(budgets, scores, want);
  } else {
    const alloc = options.target !== undefined ? targetAllocation(budgets, options.target) : presetAllocation(budgets);
    counts = alloc.counts;
    factor = alloc.factor;
  }

  const rows: PruneLayerRow[] = [];
  const skipped: { id: string; reason: string }[] = [];
  const updates = new Map<string, Tensor>();
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
        row.skipped = `reduction size not a multiple of ${options.nm.m}`;
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
  const out = options.dryRun || updates.size === 0 ? bytes : writeCheckpointWithWeights(bytes, updates, { label, checkpoint: ckpt });
  const result: PruneResult = {
    plan,
    options: { preset: options.preset.name, criterion, scope, target: options.target, nm: options.nm ? `${options.nm.n}:${options.nm.m}` : undefined, pruneHead: options.pruneHead ?? false },
    factor,
    layers: rows,
    categories: categoryRows(rows),
    totals: totalsOf(rows, census, options.target),
    skipped,
  };
  return { bytes: out, result, modelNote: tree.note };
}
