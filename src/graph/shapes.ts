/**
 * Static shape propagation over an ONNX graph (nodes in topological order, as the spec requires). Dynamic
 * input dims are fixed from options: batch for dim 0, the image size for the spatial dims of a 4-D input.
 * Values whose shape cannot be derived stay unknown; the first few reasons are reported, nothing throws.
 */
import { isPrunekitError } from '../core/errors.js';
import type { OnnxModel, TensorRef } from '../io/onnx/bytes.js';
import { opsetOf, parseUltralyticsMetadata, readTensor, tensorDims } from '../io/onnx/bytes.js';
import { indexGraph, type GraphIndex } from './onnx-graph.js';
import { SHAPE_RULES, type OpContext } from './shape-ops.js';
import { MAX_FOLD, validShape, type Shape } from './shape-math.js';

export type { Shape } from './shape-math.js';

export interface ImageSize { height: number; width: number }

export interface ShapeOptions {
  /** Size for dynamic spatial dims of 4-D inputs (px). Default: the model's `imgsz` metadata, else 640. */
  imgsz?: number | ImageSize;
  /** Size of a dynamic batch dim (default 1). */
  batch?: number;
}

export interface ShapeProblem { node: string; opType: string; reason: string }

export interface ShapeInfo {
  /** Value name → static shape, for every value that could be derived (inputs, constants, node outputs). */
  readonly shapes: ReadonlyMap<string, Shape>;
  /** Value name → ONNX element type code, where known (a node output whose rule gives none takes its first input's). */
  readonly types: ReadonlyMap<string, number>;
  /** Graph inputs with their dims as used (dynamic dims fixed). */
  readonly inputs: readonly { name: string; dims: Shape }[];
  /** Node outputs whose shape stayed unknown. */
  readonly unknownOutputs: number;
  /** Why shapes stayed unknown where they first did (at most 20 entries). */
  readonly problems: readonly ShapeProblem[];
}

const MAX_PROBLEMS = 20;

function imageSize(model: OnnxModel, imgsz: ShapeOptions['imgsz']): ImageSize {
  if (typeof imgsz === 'number') return { height: imgsz, width: imgsz };
  if (imgsz) return imgsz;
  const md = parseUltralyticsMetadata(model.proto).imgsz;
  return md ? { height: md[0], width: md[1] } : { height: 640, width: 640 };
}

function constantValues(ref: TensorRef): number[] | undefined {
  const dims = tensorDims(ref.proto);
  if (!validShape(dims) || dims.reduce((a, b) => a * b, 1) > MAX_FOLD) return undefined;
  try {
    return Array.from(readTensor(ref.proto).data as ArrayLike<number | bigint>, Number);
  } catch {
    return undefined;
  }
}

/** Propagate static shapes through the graph. */
export function inferShapes(model: OnnxModel, g: GraphIndex = indexGraph(model), options: ShapeOptions = {}): ShapeInfo {
  const graph = model.proto.graph!;
  let size: ImageSize | undefined;
  const spatial = () => (size ??= imageSize(model, options.imgsz));
  const batch = options.batch ?? 1;
  const shapes = new Map<string, Shape>();
  const values = new Map<string, readonly number[] | undefined>();
  const types = new Map<string, number>();
  const inputs: { name: string; dims: Shape }[] = [];

  for (const v of graph.input) {
    if (g.constants.has(v.name) || v.type?.value.case !== 'tensorType') continue;
    const t = v.type.value.value;
    const dims = t.shape?.dim ?? [];
    const resolved = dims.map((d, i) => {
      if (d.value.case === 'dimValue') return Number(d.value.value);
      if (i === 0) return batch;
      if (dims.length === 4 && i === 2) return spatial().height;
      if (dims.length === 4 && i === 3) return spatial().width;
      return -1;
    });
    types.set(v.name, t.elemType);
    if (t.shape && validShape(resolved)) {
      shapes.set(v.name, resolved);
      inputs.push({ name: v.name, dims: resolved });
    }
  }
  for (const [name, ref] of g.constants) {
    const dims = tensorDims(ref.proto);
    if (validShape(dims)) shapes.set(name, dims);
    types.set(name, ref.proto.dataType);
  }

  const ctx: OpContext = {
    opset: opsetOf(model),
    shape: (name) => (name ? shapes.get(name) : undefined),
    value: (name) => {
      if (!name) return undefined;
      if (values.has(name)) return values.get(name);
      const ref = g.constants.get(name);
      const v = ref ? constantValues(ref) : undefined;
      values.set(name, v);
      return v;
    },
    elemType: (name) => (name ? types.get(name) : undefined),
  };

  const problems: ShapeProblem[] = [];
  let unknownOutputs = 0;
  const problem = (node: { name: string; opType: string }, reason: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push({ node: node.name, opType: node.opType, reason });
  };
  for (const node of g.nodes) {
    if (node.opType === 'Constant' && node.output[0] && shapes.has(node.output[0])) continue;
    const rule = node.domain === '' || node.domain === 'ai.onnx' ? SHAPE_RULES[node.opType] : undefined;
    let result;
    try {
      result = rule?.(node, ctx);
    } catch (e) {
      if (!isPrunekitError(e) && !(e instanceof RangeError)) throw e;
      result = undefined;
    }
    const inputsKnown = node.input.every((i) => !i || shapes.has(i));
    node.output.forEach((out, i) => {
      if (!out) return;
      const s = result?.shapes[i];
      if (validShape(s)) {
        shapes.set(out, s);
        const v = result?.values?.[i];
        if (v && v.length <= MAX_FOLD) values.set(out, v);
        else values.set(out, undefined);
      } else {
        unknownOutputs++;
        values.set(out, undefined);
        if (inputsKnown) problem(node, rule ? 'rule could not derive the output shape' : `no shape rule for op ${node.domain ? node.domain + '.' : ''}${node.opType}`);
      }
      types.set(out, result?.elemTypes?.[i] ?? ctx.elemType(node.input[0]) ?? 1);
    });
  }
  return { shapes, types, inputs, unknownOutputs, problems };
}
