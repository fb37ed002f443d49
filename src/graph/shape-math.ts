/**
 * Small helpers for static shape propagation: broadcasting, axis normalisation, window arithmetic, and
 * folding of small constant tensors (flat number arrays with a shape) through Slice/Transpose/Gather/Concat.
 * Everything returns undefined instead of throwing when the input does not make sense.
 */

export type Shape = readonly number[];

/** Largest constant tensor folded by value (elements). Shape chains need a few dozen at most. */
export const MAX_FOLD = 1024;

export function numelOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** A shape is usable when every dim is a non-negative safe integer. */
export function validShape(shape: readonly number[] | undefined): shape is Shape {
  return shape !== undefined && shape.every((d) => Number.isSafeInteger(d) && d >= 0);
}

/** Numpy broadcast of several shapes, or undefined when they are incompatible. */
export function broadcast(shapes: readonly Shape[]): number[] | undefined {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const o = rank - s.length + i;
      const d = s[i]!;
      if (d === 1) continue;
      if (out[o] === 1) out[o] = d;
      else if (out[o] !== d) return undefined;
    }
  }
  return out;
}

/** Normalise a possibly negative axis for a tensor of `rank`; undefined when out of range. */
export function normAxis(axis: number, rank: number): number | undefined {
  const a = axis < 0 ? axis + rank : axis;
  return a >= 0 && a < rank ? a : undefined;
}

export interface Window {
  kernel: readonly number[];
  strides: readonly number[];
  dilations: readonly number[];
  /** [begin…, end…] */
  pads: readonly number[];
  autoPad: string;
  ceilMode: boolean;
}

/** Output spatial dims of a convolution or pooling window over `spatial`. */
export function windowOutput(spatial: Shape, w: Window): number[] | undefined {
  const r = spatial.length;
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const x = spatial[i]!;
    const k = w.kernel[i] ?? 1;
    const s = w.strides[i] ?? 1;
    const d = w.dilations[i] ?? 1;
    if (s <= 0 || k <= 0 || d <= 0) return undefined;
    const eff = (k - 1) * d + 1;
    let o: number;
    if (w.autoPad === 'SAME_UPPER' || w.autoPad === 'SAME_LOWER') o = Math.ceil(x / s);
    else if (w.autoPad === 'VALID') o = Math.floor((x - eff) / s) + 1;
    else {
      const span = x + (w.pads[i] ?? 0) + (w.pads[i + r] ?? 0) - eff;
      o = (w.ceilMode ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
    }
    out.push(Math.max(0, o));
  }
  return out;
}

/** Row-major strides of a shape. */
function stridesOf(shape: Shape): number[] {
  const st = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) st[i] = st[i + 1]! * shape[i + 1]!;
  return st;
}

/** Gather the flat `values` of `shape` along `axis` at index lists per axis (general strided copy). */
export function pick(values: readonly number[], shape: Shape, index: readonly (readonly number[])[]): number[] {
  const st = stridesOf(shape);
  const out: number[] = [];
  const rec = (axis: number, base: number) => {
    if (axis === shape.length) { out.push(values[base] ?? 0); return; }
    for (const i of index[axis]!) rec(axis + 1, base + i * st[axis]!);
  };
  rec(0, 0);
  return out;
}

/** Permute the flat `values` of `shape` (Transpose). */
export function transposeValues(values: readonly number[], shape: Shape, perm: readonly number[]): number[] {
  const st = stridesOf(shape);
  const outShape = perm.map((p) => shape[p]!);
  const out: number[] = [];
  const rec = (axis: number, base: number) => {
    if (axis === outShape.length) { out.push(values[base] ?? 0); return; }
    for (let i = 0; i < outShape[axis]!; i++) rec(axis + 1, base + i * st[perm[axis]!]!);
  };
  rec(0, 0);
  return out;
}

/** Indices a Slice keeps on one axis of length `dim` (ONNX clamping rules). */
export function sliceIndices(dim: number, start: number, end: number, step: number): number[] | undefined {
  if (step === 0 || !Number.isFinite(step)) return undefined;
  let s = start < 0 ? start + dim : start;
  let e = end < 0 ? end + dim : end;
  if (step > 0) {
    s = Math.min(Math.max(s, 0), dim);
    e = Math.min(Math.max(e, 0), dim);
  } else {
    s = Math.min(Math.max(s, 0), dim - 1);
    e = Math.min(Math.max(e, -1), dim - 1);
  }
  const n = Math.max(0, Math.ceil((e - s) / step));
  if (n > dim) return undefined;
  return Array.from({ length: n }, (_, i) => s + i * step);
}

/** Element-wise binary op with broadcasting over flat values (for folding small shape arithmetic). */
export function broadcastValues(
  a: readonly number[], aShape: Shape, b: readonly number[], bShape: Shape, f: (x: number, y: number) => number,
): { values: number[]; shape: number[] } | undefined {
  const shape = broadcast([aShape, bShape]);
  if (!shape || numelOf(shape) > MAX_FOLD) return undefined;
  const r = shape.length;
  const aStrides = stridesOf(aShape);
  const bStrides = stridesOf(bShape);
  const at = (vals: readonly number[], s: Shape, st: readonly number[], idx: readonly number[]) => {
    let o = 0;
    for (let i = 0; i < s.length; i++) o += (s[i] === 1 ? 0 : idx[r - s.length + i]!) * st[i]!;
    return vals[o] ?? 0;
  };
  const values: number[] = [];
  const idx = new Array<number>(r).fill(0);
  const total = numelOf(shape);
  for (let k = 0; k < total; k++) {
    values.push(f(at(a, aShape, aStrides, idx), at(b, bShape, bStrides, idx)));
    for (let i = r - 1; i >= 0; i--) {
      idx[i]!++;
      if (idx[i]! < shape[i]!) break;
      idx[i] = 0;
    }
  }
  return { values, shape };
}
