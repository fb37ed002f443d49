/**
 * Pruning a safetensors file: no module classes in the format, so class chains come from an `--arch` source
 * (model yaml or the `.pt` tree) when given, else from the preset's name rules. Weight layers are the `*.weight`
 * tensors of rank 4 (convolutions) and rank 2 (linear); only their bytes change in the written file, and the
 * header's `__metadata__` gains prunekit's provenance record (key `prunekit`, `prunekit.2`, …).
 */
import { isFloatDType, numel } from '../core/dtype.js';
import { countNonZero, type ClassSource, type WeightLayer } from '../graph/index.js';
import { nameRuleSource } from '../graph/name-rules.js';
import { readSafetensors, safetensorsTensor, type SafetensorsFile } from '../io/safetensors/format.js';
import { writeSafetensorsWithWeights } from '../io/safetensors/write.js';
import type { PruneOptions } from './prune.js';
import { pruneWeights } from './prune-weights.js';
import type { PruneResult } from './result.js';
import { nextProvenanceKeyAmong, provenanceValue } from '../core/provenance.js';
import { unstructuredRecord } from './provenance.js';

/** Weight layers of a safetensors file (rank-4 `*.weight` → Conv, rank-2 → Gemm), and the float census. */
export function safetensorsLayers(file: SafetensorsFile): { layers: WeightLayer[]; census: { params: number; zeros: number } } {
  const layers: WeightLayer[] = [];
  let params = 0;
  let zeros = 0;
  for (const e of file.entries) {
    if (!e.dtype || !isFloatDType(e.dtype)) continue;
    const t = safetensorsTensor(file, e.name);
    const nonZero = countNonZero(t);
    params += t.data.length;
    zeros += t.data.length - nonZero;
    if (!e.name.endsWith('.weight') || (e.shape.length !== 4 && e.shape.length !== 2)) continue;
    const conv = e.shape.length === 4;
    // Groups are not stored: a [C,1,k,k] kernel with C > 1 is taken as depthwise.
    const depthwise = conv && e.shape[1] === 1 && e.shape[0]! > 1;
    const modulePath = e.name.slice(0, -'.weight'.length);
    layers.push({
      id: e.name, nodeNames: [], modulePath, pathSource: 'tensor-name', opType: conv ? 'Conv' : 'Gemm', layout: conv ? 'conv' : 'nk',
      dims: e.shape, dtype: e.dtype, groups: depthwise ? e.shape[0]! : 1, depthwise,
      biasId: file.byName.has(`${modulePath}.bias`) ? `${modulePath}.bias` : undefined,
      params: numel(e.shape), nonZero, macs: undefined,
    });
  }
  return { layers, census: { params, zeros } };
}

export type PruneSafetensorsOptions = Omit<PruneOptions, 'classSources'> & { label?: string; classSources?: readonly ClassSource[] };

/** Prune safetensors `bytes` (pure; the input is not modified). */
export function pruneSafetensors(bytes: Uint8Array, options: PruneSafetensorsOptions): { bytes: Uint8Array; result: PruneResult } {
  const label = options.label ?? 'safetensors';
  const file = readSafetensors(bytes, label);
  const { layers, census } = safetensorsLayers(file);
  const sources = [...(options.classSources ?? []), nameRuleSource(options.preset.nameRules)];
  const { result, updates } = pruneWeights({ label, layers, sources, census, tensorOf: (l) => safetensorsTensor(file, l.id) }, options);
  const record = unstructuredRecord(result);
  const metadata = record ? { [nextProvenanceKeyAmong(Object.keys(file.metadata ?? {}))]: provenanceValue(record) } : undefined;
  const out = options.dryRun || updates.size === 0 ? bytes : writeSafetensorsWithWeights(bytes, updates, label, metadata);
  return { bytes: out, result };
}
