/**
 * Pruning as a stream of byte replacements over the source model — the part of `prunekit prune` shared by the
 * file edge (prune-file.ts streams them into the output file) and the web page ({@link pruneOnnxBytes} applies
 * them to one copy of the dropped file). Both therefore give byte-identical models for the same settings.
 */
import { bytesOf } from '../core/dtype.js';
import { isExternal } from '../io/onnx/tensor.js';
import { serializeOnnx, type OnnxModel } from '../io/onnx/model.js';
import { concatChunks, metadataEntryBytes, serializeWithMetadata } from '../io/onnx/provenance.js';
import { unstructuredProvenance } from './provenance.js';
import type { TensorProto } from 'onnx-buf';
import { cutLayer, ownedBy, preparePrune, pruneModel, pruneResult, type PreparedPrune, type PruneOptions } from './prune.js';
import type { PruneLayerRow, PruneResult } from './result.js';

/** Bytes to put at `offset` of the source (same length as what they replace). */
export interface Replacement { offset: number; bytes: Uint8Array }

/** Byte offset of a tensor's raw_data inside the model's source, or undefined when it is stored elsewhere. */
export function rawDataOffset(model: OnnxModel, t: TensorProto): number | undefined {
  const src = model.source;
  if (!src || isExternal(t) || t.rawData.length === 0 || t.rawData.buffer !== src.buffer) return undefined;
  const offset = t.rawData.byteOffset - src.byteOffset;
  return offset >= 0 && offset + t.rawData.length <= src.length ? offset : undefined;
}

export interface PruneStream {
  prep: PreparedPrune;
  /** Every edited weight is raw_data inside the source, so the output is the source with replacements. */
  streamable: boolean;
  /** The replacements in ascending offset order, each computed when reached (one layer's values at a time). */
  replacements(): Generator<Replacement>;
  /** The result, once `replacements` has been consumed. */
  result(): PruneResult;
}

/** Plan the prune of `model`; cut layers lazily as the replacements are consumed. */
export function openPruneStream(model: OnnxModel, options: PruneOptions & { dryRun?: boolean }): PruneStream {
  const prep = preparePrune(model, options);
  const entries = prep.plan.entries;
  const offsets = entries.map((e) => rawDataOffset(model, prep.graph.constants.get(e.layer.id)!.proto));
  const streamable = model.source !== undefined && entries.every((e, i) => e.protected || offsets[i] !== undefined);
  const rows: PruneLayerRow[] = new Array(entries.length);
  const order = entries.map((_, i) => i).sort((a, b) => (offsets[a] ?? 0) - (offsets[b] ?? 0));
  return {
    prep,
    streamable,
    *replacements() {
      const owned = ownedBy(model);
      let done = 0;
      for (const i of order) {
        const { row, values } = cutLayer(prep, i, { nm: options.nm, dryRun: options.dryRun }, owned, true);
        rows[i] = row;
        options.onProgress?.({ done: ++done, total: entries.length, label: row.modulePath });
        if (values) yield { offset: offsets[i]!, bytes: bytesOf(values.data) };
      }
    },
    result: () => pruneResult(model, prep, rows, options),
  };
}

/** Room left after the source for a trailer (a provenance record is a few hundred bytes). */
const TRAILER_ROOM = 4096;

/**
 * `source` with the replacements applied (ascending, in-range offsets), in one new buffer, followed by the bytes
 * `trailer` returns once the replacements are consumed (room is reserved, so no second copy of the model).
 */
export function applyReplacements(source: Uint8Array, replacements: Iterable<Replacement>, trailer?: () => Uint8Array | undefined): Uint8Array {
  const buf = new Uint8Array(source.length + (trailer ? TRAILER_ROOM : 0));
  buf.set(source);
  for (const r of replacements) {
    if (r.offset < 0 || r.offset + r.bytes.length > source.length) throw new Error(`applyReplacements: replacement at ${r.offset} out of range (bug)`);
    buf.set(r.bytes, r.offset);
  }
  const tail = trailer?.();
  if (!tail || tail.length === 0) return trailer ? buf.subarray(0, source.length) : buf;
  if (tail.length > TRAILER_ROOM) return concatChunks([buf.subarray(0, source.length), tail]);
  buf.set(tail, source.length);
  return buf.subarray(0, source.length + tail.length);
}

/** The model's file bytes: its source with value patches applied, else the serialised proto. */
export function modelBytes(model: OnnxModel): Uint8Array {
  if (model.source && model.patches) return applyReplacements(model.source, model.patches.values());
  return serializeOnnx(model);
}

/** The provenance trailer of a streamed prune: the record's `metadata_props` entry, or nothing when nothing changed. */
export function provenanceTrailer(model: OnnxModel, stream: PruneStream): () => Uint8Array | undefined {
  return () => {
    const record = unstructuredProvenance(model, stream.result());
    return record ? metadataEntryBytes(record.key, record.value) : undefined;
  };
}

/**
 * Prune an in-memory ONNX model (no external data) and return the bytes `prunekit prune` would write for the
 * same settings — with its provenance record (none when nothing changed) — and the result.
 */
export function pruneOnnxBytes(model: OnnxModel, options: PruneOptions): { result: PruneResult; bytes: Uint8Array } {
  const stream = openPruneStream(model, options);
  if (!stream.streamable) {
    const pruned = pruneModel(model, options);
    const record = unstructuredProvenance(model, pruned.result);
    return { result: pruned.result, bytes: concatChunks(serializeWithMetadata(pruned.model, record ? [record] : [])) };
  }
  const bytes = applyReplacements(model.source!, stream.replacements(), provenanceTrailer(model, stream));
  return { result: stream.result(), bytes };
}
