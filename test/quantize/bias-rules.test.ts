import { describe, expect, it } from 'vitest';
import { toFloat32 } from '../../src/core/convert.js';
import type { Tensor } from '../../src/core/dtype.js';
import { indexGraph } from '../../src/graph/onnx-graph.js';
import { getTensor } from '../../src/io/onnx/index.js';
import { correctBiases, correctConvBiases, correctableConvs, meanShifts, withBiasShift, withFloatTwins } from '../../src/quantize/bias.js';
import { planQuantization, upgradeToOpset13 } from '../../src/quantize/index.js';
import { initializer, input, model, node, output, randomFloats, toOnnx } from '../helpers/onnx-builder.js';
import { tinyDetector } from '../helpers/quant-models.js';

/** c0: Conv (bias b) → y0 ; c1: Conv without bias → y1 (graph output) ; r: Relu ; c2: Conv with a runtime weight ; c3: Conv with a 2-D weight ; c4: Conv1d → Relu */
function net() {
  return toOnnx(model(
    [
      node('Conv', ['x', 'w', 'b'], ['y0'], { kernel_shape: [1, 1] }, 'c0'),
      node('Conv', ['y0', 'w'], ['y1'], { kernel_shape: [1, 1] }, 'c1'),
      node('Relu', ['y0'], ['r'], {}, 'r'),
      node('Conv', ['r', 'win'], ['y2'], { kernel_shape: [1, 1] }, 'c2'),
      node('Conv', ['r', 'w2d'], ['y3'], {}, 'c3'),
      node('Conv', ['x1d', 'w1d'], ['y4'], { kernel_shape: [1] }, 'c4'),
      node('Add', ['y2', 'y3'], ['s']),
      node('Relu', ['y4'], ['y5']),
    ],
    [initializer('w', [2, 2, 1, 1], randomFloats(4, 1)), initializer('b', [2], Float32Array.of(1, 2)), initializer('w2d', [2, 2], randomFloats(4, 2)), initializer('w1d', [3, 2, 1], randomFloats(6, 3)), initializer('pkb0', [1], Float32Array.of(0))],
    [input('x', [1, 2, 2, 2]), input('win', [2, 2, 1, 1]), input('x1d', [1, 2, 4])], [output('y1', [1, 2, 2, 2]), output('s', [1, 2, 2, 2]), output('y5', [1, 3, 4])], 13,
  ));
}

describe('correctableConvs', () => {
  it('Convs with a constant weight of rank ≥ 3 whose output is no graph output, in index order', () => {
    const g = indexGraph(net());
    expect(correctableConvs(g, [5, 4, 3, 2, 1, 0, 6])).toEqual([
      { index: 0, node: 'c0', output: 'y0', rank: 4, channels: 2 },
      { index: 5, node: 'c4', output: 'y4', rank: 3, channels: 3 },
    ]);
    expect(correctableConvs(g, [])).toEqual([]);
  });
});

describe('meanShifts', () => {
  it('skips a conv whose means do not have one value per channel', () => {
    const convs = [{ index: 0, node: 'c0', output: 'y0', rank: 4, channels: 2 }];
    expect(meanShifts(convs, new Map([['y0', [1, 2, 3]]]), new Map([['y0', [0, 0]]])).size).toBe(0);
    expect(meanShifts(convs, new Map([['y0', [1, 2]]]), new Map([['y0', [0]]])).size).toBe(0);
    expect([...meanShifts(convs, new Map([['y0', [1, 2]]]), new Map([['y0', [0.5, NaN]]])).get(0)!]).toEqual([0.5, 0]);
  });
});

describe('withBiasShift', () => {
  it('a fresh bias name when pkb<index> is taken; refuses a shift of the wrong length; other nodes untouched', () => {
    const m = net();
    const out = withBiasShift(m, new Map([[0, [0.5, -0.5]]]));
    const g = indexGraph(out);
    expect(g.nodes[0]!.input).toEqual(['x', 'w', 'pkb0_1']);
    expect([...toFloat32(getTensor(out, 'pkb0_1', g.constants))]).toEqual([1.5, 1.5]);
    expect(g.nodes[1]).toBe(m.proto.graph!.node[1]);
    expect(() => withBiasShift(m, new Map([[0, [1, 2, 3]]]))).toThrow('bias correction of c0: 3 shifts for a bias of 2');
    const nob = withBiasShift(m, new Map([[1, [0.25, 0.75]]]));
    expect(indexGraph(nob).nodes[1]!.input).toEqual(['y0', 'w', 'pkb1']);
    expect([...toFloat32(getTensor(nob, 'pkb1'))]).toEqual([0.25, 0.75]);
  });
});

describe('withFloatTwins', () => {
  it('adds a float Conv beside each corrected conv, reading the same input, with the float weight and bias', () => {
    const f = net();
    const gf = indexGraph(f);
    const convs = [{ index: 0, node: 'c0', output: 'y0', rank: 4, channels: 2 }, { index: 1, node: 'c1', output: 'y1', rank: 4, channels: 2 }, { index: 6, node: 'gone', output: 'nowhere', rank: 4, channels: 2 }];
    const { model: t, twins } = withFloatTwins(f, f, gf, convs);
    expect([...twins]).toEqual([['y0', 'pk_twin0_y'], ['y1', 'pk_twin1_y']]);
    const nodes = t.proto.graph!.node;
    expect(nodes.slice(-2).map((n) => [n.name, n.opType, n.input, n.output])).toEqual([
      ['pk_twin0', 'Conv', ['x', 'pk_twin0_1', 'pk_twin0_2'], ['pk_twin0_y']],
      ['pk_twin1', 'Conv', ['y0', 'pk_twin1_1'], ['pk_twin1_y']],
    ]);
    expect(nodes.at(-1)!.attribute.map((a) => a.name)).toEqual(['kernel_shape']);
    expect([...toFloat32(getTensor(t, 'pk_twin0_2'))]).toEqual([1, 2]);
    expect(f.proto.graph!.node).toHaveLength(8);
  });
});

describe('correctConvBiases / correctBiases', () => {
  const feeds = { count: 1, description: 'one', async *feeds(): AsyncGenerator<Record<string, Tensor>> { yield { images: { dtype: 'float32', dims: [1, 3, 8, 8], data: randomFloats(192, 3) } }; } };
  it('nothing to correct: the model itself, no rounds', async () => {
    const m = net();
    const r = await correctConvBiases(m, indexGraph(m), [], () => { throw new Error('not called'); }, feeds);
    expect(r).toEqual({ model: m, convs: 0, rounds: [], shifts: new Map() });
  });
  it('correctBiases corrects the convs of the plan, in the requested rounds', async () => {
    const m = upgradeToOpset13(toOnnx(tinyDetector()));
    const g = indexGraph(m);
    const plan = planQuantization(m, {}, g);
    const ranges = new Map(plan.tensors.map((t) => [t, { min: -3, max: 3 }]));
    const r = await correctBiases(m, g, plan, ranges, feeds, { rounds: 2 });
    expect(r.convs).toBe(2);
    expect(r.rounds).toHaveLength(2);
    expect([...r.shifts.keys()].sort()).toEqual([0, 5]);
    expect((await correctBiases(m, g, plan, ranges, feeds)).rounds).toHaveLength(1);
  });
});
