/**
 * Data-driven reconstruction for structured pruning. For every plain conv (group 1) that loses input channels,
 * the removed channels of its input X are predicted from the kept ones, `x_R ≈ A·x_K + b` (ridge least squares
 * on calibration statistics, see channel-stats.ts), and the prediction is folded into the conv:
 * `W'[:, k, tap] = W[:, k, tap] + Σ_r W[:, r, tap]·A[r, k]` and `bias'[o] = bias[o] + Σ_r (Σ_tap W[o, r, tap])·b[r]`.
 * With A = 0 this is mean compensation. The removed input slices are zeroed (applyChannelRemoval drops them), so
 * the data-free bias compensation run afterwards adds nothing to refit convs and covers the others (ConvTranspose,
 * grouped convs, inputs without statistics). Exact at every position where the linear relation holds, except
 * for the `b` term on zero-padded borders. Statistics come from the original model's activations.
 *
 * Returns a model with the new weights and biases (shared tensors get their own copy, a conv without a bias
 * gets one) and the trace extended accordingly, ready for compensateRemoval / applyChannelRemoval.
 */
import { create } from '@bufbuild/protobuf';
import { TensorProtoSchema, type NodeProto, type TensorProto } from 'onnx-buf';
import { toFloat32 } from '../../core/convert.js';
import type { ChannelMember, ChannelRoot, DependencyGraph } from '../../graph/deps/index.js';
import { constantOf, indexGraph, intAttr, resolveIdentity, type GraphIndex } from '../../graph/index.js';
import { makeTensorProto, readTensor, shallowCopy, withProto, type OnnxModel, type TensorRef } from '../../io/onnx/bytes.js';
import type { ChannelStats } from './channel-stats.js';
import { fitRemoved, type LinearFit } from './channel-fit.js';

export interface ReconstructionReport {
  /** Calibration images the statistics came from. */
  images: number;
  /** Distinct input tensors whose removed channels were fitted. */
  tensors: number;
  /** Consumer convs whose weights and bias were refit. */
  consumers: number;
  /** Removed input-channel slices reconstructed (summed over consumers). */
  channels: number;
  /** Convs losing input channels that were not refit (grouped, ConvTranspose, no statistics, non-float32 weights): left to bias compensation. */
  fallbackConsumers: number;
  fallbackChannels: number;
}

export interface ReconstructionResult { model: OnnxModel; graph: DependencyGraph; report: ReconstructionReport }

export interface ReconstructOptions {
  /** Ridge λ relative to the mean variance of the kept channels (default DEFAULT_RIDGE of channel-fit.ts, 1e-4). */
  ridge?: number;
}

const isPlainConv = (n: NodeProto) => n.opType === 'Conv' && intAttr(n, 'group', 1) === 1;

/**
 * Tensors whose statistics reconstruction can use: inputs of plain convs that carry at least one prunable
 * channel, once each, in graph order.
 */
export function calibrationTensors(dg: DependencyGraph, g: GraphIndex): string[] {
  const { trace } = dg;
  const out = new Set<string>();
  for (const n of g.nodes) {
    const x = n.input[0];
    const map = x ? trace.maps.get(x) : undefined;
    if (!x || !map || !isPlainConv(n)) continue;
    if (map.some((e) => trace.pinnedClass[trace.classOf[e]!] !== 1)) out.add(x);
  }
  return [...out];
}

interface Fold { weight: Float32Array; dims: number[]; bias: Float32Array }

function floatConst(g: GraphIndex, model: OnnxModel, value: string | undefined): { ref: TensorRef; data: Float32Array; dims: number[] } | undefined {
  const ref = value ? constantOf(g, value) : undefined;
  if (!ref) return undefined;
  const t = readTensor(ref.proto, model.external);
  return t.dtype === 'float32' ? { ref, data: toFloat32(t), dims: [...t.dims] } : undefined;
}

/**
 * Fold the fit into a conv's weights [O, C, …taps] and bias [O]: the predicted channels' slices are replaced by
 * their prediction from the kept channels, tap by tap. Removed input slices become zero.
 */
export function foldFit(weight: Float32Array, dims: readonly number[], bias: Float32Array | undefined, fit: LinearFit): Fold {
  const o = dims[0]!, c = dims[1]!;
  const taps = weight.length / (o * c);
  const { kept, removed, rows, a, b } = fit;
  const nk = kept.length, nr = rows.length;
  const predicted = new Uint8Array(c);
  for (const r of rows) predicted[r] = 1;
  const w = Float32Array.from(weight);
  const bOut = new Float64Array(o);
  if (bias) for (let i = 0; i < o; i++) bOut[i] = bias[i]!;
  const wr = new Float64Array(nr);
  for (let oc = 0; oc < o; oc++) {
    for (let t = 0; t < taps; t++) {
      for (let r = 0; r < nr; r++) wr[r] = weight[(oc * c + rows[r]!) * taps + t]!;
      for (let k = 0; k < nk; k++) {
        let s = 0;
        for (let r = 0; r < nr; r++) s += wr[r]! * a[r * nk + k]!;
        const at = (oc * c + kept[k]!) * taps + t;
        w[at] = (predicted[kept[k]!] ? 0 : weight[at]!) + s;
      }
      for (let r = 0; r < nr; r++) bOut[oc]! += wr[r]! * b[r]!;
      for (const r of removed) w[(oc * c + r) * taps + t] = 0;
    }
  }
  return { weight: w, dims: [...dims], bias: Float32Array.from(bOut) };
}

/** Nodes reading each constant (through Identity). */
function readers(g: GraphIndex): Map<string, number> {
  const users = new Map<string, number>();
  for (const n of g.nodes) {
    if (n.opType === 'Identity') continue;
    for (const v of n.input) if (v) { const r = resolveIdentity(g, v); if (g.constants.has(r)) users.set(r, (users.get(r) ?? 0) + 1); }
  }
  return users;
}

/** Refit the consumers of removed channels. `removed[c] = 1` for every class being removed. */
export function reconstructRemoval(model: OnnxModel, dg: DependencyGraph, removed: Uint8Array, stats: ChannelStats, g: GraphIndex = indexGraph(model), options: ReconstructOptions = {}): ReconstructionResult {
  const { trace } = dg;
  const report: ReconstructionReport = { images: stats.images, tensors: 0, consumers: 0, channels: 0, fallbackConsumers: 0, fallbackChannels: 0 };
  const fits = new Map<string, LinearFit>();
  const folds = new Map<number, Fold>();
  g.nodes.forEach((node, i) => {
    if (node.opType !== 'Conv' && node.opType !== 'ConvTranspose') return;
    const x = node.input[0] ?? '';
    const map = trace.maps.get(x);
    if (!map) return;
    const mask = Uint8Array.from(map, (e) => (removed[trace.classOf[e]!] === 1 ? 1 : 0));
    const lost = mask.reduce((s, v) => s + v, 0);
    if (lost === 0) return;
    const group = intAttr(node, 'group', 1);
    if (node.opType === 'Conv' && group > 1 && group === map.length) return; // depthwise: loses the channel itself
    const moments = stats.tensors.get(x);
    const w = isPlainConv(node) && moments?.channels === map.length ? floatConst(g, model, node.input[1]) : undefined;
    const bias = node.input[2] ? floatConst(g, model, node.input[2]) : undefined;
    if (!moments || !w || w.dims.length < 3 || w.dims[1] !== map.length || (node.input[2] && !bias)) {
      report.fallbackConsumers++;
      report.fallbackChannels += lost;
      return;
    }
    let fit = fits.get(x);
    if (!fit) fits.set(x, (fit = fitRemoved(moments, mask, options.ridge)));
    folds.set(i, foldFit(w.data, w.dims, bias?.data, fit));
    report.consumers++;
    report.channels += lost;
  });
  report.tensors = fits.size;
  if (folds.size === 0) return { model, graph: dg, report };
  return { ...writeFolds(model, dg, g, folds), report };
}

/** Write refit weights and biases: in place when the tensor has this one reader, else as a new initializer. */
function writeFolds(model: OnnxModel, dg: DependencyGraph, g: GraphIndex, folds: ReadonlyMap<number, Fold>): { model: OnnxModel; graph: DependencyGraph } {
  const graph = shallowCopy(model.proto.graph!);
  graph.node = [...graph.node];
  graph.initializer = [...graph.initializer];
  const users = readers(g);
  const names = new Set([...g.constants.keys(), ...g.nodes.flatMap((n) => [...n.input, ...n.output]), ...g.graphInputs]);
  const renamed = new Map<string, string>(); // `${node}:${slot}` → new tensor name
  const extra: ChannelMember[] = [];
  const hasBiasMember = new Set(dg.trace.members.filter((m) => m.input === 2 && m.role === 'param').map((m) => m.node));
  const write = (i: number, slot: number, values: Float32Array, dims: number[], stemOf: string) => {
    const node = g.nodes[i]!;
    const ref = node.input[slot] ? constantOf(g, node.input[slot]) : undefined;
    const tensor = { dtype: 'float32' as const, dims, data: values };
    if (ref && ref.kind === 'initializer' && users.get(ref.name) === 1 && !g.graphInputs.has(ref.name)) {
      graph.initializer[ref.index] = makeTensorProto(ref.proto, ref.name, tensor);
      return;
    }
    const stem = ref?.name ?? stemOf;
    let name = `${stem}__pkr`;
    for (let k = 1; names.has(name); k++) name = `${stem}__pkr${k}`;
    names.add(name);
    const template: TensorProto = ref?.proto ?? create(TensorProtoSchema, {});
    graph.initializer.push(makeTensorProto(template, name, tensor));
    const copy = shallowCopy(graph.node[i]!);
    copy.input = [...copy.input];
    while (copy.input.length <= slot) copy.input.push('');
    copy.input[slot] = name;
    graph.node[i] = copy;
    renamed.set(`${i}:${slot}`, name);
  };
  for (const [i, f] of folds) {
    const node = g.nodes[i]!;
    write(i, 1, f.weight, f.dims, node.name || `conv${i}`);
    const hadBias = Boolean(node.input[2]);
    write(i, 2, f.bias, [f.bias.length], `${node.input[1] ?? node.name}_bias`);
    const outMap = dg.trace.maps.get(node.output[0] ?? '');
    // A conv that had no bias and whose outputs shrink: its new bias shrinks with them.
    if (!hadBias && !hasBiasMember.has(i) && outMap) {
      extra.push({ role: 'param', node: i, input: 2, tensor: renamed.get(`${i}:2`)!, axis: 0, map: outMap });
    }
  }
  const members = dg.trace.members.map((m) => {
    const name = renamed.get(`${m.node}:${m.input}`);
    return name ? { ...m, tensor: name } : m;
  });
  const roots: ChannelRoot[] = dg.trace.roots.map((r) => {
    const name = renamed.get(`${r.node}:1`);
    return name ? { ...r, weight: name } : r;
  });
  const proto = shallowCopy(model.proto);
  proto.graph = graph;
  const trace = { ...dg.trace, roots, members: [...members, ...extra] };
  return { model: withProto(model, proto), graph: { ...dg, trace } };
}
