/**
 * `inspectOnnx`: everything `prunekit inspect` reports about an ONNX model, as one JSON-ready value
 * (plain objects and arrays, no Maps, no bigints). The shape is versioned by {@link INSPECT_SCHEMA_VERSION};
 * fields are only ever added within a version.
 */
import { BYTES_PER_ELEMENT, isFloatDType, numel } from '../core/dtype.js';
import type { OnnxModel, ValueSpec } from '../io/onnx/bytes.js';
import { inFile, modelInputs, modelOutputs, ONNX_DTYPE, parseUltralyticsMetadata, readProvenance } from '../io/onnx/bytes.js';
import { listLayers, type WeightLayer } from './inventory.js';
import { modelPrecision, type ModelPrecision } from './precision.js';
import { indexGraph, resolveIdentity, type GraphIndex } from './onnx-graph.js';
import { inferShapes, type ShapeOptions, type ShapeProblem } from './shapes.js';

export const INSPECT_SCHEMA_VERSION = 1;

export interface InspectLayer {
  /** Weight tensor name (stable key). */
  id: string;
  modulePath: string;
  pathSource: 'node-name' | 'tensor-name' | 'none';
  opType: string;
  nodeNames: string[];
  /** Weight shape. */
  dims: number[];
  dtype: string;
  groups: number;
  depthwise: boolean;
  biasId: string | null;
  params: number;
  nonZero: number;
  zeros: number;
  /** MACs per inference at `shapeInputs`; null when a shape could not be derived. */
  macs: number | null;
}

export interface InspectMetadata {
  /** Class index (as a string key) → name. */
  names: Record<string, string> | null;
  /** Number of classes (size of `names`). */
  nc: number | null;
  stride: number | null;
  /** [height, width] */
  imgsz: [number, number] | null;
  task: string | null;
  version: string | null;
  author: string | null;
  description: string | null;
  batch: number | null;
  /** Every metadata_props entry as written. */
  raw: Record<string, string>;
  /** Entries that could not be parsed (key → reason). */
  problems: Record<string, string>;
}

export interface InspectTotals {
  /** Weight layers (distinct weight tensors). */
  layers: number;
  /** Layers per op type. */
  layersByOp: Record<string, number>;
  /** Elements of the layers' weight tensors. */
  weightParams: number;
  nonZeroWeights: number;
  zeroWeights: number;
  /** zeroWeights / weightParams (0 when there are none). */
  sparsity: number;
  /** Elements of every distinct float parameter tensor: float initializers (weights, biases, BN, other
   * learned tensors) plus weights/biases exporters put in Constant nodes. Shared tensors count once. */
  floatParams: number;
  /** Bytes of the layers' weight tensors. */
  weightBytes: number;
  /** Bytes of all initializer data (inline and external). */
  initializerBytes: number;
  /** Sum of layer MACs; null when any layer's MACs are unknown. */
  macs: number | null;
  layersWithoutMacs: number;
  nodes: number;
  nodesByOp: Record<string, number>;
}

export interface InspectReport {
  schemaVersion: typeof INSPECT_SCHEMA_VERSION;
  format: 'onnx';
  /** `gzipBytes`: the file gzip-compressed (level 6); null when not computed (`inspect --no-gzip`, large files). */
  file: { path: string | null; bytes: number; gzipBytes: number | null };
  /** What the model computes in and stores its weights as (`float32`, `int8 QDQ`, …). */
  precision: ModelPrecision;
  irVersion: number;
  opsets: { domain: string; version: number }[];
  producer: { name: string; version: string };
  graphName: string;
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  /** Input dims MACs were computed at (dynamic dims fixed from imgsz/batch). */
  shapeInputs: { name: string; dims: number[] }[];
  metadata: InspectMetadata;
  /** prunekit's records of the edits that made this model (metadata keys `prunekit`, `prunekit.2`, …), oldest first. */
  provenance: Array<{ key: string; record: unknown }>;
  totals: InspectTotals;
  layers: InspectLayer[];
  /** Where static shapes stayed unknown (empty for the fixture models). */
  shapeProblems: ShapeProblem[];
}

export interface InspectOptions extends ShapeOptions {
  /** Size of the model file in bytes (default: the bytes the model was parsed from). */
  fileBytes?: number;
  /** Gzip-compressed size of the file, computed by the caller (Node edge). */
  gzipBytes?: number | null;
}

const count = (keys: string[]) => {
  const out: Record<string, number> = {};
  for (const k of keys) out[k] = (out[k] ?? 0) + 1;
  return out;
};

function metadataOf(model: OnnxModel): InspectMetadata {
  const md = parseUltralyticsMetadata(model.proto);
  const names = md.names ? Object.fromEntries([...md.names].map(([k, v]) => [String(k), v])) : null;
  return {
    names, nc: md.names ? md.names.size : null, stride: md.stride ?? null, imgsz: md.imgsz ?? null, task: md.task ?? null,
    version: md.version ?? null, author: md.author ?? null, description: md.description ?? null, batch: md.batch ?? null,
    raw: md.raw, problems: md.problems,
  };
}

/**
 * The model's parameters, as `inspect` ("all params") and `prune` ("parameters") count them: every float
 * initializer, plus Constant-node tensors used as a layer's weight or bias. Other Constant nodes (anchor grids,
 * strides, scalars of the decode tail) are not parameters.
 */
export function paramTensorNames(model: OnnxModel, g: GraphIndex, layers: readonly Pick<WeightLayer, 'id' | 'biasId'>[]): Set<string> {
  const names = new Set<string>();
  // Initializers of types prunekit has no typed array for (strings, complex) are not parameters; they are only
  // an error when a layer uses one as its weight (listLayers raises that).
  for (const t of model.proto.graph!.initializer) {
    const dtype = ONNX_DTYPE[t.dataType];
    if (dtype && isFloatDType(dtype)) names.add(t.name);
  }
  for (const l of layers) {
    names.add(resolveIdentity(g, l.id));
    if (l.biasId) names.add(resolveIdentity(g, l.biasId));
  }
  return names;
}

/** Inspect an ONNX model: metadata, inputs/outputs, weight layers with MACs, totals. */
export function inspectOnnx(model: OnnxModel, options: InspectOptions = {}): InspectReport {
  return inFile(model.path, () => buildReport(model, options));
}

function buildReport(model: OnnxModel, options: InspectOptions): InspectReport {
  const proto = model.proto;
  const graph = proto.graph!;
  const g = indexGraph(model);
  const shapeInfo = inferShapes(model, g, options);
  const layers = listLayers(model, g, { shapes: shapeInfo });

  const paramTensors = paramTensorNames(model, g, layers);
  let floatParams = 0;
  for (const name of paramTensors) floatParams += numel(g.constants.get(name)?.proto.dims.map(Number) ?? [0]);
  let initializerBytes = 0;
  for (const t of graph.initializer) {
    const dtype = ONNX_DTYPE[t.dataType];
    initializerBytes += dtype ? numel(t.dims.map(Number)) * BYTES_PER_ELEMENT[dtype] : t.rawData.length;
  }

  const weightParams = layers.reduce((a, l) => a + l.params, 0);
  const nonZeroWeights = layers.reduce((a, l) => a + l.nonZero, 0);
  const withoutMacs = layers.filter((l) => l.macs === undefined).length;
  return {
    schemaVersion: INSPECT_SCHEMA_VERSION,
    format: 'onnx',
    file: { path: model.path ?? null, bytes: options.fileBytes ?? model.source?.length ?? 0, gzipBytes: options.gzipBytes ?? null },
    precision: modelPrecision(model),
    irVersion: Number(proto.irVersion),
    opsets: proto.opsetImport.map((o) => ({ domain: o.domain || 'ai.onnx', version: Number(o.version) })),
    producer: { name: proto.producerName, version: proto.producerVersion },
    graphName: graph.name,
    inputs: modelInputs(proto),
    outputs: modelOutputs(proto),
    shapeInputs: shapeInfo.inputs.map((i) => ({ name: i.name, dims: [...i.dims] })),
    metadata: metadataOf(model),
    provenance: readProvenance(proto),
    totals: {
      layers: layers.length,
      layersByOp: count(layers.map((l) => l.opType)),
      weightParams,
      nonZeroWeights,
      zeroWeights: weightParams - nonZeroWeights,
      sparsity: weightParams ? (weightParams - nonZeroWeights) / weightParams : 0,
      floatParams,
      weightBytes: layers.reduce((a, l) => a + l.params * BYTES_PER_ELEMENT[l.dtype], 0),
      initializerBytes,
      macs: withoutMacs ? null : layers.reduce((a, l) => a + (l.macs ?? 0), 0),
      layersWithoutMacs: withoutMacs,
      nodes: graph.node.length,
      nodesByOp: count(graph.node.map((n) => (n.domain ? `${n.domain}.${n.opType}` : n.opType))),
    },
    layers: layers.map((l) => ({
      id: l.id, modulePath: l.modulePath, pathSource: l.pathSource, opType: l.opType, nodeNames: l.nodeNames,
      dims: [...l.dims], dtype: l.dtype, groups: l.groups, depthwise: l.depthwise, biasId: l.biasId ?? null,
      params: l.params, nonZero: l.nonZero, zeros: l.params - l.nonZero, macs: l.macs ?? null,
    })),
    shapeProblems: [...shapeInfo.problems],
  };
}
