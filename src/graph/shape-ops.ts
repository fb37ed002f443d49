/**
 * Static shape rules for the ONNX operators YOLO exports use (opset 11–18 semantics where they differ).
 * Small integer tensors are also folded by value (Shape → Gather → Unsqueeze → Concat → Reshape chains, the
 * pad arithmetic torch.onnx emits), so shapes that depend on them stay static.
 */
import type { NodeProto } from 'onnx-buf';
import { readTensor } from '../io/onnx/bytes.js';
import { intAttr, intsAttr, strAttr } from './onnx-graph.js';
import {
  broadcast, broadcastValues, MAX_FOLD, normAxis, numelOf, pick, sliceIndices, transposeValues, validShape, windowOutput,
  type Shape,
} from './shape-math.js';

/** What a rule can ask about its inputs. */
export interface OpContext {
  readonly opset: number;
  shape(name: string | undefined): Shape | undefined;
  /** Values of a small constant or folded tensor (flat, row-major). */
  value(name: string | undefined): readonly number[] | undefined;
  /** ONNX element type code. */
  elemType(name: string | undefined): number | undefined;
}

export interface OpResult {
  shapes: (Shape | undefined)[];
  values?: (readonly number[] | undefined)[];
  elemTypes?: (number | undefined)[];
}

export type ShapeRule = (node: NodeProto, ctx: OpContext) => OpResult;

const INT_TYPES = new Set([2, 3, 4, 5, 6, 7, 12, 13]);
const one = (shape: Shape | undefined, value?: readonly number[]): OpResult => ({ shapes: [shape], values: [value] });
/** Axes from an attribute (older opsets) or the given input (newer ones). */
const axesOf = (n: NodeProto, ctx: OpContext, input: number) => intsAttr(n, 'axes') ?? ctx.value(n.input[input] || undefined);

const unary: ShapeRule = (n, ctx) => one(ctx.shape(n.input[0]));

function elementwise(f?: (x: number, y: number) => number): ShapeRule {
  return (n, ctx) => {
    const shapes = n.input.filter(Boolean).map((i) => ctx.shape(i));
    if (shapes.some((s) => !s)) return one(undefined);
    const shape = broadcast(shapes as Shape[]);
    const [a, b] = [ctx.value(n.input[0]), ctx.value(n.input[1])];
    if (f && a && b && shape) {
      const isInt = INT_TYPES.has(ctx.elemType(n.input[0]) ?? 1);
      const r = broadcastValues(a, shapes[0]!, b, shapes[1]!, isInt ? (x, y) => Math.trunc(f(x, y)) : f);
      if (r) return one(r.shape, r.values);
    }
    return one(shape);
  };
}

function windowRule(kind: 'conv' | 'pool'): ShapeRule {
  return (n, ctx) => {
    const x = ctx.shape(n.input[0]);
    if (!x || x.length < 3) return one(undefined);
    const w = kind === 'conv' ? ctx.shape(n.input[1]) : undefined;
    if (kind === 'conv' && (!w || w.length !== x.length)) return one(undefined);
    const spatial = x.slice(2);
    const kernel = intsAttr(n, 'kernel_shape') ?? w?.slice(2) ?? [];
    const r = spatial.length;
    const out = windowOutput(spatial, {
      kernel,
      strides: intsAttr(n, 'strides') ?? new Array<number>(r).fill(1),
      dilations: intsAttr(n, 'dilations') ?? new Array<number>(r).fill(1),
      pads: intsAttr(n, 'pads') ?? new Array<number>(2 * r).fill(0),
      autoPad: strAttr(n, 'auto_pad', 'NOTSET'),
      ceilMode: intAttr(n, 'ceil_mode', 0) === 1,
    });
    const channels = kind === 'conv' ? w![0]! : x[1]!;
    const shape = out ? [x[0]!, channels, ...out] : undefined;
    return { shapes: n.output.map((_, i) => (i === 0 ? shape : i === 1 && kind === 'pool' ? shape : undefined)) };
  };
}

const convTranspose: ShapeRule = (n, ctx) => {
  const x = ctx.shape(n.input[0]);
  const w = ctx.shape(n.input[1]);
  if (!x || !w || x.length < 3 || w.length !== x.length) return one(undefined);
  const r = x.length - 2;
  const groups = intAttr(n, 'group', 1);
  const outShape = intsAttr(n, 'output_shape');
  if (outShape) return one([x[0]!, w[1]! * groups, ...outShape.slice(-r)]);
  const k = intsAttr(n, 'kernel_shape') ?? w.slice(2);
  const s = intsAttr(n, 'strides') ?? [];
  const d = intsAttr(n, 'dilations') ?? [];
  const p = intsAttr(n, 'pads') ?? [];
  const op = intsAttr(n, 'output_padding') ?? [];
  const spatial = x.slice(2).map((xi, i) =>
    (s[i] ?? 1) * (xi - 1) + (op[i] ?? 0) + ((k[i] ?? 1) - 1) * (d[i] ?? 1) + 1 - (p[i] ?? 0) - (p[i + r] ?? 0));
  return one([x[0]!, w[1]! * groups, ...spatial]);
};

const gemm: ShapeRule = (n, ctx) => {
  const a = ctx.shape(n.input[0]);
  const b = ctx.shape(n.input[1]);
  if (!a || !b || a.length !== 2 || b.length !== 2) return one(undefined);
  const m = intAttr(n, 'transA', 0) ? a[1]! : a[0]!;
  const nn = intAttr(n, 'transB', 0) ? b[0]! : b[1]!;
  return one([m, nn]);
};

const matmul: ShapeRule = (n, ctx) => {
  const a = ctx.shape(n.input[0]);
  const b = ctx.shape(n.input[1]);
  if (!a || !b || a.length === 0 || b.length === 0) return one(undefined);
  const a2 = a.length === 1 ? [1, a[0]!] : a;
  const b2 = b.length === 1 ? [b[0]!, 1] : b;
  const batch = broadcast([a2.slice(0, -2), b2.slice(0, -2)]);
  if (!batch || a2[a2.length - 1] !== b2[b2.length - 2]) return one(undefined);
  const out = [...batch];
  if (a.length > 1) out.push(a2[a2.length - 2]!);
  if (b.length > 1) out.push(b2[b2.length - 1]!);
  return one(out);
};

const reshape: ShapeRule = (n, ctx) => {
  const x = ctx.shape(n.input[0]);
  const target = ctx.value(n.input[1]);
  if (!x || !target) return one(undefined);
  const allowZero = intAttr(n, 'allowzero', 0) === 1;
  const out = target.map((d, i) => (d === 0 && !allowZero ? (x[i] ?? -2) : d));
  const known = numelOf(out.filter((d) => d !== -1));
  const free = out.filter((d) => d === -1).length;
  if (free > 1 || out.some((d) => d < -1)) return one(undefined);
  if (free === 1) {
    if (known === 0 || numelOf(x) % known !== 0) return one(undefined);
    out[out.indexOf(-1)] = numelOf(x) / known;
  }
  return one(out, ctx.value(n.input[0]));
};

const transpose: ShapeRule = (n, ctx) => {
  const x = ctx.shape(n.input[0]);
  if (!x) return one(undefined);
  const perm = intsAttr(n, 'perm') ?? x.map((_, i) => x.length - 1 - i);
  if (perm.length !== x.length || perm.some((p) => x[p] === undefined)) return one(undefined);
  const v = ctx.value(n.input[0]);
  return one(perm.map((p) => x[p]!), v && transposeValues(v, x, perm));
};

const concat: ShapeRule = (n, ctx) => {
  const ins = n.input.filter(Boolean);
  const shapes = ins.map((i) => ctx.shape(i));
  if (shapes.some((s) => !s) || shapes.length === 0) return one(undefined);
  const first = shapes[0]!;
  const axis = normAxis(intAttr(n, 'axis', 0), first.length);
  if (axis === undefined) return one(undefined);
  const out = [...first];
  out[axis] = shapes.reduce((sum, s) => sum + (s![axis] ?? 0), 0);
  const vals = ins.map((i) => ctx.value(i));
  const flat = first.length <= 1 && vals.every(Boolean) ? vals.flatMap((v) => [...v!]) : undefined;
  return one(out, flat);
};

const split: ShapeRule = (n, ctx) => {
  const x = ctx.shape(n.input[0]);
  const outs = n.output.length;
  if (!x) return { shapes: new Array(outs).fill(undefined) };
  const axis = normAxis(intAttr(n, 'axis', 0), x.length);
  if (axis === undefined) return { shapes: new Array(outs).fill(undefined) };
  let sizes = intsAttr(n, 'split') ?? ctx.value(n.input[1] || undefined);
  if (!sizes) {
    const size = Math.ceil(x[axis]! / outs);
    sizes = Array.from({ length: outs }, (_, i) => Math.min(size, Math.max(0, x[axis]! - i * size)));
  }
  return { shapes: n.output.map((_, i) => (sizes[i] === undefined ? undefined : x.map((d, k) => (k === axis ? sizes[i]! : d)))) };
};

const slice: ShapeRule = (n, ctx) => {
  const x = ctx.shape(n.input[0]);
  if (!x) return one(undefined);
  const old = ctx.opset < 10;
  const starts = old ? intsAttr(n, 'starts') : ctx.value(n.input[1]);
  const ends = old ? intsAttr(n, 'ends') : ctx.value(n.input[2]);
  const axes = (old ? intsAttr(n, 'axes') : ctx.value(n.input[3] || undefined)) ?? starts?.map((_, i) => i);
  const steps = (old ? undefined : ctx.value(n.input[4] || undefined)) ?? starts?.map(() => 1);
  if (!starts || !ends || !axes || !steps) return one(undefined);
  const v = ctx.value(n.input[0]);
  const fold = v !== undefined && numelOf(x) <= MAX_FOLD;
  const index: number[][] = fold ? x.map((d) => Array.from({ length: d }, (_, i) => i)) : [];
  const out = [...x];
  for (let i = 0; i < axes.length; i++) {
    const axis = normAxis(axes[i]!, x.length);
    if (axis === undefined) return one(undefined);
    const idx = sliceIndices(x[axis]!, starts[i]!, ends[i]!, steps[i]!);
    if (!idx) return one(undefined);
    out[axis] = idx.length;
    if (fold) index[axis] = idx;
  }
  return one(out, fold ? pick(v, x, index) : undefined);
};

const gather: ShapeRule = (n, ctx) => {
  const x = ctx.shape(n.input[0]);
  const idx = ctx.shape(n.input[1]);
  if (!x || !idx) return one(undefined);
  const axis = normAxis(intAttr(n, 'axis', 0), x.length);
  if (axis === undefined) return one(undefined);
  const shape = [...x.slice(0, axis), ...idx, ...x.slice(axis + 1)];
  const v = ctx.value(n.input[0]);
  const iv = ctx.value(n.input[1]);
  const folded = v && iv && x.length === 1 ? iv.map((i) => v[i < 0 ? i + x[0]! : i]!) : undefined;
  return one(shape, folded?.every((e) => e !== undefined) ? folded : undefined);
};

const unsqueeze: ShapeRule = (n, ctx) => {
  const x = ctx.shape(n.input[0]);
  const axes = axesOf(n, ctx, 1);
  if (!x || !axes) return one(undefined);
  const rank = x.length + axes.length;
  const norm = axes.map((a) => normAxis(a, rank));
  if (norm.some((a) => a === undefined)) return one(undefined);
  const out: number[] = [];
  let k = 0;
  for (let i = 0; i < rank; i++) out.push(norm.includes(i) ? 1 : x[k++]!);
  return one(out, ctx.value(n.input[0]));
};

const squeeze: ShapeRule = (n, ctx) => {
  const x = ctx.shape(n.input[0]);
  if (!x) return one(undefined);
  const axes = axesOf(n, ctx, 1)?.map((a) => normAxis(a, x.length));
  const drop = (d: number, i: number) => (axes ? axes.includes(i) : d === 1);
  return one(x.filter((d, i) => !drop(d, i)), ctx.value(n.input[0]));
};

const flatten: ShapeRule = (n, ctx) => {
  const x = ctx.shape(n.input[0]);
  if (!x) return one(undefined);
  const axis = intAttr(n, 'axis', 1);
  const a = axis < 0 ? axis + x.length : axis;
  return one([numelOf(x.slice(0, a)), numelOf(x.slice(a))]);
};

const reduce: ShapeRule = (n, ctx) => {
  const x = ctx.shape(n.input[0]);
  if (!x) return one(undefined);
  const keep = intAttr(n, 'keepdims', 1) === 1;
  const axes = axesOf(n, ctx, 1);
  const all = !axes || axes.length === 0;
  if (all && intAttr(n, 'noop_with_empty_axes', 0) === 1) return one(x);
  const set = new Set(all ? x.map((_, i) => i) : axes.map((a) => normAxis(a, x.length)));
  const out: number[] = [];
  x.forEach((d, i) => { if (!set.has(i)) out.push(d); else if (keep) out.push(1); });
  return one(out);
};

const argReduce: ShapeRule = (n, ctx) => {
  const x = ctx.shape(n.input[0]);
  const axis = x && normAxis(intAttr(n, 'axis', 0), x.length);
  if (!x || axis === undefined) return one(undefined);
  const keep = intAttr(n, 'keepdims', 1) === 1;
  return { shapes: [keep ? x.map((d, i) => (i === axis ? 1 : d)) : x.filter((_, i) => i !== axis)], elemTypes: [7] };
};

const pad: ShapeRule = (n, ctx) => {
  const x = ctx.shape(n.input[0]);
  const pads = ctx.opset < 11 ? intsAttr(n, 'pads') : ctx.value(n.input[1]);
  if (!x || !pads || pads.length !== 2 * x.length) return one(undefined);
  return one(x.map((d, i) => d + pads[i]! + pads[i + x.length]!));
};

const resize: ShapeRule = (n, ctx) => {
  const x = ctx.shape(n.input[0]);
  if (!x) return one(undefined);
  const sizes = ctx.value(n.input[3] || undefined);
  if (sizes && sizes.length === x.length) return one([...sizes]);
  const scales = ctx.value(n.input[ctx.opset < 11 || n.opType === 'Upsample' ? 1 : 2] || undefined) ?? n.attribute.find((a) => a.name === 'scales')?.floats;
  if (!scales || scales.length !== x.length) return one(undefined);
  return one(x.map((d, i) => Math.floor(d * scales[i]!)));
};

const shapeOp: ShapeRule = (n, ctx) => {
  const x = ctx.shape(n.input[0]);
  if (!x) return { shapes: [undefined], elemTypes: [7] };
  const start = normAxis(intAttr(n, 'start', 0), x.length + 1) ?? 0;
  const endAttr = intAttr(n, 'end', x.length);
  const end = Math.min(x.length, Math.max(0, endAttr < 0 ? endAttr + x.length : endAttr));
  const v = x.slice(start, end);
  return { shapes: [[v.length]], values: [v], elemTypes: [7] };
};

const constantOfShape: ShapeRule = (n, ctx) => {
  const shape = ctx.value(n.input[0]);
  if (!validShape(shape)) return one(undefined);
  const t = n.attribute.find((a) => a.name === 'value')?.t;
  const fill = t ? Number(readTensor(t).data[0] ?? 0) : 0;
  const count = numelOf(shape);
  return { shapes: [shape], values: [count <= MAX_FOLD ? new Array<number>(count).fill(fill) : undefined], elemTypes: [t?.dataType ?? 1] };
};

const range: ShapeRule = (n, ctx) => {
  const [s, l, d] = [ctx.value(n.input[0])?.[0], ctx.value(n.input[1])?.[0], ctx.value(n.input[2])?.[0]];
  if (s === undefined || l === undefined || d === undefined || d === 0) return one(undefined);
  const len = Math.max(0, Math.ceil((l - s) / d));
  if (!Number.isSafeInteger(len)) return one(undefined);
  return one([len], len <= MAX_FOLD ? Array.from({ length: len }, (_, i) => s + i * d) : undefined);
};

const cast: ShapeRule = (n, ctx) => {
  const to = intAttr(n, 'to', 1);
  const v = ctx.value(n.input[0]);
  return { shapes: [ctx.shape(n.input[0])], values: [v && INT_TYPES.has(to) ? v.map(Math.trunc) : v], elemTypes: [to] };
};

const identity: ShapeRule = (n, ctx) => one(ctx.shape(n.input[0]), ctx.value(n.input[0]));

const expand: ShapeRule = (n, ctx) => {
  const x = ctx.shape(n.input[0]);
  const s = ctx.value(n.input[1]);
  return one(x && s ? broadcast([x, s]) : undefined);
};

const tile: ShapeRule = (n, ctx) => {
  const x = ctx.shape(n.input[0]);
  const r = ctx.value(n.input[1]);
  return one(x && r && r.length === x.length ? x.map((d, i) => d * r[i]!) : undefined);
};

const globalPool: ShapeRule = (n, ctx) => {
  const x = ctx.shape(n.input[0]);
  return one(x && x.length >= 3 ? [x[0]!, x[1]!, ...x.slice(2).map(() => 1)] : undefined);
};

const constant: ShapeRule = (n) => {
  const a = n.attribute[0];
  if (!a) return one(undefined);
  if (a.name === 'value_int') return { shapes: [[]], values: [[Number(a.i)]], elemTypes: [7] };
  if (a.name === 'value_ints') return { shapes: [[a.ints.length]], values: [a.ints.map(Number)], elemTypes: [7] };
  if (a.name === 'value_float') return { shapes: [[]], values: [[a.f]], elemTypes: [1] };
  if (a.name === 'value_floats') return { shapes: [[a.floats.length]], values: [a.floats], elemTypes: [1] };
  return one(undefined);
};

const UNARY = ['Relu', 'Sigmoid', 'Tanh', 'Exp', 'Log', 'Sqrt', 'Erf', 'Abs', 'Neg', 'Floor', 'Ceil', 'Round', 'Reciprocal',
  'LeakyRelu', 'HardSigmoid', 'HardSwish', 'Elu', 'Selu', 'Gelu', 'Mish', 'Softplus', 'Sin', 'Cos', 'Not', 'Clip',
  'Softmax', 'LogSoftmax', 'Dropout', 'BatchNormalization', 'InstanceNormalization', 'LayerNormalization', 'LRN',
  'IsNaN', 'IsInf', 'Sign', 'PRelu', 'CumSum', 'QuantizeLinear', 'DequantizeLinear'];
const BINARY: Record<string, ((x: number, y: number) => number) | undefined> = {
  Add: (x, y) => x + y, Sub: (x, y) => x - y, Mul: (x, y) => x * y, Div: (x, y) => x / y, Pow: (x, y) => x ** y,
  Max: Math.max, Min: Math.min, Equal: (x, y) => Number(x === y), Less: (x, y) => Number(x < y),
  Greater: (x, y) => Number(x > y), LessOrEqual: (x, y) => Number(x <= y), GreaterOrEqual: (x, y) => Number(x >= y),
  Mod: undefined, And: undefined, Or: undefined, Xor: undefined, Where: undefined, Sum: undefined, Mean: undefined,
};

export const SHAPE_RULES: Readonly<Record<string, ShapeRule>> = {
  ...Object.fromEntries(UNARY.map((op) => [op, unary])),
  ...Object.fromEntries(Object.entries(BINARY).map(([op, f]) => [op, elementwise(f)])),
  Identity: identity, Constant: constant, Cast: cast, Shape: shapeOp, ConstantOfShape: constantOfShape, Range: range,
  Conv: windowRule('conv'), MaxPool: windowRule('pool'), AveragePool: windowRule('pool'), LpPool: windowRule('pool'),
  ConvTranspose: convTranspose, Gemm: gemm, MatMul: matmul, Reshape: reshape, Transpose: transpose, Concat: concat,
  Split: split, Slice: slice, Gather: gather, Unsqueeze: unsqueeze, Squeeze: squeeze, Flatten: flatten,
  ReduceSum: reduce, ReduceMean: reduce, ReduceMax: reduce, ReduceMin: reduce, ReduceProd: reduce, ReduceL2: reduce,
  ArgMax: argReduce, ArgMin: argReduce, Pad: pad, Resize: resize, Upsample: resize, Expand: expand, Tile: tile,
  GlobalAveragePool: globalPool, GlobalMaxPool: globalPool,
};
