/** Element types prunekit exposes as typed arrays. float16/bfloat16 are raw 16-bit patterns in a Uint16Array. */
export type DType = 'float32' | 'float16' | 'bfloat16' | 'float64' | 'int8' | 'uint8' | 'int16' | 'int32' | 'int64' | 'bool';

export interface DataTypeMap {
  float32: Float32Array;
  float16: Uint16Array;
  bfloat16: Uint16Array;
  float64: Float64Array;
  int8: Int8Array;
  uint8: Uint8Array;
  int16: Int16Array;
  int32: Int32Array;
  int64: BigInt64Array;
  bool: Uint8Array;
}

/** A dense tensor: row-major data, `dims` its shape. */
export interface Tensor<D extends DType = DType> {
  readonly dtype: D;
  readonly dims: readonly number[];
  readonly data: DataTypeMap[D];
}

export const BYTES_PER_ELEMENT: Readonly<Record<DType, number>> = {
  float32: 4, float16: 2, bfloat16: 2, float64: 8, int8: 1, uint8: 1, int16: 2, int32: 4, int64: 8, bool: 1,
};

export const FLOAT_DTYPES: ReadonlySet<DType> = new Set<DType>(['float32', 'float16', 'bfloat16', 'float64']);

export function isFloatDType(d: DType): boolean {
  return FLOAT_DTYPES.has(d);
}

/** Number of elements of a shape (1 for a scalar). */
export function numel(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

type TypedCtor = { new (buffer: ArrayBufferLike, byteOffset: number, length: number): ArrayBufferView; new (length: number): ArrayBufferView };

const CTORS: Record<DType, TypedCtor> = {
  float32: Float32Array, float16: Uint16Array, bfloat16: Uint16Array, float64: Float64Array, int8: Int8Array,
  uint8: Uint8Array, int16: Int16Array, int32: Int32Array, int64: BigInt64Array, bool: Uint8Array,
} as unknown as Record<DType, TypedCtor>;

/**
 * View `count` elements of `dtype` over `bytes` (little-endian). Zero-copy when the offset is aligned to the element
 * size, a copy otherwise.
 */
export function viewAs<D extends DType>(dtype: D, bytes: Uint8Array, count: number): DataTypeMap[D] {
  const size = BYTES_PER_ELEMENT[dtype];
  const Ctor = CTORS[dtype];
  if (bytes.byteOffset % size === 0) {
    return new Ctor(bytes.buffer, bytes.byteOffset, count) as DataTypeMap[D];
  }
  const copy = new Uint8Array(count * size);
  copy.set(bytes.subarray(0, count * size));
  return new Ctor(copy.buffer, 0, count) as DataTypeMap[D];
}

/** Allocate a zeroed array of `count` elements of `dtype`. */
export function allocate<D extends DType>(dtype: D, count: number): DataTypeMap[D] {
  return new CTORS[dtype](count) as DataTypeMap[D];
}

/** The bytes behind a typed array (a view, not a copy). */
export function bytesOf(data: ArrayBufferView): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
