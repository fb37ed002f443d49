/**
 * Gated noise in a network's intermediate tensors, to measure how much an error in one tensor moves the outputs.
 * Each requested tensor y (a node's float output, [N, C, …spatial]) is replaced by an `If` on a bool graph input
 * (its gate): gate false → y unchanged; gate true → y + σ ⊙ z, with z standard normal noise (RandomNormalLike)
 * and σ_c = √(relative · E[y_c²]) per channel c (mean over the batch and spatial axes), so the noise has the
 * given energy relative to each channel's own energy and the whole tensor's relative error is `relative`.
 * Only the open gate's branch runs, so one session measures every tensor, one forward per (image, tensor).
 */
import { create } from '@bufbuild/protobuf';
import { AttributeProto_AttributeType, AttributeProtoSchema, GraphProtoSchema, TensorShapeProtoSchema, TypeProto_TensorSchema, TypeProtoSchema, ValueInfoProtoSchema, type NodeProto } from 'onnx-buf';
import type { Tensor } from '../core/dtype.js';
import { UsageError } from '../core/errors.js';
import { attrInt, attrInts, int64Tensor, makeNode, makeTensor, makeValueInfo, shallowCopy, withProto, type OnnxModel } from '../io/onnx/bytes.js';
import { runOverInputs, type ActivationOptions, type ActivationRun } from './activations.js';
import { editGraph } from './graph-build.js';

/** One tensor to perturb. */
export interface PerturbRequest {
  /** Caller's key, handed back with the outputs. */
  key: string;
  /** The tensor (a node's output; float32). */
  tensor: string;
  /** Its rank (4 for a 2-D conv's output). */
  rank: number;
  /** Noise energy relative to each channel's energy (e.g. 0.01). */
  relative: number;
}

const BOOL = 9;

function scalarBoolInput(name: string) {
  const tensorType = create(TypeProto_TensorSchema, { elemType: BOOL, shape: create(TensorShapeProtoSchema, { dim: [] }) });
  return create(ValueInfoProtoSchema, { name, type: create(TypeProtoSchema, { value: { case: 'tensorType', value: tensorType } }) });
}

function graphAttr(name: string, nodes: NodeProto[], output: string) {
  const g = create(GraphProtoSchema, { name: `${output}_graph`, node: nodes, output: [makeValueInfo(output, 'float32')] });
  return create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.GRAPH, g });
}

/** `model` with a gate per request (graph inputs named by `gates`); its outputs are the model's. */
export function withGatedNoise(model: OnnxModel, requests: readonly PerturbRequest[]): { model: OnnxModel; gates: Map<string, string> } {
  const edit = editGraph(model);
  const gates = new Map<string, string>();
  const producer = new Map<string, number>();
  edit.nodes.forEach((n, i) => n.output.forEach((v) => v && producer.set(v, i)));
  for (const [k, r] of requests.entries()) {
    const at = producer.get(r.tensor);
    if (at === undefined) throw new UsageError(`tensor '${r.tensor}' is not computed by any node of the model; only node outputs can be perturbed`, r.tensor);
    if (gates.has(r.key)) continue;
    const raw = edit.fresh(`${r.tensor}__pkraw`);
    const node = shallowCopy(edit.nodes[at]!);
    node.output = node.output.map((v) => (v === r.tensor ? raw : v));
    edit.nodes[at] = node;
    const gate = edit.fresh(`pkgate${k}`);
    gates.set(r.key, gate);
    const v = (s: string) => edit.fresh(`${raw}_${s}`);
    const sq = v('sq'), ms = v('ms'), alpha = v('alpha'), var_ = v('var'), sd = v('sd'), z = v('z'), dz = v('dz'), on = v('on'), off = v('off');
    const axes = [0, ...Array.from({ length: Math.max(0, r.rank - 2) }, (_, i) => i + 2)];
    edit.inits.push(makeTensor(alpha, { dtype: 'float32', dims: [], data: Float32Array.of(r.relative) }));
    const mean: NodeProto[] = [];
    if (edit.opset >= 18) {
      const a = v('axes');
      edit.inits.push(int64Tensor(a, axes));
      mean.push(makeNode('ReduceMean', [sq, a], [ms], [attrInt('keepdims', 1)]));
    } else mean.push(makeNode('ReduceMean', [sq], [ms], [attrInts('axes', axes), attrInt('keepdims', 1)]));
    const then = [
      makeNode('Mul', [raw, raw], [sq]), ...mean, makeNode('Mul', [ms, alpha], [var_]), makeNode('Sqrt', [var_], [sd]),
      makeNode('RandomNormalLike', [raw], [z]), makeNode('Mul', [z, sd], [dz]), makeNode('Add', [raw, dz], [on]),
    ];
    const branches = [graphAttr('then_branch', then, on), graphAttr('else_branch', [makeNode('Identity', [raw], [off])], off)];
    edit.nodes.splice(at + 1, 0, makeNode('If', [gate], [r.tensor], branches));
    producer.clear();
    edit.nodes.forEach((n, i) => n.output.forEach((o) => o && producer.set(o, i)));
  }
  const graph = shallowCopy(model.proto.graph!);
  graph.node = edit.nodes;
  graph.initializer = edit.inits;
  graph.input = [...graph.input, ...[...gates.values()].map(scalarBoolInput)];
  const proto = shallowCopy(model.proto);
  proto.graph = graph;
  return { model: withProto(model, proto), gates };
}

/**
 * For every input of `inputs`: run `model` unperturbed (`key` undefined), then once per request with only its
 * gate open, handing the model's outputs to `onOutputs`. Forwards: images × (requests + 1).
 */
export async function collectPerturbedOutputs(
  model: OnnxModel, requests: readonly PerturbRequest[], inputs: AsyncIterable<Readonly<Record<string, Tensor>>>,
  onOutputs: (key: string | undefined, outputs: Record<string, Tensor>, index: number) => void, options: ActivationOptions = {},
): Promise<ActivationRun> {
  const { model: gated, gates } = withGatedNoise(model, requests);
  const keys = [...gates.keys()];
  const closed = Object.fromEntries([...gates.values()].map((g) => [g, { dtype: 'bool', dims: [], data: new Uint8Array(1) } satisfies Tensor]));
  const open = { dtype: 'bool', dims: [], data: Uint8Array.of(1) } satisfies Tensor;
  // One "input" of runOverInputs per forward: the image's feeds with one gate (or none) open.
  async function* forwards(): AsyncGenerator<Record<string, Tensor>> {
    for await (const feeds of inputs) {
      yield { ...feeds, ...closed };
      for (const k of keys) yield { ...feeds, ...closed, [gates.get(k)!]: open };
    }
  }
  const per = keys.length + 1;
  const run = await runOverInputs(gated, forwards(), (out, i) => onOutputs(i % per === 0 ? undefined : keys[(i % per) - 1], out, Math.floor(i / per)), {
    ...options, total: options.total !== undefined ? options.total * per : undefined,
  });
  return { ...run, images: run.images / per };
}
