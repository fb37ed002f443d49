/**
 * safetensors: `u64 LE header length` + JSON header + raw little-endian data. The header maps tensor names to
 * `{dtype, shape, data_offsets: [begin, end]}` (offsets relative to the data section) plus an optional
 * `__metadata__` string map. https://github.com/huggingface/safetensors (format description).
 */
import { BYTES_PER_ELEMENT, numel, viewAs, type DType, type Tensor } from '../../core/dtype.js';
import { ModelFormatError, UnsupportedOpError } from '../../core/errors.js';

/** safetensors dtype code → prunekit dtype. */
export const SAFETENSORS_DTYPES: Readonly<Record<string, DType>> = {
  F64: 'float64', F32: 'float32', F16: 'float16', BF16: 'bfloat16', I64: 'int64', I32: 'int32', I16: 'int16',
  I8: 'int8', U8: 'uint8', BOOL: 'bool',
};

export const DTYPE_CODES: Readonly<Record<DType, string>> = {
  float64: 'F64', float32: 'F32', float16: 'F16', bfloat16: 'BF16', int64: 'I64', int32: 'I32', int16: 'I16',
  int8: 'I8', uint8: 'U8', bool: 'BOOL',
};

export interface SafetensorsEntry {
  name: string;
  /** The code as written (`F16`); `dtype` is undefined for codes prunekit does not handle (U16, F8_E4M3…). */
  code: string;
  dtype: DType | undefined;
  shape: number[];
  /** Byte range inside the data section. */
  begin: number;
  end: number;
}

export interface SafetensorsFile {
  label: string;
  bytes: Uint8Array;
  /** Entries in header order. */
  entries: SafetensorsEntry[];
  byName: ReadonlyMap<string, SafetensorsEntry>;
  metadata: Record<string, string> | undefined;
  /** Offset of the data section in the file (8 + header length). */
  dataOffset: number;
}

const MAX_HEADER = 100 * 1024 * 1024;

function isIntArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((x) => Number.isSafeInteger(x) && (x as number) >= 0);
}

/** Parse and validate a safetensors file. */
export function readSafetensors(bytes: Uint8Array, label = 'safetensors'): SafetensorsFile {
  const bad = (why: string): never => {
    throw new ModelFormatError(`${label}: not a valid safetensors file (${why})`, label);
  };
  if (bytes.length < 8) bad('shorter than the 8-byte header length');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
  if (headerLen > MAX_HEADER) bad(`header length ${headerLen} too large`);
  if (8 + headerLen > bytes.length) bad(`header length ${headerLen} beyond the end of the file: truncated?`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)));
  } catch {
    bad('header is not UTF-8 JSON');
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) bad('header is not a JSON object');
  const dataOffset = 8 + headerLen;
  const dataLen = bytes.length - dataOffset;
  const entries: SafetensorsEntry[] = [];
  let metadata: Record<string, string> | undefined;
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (!raw || typeof raw !== 'object' || Array.isArray(raw) || !Object.values(raw).every((x) => typeof x === 'string')) bad('__metadata__ must map strings to strings');
      metadata = raw as Record<string, string>;
      continue;
    }
    if (!raw || typeof raw !== 'object') bad(`entry ${name} is not an object`);
    const { dtype: code, shape, data_offsets: offsets } = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof code !== 'string') bad(`entry ${name} has no dtype`);
    if (!isIntArray(shape)) bad(`entry ${name} has a bad shape`);
    if (!isIntArray(offsets) || offsets.length !== 2 || offsets[0]! > offsets[1]! || offsets[1]! > dataLen) bad(`entry ${name} has bad data_offsets`);
    const [begin, end] = offsets as [number, number];
    const dtype = SAFETENSORS_DTYPES[code as string];
    if (dtype && end - begin !== numel(shape as number[]) * BYTES_PER_ELEMENT[dtype]) bad(`entry ${name}: ${end - begin} bytes for ${code as string}[${(shape as number[]).join(',')}]`);
    entries.push({ name, code: code as string, dtype, shape: shape as number[], begin, end });
  }
  return { label, bytes, entries, byName: new Map(entries.map((e) => [e.name, e])), metadata, dataOffset };
}

/** The values of one tensor (a view into the file bytes when aligned). */
export function safetensorsTensor(file: SafetensorsFile, name: string): Tensor {
  const e = file.byName.get(name);
  if (!e) throw new ModelFormatError(`${file.label}: no tensor ${name}`, name);
  if (!e.dtype) throw new UnsupportedOpError(`${file.label}: tensor ${name} has unsupported dtype ${e.code}`, name);
  const count = numel(e.shape);
  return { dtype: e.dtype, dims: e.shape, data: viewAs(e.dtype, file.bytes.subarray(file.dataOffset + e.begin, file.dataOffset + e.end), count) };
}
