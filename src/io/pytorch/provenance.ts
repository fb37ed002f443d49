/**
 * Provenance in a PyTorch checkpoint (records: core/provenance.ts): one stored zip entry per prunekit edit,
 * `<archive>/prunekit`, `<archive>/prunekit.2`, … holding the record's JSON. torch.load reads only `data.pkl`
 * and the storages it references, so the extra entries change nothing for torch or Ultralytics; data.pkl and
 * every storage entry stay where they were.
 */
import { isProvenanceKey, nextProvenanceKeyAmong, parseProvenanceValue } from '../../core/provenance.js';
import type { PtCheckpoint } from './checkpoint.js';
import { entryBytes } from './zip.js';

/** Provenance keys of the checkpoint's entries (entry name inside the archive folder), in archive order. */
function provenanceEntries(ckpt: PtCheckpoint): Array<{ key: string; name: string }> {
  const prefix = ckpt.archiveName ? `${ckpt.archiveName}/` : '';
  return ckpt.zip.entries
    .filter((e) => e.name.startsWith(prefix) && isProvenanceKey(e.name.slice(prefix.length)))
    .map((e) => ({ key: e.name.slice(prefix.length), name: e.name }));
}

/** The next free provenance key (= entry name inside the archive folder). */
export function nextCheckpointProvenanceKey(ckpt: PtCheckpoint): string {
  return nextProvenanceKeyAmong(provenanceEntries(ckpt).map((e) => e.key));
}

/** The checkpoint's provenance records, in archive order, parsed. */
export function readCheckpointProvenance(ckpt: PtCheckpoint): Array<{ key: string; record: unknown }> {
  return provenanceEntries(ckpt).map(({ key, name }) => ({
    key, record: parseProvenanceValue(new TextDecoder().decode(entryBytes(ckpt.bytes, ckpt.zip.byName.get(name)!, ckpt.label))),
  }));
}
