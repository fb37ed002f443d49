/**
 * A segment of a model: the nodes that compute some outputs from chosen intermediate tensors, which become the
 * segment's graph inputs. Used to run a network block by block over cached activations (each block starts from
 * the values the previous block produced) instead of re-running the network's prefix for every block. Nodes are
 * found by walking back from the outputs; the walk stops at the given tensors and at initializers, so nodes
 * computing constants (Constant, shape arithmetic on constants) are kept and recomputed. Float32 values may
 * cross the boundary as float16 (a Cast on each side inside the graph), halving a cache's memory.
 */
import type { NodeProto } from 'onnx-buf';
import type { DType } from '../core/dtype.js';
import { UsageError } from '../core/errors.js';
import { create } from '@bufbuild/protobuf';
import { DTYPE_ONNX, makeNode, makeValueInfo, attrInt, shallowCopy, withProto, type OnnxModel } from '../io/onnx/bytes.js';
import { TensorShapeProto_DimensionSchema, TensorShapeProtoSchema, TypeProto_TensorSchema, TypeProtoSchema, ValueInfoProtoSchema } from 'onnx-buf';

/** A tensor given to the segment: its name in the model, and the dtype and dims of the values fed. */
export interface SegmentInput { name: string; dtype: DType; dims: readonly number[] }

export interface SegmentSpec {
  /** Tensors whose values are fed (graph inputs of the model may be among them). Unused ones are dropped. */
  given: readonly SegmentInput[];
  /** Tensors to output besides the model's outputs (values to hand to the next segment). */
  keep: readonly string[];
  /** Float32 tensors that cross the boundary as float16: fed as float16 when given, output as float16 when kept (Casts in the graph). */
  half?: ReadonlySet<string>;
}

/** Name under which a tensor crosses a segment boundary as float16. */
export const HALF_SUFFIX = '__pkf16';

export interface Segment {
  model: OnnxModel;
  /** Given tensors the segment reads (feed exactly these, under `feedName`; dtype float16 for those crossing as float16). */
  inputs: readonly SegmentInput[];
  /** The graph input a given tensor is fed under (its name, or its float16 name). */
  feedName(name: string): string;
  /** The graph output a kept tensor comes out under. */
  outputName(name: string): string;
}

function typedInput(name: string, dtype: DType, dims: readonly number[]) {
  const shape = create(TensorShapeProtoSchema, { dim: dims.map((d) => create(TensorShapeProto_DimensionSchema, { value: { case: 'dimValue', value: BigInt(d) } })) });
  const tensorType = create(TypeProto_TensorSchema, { elemType: DTYPE_ONNX[dtype], shape });
  return create(ValueInfoProtoSchema, { name, type: create(TypeProtoSchema, { value: { case: 'tensorType', value: tensorType } }) });
}

/** `model` restricted to what computes its outputs and `spec.keep` from `spec.given`. */
export function withSegment(model: OnnxModel, spec: SegmentSpec): Segment {
  const graph = model.proto.graph!;
  const given = new Map(spec.given.map((g) => [g.name, g]));
  const inits = new Set(graph.initializer.map((t) => t.name));
  const producer = new Map<string, number>();
  graph.node.forEach((n, i) => n.output.forEach((v) => v && producer.set(v, i)));
  const half = (name: string) => spec.half?.has(name) === true;
  const keepHalf = new Set(spec.keep.filter(half));
  const wanted = [...graph.output.map((o) => o.name), ...spec.keep];
  const nodes = new Set<number>();
  const used = new Set<string>();
  const stack = [...wanted];
  while (stack.length > 0) {
    const v = stack.pop()!;
    if (!v || used.has(v)) continue;
    used.add(v);
    if (given.has(v) || inits.has(v)) continue;
    const p = producer.get(v);
    if (p === undefined) throw new UsageError(`segment: tensor '${v}' is needed but neither given nor computed by a node of the model`, v);
    if (nodes.has(p)) continue;
    nodes.add(p);
    for (const i of graph.node[p]!.input) stack.push(i);
  }
  const inputs = spec.given.filter((g) => used.has(g.name)).map((g) => (half(g.name) ? { ...g, dtype: 'float16' as const } : g));
  const casts: NodeProto[] = inputs.filter((g) => half(g.name)).map((g) => makeNode('Cast', [`${g.name}${HALF_SUFFIX}`], [g.name], [attrInt('to', DTYPE_ONNX.float32)]));
  const outCasts = spec.keep.filter((k) => keepHalf.has(k)).map((k) => makeNode('Cast', [k], [`${k}${HALF_SUFFIX}`], [attrInt('to', DTYPE_ONNX.float16)]));
  const g = shallowCopy(graph);
  g.node = [...casts, ...graph.node.filter((_, i) => nodes.has(i)), ...outCasts];
  g.input = inputs.map((i) => (half(i.name) ? typedInput(`${i.name}${HALF_SUFFIX}`, 'float16', i.dims) : typedInput(i.name, i.dtype, i.dims)));
  g.initializer = graph.initializer.filter((t) => used.has(t.name));
  const keptOutputs = spec.keep.map((k) => (keepHalf.has(k) ? makeValueInfo(`${k}${HALF_SUFFIX}`, 'float16') : create(ValueInfoProtoSchema, { name: k })));
  g.output = [...graph.output, ...keptOutputs];
  const proto = shallowCopy(model.proto);
  proto.graph = g;
  return {
    model: withProto(model, proto),
    inputs,
    feedName: (name) => (half(name) ? `${name}${HALF_SUFFIX}` : name),
    outputName: (name) => (keepHalf.has(name) ? `${name}${HALF_SUFFIX}` : name),
  };
}
