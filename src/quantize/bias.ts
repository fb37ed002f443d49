/**
 * Empirical bias correction, per layer: quantization shifts the mean of a conv's output channels (rounding of
 * weights that does not average out over a channel). For every corrected conv, a float twin — the same Conv with
 * the float weight and bias — is added to the quantized model and reads the same dequantized input x̂ as the
 * quantized conv; on calibration images the per-channel means of the two outputs differ only by that layer's own
 * quantization error, E[float conv(x̂)] − E[quantized conv(x̂)], which is folded into the float bias. The model is
 * then quantized again from the corrected float weights; a few rounds, since correcting a layer changes the inputs
 * of the layers after it. Not a whole-network correction (E[y_float] − E[y_quant] of the float and quantized
 * models): that counts the error of every upstream layer again at each layer and overshoots.
 */
import type { NodeProto, TensorProto } from 'onnx-buf';
import { toFloat32 } from '../core/convert.js';
import type { Tensor } from '../core/dtype.js';
import { constantOf, indexGraph, type GraphIndex } from '../graph/onnx-graph.js';
import { getTensor, makeNode, makeTensor, shallowCopy, withProto, type OnnxModel } from '../io/onnx/bytes.js';
import type { CalibrationSource } from '../prune/structured/index.js';
import { collectChannelMeans } from '../runtime/means.js';
import type { QuantPlan } from './plan.js';
import type { TensorRange } from './scales.js';
import { buildQuantized, type StaticQuantOptions } from './static.js';

/** A conv whose output mean is corrected: node index, output tensor, output rank, output channels. */
export interface CorrectedConv { index: number; node: string; output: string; rank: number; channels: number }

/** The Conv nodes among `indices` with a constant weight whose output is not a graph output. */
export function correctableConvs(g: GraphIndex, indices: Iterable<number>): CorrectedConv[] {
  const out: CorrectedConv[] = [];
  for (const i of [...indices].sort((a, b) => a - b)) {
    const n = g.nodes[i]!;
    if (n.opType !== 'Conv') continue;
    const w = constantOf(g, n.input[1] ?? '');
    const y = n.output[0];
    if (!w || !y || g.graphOutputs.has(y)) continue;
    const dims = w.proto.dims.map(Number);
    if (dims.length < 3) continue;
    out.push({ index: i, node: n.name, output: y, rank: dims.length, channels: dims[0]! });
  }
  return out;
}

/**
 * Per-channel shifts E[y_float] − E[y_quant] for each conv, from the two models' channel means. A channel whose
 * means are not finite gets no shift.
 */
export function meanShifts(convs: readonly CorrectedConv[], floatMeans: ReadonlyMap<string, ArrayLike<number>>, quantMeans: ReadonlyMap<string, ArrayLike<number>>): Map<number, Float64Array> {
  const shifts = new Map<number, Float64Array>();
  for (const c of convs) {
    const f = floatMeans.get(c.output), q = quantMeans.get(c.output);
    if (!f || !q || f.length !== c.channels || q.length !== c.channels) continue;
    const s = new Float64Array(c.channels);
    for (let k = 0; k < c.channels; k++) { const d = f[k]! - q[k]!; s[k] = Number.isFinite(d) ? d : 0; }
    shifts.set(c.index, s);
  }
  return shifts;
}

/** Add `b` to `a` channel-wise (a new map; absent entries count as zero). */
export function addShifts(a: ReadonlyMap<number, Float64Array>, b: ReadonlyMap<number, Float64Array>): Map<number, Float64Array> {
  const out = new Map<number, Float64Array>([...a].map(([k, v]) => [k, Float64Array.from(v)]));
  for (const [k, v] of b) {
    const cur = out.get(k);
    if (!cur) { out.set(k, Float64Array.from(v)); continue; }
    for (let c = 0; c < v.length; c++) cur[c] = cur[c]! + v[c]!;
  }
  return out;
}

/**
 * `model` with shifts[node index] added to the bias of those convs: each corrected conv reads a new float32
 * bias initializer `pkb<index>` (a conv without bias gets one), so a bias shared with other nodes is not changed
 * for them. Node order and every other tensor are unchanged; `model` itself is not modified.
 */
export function withBiasShift(model: OnnxModel, shifts: ReadonlyMap<number, ArrayLike<number>>, g: GraphIndex = indexGraph(model)): OnnxModel {
  if (shifts.size === 0) return model;
  const graph = shallowCopy(model.proto.graph!);
  const inits: TensorProto[] = [...graph.initializer];
  const taken = new Set([...g.producer.keys(), ...g.constants.keys(), ...g.graphInputs]);
  graph.node = graph.node.map((n: NodeProto, i) => {
    const shift = shifts.get(i);
    if (!shift) return n;
    const bRef = n.input[2] ? constantOf(g, n.input[2]) : undefined;
    const old = bRef ? toFloat32(getTensor(model, bRef.name, g.constants) as Tensor) : new Float32Array(shift.length);
    if (old.length !== shift.length) throw new RangeError(`bias correction of ${n.name}: ${shift.length} shifts for a bias of ${old.length}`);
    const bias = new Float32Array(old.length);
    for (let c = 0; c < old.length; c++) bias[c] = old[c]! + shift[c]!;
    let name = `pkb${i}`;
    for (let k = 1; taken.has(name); k++) name = `pkb${i}_${k}`;
    taken.add(name);
    inits.push(makeTensor(name, { dtype: 'float32', dims: [bias.length], data: bias }));
    const c = shallowCopy(n);
    c.input = [n.input[0]!, n.input[1]!, name];
    return c;
  });
  graph.initializer = inits;
  const proto = shallowCopy(model.proto);
  proto.graph = graph;
  return withProto(model, proto);
}

/** Mean over corrected channels of |shift| (a summary of how far the means had moved). */
export function meanAbsShift(shifts: ReadonlyMap<number, Float64Array>): number {
  let s = 0, n = 0;
  for (const v of shifts.values()) for (const x of v) { s += Math.abs(x); n++; }
  return n === 0 ? 0 : s / n;
}

export interface BiasCorrectionResult {
  /** The float model with corrected biases (quantize it with the same plan and ranges). */
  model: OnnxModel;
  convs: number;
  /** Mean |E[y_float] − E[y_quant]| over corrected channels before each round's correction. */
  rounds: number[];
  /** Summed shift per corrected conv (node index). */
  shifts: Map<number, Float64Array>;
}

/**
 * The quantized model `q` with a float twin of each conv: the same Conv (attributes) reading the same
 * dequantized input, with the float weight and bias of `float`. Twin output names by conv output.
 */
export function withFloatTwins(q: OnnxModel, float: OnnxModel, gf: GraphIndex, convs: readonly CorrectedConv[]): { model: OnnxModel; twins: Map<string, string> } {
  const gq = indexGraph(q);
  const graph = shallowCopy(q.proto.graph!);
  const inits: TensorProto[] = [...graph.initializer];
  const nodes: NodeProto[] = [...graph.node];
  const taken = new Set([...gq.producer.keys(), ...gq.constants.keys(), ...gq.graphInputs]);
  const fresh = (stem: string) => { let n = stem; for (let k = 1; taken.has(n); k++) n = `${stem}_${k}`; taken.add(n); return n; };
  const twins = new Map<string, string>();
  for (const c of convs) {
    const p = gq.producer.get(c.output);
    const fn = gf.nodes[c.index]!;
    if (p === undefined) continue;
    const qn = gq.nodes[p]!;
    const inputs = [qn.input[0]!];
    for (const k of [1, 2]) {
      const ref = fn.input[k] ? constantOf(gf, fn.input[k]!) : undefined;
      if (!ref) continue;
      const name = fresh(`pk_twin${c.index}_${k}`);
      inits.push(makeTensor(name, getTensor(float, ref.name, gf.constants)));
      inputs.push(name);
    }
    const out = fresh(`pk_twin${c.index}_y`);
    nodes.push(makeNode('Conv', inputs, [out], [...qn.attribute], { name: fresh(`pk_twin${c.index}`) }));
    twins.set(c.output, out);
  }
  graph.node = nodes;
  graph.initializer = inits;
  const proto = shallowCopy(q.proto);
  proto.graph = graph;
  return { model: withProto(q, proto), twins };
}

/**
 * Bias correction of `plan`'s quantized convs in `rounds` rounds (default 1) over `source`. Each conv's shift is
 * local: E[float conv(x̂)] − E[quantized conv(x̂)] on the same dequantized input x̂ of the quantized model, so
 * one layer's correction does not double-count the error of the layers before it (correcting every conv by
 * E[y_float] − E[y_quant] of the whole network at once overshoots: LeYOLO-Nano output SQNR 12.4 → 2.1 dB).
 */
export async function correctBiases(
  model: OnnxModel, g: GraphIndex, plan: QuantPlan, ranges: ReadonlyMap<string, TensorRange>, source: CalibrationSource,
  options: StaticQuantOptions & { rounds?: number } = {},
): Promise<BiasCorrectionResult> {
  return correctConvBiases(model, g, correctableConvs(g, plan.quantized), (m) => buildQuantized(m, plan, ranges, options, indexGraph(m)).model, source, options);
}

/**
 * Bias correction of `convs` of the float `model` against the model `quantize` makes of it (static INT8, or
 * int8 weights with float compute), in `rounds` rounds (default 1) over `source`.
 */
export async function correctConvBiases(
  model: OnnxModel, g: GraphIndex, convs: readonly CorrectedConv[], quantize: (m: OnnxModel) => OnnxModel, source: CalibrationSource,
  options: { rounds?: number; threads?: number } = {},
): Promise<BiasCorrectionResult> {
  if (convs.length === 0) return { model, convs: 0, rounds: [], shifts: new Map() };
  let shifts = new Map<number, Float64Array>();
  let current = model;
  const rounds: number[] = [];
  for (let r = 0; r < (options.rounds ?? 1); r++) {
    const q = quantize(current);
    const { model: withTwins, twins } = withFloatTwins(q, model, g, convs);
    const tensors = convs.flatMap((c) => (twins.has(c.output) ? [{ name: c.output, rank: c.rank }, { name: twins.get(c.output)!, rank: c.rank }] : []));
    const means = (await collectChannelMeans(withTwins, tensors, source.feeds(), { threads: options.threads })).means;
    const reference = new Map([...twins].map(([y, t]) => [y, means.get(t)!]));
    const d = meanShifts(convs, reference, means);
    rounds.push(meanAbsShift(d));
    shifts = addShifts(shifts, d);
    current = withBiasShift(model, shifts, g);
  }
  return { model: current, convs: convs.length, rounds, shifts };
}
