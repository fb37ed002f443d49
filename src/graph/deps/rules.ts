/**
 * Tracing rules for the channel-transparent ops: unary, pooling/resize/pad/reduce, broadcasting elementwise,
 * normalisation, Concat, Split, Slice, Reshape and Shape. Each rule either propagates channel maps (coupling
 * and recording members/edits as it goes) or pins its traced inputs (a barrier) and leaves its outputs untraced.
 */
import type { NodeProto } from 'onnx-buf';
import { tensorDims } from '../../io/onnx/bytes.js';
import { constantOf, intAttr, intsAttr } from '../onnx-graph.js';
import { BROADCAST_OPS, normAxis, NORM_OPS, REDUCE_OPS, SPATIAL_OPS, UNARY_OPS } from './ops.js';
import type { TraceState } from './state.js';

type Rule = (s: TraceState, node: NodeProto, i: number) => void;

const passThrough = (s: TraceState, node: NodeProto, map: Int32Array, rank: number) => {
  for (const o of node.output) s.setMap(o, map, rank);
};

/** Pin traced inputs other than input 0 (scalar operands that happen to be traced are unexpected). */
function pinExtraInputs(s: TraceState, node: NodeProto, reason: string): boolean {
  let extra = false;
  node.input.forEach((v, k) => {
    const m = k > 0 ? s.map(v) : undefined;
    if (m) { s.pin(node, m, reason); extra = true; }
  });
  return extra;
}

const unary: Rule = (s, node) => {
  const x = node.input[0];
  const m = s.map(x);
  if (!m) return;
  if (pinExtraInputs(s, node, 'traced tensor used as a scalar operand')) { s.pin(node, m, 'traced tensor used as a scalar operand'); return; }
  passThrough(s, node, m, s.rank(x));
};

const spatial: Rule = (s, node) => {
  const x = node.input[0];
  const m = s.map(x);
  if (!m) return;
  const rank = s.rank(x);
  const op = node.opType;
  const bar = (reason: string) => s.pin(node, m, reason);
  if (op === 'Resize' || op === 'Upsample') {
    const scalesInput = op === 'Upsample' || s.opset < 11 ? 1 : 2;
    const sizes = op === 'Resize' && s.opset >= 11 ? node.input[3] : undefined;
    if (sizes) return bar('Resize with explicit sizes');
    const scalesName = node.input[scalesInput];
    const scales = node.attribute.find((a) => a.name === 'scales')?.floats ?? (scalesName ? s.floats(scalesName) : undefined);
    if (!scales || scales.length < 2 || scales[1] !== 1) return bar('Resize scales unknown or scaling channels');
  } else if (op === 'Pad') {
    const pads = s.opset < 11 ? intsAttr(node, 'pads') : s.ints(node.input[1]);
    if (!pads || node.input[3]) return bar('Pad with run-time pads');
    if (pads[1] !== 0 || pads[rank + 1] !== 0) return bar('Pad on the channel axis');
  } else if (REDUCE_OPS.has(op)) {
    const fromInput = s.opset >= 18 || (op === 'ReduceSum' && s.opset >= 13);
    const axes = fromInput ? (node.input[1] ? s.ints(node.input[1]) : []) : (intsAttr(node, 'axes') ?? []);
    if (axes === undefined) return bar('Reduce over run-time axes');
    const norm = axes.map((a) => normAxis(a, rank));
    const keep = intAttr(node, 'keepdims', 1) === 1;
    // Reducing over the channel axis (or all axes): the output no longer depends on the channel count.
    if (norm.length === 0 || norm.includes(1)) return;
    if (!keep && norm.includes(0)) return bar('Reduce removing the batch axis');
    return passThrough(s, node, m, keep ? rank : rank - norm.length);
  }
  if (pinExtraInputs(s, node, `traced tensor used as a ${op} parameter`)) return bar(`traced tensor used as a ${op} parameter`);
  passThrough(s, node, m, rank);
};

const broadcast: Rule = (s, node, i) => {
  const traced = node.input.map((v) => s.map(v));
  const full = traced.reduce((a, m) => (m && m.length > (a?.length ?? 0) ? m : a), undefined as Int32Array | undefined);
  if (!full) return;
  const outRank = Math.max(...node.input.map((v) => (s.map(v) ? s.rank(v) : 0)));
  const C = full.length;
  const barrier = (reason: string) => { s.pinInputs(node, reason); };
  const constMembers: Array<{ k: number; tensor: string; axis: number }> = [];
  for (let k = 0; k < node.input.length; k++) {
    const v = node.input[k];
    if (!v) continue;
    const m = traced[k];
    if (m) {
      if (s.rank(v) !== outRank) return barrier('operands of different rank');
      if (m.length !== C && m.length !== 1) return barrier('channel counts do not broadcast');
      continue;
    }
    const ref = constantOf(s.g, v);
    if (!ref) return barrier(`${node.opType} with a tensor whose channels are not traced`);
    const dims = tensorDims(ref.proto);
    if (dims.length > outRank) return barrier('constant of higher rank');
    const axis = 1 - (outRank - dims.length);
    if (axis < 0 || dims[axis] === 1) continue;
    if (dims[axis] !== C) return barrier('constant does not broadcast over the channels');
    constMembers.push({ k, tensor: ref.name, axis });
  }
  for (const m of traced) if (m && m.length === C && m !== full) s.couple(full, m);
  for (const c of constMembers) s.members.push({ role: 'param', node: i, input: c.k, tensor: c.tensor, axis: c.axis, map: full });
  passThrough(s, node, full, outRank);
};

const norm: Rule = (s, node, i) => {
  const x = node.input[0];
  const m = s.map(x);
  if (!m) return;
  const refs = node.input.slice(1).map((v) => (v ? constantOf(s.g, v) : undefined));
  if (refs.some((r, k) => node.input[k + 1] && (!r || tensorDims(r.proto).join() !== String(m.length)))) {
    s.pin(node, m, `${node.opType} parameters are not constant [C] tensors`);
    return;
  }
  refs.forEach((r, k) => {
    if (r) s.members.push({ role: k === 0 ? 'bn-scale' : 'param', node: i, input: k + 1, tensor: r.name, axis: 0, map: m });
  });
  s.setMap(node.output[0], m, s.rank(x));
};

const concat: Rule = (s, node) => {
  const maps = node.input.map((v) => s.map(v));
  if (!maps.some(Boolean)) return;
  if (!maps.every(Boolean)) return s.pinInputs(node, 'Concat with an untraced input');
  const rank = s.rank(node.input[0]);
  if (node.input.some((v) => s.rank(v) !== rank)) return s.pinInputs(node, 'Concat of different ranks');
  const axis = normAxis(intAttr(node, 'axis', 1), rank);
  const list = maps as Int32Array[];
  if (axis === 1) {
    const out = new Int32Array(list.reduce((n, m) => n + m.length, 0));
    let o = 0;
    for (const m of list) { out.set(m, o); o += m.length; }
    return s.setMap(node.output[0], out, rank);
  }
  if (axis === 0 || list.some((m) => m.length !== list[0]!.length)) return s.pinInputs(node, 'Concat on the batch axis or of unequal channels');
  for (const m of list.slice(1)) s.couple(list[0]!, m);
  s.setMap(node.output[0], list[0]!, rank);
};

const split: Rule = (s, node, i) => {
  const x = node.input[0];
  const m = s.map(x);
  if (!m) return;
  const rank = s.rank(x);
  const outs = node.output;
  if (normAxis(intAttr(node, 'axis', 0), rank) !== 1) return passThrough(s, node, m, rank);
  let sizes = s.opset < 13 ? intsAttr(node, 'split') : node.input[1] ? s.ints(node.input[1]) : undefined;
  const source = sizes ? (s.opset < 13 ? 'attribute' : 'input') : 'equal';
  if (!sizes) {
    if (s.opset < 13 || !node.input[1]) {
      if (m.length % outs.length !== 0) return s.pin(node, m, 'uneven Split without sizes');
      sizes = outs.map(() => m.length / outs.length);
    } else return s.pin(node, m, 'Split with run-time sizes');
  }
  if (sizes.length !== outs.length || sizes.reduce((a, b) => a + b, 0) !== m.length) return s.pin(node, m, 'Split sizes do not add up');
  const maps: Int32Array[] = [];
  let o = 0;
  sizes.forEach((n, k) => { const part = m.slice(o, o + n); maps.push(part); s.setMap(outs[k], part, rank); o += n; });
  s.edits.push({ kind: 'split', node: i, maps, source });
};

const slice: Rule = (s, node, i) => {
  const x = node.input[0];
  const m = s.map(x);
  if (!m) return;
  const rank = s.rank(x);
  const old = s.opset < 10;
  const starts = old ? intsAttr(node, 'starts') : s.ints(node.input[1]);
  const ends = old ? intsAttr(node, 'ends') : s.ints(node.input[2]);
  const axesIn = old ? intsAttr(node, 'axes') : node.input[3] ? s.ints(node.input[3]) : undefined;
  if (!old && node.input[3] && !axesIn) return s.pin(node, m, 'Slice with run-time axes');
  const count = axesIn?.length ?? starts?.length ?? ends?.length;
  if (count === undefined) return s.pin(node, m, 'Slice with run-time starts and axes');
  const axes = axesIn ?? Array.from({ length: count }, (_, k) => k);
  const k = axes.findIndex((a) => normAxis(a, rank) === 1);
  if (k < 0) return passThrough(s, node, m, rank);
  const steps = old ? undefined : node.input[4] ? s.ints(node.input[4]) : undefined;
  if (!old && node.input[4] && (!steps || steps[k] !== 1)) return s.pin(node, m, 'Slice with a step on the channel axis');
  if (!starts || !ends) return s.pin(node, m, 'Slice of channels with run-time bounds');
  const C = m.length;
  const clamp = (v: number) => Math.min(C, Math.max(0, v < 0 ? v + C : v));
  const start = clamp(starts[k]!), end = clamp(ends[k]!);
  if (end <= start) return s.pin(node, m, 'empty channel Slice');
  s.edits.push({ kind: 'slice', node: i, input: m, start, end, index: k, source: old ? 'attribute' : 'input' });
  s.setMap(node.output[0], m.slice(start, end), rank);
};

const reshape: Rule = (s, node, i) => {
  const x = node.input[0];
  const m = s.map(x);
  if (!m) return;
  const shape = s.ints(node.input[1]);
  const ok = shape && shape.length >= 2 && (shape[0] === 0 || shape[0] === 1) && (shape[1] === m.length || shape[1] === 0) && m.length > 1
    && intAttr(node, 'allowzero', 0) === 0;
  if (!ok) return s.pin(node, m, 'Reshape that moves the channel axis');
  if (shape[1] !== 0) s.edits.push({ kind: 'reshape', node: i, map: m });
  s.setMap(node.output[0], m, shape.length);
};

/** Shape of a traced tensor: harmless when every use reads non-channel dims only. */
const shapeRule: Rule = (s, node) => {
  const m = s.map(node.input[0]);
  if (!m) return;
  const rank = s.rank(node.input[0]);
  const safe = !node.attribute.some((a) => a.name === 'start' || a.name === 'end') &&
    (s.g.consumers.get(node.output[0] ?? '') ?? []).every((c) => {
      const user = s.g.nodes[c]!;
      if (user.opType === 'Gather' && user.input[0] === node.output[0]) {
        const idx = s.ints(user.input[1]);
        return idx !== undefined && !idx.some((v) => normAxis(v, rank) === 1);
      }
      if (user.opType === 'Slice' && user.input[0] === node.output[0] && s.opset >= 10) {
        const st = s.ints(user.input[1]), en = s.ints(user.input[2]);
        if (!st || !en || st.length !== 1) return false;
        const a = normAxis(st[0]!, rank), b = Math.min(rank, normAxis(en[0]!, rank));
        return a > 1 || b <= 1;
      }
      return false;
    });
  if (!safe) s.pin(node, m, 'Shape whose channel count is used');
};

export const RULES: ReadonlyMap<string, Rule> = new Map<string, Rule>([
  ...[...UNARY_OPS].map((op) => [op, unary] as const),
  ...[...SPATIAL_OPS].map((op) => [op, spatial] as const),
  ...[...BROADCAST_OPS].map((op) => [op, broadcast] as const),
  ...[...NORM_OPS].map((op) => [op, norm] as const),
  ['Concat', concat], ['Split', split], ['Slice', slice], ['Reshape', reshape], ['Shape', shapeRule],
]);
