/**
 * Write new values into a checkpoint's tensors: only the storage entries that hold them change; `data.pkl`,
 * every other entry and the zip layout (64-byte aligned Stored entries) stay byte-identical. The dtype of the
 * storage is kept (an fp16 checkpoint stays fp16).
 */
import { BYTES_PER_ELEMENT, numel, viewAs, type DType, type Tensor } from '../../core/dtype.js';
import { UsageError } from '../../core/errors.js';
import { floatToBf16, floatToHalf } from '../../core/half.js';
import { readCheckpoint, storageEntry, type PtCheckpoint } from './checkpoint.js';
import { selectModel, selectedStateDict } from './modules.js';
import { dtypeOfStorage, isContiguous, storageIndices } from './tensors.js';
import { updateEntryCrcs } from './zip-patch.js';
import { appendStoredEntry } from './zip-append.js';
import { readZip } from './zip.js';

/** New values for a tensor: float32 values (converted to the storage dtype), or a tensor of the storage dtype. */
export type TensorValues = Float32Array | Tensor;

export interface WriteCheckpointOptions {
  /** File name for messages. */
  label?: string;
  /** An already parsed checkpoint of `bytes` (saves re-parsing). */
  checkpoint?: PtCheckpoint;
  /** A stored entry to add (e.g. prunekit's provenance record), named inside the archive folder. */
  addEntry?: { name: string; data: Uint8Array };
}

type NumArray = { [i: number]: number; length: number };

function writeValues(dtype: DType, target: Uint8Array, indices: Float64Array, values: TensorValues, key: string): void {
  const dst = viewAs(dtype, target, Math.floor(target.length / BYTES_PER_ELEMENT[dtype]));
  writeInto(dtype, dst, indices, values, key);
  // viewAs copies when `target` is not aligned to the element size: write the copy back.
  if (dst.buffer !== target.buffer) target.set(new Uint8Array(dst.buffer, dst.byteOffset, dst.byteLength));
}

function writeInto(dtype: DType, dst: ArrayBufferView, indices: Float64Array, values: TensorValues, key: string): void {
  const count = indices.length;
  if (!(values instanceof Float32Array)) {
    if (values.dtype !== dtype) throw new UsageError(`tensor ${key}: new values are ${values.dtype}, the checkpoint stores ${dtype} (pass float32 values or ${dtype})`, key);
    const src = values.data as unknown as { [i: number]: number | bigint };
    const d = dst as unknown as { [i: number]: number | bigint };
    for (let i = 0; i < count; i++) d[indices[i]!] = src[i]!;
    return;
  }
  const d = dst as unknown as NumArray;
  switch (dtype) {
    case 'float16': for (let i = 0; i < count; i++) d[indices[i]!] = floatToHalf(values[i]!); break;
    case 'bfloat16': for (let i = 0; i < count; i++) d[indices[i]!] = floatToBf16(values[i]!); break;
    case 'float32': case 'float64': for (let i = 0; i < count; i++) d[indices[i]!] = values[i]!; break;
    default: throw new UsageError(`tensor ${key}: stored as ${dtype}; pass a ${dtype} tensor, not float32 values`, key);
  }
}

/**
 * A copy of the checkpoint `bytes` where each state_dict key of the selected model (`ema` or `model`, as
 * {@link selectModel}) in `updates` holds the new values. Returns the new file bytes.
 */
export function writeCheckpointWithWeights(bytes: Uint8Array, updates: ReadonlyMap<string, TensorValues>, options: WriteCheckpointOptions = {}): Uint8Array {
  const label = options.label ?? 'checkpoint';
  const ckpt = options.checkpoint ?? readCheckpoint(bytes, label);
  const entries = new Map(selectedStateDict(selectModel(ckpt.root, label), label).map((e) => [e.name, e.ref]));
  // One copy of the file (with the added entry, which moves no existing one); new values go straight into its
  // storage entries, then their CRCs are recomputed.
  const add = options.addEntry;
  const out = add ? appendStoredEntry(bytes, ckpt.zip, `${ckpt.archiveName ? `${ckpt.archiveName}/` : ''}${add.name}`, add.data, label) : new Uint8Array(bytes);
  const zip = add ? readZip(out, label) : ckpt.zip;
  const changed = new Set<string>();
  for (const [key, values] of updates) {
    const ref = entries.get(key);
    if (!ref) throw new UsageError(`${label}: no state_dict entry ${key}`, key);
    const dtype = dtypeOfStorage(ref.storageDType);
    if (!dtype) throw new UsageError(`${label}: tensor ${key} has unsupported storage ${ref.storageDType}`, key);
    const count = numel(ref.shape);
    const given = values instanceof Float32Array ? values.length : values.data.length;
    if (given !== count) throw new UsageError(`${label}: tensor ${key} has ${count} elements, got ${given} new values`, key);
    const entry = storageEntry(ckpt, ref.storage);
    if (entry.method !== 0) throw new UsageError(`${label}: storage ${entry.name} is compressed; cannot rewrite it in place`, key);
    const target = out.subarray(entry.dataOffset, entry.dataOffset + entry.size);
    changed.add(entry.name);
    const size = BYTES_PER_ELEMENT[dtype];
    if (!(values instanceof Float32Array) && values.dtype === dtype && isContiguous(ref.shape, ref.stride)) {
      // Fast path: same dtype, contiguous: a byte copy at the tensor's offset.
      target.set(new Uint8Array(values.data.buffer, values.data.byteOffset, count * size), ref.storageOffset * size);
      continue;
    }
    writeValues(dtype, target, storageIndices(ref), values, key);
  }
  updateEntryCrcs(out, zip, changed, label);
  return out;
}
