/**
 * Bias compensation for structured pruning (no data needed). A removed channel is approximated by the constant
 * it would carry with zero filter weights (its conv bias, carried through BN, activations, pooling, Concat/Split
 * and elementwise ops: see const-eval.ts). Every conv that loses that input channel folds the constant into its
 * bias: `b[o] += const_c × Σ_{kh,kw} W[o, c]` (exact away from zero-padded borders). A depthwise conv loses the
 * channel itself, so the constant goes through it (`const × ΣW[c] + b[c]`) to its own consumers.
 *
 * Returns a model with the new biases (a conv without a bias gets one; a bias shared with other nodes gets its
 * own copy) and the trace extended with the new bias tensors as members, ready for applyChannelRemoval.
 */
import { create } from '@bufbuild/protobuf';
import { TensorProtoSchema, type NodeProto, type TensorProto } from 'onnx-buf';
import { toFloat32 } from '../../core/convert.js';
import type { ChannelMember, DependencyGraph } from '../../graph/deps/index.js';
import { constantOf, intAttr, resolveIdentity, type GraphIndex } from '../../graph/index.js';
import { makeTensorProto, readTensor, shallowCopy, withProto, type OnnxModel } from '../../io/onnx/bytes.js';
import { ConstEnv } from './const-eval.js';

export interface CompensationReport {
  /** Removed input-channel slices whose constant was folded into a consumer's bias. */
  channels: number;
  /** Convs whose bias changed. */
  consumers: number;
  /** Removed input-channel slices whose constant is unknown (data-dependent path or unsupported consumer). */
  skippedChannels: number;
  /** Convs with at least one such slice. */
  skippedConsumers: number;
}

export interface CompensationResult { model: OnnxModel; graph: DependencyGraph; report: CompensationReport }

interface ConvWeights { dims: number[]; data: Float32Array; bias: Float32Array | undefined }

function convWeights(env: ConstEnv, node: NodeProto): ConvWeights | undefined {
  const w = env.constFloats(node.input[1]);
  if (!w || w.dims.length < 3) return undefined;
  const b = node.input[2] ? env.constFloats(node.input[2]) : undefined;
  if (node.input[2] && !b) return undefined;
  return { dims: w.dims, data: w.data, bias: b?.data };
}

/** Σ over the kernel window of W[o, k] for every (o, k): [outCh × inPerGroup]. */
function kernelSums(w: ConvWeights): Float64Array {
  const [o, k] = [w.dims[0]!, w.dims[1]!];
  const inner = w.data.length / (o * k);
  const out = new Float64Array(o * k);
  for (let i = 0, p = 0; i < o * k; i++) {
    let s = 0;
    for (let j = 0; j < inner; j++) s += w.data[p++]!;
    out[i] = s;
  }
  return out;
}

/**
 * Fold the constants of the removed input channels into the bias of a plain or grouped conv (input channel c of
 * a grouped conv reaches the output rows of its own group only): the bias deltas, or undefined.
 */
function foldIntoConsumer(env: ConstEnv, w: ConvWeights, inMap: Int32Array, x: Float64Array, report: CompensationReport): Float64Array | undefined {
  const outCh = w.dims[0]!, inCh = w.dims[1]!;
  const rowsPer = outCh / Math.max(1, Math.round(inMap.length / inCh));
  let delta: Float64Array | undefined;
  let sums: Float64Array | undefined;
  let skipped = false;
  for (let c = 0; c < inMap.length; c++) {
    if (!env.isRemoved(inMap[c]!)) continue;
    sums ??= kernelSums(w);
    const block = Math.floor(c / inCh), j = c - block * inCh;
    let any = false;
    for (let o = block * rowsPer; o < (block + 1) * rowsPer && !any; o++) any = sums[o * inCh + j] !== 0;
    if (!any) continue; // a zero slice (e.g. already refit by reconstruction) has nothing to fold
    const v = x[c]!;
    if (Number.isNaN(v) || !Number.isFinite(v)) { report.skippedChannels++; skipped = true; continue; }
    if (v === 0) continue;
    delta ??= new Float64Array(outCh);
    for (let o = block * rowsPer; o < (block + 1) * rowsPer; o++) delta[o]! += v * sums[o * inCh + j]!;
    report.channels++;
  }
  if (skipped) report.skippedConsumers++;
  return delta;
}

/** Walk the graph in order, evaluating constants and collecting bias deltas per conv node. */
function collectDeltas(env: ConstEnv, report: CompensationReport): Map<number, Float64Array> {
  const { g, trace } = env;
  const rootNodes = new Set(trace.roots.map((r) => r.node));
  const deltas = new Map<number, Float64Array>();
  g.nodes.forEach((node, i) => {
    if (node.opType !== 'Conv' && node.opType !== 'ConvTranspose') { env.evalNode(node, i); return; }
    const inMap = trace.maps.get(node.input[0] ?? '');
    const x = env.of(node.input[0]);
    const out = trace.maps.get(node.output[0] ?? '');
    const w = convWeights(env, node);
    const anyRemovedIn = inMap !== undefined && inMap.some((e) => env.isRemoved(e));
    // Roots and the protected head's convs consume their inputs (a depthwise conv passes channels through instead).
    const depthwise = !rootNodes.has(i) && inMap !== undefined && intAttr(node, 'group', 1) === inMap.length;
    if (!depthwise) {
      if (anyRemovedIn && x) {
        const d = node.opType === 'Conv' && w ? foldIntoConsumer(env, w, inMap, x, report) : undefined;
        if (!d && (node.opType !== 'Conv' || !w)) { report.skippedChannels += inMap.filter((e) => env.isRemoved(e)).length; report.skippedConsumers++; }
        if (d) deltas.set(i, d);
      }
      // A removed output channel with zero filter weights outputs its bias.
      if (out && rootNodes.has(i)) env.set(node.output[0], Float64Array.from(out, (e, o) => (env.isRemoved(e) ? (w ? (w.bias?.[o] ?? 0) : NaN) : NaN)));
      return;
    }
    if (out && x && inMap && w) {
      // Depthwise: channel j of the output is input channel ⌊j / mult⌋ convolved with its own filter.
      const mult = out.length / inMap.length;
      const sums = kernelSums(w);
      env.set(node.output[0], Float64Array.from(out, (_, j) => x[Math.floor(j / mult)]! * sums[j]! + (w.bias?.[j] ?? 0)));
    }
  });
  return deltas;
}

/** Nodes reading each constant (through Identity). */
function constantUsers(g: GraphIndex): Map<string, number> {
  const users = new Map<string, number>();
  g.nodes.forEach((n) => {
    if (n.opType === 'Identity') return;
    for (const v of n.input) if (v) { const r = resolveIdentity(g, v); if (g.constants.has(r)) users.set(r, (users.get(r) ?? 0) + 1); }
  });
  return users;
}

/** Fold removed channels' constants into consumer biases. `removed[c] = 1` for every class being removed. */
export function compensateRemoval(model: OnnxModel, dg: DependencyGraph, removed: Uint8Array, g: GraphIndex): CompensationResult {
  const report: CompensationReport = { channels: 0, consumers: 0, skippedChannels: 0, skippedConsumers: 0 };
  const env = new ConstEnv(model, g, dg.trace, removed);
  const deltas = collectDeltas(env, report);
  if (deltas.size === 0) return { model, graph: dg, report };
  const graph = shallowCopy(model.proto.graph!);
  graph.node = [...graph.node];
  graph.initializer = [...graph.initializer];
  const users = constantUsers(g);
  const names = new Set([...g.constants.keys(), ...g.nodes.flatMap((n) => [...n.input, ...n.output]), ...g.graphInputs]);
  const extra: ChannelMember[] = [];
  const hasBiasMember = new Set(dg.trace.members.filter((m) => m.input === 2 && m.role === 'param').map((m) => m.node));
  for (const [i, delta] of deltas) {
    const node = g.nodes[i]!;
    const ref = node.input[2] ? constantOf(g, node.input[2]) : undefined;
    const old = ref ? readTensor(ref.proto, model.external) : undefined;
    if (old && old.dtype !== 'float32') { report.skippedConsumers++; continue; }
    const base = old ? toFloat32(old) : new Float32Array(delta.length);
    const bias = Float32Array.from(base, (b, o) => b + delta[o]!);
    const tensor = { dtype: 'float32' as const, dims: [delta.length], data: bias };
    report.consumers++;
    if (ref && ref.kind === 'initializer' && users.get(ref.name) === 1 && !g.graphInputs.has(ref.name)) {
      graph.initializer[ref.index] = makeTensorProto(ref.proto, ref.name, tensor);
      continue;
    }
    const stem = ref?.name ?? `${node.input[1] ?? node.name}_bias`;
    let name = `${stem}__pkc`;
    for (let k = 1; names.has(name); k++) name = `${stem}__pkc${k}`;
    names.add(name);
    const template: TensorProto = ref?.proto ?? create(TensorProtoSchema, {});
    graph.initializer.push(makeTensorProto(template, name, tensor));
    const copy = shallowCopy(node);
    copy.input = [...node.input];
    while (copy.input.length < 3) copy.input.push('');
    copy.input[2] = name;
    graph.node[i] = copy;
    const outMap = dg.trace.maps.get(node.output[0] ?? '');
    // A conv that had no bias member (no bias before) and whose outputs shrink: its new bias shrinks with them.
    if (!hasBiasMember.has(i) && outMap) {
      extra.push({ role: 'param', node: i, input: 2, tensor: name, axis: 0, map: outMap });
    }
  }
  const proto = shallowCopy(model.proto);
  proto.graph = graph;
  const trace = { ...dg.trace, members: [...dg.trace.members, ...extra] };
  return { model: withProto(model, proto), graph: { ...dg, trace }, report };
}
