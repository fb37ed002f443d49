/**
 * What a pruned model records about its making (core/provenance.ts): prunekit's version, the settings, and what
 * was cut. Built here from the named results, by the pure prunes (ONNX bytes, structured, checkpoints), so the
 * CLI and the web page write the same record. None when nothing changed (the model is written as it was).
 */
import { provenanceValue } from '../core/provenance.js';
import { nextProvenanceKey, type OnnxModel } from '../io/onnx/bytes.js';
import type { PruneResult } from './result.js';

export interface ProvenanceEntry { key: string; value: string }

/** The record fields of an unstructured prune, or undefined when no weight changed. */
export function unstructuredRecord(r: PruneResult, extra: Readonly<Record<string, unknown>> = {}): Record<string, unknown> | undefined {
  let prunable = 0, before = 0, after = 0;
  for (const row of r.layers) {
    if (row.protected) continue;
    prunable += row.params;
    before += row.zerosBefore;
    after += row.zerosAfter;
  }
  if (after === before) return undefined;
  const { preset, criterion, scope, target, nm, pruneHead } = r.options;
  return {
    command: 'prune', mode: 'unstructured', preset, criterion, scope, target, nm, pruneHead: pruneHead || undefined, ...extra,
    result: { zeroed: after - before, prunableParams: prunable, sparsityPrunable: prunable ? after / prunable : 0 },
  };
}

/** The `metadata_props` entry of a record for `model` (the next free `prunekit[.N]` key). */
export function onnxProvenance(model: OnnxModel, fields: Readonly<Record<string, unknown>>): ProvenanceEntry {
  return { key: nextProvenanceKey(model.proto), value: provenanceValue(fields) };
}

/** The entry of an unstructured prune of `model`, or undefined when nothing changed. */
export function unstructuredProvenance(model: OnnxModel, r: PruneResult, extra?: Readonly<Record<string, unknown>>): ProvenanceEntry | undefined {
  const fields = unstructuredRecord(r, extra);
  return fields ? onnxProvenance(model, fields) : undefined;
}
