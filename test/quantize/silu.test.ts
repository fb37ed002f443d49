import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../src/core/dtype.js';
import { toFloat32 } from '../../src/core/convert.js';
import { indexGraph } from '../../src/graph/onnx-graph.js';
import { serializeOnnx, shallowCopy, withProto } from '../../src/io/onnx/index.js';
import { activationParams, insertQdq, planQuantization, sqnrDb, upgradeToOpset13 } from '../../src/quantize/index.js';
import { fusedSilu, MS_DOMAIN } from '../../src/quantize/silu.js';
import { createSession } from '../../src/runtime/index.js';
import { randomFloats, toOnnx } from '../helpers/onnx-builder.js';
import { tinyDetector } from '../helpers/quant-models.js';

/** The tiny detector at opset 13, and its QDQ model with every planned activation in [−4, 4] (built inside each test). */
function models() {
  const m = upgradeToOpset13(toOnnx(tinyDetector()));
  const g = indexGraph(m);
  const plan = planQuantization(m, {}, g);
  return { m, qdq: insertQdq(m, plan, activationParams(g.nodes, new Map(plan.tensors.map((t) => [t, { min: -4, max: 4 }]))), {}, g).model };
}

describe('fusedSilu (the "one fused activation between a single DQ/Q pair" SiLU option)', () => {
  it('turns DQ → Sigmoid → Q/DQ → Mul → Q into DQ → QuickGelu(alpha 1) → Q, dropping the Sigmoid and its Q/DQ', () => {
    const { qdq } = models();
    const r = fusedSilu(qdq);
    expect(r.rewritten).toBe(1);
    const nodes = r.model.proto.graph!.node;
    const qg = nodes.filter((n) => n.opType === 'QuickGelu');
    expect(qg).toHaveLength(1);
    expect(qg[0]!.domain).toBe(MS_DOMAIN);
    expect(qg[0]!.attribute[0]).toMatchObject({ name: 'alpha', f: 1 });
    expect(qg[0]!.output).toEqual(['a0']); // the Mul's output, still read by its QuantizeLinear
    const gi = indexGraph(r.model);
    expect(gi.nodes[gi.producer.get(qg[0]!.input[0]!)!]!.opType).toBe('DequantizeLinear');
    expect(nodes.some((n) => n.name === '/model.0/act/Sigmoid')).toBe(false); // the head's float Sigmoid (decode tail) stays
    expect(nodes.filter((n) => n.opType === 'Sigmoid')).toHaveLength(1);
    expect(nodes.filter((n) => n.opType === 'QuantizeLinear')).toHaveLength(qdq.proto.graph!.node.filter((n) => n.opType === 'QuantizeLinear').length - 1);
    expect(r.model.proto.opsetImport.some((o) => o.domain === MS_DOMAIN)).toBe(true);
  });

  it('runs in onnxruntime and computes the float SiLU between the same DQ/Q pair (not the integer Sigmoid → Q → Mul)', async () => {
    const { qdq } = models();
    // reference: the QDQ model with the SiLU's inner pair removed (the Mul reads the float Sigmoid output)
    const ref = withProto(qdq, (() => {
      const p = shallowCopy(qdq.proto);
      const graph = shallowCopy(p.graph!);
      const gi = indexGraph(qdq);
      graph.node = graph.node.map((n) => {
        if (n.name !== '/model.0/act/Mul') return n;
        const c = shallowCopy(n);
        c.input = n.input.map((v) => { const dq = gi.nodes[gi.producer.get(v)!]!; return dq.opType === 'DequantizeLinear' && gi.nodes[gi.producer.get(dq.input[0]!)!]!.opType === 'QuantizeLinear' && gi.nodes[gi.producer.get(gi.nodes[gi.producer.get(dq.input[0]!)!]!.input[0]!)!]?.opType === 'Sigmoid' ? 's0' : v; });
        return c;
      });
      p.graph = graph;
      return p;
    })());
    const feeds: Record<string, Tensor> = { images: { dtype: 'float32', dims: [1, 3, 8, 8], data: randomFloats(192, 7) } };
    const run = async (model: typeof qdq) => { const s = await createSession(serializeOnnx(model)); try { return toFloat32((await s.run(feeds)).out!); } finally { await s.release(); } };
    const [fused, reference, integer] = [await run(fusedSilu(qdq).model), await run(ref), await run(qdq)];
    expect(sqnrDb(reference, fused)).toBeGreaterThan(40);
    expect(sqnrDb(reference, integer)).toBeLessThan(sqnrDb(reference, fused)); // the integer form rounds σ(x) once more
  });

  it('leaves a model without an integer SiLU as it is', () => {
    const { m } = models();
    expect(fusedSilu(m)).toEqual({ model: m, rewritten: 0 });
  });
});
