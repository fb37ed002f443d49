/**
 * Model metadata: inputs/outputs and the Ultralytics `metadata_props` (names, stride, imgsz, task, version…).
 */
import type { ModelProto, TypeProto, ValueInfoProto } from 'onnx-buf';
import { onnxDTypeName } from './dtypes.js';
import { parsePyLiteral, type PyValue } from './pyliteral.js';
import { errorMessage } from '../../core/errors.js';

export interface ValueSpec {
  name: string;
  /** Element type name ('float32', …) or undefined for non-tensor values. */
  dtype: string | undefined;
  /** Static dims as numbers, symbolic ones as their name, unknown as '?'. */
  shape: (number | string)[];
}

export interface UltralyticsMetadata {
  /** Class index → name, from the `names` dict literal. */
  names?: Map<number, string>;
  stride?: number;
  /** [height, width] */
  imgsz?: [number, number];
  task?: string;
  version?: string;
  author?: string;
  description?: string;
  batch?: number;
  /** Every metadata_props entry as written. */
  raw: Record<string, string>;
  /** Entries that could not be parsed (key → reason). */
  problems: Record<string, string>;
}

function tensorSpec(name: string, type: TypeProto | undefined): ValueSpec {
  if (type?.value.case !== 'tensorType') return { name, dtype: undefined, shape: [] };
  const t = type.value.value;
  const shape = (t.shape?.dim ?? []).map((d) =>
    d.value.case === 'dimValue' ? Number(d.value.value) : d.value.case === 'dimParam' ? d.value.value : '?',
  );
  return { name, dtype: onnxDTypeName(t.elemType), shape };
}

export function valueSpecs(values: readonly ValueInfoProto[], exclude: ReadonlySet<string> = new Set()): ValueSpec[] {
  return values.filter((v) => !exclude.has(v.name)).map((v) => tensorSpec(v.name, v.type));
}

/** Graph inputs that are real inputs (old exporters list initializers among inputs too). */
export function modelInputs(proto: ModelProto): ValueSpec[] {
  const inits = new Set(proto.graph!.initializer.map((t) => t.name));
  return valueSpecs(proto.graph!.input, inits);
}

export function modelOutputs(proto: ModelProto): ValueSpec[] {
  return valueSpecs(proto.graph!.output);
}

function toNames(v: PyValue): Map<number, string> | undefined {
  if (v instanceof Map) {
    const out = new Map<number, string>();
    for (const [k, name] of v) out.set(Number(k), String(name));
    return out;
  }
  if (Array.isArray(v)) return new Map(v.map((name, i) => [i, String(name)]));
  return undefined;
}

/** Parse Ultralytics-style metadata_props. Unknown keys stay in `raw`; unparsable values go to `problems`. */
export function parseUltralyticsMetadata(proto: ModelProto): UltralyticsMetadata {
  const raw: Record<string, string> = {};
  for (const p of proto.metadataProps) raw[p.key] = p.value;
  const md: UltralyticsMetadata = { raw, problems: {} };
  const parse = (key: string): PyValue | undefined => {
    const text = raw[key];
    if (text === undefined) return undefined;
    try {
      return parsePyLiteral(text);
    } catch (e) {
      md.problems[key] = errorMessage(e);
      return undefined;
    }
  };
  const names = parse('names');
  if (names !== undefined) md.names = toNames(names);
  const stride = parse('stride');
  if (typeof stride === 'number') md.stride = stride;
  else if (Array.isArray(stride) && typeof stride[0] === 'number') md.stride = Math.max(...(stride as number[]));
  const imgsz = parse('imgsz');
  if (Array.isArray(imgsz) && imgsz.length === 2 && imgsz.every((x) => typeof x === 'number')) md.imgsz = [imgsz[0] as number, imgsz[1] as number];
  else if (typeof imgsz === 'number') md.imgsz = [imgsz, imgsz];
  const batch = parse('batch');
  if (typeof batch === 'number') md.batch = batch;
  if (raw.task !== undefined) md.task = raw.task;
  if (raw.version !== undefined) md.version = raw.version;
  if (raw.author !== undefined) md.author = raw.author;
  if (raw.description !== undefined) md.description = raw.description;
  return md;
}
