/** Writing safetensors: a new file from tensors, or new values into an existing file (all else byte-identical). */
import { BYTES_PER_ELEMENT, bytesOf, numel, viewAs, type Tensor } from '../../core/dtype.js';
import { UsageError } from '../../core/errors.js';
import { floatToBf16, floatToHalf } from '../../core/half.js';
import { DTYPE_CODES, readSafetensors, type SafetensorsFile } from './format.js';

export interface NamedTensorInput {
  name: string;
  tensor: Tensor;
}

/**
 * Encode tensors (in the given order) as a safetensors file. The header is padded with spaces so the data
 * section starts 8-byte aligned, as the reference implementation does.
 */
export function encodeSafetensors(tensors: readonly NamedTensorInput[], metadata?: Readonly<Record<string, string>>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = { ...metadata };
  let offset = 0;
  for (const { name, tensor } of tensors) {
    if (name === '__metadata__' || name in header) throw new UsageError(`safetensors: duplicate or reserved tensor name ${name}`, name);
    const size = numel(tensor.dims) * BYTES_PER_ELEMENT[tensor.dtype];
    if (tensor.data.byteLength !== size) throw new UsageError(`safetensors: tensor ${name} data has ${tensor.data.byteLength} bytes, shape needs ${size}`, name);
    header[name] = { dtype: DTYPE_CODES[tensor.dtype], shape: [...tensor.dims], data_offsets: [offset, offset + size] };
    offset += size;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const pad = (8 - (json.length % 8)) % 8;
  if (pad) json = new TextEncoder().encode(JSON.stringify(header) + ' '.repeat(pad));
  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, json.length % 2 ** 32, true);
  view.setUint32(4, Math.floor(json.length / 2 ** 32), true);
  out.set(json, 8);
  let p = 8 + json.length;
  for (const { tensor } of tensors) {
    const b = bytesOf(tensor.data);
    out.set(b, p);
    p += b.length;
  }
  return out;
}

/**
 * A copy of `bytes` with new values for the named tensors (float32 values converted to the stored dtype, or a
 * tensor of the stored dtype). Without `metadata`, header and every other byte are unchanged; with it, the
 * entries are added to the header's `__metadata__` (the header is re-written, compact, padded to 8 bytes; tensor
 * order and data unchanged).
 */
export function writeSafetensorsWithWeights(bytes: Uint8Array, updates: ReadonlyMap<string, Float32Array | Tensor>, label = 'safetensors', metadata?: Readonly<Record<string, string>>): Uint8Array {
  const file0 = readSafetensors(bytes, label);
  const out = metadata ? withMetadata(file0, metadata) : new Uint8Array(bytes); // a copy (Buffer#slice would be a view)
  const file = metadata ? readSafetensors(out, label) : file0;
  for (const [name, values] of updates) {
    const e = file.byName.get(name);
    if (!e) throw new UsageError(`${label}: no tensor ${name}`, name);
    if (!e.dtype) throw new UsageError(`${label}: tensor ${name} has unsupported dtype ${e.code}`, name);
    const count = numel(e.shape);
    const given = values instanceof Float32Array ? values.length : values.data.length;
    if (given !== count) throw new UsageError(`${label}: tensor ${name} has ${count} elements, got ${given}`, name);
    const target = out.subarray(file.dataOffset + e.begin, file.dataOffset + e.end);
    if (!(values instanceof Float32Array)) {
      if (values.dtype !== e.dtype) throw new UsageError(`${label}: tensor ${name} is ${e.dtype}, new values are ${values.dtype}`, name);
      target.set(bytesOf(values.data));
      continue;
    }
    const dst = viewAs(e.dtype, target, count) as unknown as { [i: number]: number };
    const conv = e.dtype === 'float16' ? floatToHalf : e.dtype === 'bfloat16' ? floatToBf16 : e.dtype === 'float32' || e.dtype === 'float64' ? (x: number) => x : undefined;
    if (!conv) throw new UsageError(`${label}: tensor ${name} is ${e.dtype}; pass a ${e.dtype} tensor`, name);
    for (let i = 0; i < count; i++) dst[i] = conv(values[i]!);
    // viewAs copies when unaligned: write the copy back.
    const written = bytesOf(dst as unknown as Uint8Array);
    if (written.buffer !== target.buffer) target.set(written);
  }
  return out;
}

/** The file with `extra` merged into its header's `__metadata__` (data section copied as is). */
function withMetadata(file: SafetensorsFile, extra: Readonly<Record<string, string>>): Uint8Array {
  const header = JSON.parse(new TextDecoder().decode(file.bytes.subarray(8, file.dataOffset))) as Record<string, unknown>;
  const { __metadata__: _old, ...tensors } = header;
  const json = JSON.stringify({ __metadata__: { ...file.metadata, ...extra }, ...tensors });
  let head = new TextEncoder().encode(json);
  const pad = (8 - (head.length % 8)) % 8;
  if (pad) head = new TextEncoder().encode(json + ' '.repeat(pad));
  const data = file.bytes.subarray(file.dataOffset);
  const out = new Uint8Array(8 + head.length + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, head.length % 2 ** 32, true);
  view.setUint32(4, Math.floor(head.length / 2 ** 32), true);
  out.set(head, 8);
  out.set(data, 8 + head.length);
  return out;
}
