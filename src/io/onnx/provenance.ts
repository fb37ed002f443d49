/**
 * Provenance in ONNX `metadata_props` (records: core/provenance.ts): one entry per prunekit edit, keys
 * `prunekit`, `prunekit.2`, …
 * Because a repeated protobuf field may continue anywhere in a message, an entry can be appended after the
 * unchanged model bytes (see {@link metadataEntryBytes}), which keeps the streaming writers streaming.
 */
import { create } from '@bufbuild/protobuf';
import { StringStringEntryProtoSchema, type ModelProto } from 'onnx-buf';
import { serializeOnnx, serializeOnnxChunks, withProto, type OnnxModel } from './model.js';
import { shallowCopy } from './proto-util.js';
import { isProvenanceKey, nextProvenanceKeyAmong, parseProvenanceValue } from '../../core/provenance.js';

export { PROVENANCE_KEY, PRUNEKIT_VERSION } from '../../core/provenance.js';

/** The next free provenance key of a model: `prunekit`, else `prunekit.2`, `prunekit.3`, … */
export function nextProvenanceKey(proto: Pick<ModelProto, 'metadataProps'>): string {
  return nextProvenanceKeyAmong(proto.metadataProps.map((p) => p.key));
}

/** The provenance records of a model, in the order written, parsed (a value that is not JSON stays a string). */
export function readProvenance(proto: Pick<ModelProto, 'metadataProps'>): Array<{ key: string; record: unknown }> {
  return proto.metadataProps.filter((p) => isProvenanceKey(p.key)).map((p) => ({ key: p.key, record: parseProvenanceValue(p.value) }));
}

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

function lengthDelimited(field: number, bytes: Uint8Array): Uint8Array {
  const head = [(field << 3) | 2, ...varint(bytes.length)];
  const out = new Uint8Array(head.length + bytes.length);
  out.set(head);
  out.set(bytes, head.length);
  return out;
}

/** One `metadata_props` entry (ModelProto field 14) as bytes to append to a serialized ModelProto. */
export function metadataEntryBytes(key: string, value: string): Uint8Array {
  const enc = new TextEncoder();
  const k = lengthDelimited(1, enc.encode(key));
  const v = lengthDelimited(2, enc.encode(value));
  const entry = new Uint8Array(k.length + v.length);
  entry.set(k);
  entry.set(v, k.length);
  return lengthDelimited(14, entry);
}

/**
 * The file bytes of `model` with extra `metadata_props` entries, as chunks to concatenate (views, no copy of a
 * source): a value-patched model is its patched source with the entries appended (see {@link metadataEntryBytes});
 * any other model gets the entries added to its proto, then serialised. Both the file writer (saveOnnx) and the
 * in-memory prunes use this, so they write the same bytes.
 */
export function serializeWithMetadata(model: OnnxModel, entries: ReadonlyArray<{ key: string; value: string }>): Uint8Array[] {
  if (model.source && model.patches) return [...serializeOnnxChunks(model), ...entries.map((m) => metadataEntryBytes(m.key, m.value))];
  if (entries.length === 0) return [serializeOnnx(model)];
  const proto = shallowCopy(model.proto);
  proto.metadataProps = [...proto.metadataProps, ...entries.map((m) => create(StringStringEntryProtoSchema, m))];
  return [serializeOnnx(withProto(model, proto))];
}

/** Concatenate chunks into one buffer (one chunk: returned as is). */
export function concatChunks(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) { out.set(c, o); o += c.length; }
  return out;
}
