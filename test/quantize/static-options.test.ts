/** Rules of static.ts that its other tests left open: MinMax over images, the entropy method, the activation type. */
import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../src/core/dtype.js';
import { indexGraph } from '../../src/graph/onnx-graph.js';
import { entropyRanges } from '../../src/quantize/entropy-calibration.js';
import { upgradeToOpset13 } from '../../src/quantize/opset.js';
import { planQuantization } from '../../src/quantize/plan.js';
import { buildQuantized, calibrateRanges } from '../../src/quantize/static.js';
import { input, model, node, output, toOnnx } from '../helpers/onnx-builder.js';
import { tinyDetector } from '../helpers/quant-models.js';

const source = (dims: number[], ...images: ArrayLike<number>[]) => ({
  count: images.length, description: `${images.length} hand-made tensors`,
  async *feeds(): AsyncGenerator<Record<string, Tensor>> { for (const v of images) yield { x: { dtype: 'float32', dims, data: Float32Array.from(v) } }; },
});
/** x [1, n] → Relu → y */
const relu = (n: number) => toOnnx(model([node('Relu', ['x'], ['y'])], [], [input('x', [1, n])], [output('y', [1, n])], 13));

describe('calibrateRanges minmax', () => {
  it('takes each extreme from whichever image holds it: the minimum from the second image, the maximum from the third', async () => {
    const r = await calibrateRanges(relu(4), ['x', 'y'], source([1, 4], [0, 1, 2, -1], [-5, 0, 1, 1], [3, 7, 0, 0]), { method: 'minmax' });
    expect(r.ranges.get('x')).toEqual({ min: -5, max: 7 });
    expect(r.ranges.get('y')).toEqual({ min: 0, max: 7 });
  });
});

describe('calibrateRanges entropy', () => {
  it('is the entropy calibration (a KL-optimal clip of a lone outlier), not MinMax', async () => {
    // 4096 values spread over [0, 1] and one at 100: MinMax keeps [0, 100], entropy clips far below the outlier
    const v = Float32Array.from({ length: 4097 }, (_, i) => (i === 4096 ? 100 : (i % 1024) / 1024));
    const src = () => source([1, 4097], v);
    const got = await calibrateRanges(relu(4097), ['y'], src(), { method: 'entropy' });
    const want = await entropyRanges(relu(4097), ['y'], src());
    expect(got).toEqual(want);
    expect(got.ranges.get('y')!.max).toBeLessThan(50);
    expect((await calibrateRanges(relu(4097), ['y'], src(), { method: 'minmax' })).ranges.get('y')!.max).toBe(100);
  });
});

describe('buildQuantized activationType', () => {
  it('uint8 activations by default; int8 on request (the zero points of every activation QuantizeLinear)', () => {
    const m = upgradeToOpset13(toOnnx(tinyDetector()));
    const g = indexGraph(m);
    const plan = planQuantization(m, {}, g);
    const ranges = new Map(plan.tensors.map((t) => [t, { min: -1, max: 3 }]));
    const zeroPointTypes = (q: ReturnType<typeof buildQuantized>) => {
      const inits = new Map(q.model.proto.graph!.initializer.map((t) => [t.name, t.dataType]));
      return new Set(q.model.proto.graph!.node.filter((n) => n.opType === 'QuantizeLinear').map((n) => inits.get(n.input[2]!)));
    };
    expect(zeroPointTypes(buildQuantized(m, plan, ranges))).toEqual(new Set([2])); // uint8
    expect(zeroPointTypes(buildQuantized(m, plan, ranges, { activationType: 'int8' }))).toEqual(new Set([3])); // int8
  });
});
