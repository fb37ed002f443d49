/**
 * Torch tensors from inert pickle records: storage classes → dtypes, `_rebuild_tensor_v2` / `_rebuild_parameter`
 * reductions → {@link PtTensorRef}, and materialising a PtTensorRef over its storage bytes (zero-copy when contiguous
 * and aligned, a contiguous copy otherwise).
 */
import { BYTES_PER_ELEMENT, allocate, numel, viewAs, type DType, type Tensor } from '../../core/dtype.js';
import { ModelFormatError, UnsupportedOpError } from '../../core/errors.js';
import { PyGlobal, PyTuple, StorageRef, PtTensorRef, asIndex, sequenceItems, type PickleValue } from './pickle-values.js';

/** torch storage class name → dtype. */
export const STORAGE_DTYPES: Readonly<Record<string, DType>> = {
  FloatStorage: 'float32', HalfStorage: 'float16', BFloat16Storage: 'bfloat16', DoubleStorage: 'float64',
  LongStorage: 'int64', IntStorage: 'int32', ShortStorage: 'int16', CharStorage: 'int8', ByteStorage: 'uint8',
  BoolStorage: 'bool', UntypedStorage: 'uint8',
};

/** torch dtype name (`torch.float16` pickled as a global) → dtype. */
const TORCH_DTYPES: Readonly<Record<string, DType>> = {
  float32: 'float32', float: 'float32', float16: 'float16', half: 'float16', bfloat16: 'bfloat16', float64: 'float64',
  double: 'float64', int64: 'int64', long: 'int64', int32: 'int32', int: 'int32', int16: 'int16', int8: 'int8',
  uint8: 'uint8', bool: 'bool',
};

/** Storage dtype name (as recorded on a PtTensorRef) → prunekit dtype, or undefined when unsupported. */
export function dtypeOfStorage(name: string): DType | undefined {
  return STORAGE_DTYPES[name] ?? TORCH_DTYPES[name];
}

/** Persistent id `('storage', StorageClass, key, location, numel)` → StorageRef (anything else: undefined). */
export function storageFromPid(pid: PickleValue): StorageRef | undefined {
  if (!(pid instanceof PyTuple) || pid.items.length < 5 || pid.items[0] !== 'storage') return undefined;
  const [, type, key, location, count] = pid.items;
  const n = asIndex(count);
  if (!(type instanceof PyGlobal) || typeof key !== 'string' || n === undefined) return undefined;
  return new StorageRef(type, key, typeof location === 'string' ? location : String(location), n);
}

function intList(v: PickleValue | undefined): number[] | undefined {
  const items = sequenceItems(v);
  if (!items) return undefined;
  const out: number[] = [];
  for (const x of items) {
    const i = asIndex(x);
    if (i === undefined) return undefined;
    out.push(i);
  }
  return out;
}

function rebuildV2(args: readonly PickleValue[]): PtTensorRef | undefined {
  const [storage, offset, size, stride, requiresGrad] = args;
  const off = asIndex(offset);
  const shape = intList(size);
  const strides = intList(stride);
  if (!(storage instanceof StorageRef) || off === undefined || !shape || !strides || shape.length !== strides.length) return undefined;
  return new PtTensorRef(storage, storage.storageType.name, off, shape, strides, false, requiresGrad === true);
}

/** Interpret torch's tensor-rebuild reductions as TensorRefs; undefined for anything else (kept inert). */
export function torchReduce(callable: PickleValue, args: readonly PickleValue[]): PickleValue | undefined {
  if (!(callable instanceof PyGlobal)) return undefined;
  const { module, name } = callable;
  if (module === 'torch._utils' && name === '_rebuild_tensor_v2') return rebuildV2(args);
  if (module === 'torch._utils' && (name === '_rebuild_parameter' || name === '_rebuild_parameter_with_state')) {
    const data = args[0];
    if (!(data instanceof PtTensorRef)) return undefined;
    return new PtTensorRef(data.storage, data.storageDType, data.storageOffset, data.shape, data.stride, true, args[1] === true);
  }
  if (module === 'torch._tensor' && name === '_rebuild_from_type_v2') {
    const inner = sequenceItems(args[2]);
    return inner ? torchReduce(args[0] ?? null, inner) : undefined;
  }
  return undefined;
}

/** True when `stride` is the row-major stride of `shape` (size-1 dims ignored). */
export function isContiguous(shape: readonly number[], stride: readonly number[]): boolean {
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && stride[d] !== expected) return false;
    expected *= shape[d]!;
  }
  return true;
}

/**
 * The values of `ref` as a dense row-major tensor. `storageBytes` is the whole storage entry. A contiguous tensor is a
 * view into it (zero-copy when aligned); a strided one is gathered into a new array.
 */
export function materializeTensor(ref: PtTensorRef, storageBytes: Uint8Array, label: string): Tensor {
  const dtype = dtypeOfStorage(ref.storageDType);
  if (!dtype) throw new UnsupportedOpError(`${label}: storage ${ref.storage.key} has unsupported type ${ref.storageDType}`, ref.storage.key);
  const size = BYTES_PER_ELEMENT[dtype];
  const count = numel(ref.shape);
  const available = Math.floor(storageBytes.length / size);
  if (count === 0) return { dtype, dims: ref.shape, data: allocate(dtype, 0) };
  let maxIndex = ref.storageOffset;
  for (let d = 0; d < ref.shape.length; d++) maxIndex += (ref.shape[d]! - 1) * ref.stride[d]!;
  if (maxIndex >= available) {
    throw new ModelFormatError(`${label}: tensor in storage ${ref.storage.key} reaches element ${maxIndex} but the storage holds ${available}`, ref.storage.key);
  }
  if (isContiguous(ref.shape, ref.stride)) {
    const start = ref.storageOffset * size;
    return { dtype, dims: ref.shape, data: viewAs(dtype, storageBytes.subarray(start, start + count * size), count) };
  }
  const src = viewAs(dtype, storageBytes.subarray(0, available * size), available) as unknown as { [i: number]: number | bigint };
  const out = allocate(dtype, count) as unknown as { [i: number]: number | bigint };
  const rank = ref.shape.length;
  const idx = new Array<number>(rank).fill(0);
  let srcPos = ref.storageOffset;
  for (let i = 0; i < count; i++) {
    out[i] = src[srcPos]!;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]!++;
      srcPos += ref.stride[d]!;
      if (idx[d]! < ref.shape[d]!) break;
      srcPos -= ref.stride[d]! * ref.shape[d]!;
      idx[d] = 0;
    }
  }
  return { dtype, dims: ref.shape, data: out as unknown as Tensor['data'] };
}

/** Element indices (into the storage) of every element of `ref`, in row-major order. */
export function storageIndices(ref: PtTensorRef): Float64Array {
  const count = numel(ref.shape);
  const out = new Float64Array(count);
  const rank = ref.shape.length;
  const idx = new Array<number>(rank).fill(0);
  let pos = ref.storageOffset;
  for (let i = 0; i < count; i++) {
    out[i] = pos;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]!++;
      pos += ref.stride[d]!;
      if (idx[d]! < ref.shape[d]!) break;
      pos -= ref.stride[d]! * ref.shape[d]!;
      idx[d] = 0;
    }
  }
  return out;
}
