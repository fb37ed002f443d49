/**
 * An ONNX model in memory: the parsed protobuf plus the bytes it came from. Value-only edits (same dtype and
 * size) are recorded as byte patches over the source, so writing a pruned model copies the original file and
 * overwrites only the changed weight bytes: everything else stays byte-identical, and it is fast. Structural
 * edits re-encode the protobuf (unknown fields are kept either way).
 */
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema, type ModelProto, type NodeProto, type TensorProto } from 'onnx-buf';
import type { Tensor } from '../../core/dtype.js';
import { ModelFormatError, UsageError, errorMessage } from '../../core/errors.js';
import { inFile } from './errors.js';
import { shallowCopy } from './proto-util.js';
import { withDenseInitializers } from './sparse.js';
import { isExternal, readTensor, withValues, type ExternalReader } from './tensor.js';

export interface BytePatch { /** byte offset in the source */ offset: number; bytes: Uint8Array }

export interface OnnxModel {
  readonly proto: ModelProto;
  /** Bytes the model was parsed from (raw_data fields are views into them). */
  readonly source: Uint8Array | undefined;
  /** Value-only edits over `source`, by tensor name; undefined once the model was edited structurally. */
  readonly patches: ReadonlyMap<string, BytePatch> | undefined;
  /** File the model was read from, when it was. */
  readonly path: string | undefined;
  /** Reader for tensors stored in external data files (models loaded from a path). */
  readonly external: ExternalReader | undefined;
}

/** Where a named weight tensor lives: a graph initializer or the `value` attribute of a Constant node. */
export interface TensorRef {
  name: string;
  kind: 'initializer' | 'constant';
  proto: TensorProto;
  /** Index in graph.initializer, or of the Constant node in graph.node. */
  index: number;
}

const what = (path: string | undefined) => (path ? `'${path}'` : 'model bytes');

/** Parse ONNX bytes. Throws ModelFormatError for anything that is not a readable ONNX model. */
export function parseOnnx(bytes: Uint8Array, options: { path?: string; external?: ExternalReader } = {}): OnnxModel {
  const name = what(options.path);
  if (bytes.length === 0) throw new ModelFormatError(`${name}: empty file, not an ONNX model`, options.path);
  let proto: ModelProto;
  try {
    proto = fromBinary(ModelProtoSchema, bytes, { readUnknownFields: true });
  } catch (e) {
    const why = errorMessage(e);
    throw new ModelFormatError(`${name}: not a valid ONNX model (protobuf decoding failed: ${why}); the file is truncated, corrupt or of another format`, options.path, { cause: e });
  }
  if (!proto.graph || proto.irVersion <= 0n || (proto.graph.node.length === 0 && proto.graph.initializer.length === 0)) {
    throw new ModelFormatError(`${name}: not an ONNX model (no ir_version or graph); expected a .onnx file exported by torch.onnx or Ultralytics`, options.path);
  }
  // Sparse initializers are read as dense ones: every consumer sees plain initializers; writing re-encodes.
  if (proto.graph.sparseInitializer.length > 0) {
    return { proto: inFile(options.path, () => withDenseInitializers(proto, options.external)), source: bytes, patches: undefined, path: options.path, external: options.external };
  }
  return { proto, source: bytes, patches: new Map(), path: options.path, external: options.external };
}

/** Serialise a model. Unmodified models give back their exact source bytes. */
export function serializeOnnx(model: OnnxModel): Uint8Array {
  if (model.source && model.patches) {
    if (model.patches.size === 0) return model.source;
    const out = model.source.slice();
    for (const p of model.patches.values()) out.set(p.bytes, p.offset);
    return out;
  }
  return toBinary(ModelProtoSchema, model.proto, { writeUnknownFields: true });
}

/**
 * The serialised model as consecutive chunks (views, no copy of the source): source ranges interleaved with the
 * patched bytes. Their concatenation equals {@link serializeOnnx}; writers use it to avoid copying the file.
 */
export function serializeOnnxChunks(model: OnnxModel): Uint8Array[] {
  const src = model.source;
  if (!src || !model.patches || model.patches.size === 0) return [serializeOnnx(model)];
  const patches = [...model.patches.values()].sort((a, b) => a.offset - b.offset);
  const chunks: Uint8Array[] = [];
  let pos = 0;
  for (const p of patches) {
    if (p.offset < pos) return [serializeOnnx(model)]; // overlapping patches: let the copying path resolve them
    if (p.offset > pos) chunks.push(src.subarray(pos, p.offset));
    chunks.push(p.bytes);
    pos = p.offset + p.bytes.length;
  }
  if (pos < src.length) chunks.push(src.subarray(pos));
  return chunks;
}

/** Every named tensor of the main graph: initializers, then Constant nodes' `value` tensors. */
export function tensorRefs(model: OnnxModel): Map<string, TensorRef> {
  const refs = new Map<string, TensorRef>();
  const graph = model.proto.graph!;
  graph.initializer.forEach((proto, index) => refs.set(proto.name, { name: proto.name, kind: 'initializer', proto, index }));
  graph.node.forEach((node, index) => {
    if (node.opType !== 'Constant') return;
    const value = node.attribute.find((a) => a.name === 'value')?.t;
    const out = node.output[0];
    if (value && out !== undefined && !refs.has(out)) refs.set(out, { name: out, kind: 'constant', proto: value, index });
  });
  return refs;
}

/** Decode a named tensor (initializer or Constant). */
export function getTensor(model: OnnxModel, name: string, refs: ReadonlyMap<string, TensorRef> = tensorRefs(model)): Tensor {
  const ref = refs.get(name);
  if (!ref) throw new UsageError(`tensor '${name}' is not an initializer or Constant of ${what(model.path)}`, name);
  return readTensor(ref.proto, model.external);
}

function sourceOffset(model: OnnxModel, t: TensorProto): number | undefined {
  const src = model.source;
  if (!src || isExternal(t) || t.rawData.length === 0 || t.rawData.buffer !== src.buffer) return undefined;
  const offset = t.rawData.byteOffset - src.byteOffset;
  return offset >= 0 && offset + t.rawData.length <= src.length ? offset : undefined;
}

/**
 * A new model whose named tensors hold new values (same dtype and element count). The input model is not
 * modified. Raises UsageError for an unknown name.
 */
export function withTensorValues(model: OnnxModel, updates: ReadonlyMap<string, Tensor>): OnnxModel {
  if (updates.size === 0) return model;
  const refs = tensorRefs(model);
  const graph = shallowCopy(model.proto.graph!);
  graph.initializer = [...graph.initializer];
  graph.node = [...graph.node];
  let patches = model.patches ? new Map(model.patches) : undefined;
  for (const [name, values] of updates) {
    const ref = refs.get(name);
    if (!ref) throw new UsageError(`tensor '${name}' is not an initializer or Constant of ${what(model.path)}`, name);
    const next = withValues(ref.proto, values);
    if (patches) {
      const offset = patches.get(name)?.offset ?? sourceOffset(model, ref.proto);
      if (offset !== undefined && next.rawData.length === ref.proto.rawData.length) patches.set(name, { offset, bytes: next.rawData });
      else patches = undefined;
    }
    if (ref.kind === 'initializer') graph.initializer[ref.index] = next;
    else graph.node[ref.index] = withConstantValue(graph.node[ref.index]!, next);
  }
  const proto = shallowCopy(model.proto);
  proto.graph = graph;
  return { ...model, proto, patches };
}

function withConstantValue(node: NodeProto, value: TensorProto): NodeProto {
  const out = shallowCopy(node);
  out.attribute = node.attribute.map((a) => {
    if (a.name !== 'value') return a;
    const b = shallowCopy(a);
    b.t = value;
    return b;
  });
  return out;
}

/** A model with a new protobuf (structural edit): it will be re-encoded when written. */
/** The default-domain (`''` or `ai.onnx`) opset a model imports; 13 when it declares none. */
export function opsetOf(model: OnnxModel): number {
  const entry = model.proto.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  return entry ? Number(entry.version) : 13;
}

export function withProto(model: OnnxModel, proto: ModelProto): OnnxModel {
  return { ...model, proto, patches: undefined };
}
