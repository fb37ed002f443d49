/**
 * What a pruned model records about its making (ONNX `metadata_props`, see io/onnx/provenance.ts): prunekit's
 * version, the settings, and what was cut. No date and no paths, so the same prune writes the same bytes.
 */
import { nextProvenanceKey, PRUNEKIT_VERSION, type OnnxModel } from '../io/onnx/index.js';
import type { PruneLayerRow } from './result.js';

export interface ProvenanceEntry { key: string; value: string }

/** The record of an edit of `model`; undefined settings are left out. */
export function provenanceEntry(model: OnnxModel, record: Record<string, unknown>): ProvenanceEntry {
  const clean = Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
  return { key: nextProvenanceKey(model.proto), value: JSON.stringify({ tool: 'prunekit', version: PRUNEKIT_VERSION, ...clean }) };
}

/** The record of an unstructured prune, or undefined when no weight changed (the model is written as it was). */
export function unstructuredProvenance(model: OnnxModel, settings: Record<string, unknown>, rows: readonly PruneLayerRow[]): ProvenanceEntry | undefined {
  let prunable = 0, before = 0, after = 0;
  for (const r of rows) {
    if (r.protected) continue;
    prunable += r.params;
    before += r.zerosBefore;
    after += r.zerosAfter;
  }
  if (after === before) return undefined;
  return provenanceEntry(model, {
    command: 'prune', mode: 'unstructured', ...settings,
    result: { zeroed: after - before, prunableParams: prunable, sparsityPrunable: prunable ? after / prunable : 0 },
  });
}
