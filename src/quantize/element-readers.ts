/**
 * Which nodes read the elements of a tensor once data movement has rearranged them. An anchor-free head's decode
 * tail concatenates each scale's box and class outputs, reshapes, concatenates the scales and splits boxes from
 * classes again: the class-logit conv's direct reader is a Concat, yet element for element its values reach only
 * the class Sigmoid. Elements are followed exactly, as a 0/1 mask over each tensor, through the ops that only
 * rearrange them (Reshape, Flatten, Squeeze, Unsqueeze, Identity keep the order; Transpose, Concat, Split move
 * elements); any other reader, or a rearranging op whose shapes are unknown, counts as a reader of what it is given.
 */
import { intAttr, intsAttr, type GraphIndex } from '../graph/onnx-graph.js';
import { normAxis, numelOf, type Shape } from '../graph/shape-math.js';

const SAME_ORDER: ReadonlySet<string> = new Set(['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity']);
/** Ops the walk follows element by element. */
export const REARRANGING: ReadonlySet<string> = new Set([...SAME_ORDER, 'Transpose', 'Concat', 'Split']);

/** 1 where the element comes from the traced tensor; `all` = every element (no array needed yet). */
type Mask = Uint8Array | 'all';

export interface ElementReaders {
  /** Nodes (indices, ascending) other than rearranging data movement that read at least one traced element. */
  readers: number[];
  /** A traced element reaches a graph output. */
  graphOutput: boolean;
}

const dense = (m: Mask, n: number): Uint8Array => (m === 'all' ? new Uint8Array(n).fill(1) : m);

/** Row-major strides of `shape`. */
function strides(shape: Shape): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let k = shape.length - 2; k >= 0; k--) s[k] = s[k + 1]! * shape[k + 1]!;
  return s;
}

/** `m` (over `shape`) transposed by `perm`. */
export function transposeMask(m: Uint8Array, shape: Shape, perm: readonly number[]): Uint8Array {
  const st = strides(shape);
  const outShape = perm.map((p) => shape[p]!);
  const idx = new Array<number>(perm.length).fill(0);
  const out = new Uint8Array(m.length);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let k = 0; k < perm.length; k++) src += idx[k]! * st[perm[k]!]!;
    out[o] = m[src]!;
    for (let k = perm.length - 1; k >= 0 && ++idx[k]! === outShape[k]; k--) idx[k] = 0;
  }
  return out;
}

/** Masks of the outputs of rearranging node `n` whose input `k` carries mask `m`; undefined when not traceable. */
function moved(n: GraphIndex['nodes'][number], k: number, m: Mask, shapes: ReadonlyMap<string, Shape>): Mask[] | undefined {
  const x = shapes.get(n.input[k] ?? '');
  if (SAME_ORDER.has(n.opType)) return k === 0 ? [m] : undefined;
  if (!x || (n.opType !== 'Concat' && k !== 0)) return undefined;
  if (n.opType === 'Transpose') {
    const perm = intsAttr(n, 'perm') ?? x.map((_, i) => x.length - 1 - i);
    return [m === 'all' ? 'all' : transposeMask(m, x, perm)];
  }
  const axis = normAxis(intAttr(n, 'axis', 0), x.length);
  if (axis === undefined) return undefined;
  const outer = numelOf(x.slice(0, axis));
  if (n.opType === 'Concat') {
    const ins = n.input.map((v) => shapes.get(v));
    const out = shapes.get(n.output[0] ?? '');
    if (!out || ins.some((s) => !s)) return undefined;
    const chunks = ins.map((s) => numelOf(s!.slice(axis)));
    const row = chunks.reduce((a, b) => a + b, 0);
    const src = dense(m, numelOf(x));
    const mask = new Uint8Array(numelOf(out));
    const at = chunks.slice(0, k).reduce((a, b) => a + b, 0);
    for (let o = 0; o < outer; o++) mask.set(src.subarray(o * chunks[k]!, (o + 1) * chunks[k]!), o * row + at);
    return [mask];
  }
  // Split: output j takes its extent along `axis`, from every outer row.
  const outs = n.output.map((v) => shapes.get(v));
  if (outs.some((s) => !s)) return undefined;
  const chunks = outs.map((s) => numelOf(s!.slice(axis)));
  const row = numelOf(x.slice(axis));
  const src = dense(m, numelOf(x));
  let at = 0;
  return chunks.map((c) => {
    const mask = new Uint8Array(outer * c);
    for (let o = 0; o < outer; o++) mask.set(src.subarray(o * row + at, o * row + at + c), o * c);
    at += c;
    return mask;
  });
}

/** `m` as `all` when every element is set, undefined when none is. */
function compact(m: Mask): Mask | undefined {
  if (m === 'all') return m;
  let ones = 0;
  for (let i = 0; i < m.length; i++) ones += m[i]!;
  return ones === m.length ? 'all' : ones === 0 ? undefined : m;
}

/**
 * Who reads the elements of `tensor` through rearranging data movement (`shapes`: static shapes of the graph).
 * With `accept`, the walk stops at the first reader it refuses (that reader is the last of `readers`).
 */
export function elementReaders(g: GraphIndex, shapes: ReadonlyMap<string, Shape>, tensor: string, accept: (node: number) => boolean = () => true): ElementReaders {
  const readers = new Set<number>();
  let graphOutput = false;
  const done = () => ({ readers: [...readers].sort((a, b) => a - b), graphOutput });
  const stack: Array<{ name: string; mask: Mask }> = [{ name: tensor, mask: 'all' }];
  while (stack.length > 0) {
    const { name, mask } = stack.pop()!;
    if (g.graphOutputs.has(name)) graphOutput = true;
    const consumers = [...new Set(g.consumers.get(name) ?? [])];
    // Readers that end the walk first (cheap), then the masks of the rearranging ones.
    const order = [...consumers.filter((c) => !REARRANGING.has(g.nodes[c]!.opType)), ...consumers.filter((c) => REARRANGING.has(g.nodes[c]!.opType))];
    for (const c of order) {
      const n = g.nodes[c]!;
      const next = REARRANGING.has(n.opType) ? n.input.flatMap((v, k) => (v === name ? [moved(n, k, mask, shapes)] : [])) : [undefined];
      if (next.includes(undefined)) { readers.add(c); if (!accept(c)) return done(); continue; }
      for (const outs of next) outs!.forEach((m, j) => { const c = compact(m); if (c && n.output[j]) stack.push({ name: n.output[j], mask: c }); });
    }
  }
  return done();
}
