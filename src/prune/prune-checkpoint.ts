/**
 * `.pt` → `.pt` unstructured pruning: the same plan (class chains from the checkpoint's own module tree,
 * presets, head protection, allocation, exact smallest-k selection) as ONNX pruning, applied to the Conv/Linear
 * weights of the checkpoint's model (`ema` when present, else `model`). Only the storage entries of the zeroed
 * weights change in the written file, plus one added entry with prunekit's provenance record (io/pytorch/provenance.ts);
 * data.pkl and every other entry stay byte-identical, fp16 stays fp16.
 * BatchNorm is not folded in a `.pt`: conv weights are pruned as they are.
 */
import { isFloatDType, numel } from '../core/dtype.js';
import { UnsupportedOpError } from '../core/errors.js';
import { countNonZero, type ClassSource, type LayerOp, type WeightLayer, type WeightLayout } from '../graph/index.js';
import { classSourceFromModuleTree, moduleTreeFromCheckpoint } from '../graph/module-tree.js';
import { nameRuleSource } from '../graph/name-rules.js';
import { readCheckpoint, readCheckpointTensor, type PtCheckpoint } from '../io/pytorch/checkpoint.js';
import { selectModel, selectedStateDict, walkModules } from '../io/pytorch/modules.js';
import { PyDict } from '../io/pytorch/pickle-values.js';
import { dtypeOfStorage } from '../io/pytorch/tensors.js';
import { writeCheckpointWithWeights } from '../io/pytorch/write.js';
import { nextCheckpointProvenanceKey } from '../io/pytorch/provenance.js';
import { provenanceValue } from '../core/provenance.js';
import { unstructuredRecord } from './provenance.js';
import type { PruneOptions } from './prune.js';
import { pruneWeights } from './prune-weights.js';
import type { PruneResult } from './result.js';

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

/** Prune checkpoint `bytes` (pure: bytes in, new bytes and a named result out; the input is not modified). */
export function pruneCheckpoint(bytes: Uint8Array, options: PruneCheckpointOptions): PruneCheckpointOutcome {
  const label = options.label ?? 'checkpoint';
  const ckpt = readCheckpoint(bytes, label);
  const tree = moduleTreeFromCheckpoint(ckpt);
  const { layers, census } = checkpointLayers(ckpt);
  const refs = new Map(selectedStateDict(selectModel(ckpt.root, label), label).map((e) => [e.name, e.ref]));
  const sources = [classSourceFromModuleTree(tree, label), ...(options.classSources ?? []), nameRuleSource(options.preset.nameRules)];
  const { result, updates } = pruneWeights({ label, layers, sources, census, tensorOf: (l) => readCheckpointTensor(ckpt, refs.get(l.id)!) }, options);
  const record = unstructuredRecord(result);
  const addEntry = record ? { name: nextCheckpointProvenanceKey(ckpt), data: new TextEncoder().encode(provenanceValue(record)) } : undefined;
  const out = options.dryRun || updates.size === 0 ? bytes : writeCheckpointWithWeights(bytes, updates, { label, checkpoint: ckpt, addEntry });
  return { bytes: out, result, modelNote: tree.note };
}
