/**
 * ONNX files on disk (the I/O edge): read with external data resolved relative to the model file; write
 * atomically (files/atomic-write: temp file + rename), inline or with external data (on request, and automatically past 2 GB).
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { create } from '@bufbuild/protobuf';
import { StringStringEntryProtoSchema, type ModelProto } from 'onnx-buf';
import { FileError, ModelFormatError, fsProblem, isNotFound } from '../core/errors.js';
import { writeFileAtomic } from './atomic-write.js';
import { checkOutputs } from './output-path.js';
import { readInputFile } from './read-whole.js';
import { parseOnnx, serializeOnnx, withProto, type OnnxModel } from '../io/onnx/model.js';
import { shallowCopy } from '../io/onnx/proto-util.js';
import { serializeWithMetadata } from '../io/onnx/provenance.js';
import { isExternal, readTensor, withValues, type ExternalReader } from '../io/onnx/tensor.js';

/** Protobuf's hard limit for a single message. */
export const PROTOBUF_LIMIT = 2 ** 31 - 1;

export { readInputFile } from './read-whole.js';

function externalReader(modelPath: string): ExternalReader {
  const dir = path.dirname(modelPath);
  return (location, offset, length) => {
    const file = path.resolve(dir, location);
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch (e) {
      if (!isNotFound(e)) throw new FileError(`'${modelPath}': cannot read external data file '${location}' (${fsProblem(e)})`, file, { cause: e });
      throw new FileError(`'${modelPath}': external data file '${location}' not found (looked in ${dir}); keep it beside the model`, file);
    }
    try {
      const size = fstatSync(fd).size;
      const len = length ?? size - offset;
      if (offset < 0 || offset + len > size) {
        throw new ModelFormatError(`'${modelPath}': external data file '${location}' is too short (needs bytes ${offset}..${offset + len}, has ${size})`, file);
      }
      const buf = new Uint8Array(len);
      readSync(fd, buf, 0, len, offset);
      return buf;
    } finally {
      closeSync(fd);
    }
  };
}

/** Check that every external data range of the model exists (by file size; nothing is read). */
function checkExternal(model: OnnxModel, file: string): void {
  const dir = path.dirname(file);
  const sizes = new Map<string, number>();
  for (const t of model.proto.graph!.initializer) {
    if (!isExternal(t)) continue;
    const entry = (key: string) => t.externalData.find((e) => e.key === key)?.value;
    const location = entry('location');
    if (!location) throw new ModelFormatError(`'${file}': tensor '${t.name}' is external but has no 'location' entry`, file);
    let size = sizes.get(location);
    if (size === undefined) {
      try {
        size = statSync(path.resolve(dir, location)).size;
      } catch (e) {
        if (!isNotFound(e)) throw new FileError(`'${file}': cannot read external data file '${location}' (${fsProblem(e)})`, path.resolve(dir, location), { cause: e });
        throw new FileError(`'${file}': external data file '${location}' not found (looked in ${dir}); keep it beside the model`, path.resolve(dir, location));
      }
      sizes.set(location, size);
    }
    const offset = Number(entry('offset') ?? 0);
    const length = entry('length');
    const end = offset + (length === undefined ? 0 : Number(length));
    if (!(end <= size)) throw new ModelFormatError(`'${file}': external data file '${location}' is too short for tensor '${t.name}' (needs bytes up to ${end}, has ${size})`, file);
  }
}

/** Load an ONNX model from a file; external data files are checked now and read when tensors are accessed. */
export async function loadOnnx(file: string): Promise<OnnxModel> {
  const bytes = await readInputFile(file);
  const model = parseOnnx(bytes, { path: file, external: externalReader(file) });
  checkExternal(model, file);
  return model;
}

export interface SaveOptions {
  /** Overwrite an existing file. */
  force?: boolean;
  /** Store tensors ≥ `externalThreshold` bytes in this file (relative to the model's folder). Default: inline,
   * or `<model>.data` automatically when the inline model would exceed 2 GB. */
  externalData?: string;
  /** Minimum tensor size moved to external data, bytes (default 1024). */
  externalThreshold?: number;
  /** `metadata_props` entries to add (e.g. prunekit provenance); existing entries stay. */
  metadata?: ReadonlyArray<{ key: string; value: string }>;
}

export interface SavedFile { path: string; bytes: number; externalDataPath?: string; externalDataBytes?: number }

/** Inline every externally stored tensor (so the model no longer depends on files beside the source). */
function inlineExternal(model: OnnxModel): OnnxModel {
  const graph = model.proto.graph!;
  if (!graph.initializer.some(isExternal)) return model;
  const g = shallowCopy(graph);
  g.initializer = graph.initializer.map((t) => (isExternal(t) ? withValues(t, readTensor(t, model.external)) : t));
  const proto = shallowCopy(model.proto);
  proto.graph = g;
  return withProto(model, proto);
}

/** Move large initializers into one external data file; returns the new proto and the data bytes. */
function externalise(proto: ModelProto, location: string, threshold: number): { proto: ModelProto; data: Uint8Array } {
  const graph = proto.graph!;
  const chunks: Uint8Array[] = [];
  let size = 0;
  const g = shallowCopy(graph);
  g.initializer = graph.initializer.map((t) => {
    if (t.rawData.length < threshold) return t;
    const pad = (4096 - (size % 4096)) % 4096;
    if (pad) { chunks.push(new Uint8Array(pad)); size += pad; }
    const entry = (key: string, value: string) => create(StringStringEntryProtoSchema, { key, value });
    const out = shallowCopy(t);
    out.externalData = [entry('location', location), entry('offset', String(size)), entry('length', String(t.rawData.length))];
    out.dataLocation = 1;
    out.rawData = new Uint8Array(0);
    chunks.push(t.rawData);
    size += t.rawData.length;
    return out;
  });
  const data = new Uint8Array(size);
  let o = 0;
  for (const c of chunks) { data.set(c, o); o += c.length; }
  const p = shallowCopy(proto);
  p.graph = g;
  return { proto: p, data };
}

/** Write a model atomically. The input file of the model is never the target unless `force` is set. */
export async function saveOnnx(model: OnnxModel, file: string, options: SaveOptions = {}): Promise<SavedFile> {
  const force = options.force;
  await checkOutputs([{ path: file }], { force });
  const extra = options.metadata ?? [];
  const inline = inlineExternal(model);
  let location = options.externalData;
  if (!location) {
    // Inline: exactly the bytes the in-memory writers produce (value-patched source streamed without a copy).
    const chunks = serializeWithMetadata(inline, extra);
    if (chunks.reduce((n, c) => n + c.length, 0) <= PROTOBUF_LIMIT) {
      const bytes = await writeFileAtomic(file, chunks, { force });
      return { path: file, bytes };
    }
    location = `${path.basename(file)}.data`;
  }
  let withExtra = inline;
  if (extra.length > 0) {
    const p = shallowCopy(inline.proto);
    p.metadataProps = [...p.metadataProps, ...extra.map((m) => create(StringStringEntryProtoSchema, m))];
    withExtra = withProto(inline, p);
  }
  const { proto, data } = externalise(withExtra.proto, location, options.externalThreshold ?? 1024);
  const dataPath = path.resolve(path.dirname(file), location);
  await checkOutputs([{ path: dataPath }], { force });
  await writeFileAtomic(dataPath, data, { force });
  const modelBytes = serializeOnnx(withProto(withExtra, proto));
  await writeFileAtomic(file, modelBytes, { force });
  return { path: file, bytes: modelBytes.length, externalDataPath: dataPath, externalDataBytes: data.length };
}
