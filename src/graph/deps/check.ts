/**
 * Channel-consistency invariant of an ONNX graph, checked over static shape propagation: every Conv's weight
 * in-channels × group equals its input's channels, biases and normalisation parameters match the channel
 * count, elementwise operands broadcast, Concat inputs agree off-axis, Split sizes add up, Slice bounds lie in
 * range, and no shape annotation (value_info, graph outputs) contradicts the propagated shape. Used by the
 * structured-pruning tests and `--verify`; it reports, never throws.
 */
import type { OnnxModel } from '../../io/onnx/bytes.js';
import { indexGraph, intAttr, intsAttr, constantOf } from '../onnx-graph.js';
import { inferShapes, type ShapeOptions } from '../shapes.js';
import { broadcast, type Shape } from '../shape-math.js';
import { opsetOf, readTensor, tensorDims } from '../../io/onnx/bytes.js';
import { BROADCAST_OPS, NORM_OPS, normAxis } from './ops.js';

export interface ConsistencyReport {
  ok: boolean;
  /** One line per violation: `op 'node': what is wrong`. */
  violations: string[];
  /** Values whose shape could not be derived (they were not checked). */
  unknownOutputs: number;
}

export function checkChannelConsistency(model: OnnxModel, options: ShapeOptions = {}): ConsistencyReport {
  const g = indexGraph(model);
  const info = inferShapes(model, g, options);
  const shape = (v: string | undefined): Shape | undefined => (v ? info.shapes.get(v) : undefined);
  const ints = (v: string | undefined): number[] | undefined => {
    const ref = v ? constantOf(g, v) : undefined;
    if (!ref) return undefined;
    return Array.from(readTensor(ref.proto, model.external).data as ArrayLike<number | bigint>, Number);
  };
  const opset = opsetOf(model);
  const violations: string[] = [];
  const bad = (n: { opType: string; name: string }, what: string) => violations.push(`${n.opType} '${n.name}': ${what}`);
  for (const n of g.nodes) {
    const x = shape(n.input[0]);
    if (n.opType === 'Conv' || n.opType === 'ConvTranspose') {
      const w = shape(n.input[1]);
      const group = intAttr(n, 'group', 1);
      if (!x || !w) continue;
      const inCh = n.opType === 'Conv' ? w[1]! * group : w[0]!;
      if (x[1] !== inCh) bad(n, `input has ${x[1]} channels, weight [${w.join(',')}] with group ${group} expects ${inCh}`);
      const outCh = n.opType === 'Conv' ? w[0]! : w[1]! * group;
      if (n.opType === 'Conv' && w[0]! % group !== 0) bad(n, `${w[0]} output channels not divisible by group ${group}`);
      const b = shape(n.input[2]);
      if (b && (b.length !== 1 || b[0] !== outCh)) bad(n, `bias [${b.join(',')}] for ${outCh} output channels`);
    } else if (NORM_OPS.has(n.opType)) {
      if (!x) continue;
      n.input.slice(1).forEach((v) => { const p = shape(v); if (p && (p.length !== 1 || p[0] !== x[1])) bad(n, `parameter '${v}' [${p.join(',')}] for ${x[1]} channels`); });
    } else if (BROADCAST_OPS.has(n.opType) && n.opType !== 'PRelu') {
      const shapes = n.input.map(shape);
      if (shapes.every(Boolean) && !broadcast(shapes as Shape[])) bad(n, `operands [${shapes.map((s) => s!.join(',')).join('] [')}] do not broadcast`);
    } else if (n.opType === 'Concat') {
      const shapes = n.input.map(shape);
      if (!shapes.every(Boolean)) continue;
      const rank = shapes[0]!.length;
      const axis = normAxis(intAttr(n, 'axis', 0), rank);
      const ok = shapes.every((s) => s!.length === rank && s!.every((d, k) => k === axis || d === shapes[0]![k]));
      if (!ok) bad(n, `inputs [${shapes.map((s) => s!.join(',')).join('] [')}] disagree off axis ${axis}`);
    } else if (n.opType === 'Split') {
      if (!x) continue;
      const axis = normAxis(intAttr(n, 'axis', 0), x.length);
      const sizes = opset < 13 ? intsAttr(n, 'split') : ints(n.input[1]);
      if (sizes && sizes.reduce((a, b) => a + b, 0) !== x[axis]) bad(n, `split sizes [${sizes.join(',')}] for ${x[axis]} along axis ${axis}`);
    } else if (n.opType === 'Slice' && opset >= 10 && x) {
      const starts = ints(n.input[1]), ends = ints(n.input[2]);
      const axes = n.input[3] ? ints(n.input[3]) : starts?.map((_, k) => k);
      axes?.forEach((a, k) => {
        const ax = normAxis(a, x.length);
        const dim = x[ax]!;
        const s = starts?.[k], e = ends?.[k];
        if (s !== undefined && e !== undefined && s >= 0 && e >= 0 && e < 2 ** 31 && (s > dim || e > dim)) bad(n, `slice [${s}, ${e}) beyond dim ${dim} of axis ${ax}`);
      });
    }
  }
  for (const v of [...model.proto.graph!.valueInfo, ...model.proto.graph!.output]) {
    const t = v.type?.value;
    if (t?.case !== 'tensorType' || !t.value.shape) continue;
    const declared = t.value.shape.dim.map((d) => (d.value.case === 'dimValue' ? Number(d.value.value) : undefined));
    const actual = info.shapes.get(v.name);
    if (!actual) continue;
    if (declared.length !== actual.length || declared.some((d, k) => d !== undefined && d !== actual[k])) {
      violations.push(`value '${v.name}': annotated [${declared.map((d) => d ?? '?').join(',')}], propagated [${actual.join(',')}]`);
    }
  }
  for (const n of g.nodes) {
    for (const v of n.input) {
      const ref = v ? constantOf(g, v) : undefined;
      if (ref && tensorDims(ref.proto).some((d) => d < 0)) bad(n, `constant '${ref.name}' has a negative dim`);
    }
  }
  return { ok: violations.length === 0, violations, unknownOutputs: info.unknownOutputs };
}
