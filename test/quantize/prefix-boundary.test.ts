import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../src/core/dtype.js';
import { indexGraph } from '../../src/graph/onnx-graph.js';
import type { OnnxModel } from '../../src/io/onnx/index.js';
import { planQuantization, upgradeToOpset13, type PlanOptions } from '../../src/quantize/index.js';
import { chooseFloatPrefix, mixedElementwise, searchFloatPrefix, type PrefixStep } from '../../src/quantize/prefix.js';
import { initializer, input, model, node, output, randomFloats, toOnnx } from '../helpers/onnx-builder.js';

/** Weights and biases of four 1×1 convs: wA/bA (3→4), wB/bB, wD/bD, wC/bC (4→4). */
const fourConvWeights = () => [
  initializer('wA', [4, 3, 1, 1], randomFloats(12, 1)), initializer('bA', [4], randomFloats(4, 2)),
  initializer('wB', [4, 4, 1, 1], randomFloats(16, 3)), initializer('bB', [4], randomFloats(4, 4)),
  initializer('wD', [4, 4, 1, 1], randomFloats(16, 5)), initializer('bD', [4], randomFloats(4, 6)),
  initializer('wC', [4, 4, 1, 1], randomFloats(16, 7)), initializer('bC', [4], randomFloats(4, 8)),
];

/**
 * x [1,3,4,4] → A (stem 1×1) → a → B (1×1) → b → D (1×1) → d; s = b ⊕ d (Add or Mul: a residual); C (1×1) on s → out.
 * Ranked layers in graph order: A, B, D, s, C.
 */
function residualNet(op: 'Add' | 'Mul'): OnnxModel {
  return upgradeToOpset13(toOnnx(model(
    [
      node('Conv', ['x', 'wA', 'bA'], ['a'], { kernel_shape: [1, 1] }, 'A'),
      node('Conv', ['a', 'wB', 'bB'], ['b'], { kernel_shape: [1, 1] }, 'B'),
      node('Conv', ['b', 'wD', 'bD'], ['d'], { kernel_shape: [1, 1] }, 'D'),
      node(op, ['b', 'd'], ['s'], {}, 'S'),
      node('Conv', ['s', 'wC', 'bC'], ['out'], { kernel_shape: [1, 1] }, 'C'),
    ],
    fourConvWeights(), [input('x', [1, 3, 4, 4])], [output('out', [1, 4, 4, 4])], 13,
  )));
}

const floatNodes = (...names: string[]): PlanOptions => ({ keepFloat: (info) => (names.includes(info.node.name) ? 'test' : undefined) });

describe('mixedElementwise', () => {
  for (const op of ['Add', 'Mul'] as const) {
    it(`an integer ${op} reading one float and one integer layer`, () => {
      const m = residualNet(op);
      const g = indexGraph(m);
      const idx = g.nodes.findIndex((n) => n.name === 'S');
      expect(mixedElementwise(g, planQuantization(m, floatNodes('A', 'B'), g))).toEqual([idx]); // b float, d integer
      expect(mixedElementwise(g, planQuantization(m, floatNodes('A', 'D'), g))).toEqual([idx]); // b integer, d float
      expect(mixedElementwise(g, planQuantization(m, floatNodes('A'), g))).toEqual([]); // both integer
      expect(mixedElementwise(g, planQuantization(m, floatNodes('A', 'B', 'D'), g))).toEqual([]); // both float: the boundary itself
      expect(mixedElementwise(g, planQuantization(m, floatNodes('A', 'B', 'S'), g))).toEqual([]); // the Add itself float
      expect(mixedElementwise(g, planQuantization(m, {}, g))).toEqual([]);
    });
  }
  it('a SiLU product (x · Sigmoid(x)) is no residual; a graph input is no float layer', () => {
    const m = upgradeToOpset13(toOnnx(model(
      [
        node('Conv', ['x', 'w0', 'b0'], ['c'], { kernel_shape: [1, 1] }, 'C0'),
        node('Add', ['x', 'c'], ['xc'], {}, 'R'), // graph input + integer layer
        node('Conv', ['xc', 'wA', 'bA'], ['a'], { kernel_shape: [1, 1] }, 'A'),
        node('Sigmoid', ['a'], ['sa'], {}, 'sig'), node('Mul', ['a', 'sa'], ['m'], {}, 'silu'),
        node('Conv', ['m', 'wB', 'bB'], ['out'], { kernel_shape: [1, 1] }, 'B'),
      ],
      [
        initializer('w0', [3, 3, 1, 1], randomFloats(9, 5)), initializer('b0', [3], randomFloats(3, 6)),
        initializer('wA', [4, 3, 1, 1], randomFloats(12, 1)), initializer('bA', [4], randomFloats(4, 2)), initializer('wB', [4, 4, 1, 1], randomFloats(16, 3)), initializer('bB', [4], randomFloats(4, 4)),
      ],
      [input('x', [1, 3, 4, 4])], [output('out', [1, 4, 4, 4])], 13,
    )));
    const g = indexGraph(m);
    const plan = planQuantization(m, {}, g);
    expect(plan.kinds.get(g.nodes.findIndex((n) => n.name === 'silu'))).toBe('silu');
    expect(plan.quantized.has(g.nodes.findIndex((n) => n.name === 'R'))).toBe(true);
    expect(mixedElementwise(g, plan)).toEqual([]);
  });
  it('only Add/Mul count: a MatMul of a float and an integer layer does not', () => {
    const m = upgradeToOpset13(toOnnx(model(
      [
        node('MatMul', ['x', 'wA'], ['a'], {}, 'A'), node('MatMul', ['x', 'wB'], ['b'], {}, 'B'),
        node('MatMul', ['a', 'b'], ['ab'], {}, 'AB'),
        node('MatMul', ['ab', 'wC'], ['out'], {}, 'C'),
      ],
      [initializer('wA', [4, 4], randomFloats(16, 1)), initializer('wB', [4, 4], randomFloats(16, 2)), initializer('wC', [4, 4], randomFloats(16, 3))],
      [input('x', [4, 4])], [output('out', [4, 4])], 13,
    )));
    const g = indexGraph(m);
    const plan = planQuantization(m, floatNodes('A'), g);
    expect(plan.quantized.has(g.nodes.findIndex((n) => n.name === 'AB'))).toBe(true);
    expect(mixedElementwise(g, plan)).toEqual([]);
  });
});

describe('searchFloatPrefix: a boundary on the source of a residual', () => {
  const m = residualNet('Add');
  const g = indexGraph(m);
  const plan = planQuantization(m, {}, g);
  // x's range is absurdly wide (A integer is hopeless: k = 0 loses), a's is coarse (B integer costs a few dB);
  // every other tensor gets a fitting range.
  const wide: Record<string, number> = { x: 1000, a: 40 };
  const ranges = new Map(plan.tensors.map((t) => [t, { min: -(wide[t] ?? 8), max: wide[t] ?? 8 }]));
  const images: Array<Record<string, Tensor>> = [{ x: { dtype: 'float32', dims: [1, 3, 4, 4], data: randomFloats(48, 9) } }];
  const names = (layers: number[]) => layers.map((i) => g.nodes[i]!.name);

  it('k = 2 (A, B float) leaves the Add mixed: never a candidate, k = 1 is probed in its place', async () => {
    const probes: number[] = [];
    const r = await searchFloatPrefix(m, g, plan, {}, ranges, images, { maxFraction: 0.5, dbPerLayer: 0, onProbe: (s) => probes.push(s.floatLayers) });
    expect(probes).toEqual([0, 1]);
    expect(r.steps.map((s: PrefixStep) => s.floatLayers)).toEqual([0, 1]);
    const [k0, k1] = r.steps.map((s) => s.sqnrDb) as [number, number];
    expect(k0).toBeLessThan(k1);
    expect(names(r.layers)).toEqual(['A']);
    // the per-layer price decides between the two: k1 − k0 dB for one layer is the tie (the shorter wins)
    expect(names((await searchFloatPrefix(m, g, plan, {}, ranges, images, { maxFraction: 0.5, dbPerLayer: k1 - k0 })).layers)).toEqual([]);
    expect(names((await searchFloatPrefix(m, g, plan, {}, ranges, images, { maxFraction: 0.5, dbPerLayer: (k1 - k0) * 0.99 })).layers)).toEqual(['A']);
  });

  it('sizes that mix nothing are probed as they are; k = 0 is always a candidate', async () => {
    const probes: number[] = [];
    const all = await searchFloatPrefix(m, g, plan, {}, ranges, images, { maxFraction: 1, dbPerLayer: 0, onProbe: (s) => probes.push(s.floatLayers) });
    expect(probes).toEqual([0, 1, 4]); // k = 4: A, B, D and the Add float
    expect(names(all.layers)).toEqual(['A', 'B', 'D', 'S']);
    // B float by a base rule mixes the Add at k = 0 already: k = 0 stays the one candidate
    const few: number[] = [];
    const base = floatNodes('B');
    const r = await searchFloatPrefix(m, g, planQuantization(m, base, g), base, new Map(plan.tensors.map((t) => [t, { min: -8, max: 8 }])), images, { maxFraction: 0.25, dbPerLayer: 200, onProbe: (s) => few.push(s.floatLayers) });
    expect(r.layers).toEqual([]);
    expect(few).toEqual([0]);
  });

  it('the longest shorter prefix that mixes nothing replaces a mixed size, each size probed once', async () => {
    // A → a, B → b, C(b) → c, s = a + c, E(s): with A float (k = 1) or A, B float (k = 2) the Add reads float a and
    // integer c; only k = 0 or k = 3 (A, B, C float) end the mix.
    const m2 = upgradeToOpset13(toOnnx(model(
      [
        node('Conv', ['x', 'wA', 'bA'], ['a'], { kernel_shape: [1, 1] }, 'A'),
        node('Conv', ['a', 'wB', 'bB'], ['b'], { kernel_shape: [1, 1] }, 'B'),
        node('Conv', ['b', 'wD', 'bD'], ['c'], { kernel_shape: [1, 1] }, 'C'),
        node('Add', ['a', 'c'], ['s'], {}, 'S'),
        node('Conv', ['s', 'wC', 'bC'], ['out'], { kernel_shape: [1, 1] }, 'E'),
      ],
      fourConvWeights(), [input('x', [1, 3, 4, 4])], [output('out', [1, 4, 4, 4])], 13,
    )));
    const g2 = indexGraph(m2);
    const plan2 = planQuantization(m2, {}, g2);
    const r2 = new Map(plan2.tensors.map((t) => [t, { min: -(t === 'x' ? 1000 : 8), max: t === 'x' ? 1000 : 8 }]));
    const probes: number[] = [];
    const r = await searchFloatPrefix(m2, g2, plan2, {}, r2, images, { maxFraction: 0.5, dbPerLayer: 0, onProbe: (s) => probes.push(s.floatLayers) });
    expect(probes).toEqual([0]); // 2 → 1 → 0, already probed
    expect(r.layers).toEqual([]);
    const wide: number[] = [];
    await searchFloatPrefix(m2, g2, plan2, {}, r2, images, { maxFraction: 1, dbPerLayer: 0, onProbe: (s) => wide.push(s.floatLayers) });
    expect(wide).toEqual([0, 4]); // sizes 0, 2, 4 → 0, 0, 4 (A, B, C and the Add float: nothing mixed)
  });
});

describe('chooseFloatPrefix, probes in any order', () => {
  it('the best qualifying prefix, whatever the order of the steps', () => {
    expect(chooseFloatPrefix([{ floatLayers: 28, sqnrDb: 13.2 }, { floatLayers: 13, sqnrDb: 12.8 }, { floatLayers: 0, sqnrDb: 6 }])).toBe(13);
    expect(chooseFloatPrefix([{ floatLayers: 0, sqnrDb: 6 }, { floatLayers: 28, sqnrDb: 13.2 }, { floatLayers: 13, sqnrDb: 12.8 }])).toBe(13);
  });
});
