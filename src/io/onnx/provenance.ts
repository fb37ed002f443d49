/**
 * Provenance in ONNX `metadata_props`: one entry `prunekit` (JSON: tool version, command settings, result) per
 * prunekit edit; a model edited again gets `prunekit.2`, `prunekit.3`, … so every step stays on record.
 * Because a repeated protobuf field may continue anywhere in a message, an entry can be appended after the
 * unchanged model bytes (see {@link metadataEntryBytes}), which keeps the streaming writers streaming.
 */
import type { ModelProto } from 'onnx-buf';

/** The prefix of prunekit's provenance keys. */
export const PROVENANCE_KEY = 'prunekit';

/** The version of prunekit written into provenance records. */
export const PRUNEKIT_VERSION = '0.1.0';

/** The next free provenance key of a model: `prunekit`, else `prunekit.2`, `prunekit.3`, … */
export function nextProvenanceKey(proto: Pick<ModelProto, 'metadataProps'>): string {
  const taken = new Set(proto.metadataProps.map((p) => p.key));
  if (!taken.has(PROVENANCE_KEY)) return PROVENANCE_KEY;
  let n = 2;
  while (taken.has(`${PROVENANCE_KEY}.${n}`)) n++;
  return `${PROVENANCE_KEY}.${n}`;
}

/** The provenance records of a model, in the order written, parsed (a value that is not JSON stays a string). */
export function readProvenance(proto: Pick<ModelProto, 'metadataProps'>): Array<{ key: string; record: unknown }> {
  const keyRe = new RegExp(`^${PROVENANCE_KEY}(\\.\\d+)?$`);
  return proto.metadataProps.filter((p) => keyRe.test(p.key)).map((p) => {
    try {
      return { key: p.key, record: JSON.parse(p.value) as unknown };
    } catch {
      return { key: p.key, record: p.value };
    }
  });
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
