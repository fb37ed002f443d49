/** `inspect` for safetensors: metadata, tensor count, parameters by dtype. No module classes in this format. */
import { numel, type DType } from '../../core/dtype.js';
import { isProvenanceKey, parseProvenanceValue } from '../../core/provenance.js';
import { readSafetensors } from './format.js';

export interface SafetensorsSummary {
  file: string;
  bytes: number;
  format: 'safetensors';
  metadata: Record<string, string> | undefined;
  /** prunekit's records of how the file was made (`__metadata__` keys `prunekit`, `prunekit.2`, …). */
  provenance: Array<{ key: string; record: unknown }>;
  tensors: number;
  parameters: { total: number; byDType: Partial<Record<DType | 'unknown', number>> };
  /** Top-level name prefixes (`model.0`, `model.1`...) with their tensor counts, in file order. */
  prefixes: Array<{ prefix: string; tensors: number; params: number }>;
  note: string;
}

export function summarizeSafetensors(bytes: Uint8Array, file = 'safetensors'): SafetensorsSummary {
  const st = readSafetensors(bytes, file);
  const byDType: Partial<Record<DType | 'unknown', number>> = {};
  const prefixes = new Map<string, { prefix: string; tensors: number; params: number }>();
  let total = 0;
  for (const e of st.entries) {
    const n = numel(e.shape);
    total += n;
    const d = e.dtype ?? 'unknown';
    byDType[d] = (byDType[d] ?? 0) + n;
    const parts = e.name.split('.');
    const prefix = parts.length > 2 && /^\d+$/.test(parts[1]!) ? `${parts[0]}.${parts[1]}` : parts[0]!;
    const p = prefixes.get(prefix) ?? { prefix, tensors: 0, params: 0 };
    p.tensors++;
    p.params += n;
    prefixes.set(prefix, p);
  }
  return {
    file, bytes: bytes.length, format: 'safetensors', metadata: st.metadata,
    provenance: Object.entries(st.metadata ?? {}).filter(([k]) => isProvenanceKey(k)).map(([key, v]) => ({ key, record: parseProvenanceValue(v) })),
    tensors: st.entries.length,
    parameters: { total, byDType }, prefixes: [...prefixes.values()],
    note: 'safetensors holds tensors only: no module classes (prune by name rules)',
  };
}
