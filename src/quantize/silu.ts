/**
 * The SiLU option "one fused activation between a single DQ/Q pair": each integer SiLU of a QDQ model,
 * DQ(x) → Sigmoid → Q → DQ → Mul(DQ(x), ·) → Q, becomes DQ(x) → QuickGelu(alpha = 1) → Q, where QuickGelu is
 * onnxruntime's contrib op (com.microsoft) computing x·Sigmoid(alpha·x) in float — the kernel onnxruntime itself
 * fuses a float SiLU into. onnxruntime-only (other runtimes do not know com.microsoft ops), so an option, not
 * the default.
 */
import { create } from '@bufbuild/protobuf';
import { AttributeProto_AttributeType, AttributeProtoSchema, OperatorSetIdProtoSchema, type NodeProto } from 'onnx-buf';
import { indexGraph } from '../graph/onnx-graph.js';
import { makeNode, shallowCopy, withProto, type OnnxModel } from '../io/onnx/bytes.js';

export const MS_DOMAIN = 'com.microsoft';

/** `model` with its integer SiLUs as QuickGelu between one DQ/Q pair, and how many were rewritten. */
export function fusedSilu(model: OnnxModel): { model: OnnxModel; rewritten: number } {
  const g = indexGraph(model);
  const producer = (v: string | undefined): NodeProto | undefined => { const p = v === undefined ? undefined : g.producer.get(v); return p === undefined ? undefined : g.nodes[p]; };
  let rewritten = 0;
  const nodes = g.nodes.map((n) => {
    if (n.opType !== 'Mul') return n; // (a Mul has two inputs)
    for (const k of [0, 1]) {
      const x = n.input[k]!, s = n.input[1 - k];
      const dqS = producer(s);
      const qS = dqS?.opType === 'DequantizeLinear' ? producer(dqS.input[0]) : undefined;
      const sig = qS?.opType === 'QuantizeLinear' ? producer(qS.input[0]) : undefined;
      if (sig?.opType !== 'Sigmoid' || sig.input[0] !== x || producer(x)?.opType !== 'DequantizeLinear') continue;
      rewritten++;
      const alpha = create(AttributeProtoSchema, { name: 'alpha', type: AttributeProto_AttributeType.FLOAT, f: 1 });
      return makeNode('QuickGelu', [x], [...n.output], [alpha], { name: `${n.name || n.output[0]}_silu`, domain: MS_DOMAIN });
    }
    return n;
  });
  if (rewritten === 0) return { model, rewritten };
  const graph = shallowCopy(model.proto.graph!);
  let kept = nodes;
  for (;;) {
    const used = new Set([...kept.flatMap((n) => n.input), ...graph.output.map((o) => o.name)]);
    const next = kept.filter((n) => n.output.some((o) => used.has(o)));
    if (next.length === kept.length) break;
    kept = next;
  }
  graph.node = kept;
  const used = new Set(kept.flatMap((n) => n.input));
  graph.initializer = graph.initializer.filter((t) => used.has(t.name));
  const proto = shallowCopy(model.proto);
  proto.graph = graph;
  if (!proto.opsetImport.some((o) => o.domain === MS_DOMAIN)) proto.opsetImport = [...proto.opsetImport, create(OperatorSetIdProtoSchema, { domain: MS_DOMAIN, version: 1n })];
  return { model: withProto(model, proto), rewritten };
}
