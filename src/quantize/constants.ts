/**
 * Lossless storage of large float constants (the decode tail's anchor grids and stride rows): a constant whose
 * values are all (q − z)·s for uint8 q, one zero point z and a power-of-two scale s is stored as uint8 behind a
 * DequantizeLinear that gives back the same float32 values bit for bit (anchors x + 0.5 for x < 128: s = 0.5;
 * strides 8/16/32: s = 8); identical constants are stored once. LeYOLO-Nano's two anchor grids and stride row take
 * 168 KB as float32, 25 KB this way.
 */
import type { NodeProto, TensorProto } from 'onnx-buf';
import { toFloat32 } from '../core/convert.js';
import type { Tensor } from '../core/dtype.js';
import { indexGraph } from '../graph/onnx-graph.js';
import { getTensor, makeNode, makeTensor, shallowCopy, withProto, type OnnxModel } from '../io/onnx/bytes.js';

/** Smallest constant (values) worth rewriting: below it the DequantizeLinear node costs more than it saves. */
export const MIN_COMPACT_VALUES = 256;

/** uint8 codes, zero point and power-of-two scale that give `values` back exactly, or undefined. */
export function exactUint8(values: Float32Array): { codes: Uint8Array; scale: number; zeroPoint: number } | undefined {
  if (values.length === 0) return undefined; // (NaN and ±Infinity are on no grid: Number.isInteger refuses them)
  for (let e = 8; e >= -8; e--) {
    const s = 2 ** e;
    let lo = Infinity, hi = -Infinity, ok = true;
    for (const v of values) {
      const k = v / s;
      if (!Number.isInteger(k)) { ok = false; break; }
      lo = Math.min(lo, k); hi = Math.max(hi, k);
    }
    if (!ok) continue;
    const zeroPoint = Math.max(0, -lo);
    if (hi + zeroPoint > 255 || zeroPoint > 255) return undefined; // a finer scale only widens the codes
    return { codes: Uint8Array.from(values, (v) => v / s + zeroPoint), scale: s, zeroPoint };
  }
  return undefined;
}

/** Same shape (hence the same length) and the same values bit for bit (−0 ≠ 0). */
const sameValues = (a: Tensor, b: Tensor) => a.dims.join(',') === b.dims.join(',') && a.data.every((v, i) => Object.is(v, b.data[i]));

/**
 * `model` with its float32 Constant nodes of ≥ `minValues` values deduplicated and, where exact, stored as uint8
 * behind DequantizeLinear (the value keeps its name, so consumers are unchanged). Returns the count rewritten.
 */
export function compactConstants(model: OnnxModel, minValues = MIN_COMPACT_VALUES): { model: OnnxModel; rewritten: number; deduplicated: number } {
  const g = indexGraph(model);
  const graph = shallowCopy(model.proto.graph!);
  const taken = new Set([...g.producer.keys(), ...g.constants.keys(), ...g.graphInputs]);
  const fresh = (stem: string) => { let n = stem; for (let k = 1; taken.has(n); k++) n = `${stem}_${k}`; taken.add(n); return n; };
  const kept: Array<{ name: string; t: Tensor }> = [];
  const alias = new Map<string, string>();
  const inits: TensorProto[] = [...graph.initializer];
  const replace = new Map<number, NodeProto | undefined>();
  let rewritten = 0;
  g.nodes.forEach((n, i) => {
    const name = n.output[0];
    if (n.opType !== 'Constant' || !name || g.graphOutputs.has(name)) return;
    const ref = g.constants.get(name);
    if (!ref || ref.proto.dataType !== 1) return;
    const t = getTensor(model, name, g.constants);
    if (t.data.length < minValues) return;
    const twin = kept.find((k) => sameValues(k.t, t));
    if (twin) { alias.set(name, twin.name); replace.set(i, undefined); return; }
    kept.push({ name, t });
    const q = exactUint8(toFloat32(t));
    if (!q) return;
    const [c, s, z] = [fresh(`${name}_u8`), fresh(`${name}_u8_scale`), fresh(`${name}_u8_zp`)];
    inits.push(makeTensor(c, { dtype: 'uint8', dims: [...t.dims], data: q.codes }), makeTensor(s, { dtype: 'float32', dims: [], data: Float32Array.of(q.scale) }), makeTensor(z, { dtype: 'uint8', dims: [], data: Uint8Array.of(q.zeroPoint) }));
    replace.set(i, makeNode('DequantizeLinear', [c, s, z], [name], [], { name: n.name || `${name}_DQ` }));
    rewritten++;
  });
  if (replace.size === 0) return { model, rewritten: 0, deduplicated: 0 };
  const nodes: NodeProto[] = [];
  g.nodes.forEach((n, i) => {
    if (replace.has(i)) { const r = replace.get(i); if (r) nodes.push(r); return; }
    if (!n.input.some((v) => alias.has(v))) { nodes.push(n); return; }
    const c = shallowCopy(n);
    c.input = n.input.map((v) => alias.get(v) ?? v);
    nodes.push(c);
  });
  graph.node = nodes;
  graph.initializer = inits;
  const proto = shallowCopy(model.proto);
  proto.graph = graph;
  return { model: withProto(model, proto), rewritten, deduplicated: alias.size };
}
