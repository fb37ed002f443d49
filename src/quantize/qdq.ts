/**
 * The QDQ rewrite: every planned activation tensor T gets T → QuantizeLinear → DequantizeLinear → (all consumers);
 * each quantized weighted node reads int8 weights through DequantizeLinear and its bias in float32 (or int32 behind
 * a DequantizeLinear). This is the format
 * onnxruntime's graph optimizer fuses into integer kernels (DQ → Conv → Q ⇒ QLinearConv) and that TensorRT,
 * OpenVINO and NPU toolchains read. The model is raised to opset 13 first (per-axis DequantizeLinear).
 */
import type { NodeProto, TensorProto } from 'onnx-buf';
import type { Tensor } from '../core/dtype.js';
import { toFloat32 } from '../core/convert.js';
import { constantOf, indexGraph, intAttr, type GraphIndex } from '../graph/onnx-graph.js';
import { attrInt, getTensor, makeNode, makeTensor, shallowCopy, withProto, type OnnxModel } from '../io/onnx/bytes.js';
import type { QuantParams } from './params.js';
import type { QuantPlan } from './plan.js';
import { quantizeLayer, type ConvQuantization } from './weights.js';
import { dataInputs } from './ops.js';

export interface QdqOptions {
  /** Per-output-channel weight scales for Conv/ConvTranspose (default true). */
  perChannel?: boolean;
  /** 7-bit weights. */
  reduceRange?: boolean;
  /**
   * How a quantized layer's bias is stored: `float32` (default: the float bias as it is; onnxruntime quantizes it
   * to int32 at input scale × weight scale when it loads the model and fuses QLinearConv all the same, outputs
   * bit-identical, and the file drops the per-channel bias scales) or `int32` behind a DequantizeLinear.
   */
  biasType?: 'float32' | 'int32';
}

export interface QuantizedLayer { node: string; op: string; weight: string; channels: number; perChannel: boolean; widened: number }

export interface QdqResult {
  model: OnnxModel;
  /** Weighted layers quantized, with their int8 weight. */
  layers: QuantizedLayer[];
  /** Activation tensors that got a Q/DQ pair. */
  tensors: number;
}

const scalar = (name: string, dtype: 'float32' | 'uint8' | 'int8', value: number): TensorProto =>
  makeTensor(name, dtype === 'float32' ? { dtype, dims: [], data: Float32Array.of(value) } : dtype === 'uint8' ? { dtype, dims: [], data: Uint8Array.of(value) } : { dtype, dims: [], data: Int8Array.of(value) });

/** Output-channel axis and whether per-channel scales are used for a weighted node. */
function weightAxis(n: NodeProto, dims: readonly number[], perChannel: boolean): { axis: number; perChannel: boolean } {
  if (n.opType === 'Conv') return { axis: 0, perChannel };
  if (n.opType === 'ConvTranspose') return { axis: 1, perChannel: perChannel && intAttr(n, 'group', 1) === 1 };
  return { axis: Math.max(0, dims.length - 1), perChannel: false }; // Gemm, MatMul: per tensor
}

const sameParams = (a: QuantParams | undefined, b: QuantParams | undefined) => a !== undefined && b !== undefined && a.scale === b.scale && a.zeroPoint === b.zeroPoint && a.dtype === b.dtype;

/**
 * `plan` without the decode-tail data movement that would change values: a tail Concat stays integer only when
 * every input and its output have the same parameters (one scale group: the Concat is then a copy of codes and the
 * DequantizeLinear after it gives exactly the values the DequantizeLinears before it gave); otherwise it runs in
 * float on the dequantized inputs (a box/score Concat never rounds scores to another scale), and so does the tail
 * movement after it. Tail nodes are visited in graph order, so a node whose producer went back to float follows it.
 */
export function sharedTail(plan: QuantPlan, params: ReadonlyMap<string, QuantParams>, g: GraphIndex): QuantPlan {
  const quantized = new Set(plan.quantized);
  const producedInteger = (v: string) => { const p = g.producer.get(v); return p !== undefined && quantized.has(p); };
  let changed = false;
  // The plan lists its tail nodes in graph order (the plan's main loop adds them so), producers first.
  for (const i of [...plan.quantized].filter((k) => plan.tail.has(k))) {
    const n = g.nodes[i]!;
    const data = dataInputs(n.opType, n.input).map((k) => n.input[k]).filter((v): v is string => !!v);
    // (an unnamed optional output has no parameters: the node goes back to float, the safe side)
    const ok = data.every(producedInteger) && n.output.every((o) => data.every((v) => sameParams(params.get(v), params.get(o))));
    if (!ok) { quantized.delete(i); changed = true; }
  }
  if (!changed) return plan;
  const tensors = plan.tensors.filter((t) => { const p = g.producer.get(t); return p === undefined || quantized.has(p) || (g.consumers.get(t) ?? []).some((c) => quantized.has(c)); });
  return { ...plan, quantized, tensors };
}

/** Rewrite `model` with Q/DQ pairs per `plan` and `params` (activation tensor → parameters). */
export function insertQdq(model: OnnxModel, planned: QuantPlan, params: ReadonlyMap<string, QuantParams>, options: QdqOptions = {}, g: GraphIndex = indexGraph(model)): QdqResult {
  const plan = sharedTail(planned, params, g);
  const graph = shallowCopy(model.proto.graph!);
  const taken = new Set([...g.producer.keys(), ...g.constants.keys(), ...g.graphInputs]);
  const fresh = (stem: string) => { let n = stem; for (let k = 1; taken.has(n); k++) n = `${stem}_${k}`; taken.add(n); return n; };
  const nodeNames = new Set(g.nodes.map((n) => n.name));
  const nodeName = (stem: string) => { let n = stem; for (let k = 1; nodeNames.has(n); k++) n = `${stem}_${k}`; nodeNames.add(n); return n; };
  const inits: TensorProto[] = [...graph.initializer];
  const qdq = new Map<string, string>(); // tensor → its DQ output
  const pairFor = new Map<string, NodeProto[]>(); // tensor → its Q and DQ nodes
  const outputRename = new Map<string, string>(); // graph output produced by a node → the node's new output name
  plan.tensors.forEach((t, k) => {
    const p = params.get(t);
    if (!p) return;
    // Short generated names (pk<k>_…, k = the tensor's index in plan.tensors): long module-path names repeated
    // six times per tensor made a tenth of LeYOLO-Nano's INT8 file.
    const s = fresh(`pk${k}_scale`), z = fresh(`pk${k}_zp`);
    inits.push(scalar(s, 'float32', p.scale), scalar(z, p.dtype, p.zeroPoint));
    let src = t, dq = fresh(`pk${k}_dq`);
    if (g.graphOutputs.has(t) && g.producer.has(t)) { src = fresh(`pk${k}_float`); outputRename.set(t, src); dq = t; }
    const q = fresh(`pk${k}_q`);
    pairFor.set(t, [makeNode('QuantizeLinear', [src, s, z], [q], [], { name: nodeName(`pk${k}_Q`) }), makeNode('DequantizeLinear', [q, s, z], [dq], [], { name: nodeName(`pk${k}_DQ`) })]);
    qdq.set(t, dq);
  });
  const layers: QuantizedLayer[] = [];
  const weightCache = new Map<string, { q: ConvQuantization; names: string[] }>();
  const nodes: NodeProto[] = [];
  for (const t of plan.tensors) if (g.graphInputs.has(t) && pairFor.has(t)) nodes.push(...pairFor.get(t)!);
  // A tensor made by a float node (or a graph input) is read through its Q/DQ pair only by quantized nodes: its float
  // readers (e.g. the float prefix beside an integer Concat that joins the same tensor) keep the exact values.
  const floatMade = (v: string) => { const p = g.producer.get(v); return p === undefined ? g.graphInputs.has(v) : !plan.quantized.has(p); };
  g.nodes.forEach((n, i) => {
    const out = shallowCopy(n);
    out.input = n.input.map((v) => (!plan.quantized.has(i) && floatMade(v) ? outputRename.get(v) ?? v : qdq.get(v) ?? v));
    out.output = n.output.map((v) => outputRename.get(v) ?? v);
    if (plan.quantized.has(i) && (n.opType === 'Conv' || n.opType === 'ConvTranspose' || n.opType === 'Gemm' || n.opType === 'MatMul')) {
      const wRef = constantOf(g, n.input[1] ?? '');
      const xParams = params.get(n.input[0] ?? '');
      if (wRef && xParams) {
        const w = getTensor(model, wRef.name, g.constants);
        const bRef = n.input[2] ? constantOf(g, n.input[2]) : undefined;
        const bias = bRef ? toFloat32(getTensor(model, bRef.name, g.constants)) : undefined;
        const { axis, perChannel } = weightAxis(n, w.dims, options.perChannel ?? true);
        const key = `${wRef.name}|${axis}|${perChannel}|${bRef?.name ?? ''}|${xParams.scale}`;
        let cached = weightCache.get(key);
        if (!cached) {
          const q = quantizeLayer(toFloat32(w as Tensor), w.dims, bias, xParams.scale, { perChannel, axis, reduceRange: options.reduceRange });
          // Symmetric weights and biases: the zero point input is left out (it defaults to 0 of the input's type).
          const wq = fresh(`${wRef.name}_quantized`), ws = fresh(`${wRef.name}_scale`), wdq = fresh(`${wRef.name}_dq`);
          const chans = q.weight.scales.length;
          const axisAttr = q.weight.axis === undefined ? [] : [attrInt('axis', q.weight.axis)];
          const shape = q.weight.axis === undefined ? [] : [chans];
          inits.push(makeTensor(wq, { dtype: 'int8', dims: [...w.dims], data: q.weight.data }), makeTensor(ws, { dtype: 'float32', dims: shape, data: q.weight.scales }));
          nodes.push(makeNode('DequantizeLinear', [wq, ws], [wdq], axisAttr, { name: nodeName(`${wRef.name}_DQ`) }));
          const names = [wdq];
          if (q.bias && bRef && options.biasType === 'int32') {
            const bq = fresh(`${bRef.name}_quantized`), bs = fresh(`${bRef.name}_scale`), bdq = fresh(`${bRef.name}_dq`);
            const perAxis = q.bias.scales.length > 1 && q.weight.axis !== undefined;
            inits.push(makeTensor(bq, { dtype: 'int32', dims: [q.bias.data.length], data: q.bias.data }),
              makeTensor(bs, perAxis ? { dtype: 'float32', dims: [q.bias.scales.length], data: q.bias.scales } : { dtype: 'float32', dims: [], data: q.bias.scales.subarray(0, 1) }));
            nodes.push(makeNode('DequantizeLinear', [bq, bs], [bdq], perAxis ? [attrInt('axis', 0)] : [], { name: nodeName(`${bRef.name}_DQ`) }));
            names.push(bdq);
          }
          cached = { q, names };
          weightCache.set(key, cached);
        }
        out.input[1] = cached.names[0]!;
        if (cached.names[1]) out.input[2] = cached.names[1];
        layers.push({ node: n.name, op: n.opType, weight: wRef.name, channels: cached.q.weight.scales.length, perChannel: cached.q.weight.axis !== undefined, widened: cached.q.widened.length });
      }
    }
    nodes.push(out);
    for (const o of n.output) if (pairFor.has(o)) nodes.push(...pairFor.get(o)!);
  });
  graph.node = nodes;
  graph.initializer = inits;
  const proto = shallowCopy(model.proto);
  proto.graph = withoutDeadCode(graph);
  return { model: withProto(model, proto), layers, tensors: qdq.size };
}

/** Drop nodes whose outputs nobody reads and initializers no node reads (the float weights replaced by int8). */
function withoutDeadCode<G extends { node: NodeProto[]; initializer: TensorProto[]; output: Array<{ name: string }>; input: Array<{ name: string }> }>(graph: G): G {
  let nodes = graph.node;
  for (;;) {
    const used = new Set([...nodes.flatMap((n) => n.input), ...graph.output.map((o) => o.name)]);
    const kept = nodes.filter((n) => n.output.some((o) => o && used.has(o)));
    if (kept.length === nodes.length) break;
    nodes = kept;
  }
  const used = new Set([...nodes.flatMap((n) => n.input), ...graph.output.map((o) => o.name)]);
  const out = shallowCopy(graph);
  out.node = nodes;
  out.initializer = graph.initializer.filter((t) => used.has(t.name));
  return out;
}
