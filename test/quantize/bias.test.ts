import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../src/core/dtype.js';
import { toFloat32 } from '../../src/core/convert.js';
import { indexGraph } from '../../src/graph/onnx-graph.js';
import { getTensor, withTensorValues, type OnnxModel } from '../../src/io/onnx/index.js';
import { addShifts, correctConvBiases, correctableConvs, meanAbsShift, meanShifts, withBiasShift } from '../../src/quantize/bias.js';
import { initializer, input, model, node, output, toOnnx } from '../helpers/onnx-builder.js';

/** x [1,2,2,2] → Conv 1×1 (w [2,2,1,1], b) → y → Sigmoid → out (y is not a graph output). */
function convNet(w: Float32Array, b: Float32Array | undefined) {
  return toOnnx(model(
    [node('Conv', ['x', 'w', ...(b ? ['b'] : [])], ['y'], { kernel_shape: [1, 1] }, 'conv'), node('Sigmoid', ['y'], ['out'], {}, 'act')],
    [initializer('w', [2, 2, 1, 1], w), ...(b ? [initializer('b', [2], b)] : [])],
    [input('x', [1, 2, 2, 2])], [output('out', [1, 2, 2, 2])], 13,
  ));
}

const feed = (c0: number[], c1: number[]): Record<string, Tensor> => ({ x: { dtype: 'float32', dims: [1, 2, 2, 2], data: Float32Array.from([...c0, ...c1]) } });
// per-image channel means: image 1 (1, 2), image 2 (3, 1) → E[x] = (2, 1.5)
const feeds = [feed([1, 1, 1, 1], [2, 2, 2, 2]), feed([3, 3, 3, 3], [0, 0, 0, 4])];
const source = { count: 2, description: 'two hand-made images', async *feeds() { yield* feeds; } };

const biasOf = (m: OnnxModel): Float32Array => {
  const g = indexGraph(m);
  const conv = g.nodes.find((n) => n.name === 'conv')!;
  return toFloat32(getTensor(m, conv.input[2]!, g.constants));
};

describe('bias correction on a hand-built 1×1 conv', () => {
  const w = Float32Array.of(1, 2, -1, 0.5);
  const delta = Float32Array.of(0.5, -0.25, 0, 1); // the "quantization" error of w, row-major [out, in]
  // the quantized model: weights w + Δ, the current bias kept
  const quantize = (m: OnnxModel) => withTensorValues(m, new Map([['w', { dtype: 'float32', dims: [2, 2, 1, 1], data: w.map((v, i) => v + delta[i]!) } as Tensor]]));

  it('shifts each bias by −Δ·E[x] (here −(0.5·2 − 0.25·1.5), −(1·1.5)), and a second round finds nothing left', async () => {
    const m = convNet(w, Float32Array.of(0.1, -0.2));
    const g = indexGraph(m);
    const convs = correctableConvs(g, [0, 1]);
    expect(convs).toEqual([{ index: 0, node: 'conv', output: 'y', rank: 4, channels: 2 }]);
    const r = await correctConvBiases(m, g, convs, quantize, source, { rounds: 2 });
    const b = biasOf(r.model);
    expect(b[0]).toBeCloseTo(0.1 - 0.625, 5);
    expect(b[1]).toBeCloseTo(-0.2 - 1.5, 5);
    expect(r.rounds[0]).toBeCloseTo((0.625 + 1.5) / 2, 5);
    expect(r.rounds[1]).toBeLessThan(1e-5);
    // the input model is untouched
    expect([...biasOf(m)]).toEqual([Math.fround(0.1), Math.fround(-0.2)]);
  });

  it('gives a conv without bias one (the shift itself)', async () => {
    const m = convNet(w, undefined);
    const g = indexGraph(m);
    const r = await correctConvBiases(m, g, correctableConvs(g, [0]), quantize, source);
    const b = biasOf(r.model);
    expect(b[0]).toBeCloseTo(-0.625, 5);
    expect(b[1]).toBeCloseTo(-1.5, 5);
  });
});

describe('shift arithmetic', () => {
  it('meanShifts is float − quant per channel; non-finite differences and missing tensors give no shift', () => {
    const convs = [{ index: 3, node: 'a', output: 'ya', rank: 4, channels: 2 }, { index: 5, node: 'b', output: 'yb', rank: 4, channels: 1 }];
    const s = meanShifts(convs, new Map([['ya', [1, Infinity]], ['yb', [2]]]), new Map([['ya', [0.25, 1]]]));
    expect([...s.keys()]).toEqual([3]);
    expect([...s.get(3)!]).toEqual([0.75, 0]);
  });
  it('addShifts sums channel-wise without changing its inputs; meanAbsShift averages |shift| over channels', () => {
    const a = new Map([[1, Float64Array.of(1, -2)]]);
    const sum = addShifts(a, new Map([[1, Float64Array.of(0.5, 0.5)], [2, Float64Array.of(3)]]));
    expect([...sum.get(1)!]).toEqual([1.5, -1.5]);
    expect([...sum.get(2)!]).toEqual([3]);
    expect([...a.get(1)!]).toEqual([1, -2]);
    expect(meanAbsShift(sum)).toBe((1.5 + 1.5 + 3) / 3);
    expect(meanAbsShift(new Map())).toBe(0);
  });
  it('withBiasShift gives the corrected conv its own bias, so a conv sharing the old bias keeps it', () => {
    const m = toOnnx(model(
      [node('Conv', ['x', 'w', 'b'], ['y1'], { kernel_shape: [1, 1] }, 'c1'), node('Conv', ['x', 'w', 'b'], ['y2'], { kernel_shape: [1, 1] }, 'c2'), node('Add', ['y1', 'y2'], ['out'])],
      [initializer('w', [2, 2, 1, 1], Float32Array.of(1, 0, 0, 1)), initializer('b', [2], Float32Array.of(1, 2))],
      [input('x', [1, 2, 2, 2])], [output('out', [1, 2, 2, 2])], 13,
    ));
    const out = withBiasShift(m, new Map([[1, [0.5, -1]]]));
    const g = indexGraph(out);
    expect(g.nodes[0]!.input[2]).toBe('b');
    expect(g.nodes[1]!.input[2]).toBe('pkb1');
    expect([...toFloat32(getTensor(out, 'pkb1', g.constants))]).toEqual([1.5, 1]);
    expect([...toFloat32(getTensor(out, 'b', g.constants))]).toEqual([1, 2]);
    expect(withBiasShift(m, new Map())).toBe(m);
  });
});
