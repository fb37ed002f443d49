/**
 * `--weights-only` as the CLI writes it: int8 weights behind DequantizeLinear (per output channel, a zero point
 * per channel: weight-asym.ts) with **nearest** rounding, except the weights of the network's two ends, stored as
 * float16 behind a Cast (folded at load; float32 compute): the stem (a weighted layer reading a graph input) and
 * the output layers (a weighted layer whose output feeds the detector's decode tail or is a graph output: the box
 * and score convs of each head branch). Found from the graph, not from names. On LeYOLO-Nano that is 7 convs,
 * 31,920 weights (2.9%): +28 KB (file 31.8% → 32.4% of float). When the ends hold more than {@link EDGE_SHARE} of the
 * layers' weights (a tiny model: one conv is stem and output at once), none is kept float16. Chosen on measurement (docs/quantize.md, "Weight-only
 * accuracy"): the only variant tried whose mAP50-95 drop stayed ≤ 0.3 pt on all 128 coco128 images and on each half.
 */
import { indexGraph } from '../graph/onnx-graph.js';
import type { OnnxModel } from '../io/onnx/bytes.js';
import { floatWeightedLayers } from './layer-weights.js';
import { decodeTail } from './plan.js';
import { floatLayerWeightNames, fp16Weights, weightOnlyInt8, type StorageResult, type WeightOnlyOptions } from './storage.js';

/** The ends stay float16 only while they hold at most this share of the layers' weights (the file stays ~4× smaller). */
export const EDGE_SHARE = 1 / 8;

const elements = (model: OnnxModel, names: ReadonlySet<string>): number =>
  model.proto.graph!.initializer.filter((t) => names.has(t.name)).reduce((a, t) => a + t.dims.reduce((x, d) => x * Number(d), 1), 0);

/** Float32 weight initializers of the stem and output layers (see the module comment). */
export function edgeLayerWeights(model: OnnxModel): Set<string> {
  const g = indexGraph(model);
  const tail = decodeTail(g);
  const graph = model.proto.graph!;
  const inputs = new Set(graph.input.map((i) => i.name));
  const outputs = new Set(graph.output.map((o) => o.name));
  const names = new Set<string>();
  for (const { index, node, weight } of floatWeightedLayers(g)) {
    if (tail.has(index)) continue;
    const output = node.output.some((o) => outputs.has(o) || (g.consumers.get(o) ?? []).some((c) => tail.has(c)));
    if (output || inputs.has(node.input[0] ?? '')) names.add(weight.name);
  }
  return names;
}

export interface WeightOnlyModelOptions extends WeightOnlyOptions {
  /** Store the stem and output layers' weights as float16 (default true). */
  edgesFloat16?: boolean;
}

/** The `--weights-only` model; `float16` names the weights kept float16. */
export function weightOnlyModel(model: OnnxModel, options: WeightOnlyModelOptions = {}): StorageResult & { float16: string[] } {
  let edges = options.edgesFloat16 === false ? new Set<string>() : edgeLayerWeights(model);
  if (elements(model, edges) > EDGE_SHARE * elements(model, floatLayerWeightNames(model))) edges = new Set();
  const half = fp16Weights(model, { minElements: 1, only: edges }); // no edges: a shallow copy, 0 tensors, 0 bytes
  const q = weightOnlyInt8(half.model, { ...options, rounding: options.rounding ?? 'nearest' });
  return { model: q.model, tensors: q.tensors + half.tensors, bytes: { before: q.bytes.before + half.bytes.before, after: q.bytes.after + half.bytes.after }, float16: [...edges] };
}
