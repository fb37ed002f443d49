/**
 * TensorProto ↔ typed arrays. Data may sit in `raw_data` (zero-copy view when aligned), in the typed repeated
 * fields (`float_data`, `int32_data`, …), or in an external file (resolved by the caller-supplied reader).
 */
import type { TensorProto } from 'onnx-buf';
import { allocate, BYTES_PER_ELEMENT, bytesOf, numel, viewAs, type DType, type Tensor } from '../../core/dtype.js';
import { ModelFormatError, UnsupportedOpError } from '../../core/errors.js';
import { DTYPE_ONNX, ONNX_DTYPE, onnxDTypeName } from './dtypes.js';
import { shallowCopy } from './proto-util.js';

/** Reads `length` bytes at `offset` of an external data file named `location` (relative to the model). */
export type ExternalReader = (location: string, offset: number, length: number | undefined) => Uint8Array;

const EXTERNAL = 1;

export function isExternal(t: TensorProto): boolean {
  return t.dataLocation === EXTERNAL;
}

export function tensorDims(t: TensorProto): number[] {
  return t.dims.map((d) => Number(d));
}

/** The dtype of a TensorProto, or a typed error naming the tensor when prunekit has no typed array for it. */
export function tensorDType(t: TensorProto, what = `tensor '${t.name}'`): DType {
  const dtype = ONNX_DTYPE[t.dataType];
  if (!dtype) {
    throw new UnsupportedOpError(`${what}: data type ${onnxDTypeName(t.dataType)} is not supported (supported: float32, float16, bfloat16, float64, int8, uint8, int16, int32, int64, bool)`, t.name);
  }
  return dtype;
}

function externalEntry(t: TensorProto, key: string): string | undefined {
  return t.externalData.find((e) => e.key === key)?.value;
}

/** Validated dims of a TensorProto: non-negative safe integers with a safe element count. */
export function checkedDims(t: TensorProto): number[] {
  const dims = tensorDims(t);
  let count = 1;
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) throw new ModelFormatError(`tensor '${t.name}': invalid dimension ${d} in shape [${dims.join(',')}]; the file is corrupt`, t.name);
    count *= d;
  }
  if (!Number.isSafeInteger(count)) throw new ModelFormatError(`tensor '${t.name}': shape [${dims.join(',')}] has too many elements; the file is corrupt`, t.name);
  return dims;
}

/**
 * The little-endian bytes behind a tensor stored in raw_data or an external file (a view, no copy; external
 * data is read now), or undefined when the values sit in the typed repeated fields. Checks the byte count.
 */
export function tensorRawBytes(t: TensorProto, external?: ExternalReader): Uint8Array | undefined {
  const dtype = tensorDType(t);
  const dims = checkedDims(t);
  const need = numel(dims) * BYTES_PER_ELEMENT[dtype];
  let raw: Uint8Array | undefined;
  if (isExternal(t)) {
    const location = externalEntry(t, 'location');
    if (!location) throw new ModelFormatError(`tensor '${t.name}': external data without a 'location' entry`, t.name);
    if (!external) throw new ModelFormatError(`tensor '${t.name}': stored in external file '${location}', but the model was read from bytes; load it from its path`, t.name);
    const offset = Number(externalEntry(t, 'offset') ?? 0);
    const lenText = externalEntry(t, 'length');
    const length = lenText === undefined ? need : Number(lenText);
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
      throw new ModelFormatError(`tensor '${t.name}': invalid external data offset/length (${offset}/${length})`, t.name);
    }
    raw = external(location, offset, length);
  } else if (t.rawData.length > 0 || need === 0) {
    raw = t.rawData;
  }
  if (raw && raw.length < need) {
    throw new ModelFormatError(`tensor '${t.name}': ${raw.length} data bytes for shape [${dims.join(',')}] ${dtype} (needs ${need}); the file is truncated or corrupt`, t.name);
  }
  return raw;
}

/** Decode a TensorProto into a typed tensor (zero-copy from raw_data when aligned). */
export function readTensor(t: TensorProto, external?: ExternalReader): Tensor {
  const dtype = tensorDType(t);
  const dims = checkedDims(t);
  const count = numel(dims);
  const raw = tensorRawBytes(t, external);
  if (raw) return { dtype, dims, data: viewAs(dtype, raw, count) };
  return { dtype, dims, data: fromTypedFields(t, dtype, count) };
}

/** The typed repeated field that holds a tensor's values when raw_data is empty. */
export function typedField(t: TensorProto, dtype: DType): ArrayLike<number | bigint> {
  return dtype === 'float32' ? t.floatData : dtype === 'float64' ? t.doubleData : dtype === 'int64' ? t.int64Data : t.int32Data;
}

function fromTypedFields(t: TensorProto, dtype: DType, count: number): Tensor['data'] {
  const src = typedField(t, dtype);
  if (src.length !== count) {
    throw new ModelFormatError(`tensor '${t.name}': ${src.length} values for ${count} elements; the file is corrupt`, t.name);
  }
  const out = allocate(dtype, count);
  if (dtype === 'int64') {
    const o = out as BigInt64Array;
    for (let i = 0; i < count; i++) o[i] = BigInt(src[i]!);
  } else {
    const o = out as Exclude<Tensor['data'], BigInt64Array>;
    for (let i = 0; i < count; i++) o[i] = Number(src[i]!);
  }
  return out;
}

/**
 * A new TensorProto holding `values` (same dtype and element count as `t`), stored the way `t` stored its data
 * (raw_data stays raw_data, float_data stays float_data). External tensors are written back inline; the writer
 * decides about external storage. `t` is not modified.
 */
export function withValues(t: TensorProto, values: Tensor): TensorProto {
  const dtype = tensorDType(t);
  if (values.dtype !== dtype) throw new UnsupportedOpError(`tensor '${t.name}': new values are ${values.dtype}, the model stores ${dtype}; convert them first`, t.name);
  const count = numel(tensorDims(t));
  if (values.data.length !== count) throw new UnsupportedOpError(`tensor '${t.name}': ${values.data.length} new values for ${count} elements`, t.name);
  const out = shallowCopy(t);
  if (isExternal(t) || t.rawData.length > 0 || count === 0) {
    out.rawData = bytesOf(values.data).slice() as Uint8Array<ArrayBuffer>;
    if (isExternal(t)) {
      out.dataLocation = 0;
      out.externalData = [];
    }
    return out;
  }
  if (dtype === 'float32') out.floatData = Array.from(values.data as Float32Array);
  else if (dtype === 'float64') out.doubleData = Array.from(values.data as Float64Array);
  else if (dtype === 'int64') out.int64Data = Array.from(values.data as BigInt64Array);
  else out.int32Data = Array.from(values.data as ArrayLike<number>);
  return out;
}

/** A new TensorProto named `name` with `values` in raw_data (for tensors prunekit creates). */
export function makeTensorProto(template: TensorProto, name: string, values: Tensor): TensorProto {
  const out = shallowCopy(template);
  out.name = name;
  out.dataType = DTYPE_ONNX[values.dtype];
  out.dims = values.dims.map((d) => BigInt(d));
  out.rawData = bytesOf(values.data).slice() as Uint8Array<ArrayBuffer>;
  out.floatData = []; out.int32Data = []; out.int64Data = []; out.doubleData = []; out.uint64Data = []; out.stringData = [];
  out.dataLocation = 0;
  out.externalData = [];
  return out;
}
