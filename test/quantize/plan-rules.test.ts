import { describe, expect, it } from 'vitest';
import { indexGraph } from '../../src/graph/onnx-graph.js';
import { decodeTail, isDflConv, layerKind, planQuantization } from '../../src/quantize/index.js';
import { constant, initializer, input, model, node, output, randomFloats, toOnnx } from '../helpers/onnx-builder.js';

const W = (name: string, dims: number[]) => initializer(name, dims, randomFloats(dims.reduce((a, b) => a * b, 1), name.length));

/** Every rule of the plan in one graph (see the node names). */
function net() {
  return toOnnx(model(
    [
      node('Conv', ['images', 'w0'], ['c0'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, 'stem'),
      node('Sigmoid', ['c0'], ['s0'], {}, 'silu.sig'),
      node('Mul', ['s0', 'c0'], ['a0'], {}, 'silu.mul'), // Sigmoid first
      node('Conv', ['a0', 'wdw'], ['c1'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], group: 8 }, 'dw'),
      node('Conv', ['c1', 'wg'], ['c2'], { group: 2 }, 'grouped'),
      node('Conv', ['c2', 'w1'], ['c3'], {}, 'pw'), // no kernel_shape: from the weight
      node('Conv', ['c3', 'w5'], ['c4'], { kernel_shape: [5, 5], pads: [2, 2, 2, 2] }, 'k5'),
      node('Add', ['c3', 'c4'], ['ad'], {}, 'add'),
      constant('k', [1], Float32Array.of(2)),
      node('Mul', ['ad', 'k'], ['mk'], {}, 'mulk'),
      node('Shape', ['mk'], ['sh'], {}, 'shape'),
      node('Reshape', ['mk', 'sh'], ['rs'], {}, 'reshape'),
      node('Sigmoid', ['rs'], ['sg'], {}, 'sig.float'),
      node('Mul', ['sg', 'c4'], ['m2'], {}, 'mul'), // not a SiLU: the Sigmoid is of another tensor
      node('Conv', ['m2', 'wdyn'], ['c5'], { kernel_shape: [1, 1] }, 'dyn'),
      node('Conv', ['c5', 'w1'], ['c6'], { kernel_shape: [1, 1] }, ''), // unnamed
      node('Softmax', ['c6'], ['sm'], { axis: 1 }, 'softmax'),
      node('Transpose', ['sm'], ['smt'], { perm: [0, 1, 2, 3] }, 'smt'),
      node('Conv', ['smt', 'w1'], ['dfl'], { kernel_shape: [1, 1] }, 'dfl'),
      node('Conv', ['dfl', 'w1'], ['c7'], { kernel_shape: [1, 1] }, 'last'),
      node('AveragePool', ['c7'], ['ap'], { kernel_shape: [2, 2] }, 'pool'),
      node('Sigmoid', ['ap'], ['out'], {}, 'tail.sig'),
    ],
    [W('w0', [8, 3, 3, 3]), W('wdw', [8, 1, 3, 3]), W('wg', [8, 4, 1, 1]), W('w1', [8, 8, 1, 1]), W('w5', [8, 8, 5, 5])],
    [input('images', [1, 3, 8, 8]), input('wdyn', [8, 8, 1, 1])], [output('out', [1, 8, 4, 4])], 13,
  ));
}

describe('layerKind', () => {
  const m = net();
  const g = indexGraph(m);
  const kind = (name: string, silu = false) => layerKind(g, g.nodes.find((n) => n.name === name)!, silu);
  it('classifies convs by input channels, group, and kernel', () => {
    expect(['stem', 'dw', 'grouped', 'pw', 'k5'].map((n) => kind(n))).toEqual(['stem', 'depthwise', 'grouped', 'conv1x1', 'convkxk']);
  });
  it('stem means ≤ 4 input channels (weight in-channels × group)', () => {
    const conv = (cin: number, group = 1, k = [3, 3]) => {
      const mm = toOnnx(model([node('Conv', ['x', 'w'], ['y'], { kernel_shape: k, group }, 'c')], [W('w', [8, cin / group, ...k])], [input('x', [1, cin, 8, 8])], [output('y', [1, 8, 6, 6])], 13));
      const gg = indexGraph(mm);
      return layerKind(gg, gg.nodes[0]!, false);
    };
    expect([conv(4), conv(5), conv(1), conv(4, 4)]).toEqual(['stem', 'conv3x3', 'stem', 'stem']);
    expect([conv(8, 8), conv(16, 8), conv(8, 2), conv(8, 1, [1, 3]), conv(8, 1, [3, 1]), conv(8, 1, [1, 1])]).toEqual(['depthwise', 'grouped', 'grouped', 'convkxk', 'convkxk', 'conv1x1']);
    // a depthwise conv with a channel multiplier (group = in-channels, 2 outputs per group) is grouped
    const mult = toOnnx(model([node('Conv', ['x', 'w'], ['y'], { kernel_shape: [3, 3], group: 8 }, 'c')], [W('w', [16, 1, 3, 3])], [input('x', [1, 8, 8, 8])], [output('y', [1, 16, 6, 6])], 13));
    expect(layerKind(indexGraph(mult), mult.proto.graph!.node[0]!, false)).toBe('grouped');
    // without a constant weight nothing is known about channels: not a stem
    expect(kind('dyn')).toBe('conv1x1');
  });
  it('other ops', () => {
    const op = (opType: string, silu = false) => layerKind(g, node(opType, ['a', 'b'], ['c']), silu);
    expect(['ConvTranspose', 'Gemm', 'MatMul', 'Sigmoid', 'Add', 'AveragePool', 'GlobalAveragePool'].map((o) => op(o))).toEqual(['convtranspose', 'gemm', 'matmul', 'sigmoid', 'add', 'pool', 'pool']);
    expect([op('Mul', true), op('Mul', false)]).toEqual(['silu', 'mul']);
    expect([op('Relu'), op('MaxPool'), op('LeakyRelu')]).toEqual([undefined, undefined, undefined]);
  });
});

describe('isDflConv and decodeTail', () => {
  const m = net();
  const g = indexGraph(m);
  const at = (name: string) => g.nodes.findIndex((n) => n.name === name);
  it('a Conv fed by a Softmax through data movement is the DFL projection; others are not', () => {
    expect(isDflConv(g, g.nodes[at('dfl')]!)).toBe(true);
    expect(isDflConv(g, g.nodes[at('last')]!)).toBe(false);
    expect(isDflConv(g, g.nodes[at('stem')]!)).toBe(false); // a graph input
    expect(isDflConv(g, g.nodes[at('softmax')]!)).toBe(false); // not a Conv
    expect(isDflConv(g, g.nodes[at('smt')]!)).toBe(false); // fed by the Softmax, but not a Conv
    expect(isDflConv(g, g.nodes[at('pw')]!)).toBe(false); // fed by a Conv
  });
  it('follows up to 15 data-movement nodes back to the Softmax', () => {
    const chain = (k: number) => {
      const nodes = [node('Softmax', ['x'], ['v0'])];
      for (let i = 0; i < k; i++) nodes.push(node('Identity', [`v${i}`], [`v${i + 1}`]));
      nodes.push(node('Conv', [`v${k}`, 'w'], ['y'], { kernel_shape: [1, 1] }, 'conv'));
      const mm = toOnnx(model(nodes, [W('w', [2, 2, 1, 1])], [input('x', [1, 2, 2, 2])], [output('y', [1, 2, 2, 2])], 13));
      const gg = indexGraph(mm);
      return isDflConv(gg, gg.nodes.at(-1)!);
    };
    expect([chain(0), chain(1), chain(15), chain(16)]).toEqual([true, true, true, false]);
  });
  it('the tail: every node from which only the DFL conv (or no weighted layer) is reachable', () => {
    const names = [...decodeTail(g)].map((i) => g.nodes[i]!.name || g.nodes[i]!.output[0]);
    expect(names.sort()).toEqual(['pool', 'tail.sig']);
    // after the last real conv, the DFL conv and its Softmax are tail too
    const head = toOnnx(model(
      [node('Conv', ['x', 'w'], ['c'], { kernel_shape: [1, 1] }, 'c'), node('Softmax', ['c'], ['s'], {}, 's'), node('Reshape', ['s', 'shape'], ['r'], {}, 'r'), node('Conv', ['r', 'w'], ['y'], { kernel_shape: [1, 1] }, 'dfl')],
      [W('w', [2, 2, 1, 1]), initializer('shape', [4], BigInt64Array.of(1n, 2n, 2n, 2n))], [input('x', [1, 2, 2, 2])], [output('y', [1, 2, 2, 2])], 13,
    ));
    const gh = indexGraph(head);
    expect([...decodeTail(gh)].map((i) => gh.nodes[i]!.name)).toEqual(['s', 'r', 'dfl']);
  });
});

describe('planQuantization rules', () => {
  const m = net();
  const g = indexGraph(m);
  // (planned inside each test: StrykerJS's per-test coverage does not see work done while collecting a describe)
  const planOf = () => planQuantization(m, {}, g);
  const quantized = () => [...planOf().quantized].map((i) => g.nodes[i]!.name || g.nodes[i]!.output[0]).sort();
  it('quantizes weighted layers, integer arithmetic after them and their activations', () => {
    // 'mul' (a Mul of a float Sigmoid and a conv output) is integer arithmetic of its own, not an activation
    expect(quantized()).toEqual(['add', 'c6', 'dw', 'grouped', 'k5', 'last', 'mul', 'pw', 'silu.mul', 'silu.sig', 'stem']);
  });
  it('lists each float node with its reason (shape arithmetic and tail data movement are not listed)', () => {
    expect(planOf().float).toEqual([
      { node: 'mulk', op: 'Mul', reason: 'constant operand (kept float)' },
      { node: 'sig.float', op: 'Sigmoid', reason: 'activation of a float layer' },
      { node: 'dyn', op: 'Conv', reason: 'weights computed at run time' },
      { node: 'dfl', op: 'Conv', reason: 'DFL projection' },
      { node: 'pool', op: 'AveragePool', reason: 'detector decode tail (after the last conv of its head branch)' },
      { node: 'tail.sig', op: 'Sigmoid', reason: 'detector decode tail (after the last conv of its head branch)' },
    ]);
  });
  it('kinds of the layers considered', () => {
    const plan = planOf();
    const kinds = Object.fromEntries([...plan.kinds].map(([i, k]) => [g.nodes[i]!.name || g.nodes[i]!.output[0], k]));
    expect(kinds).toEqual({ stem: 'stem', 'silu.sig': 'sigmoid', 'silu.mul': 'silu', dw: 'depthwise', grouped: 'grouped', pw: 'conv1x1', k5: 'convkxk', add: 'add', 'sig.float': 'sigmoid', mul: 'mul', c6: 'conv1x1', last: 'conv1x1' });
  });
  it('tensors: float activation inputs and outputs of quantized nodes, in graph order, once each', () => {
    expect(planOf().tensors).toEqual(['images', 'c0', 's0', 'a0', 'c1', 'c2', 'c3', 'c4', 'ad', 'sg', 'm2', 'c5', 'c6', 'dfl', 'c7']);
  });
  it('data movement is quantized only between quantized producers', () => {
    expect(planOf().quantized.has(g.nodes.findIndex((n) => n.name === 'reshape'))).toBe(false);
    const mm = toOnnx(model(
      [node('Conv', ['x', 'w'], ['a'], { kernel_shape: [1, 1] }, 'c1'), node('Conv', ['x', 'w'], ['b'], { kernel_shape: [1, 1] }, 'c2'), node('Relu', ['b'], ['rb'], {}, 'relu'),
        node('Concat', ['a', 'rb'], ['cat'], { axis: 1 }, 'cat'), node('Concat', ['a', 'b'], ['cat2'], { axis: 1 }, 'cat2'), node('Add', ['cat', 'cat2'], ['s'], {}, 'add'), node('Conv', ['s', 'w4'], ['y'], { kernel_shape: [1, 1] }, 'c3')],
      [W('w', [2, 2, 1, 1]), W('w4', [2, 4, 1, 1])], [input('x', [1, 2, 2, 2])], [output('y', [1, 2, 2, 2])], 13,
    ));
    const gm = indexGraph(mm);
    const p = planQuantization(mm, {}, gm);
    // `cat` joins integer `a` and float `rb` and feeds only the integer Add: quantized after the pass (see concat-join.test.ts)
    expect([...p.quantized].map((i) => gm.nodes[i]!.name)).toEqual(['c1', 'c2', 'cat2', 'add', 'c3', 'cat']);
  });
  it('exclude: exact names and module-path prefixes; an empty entry is no prefix of every name', () => {
    const p = planQuantization(m, { exclude: ['pw', 'silu.', ''] }, g);
    const names = [...p.quantized].map((i) => g.nodes[i]!.name);
    expect(names).not.toContain('pw');
    expect(names).not.toContain('silu.sig');
    expect(names).not.toContain('silu.mul');
    expect(names).toContain('stem');
    expect(names).toContain('k5');
    // ('' names only the unnamed conv, c6)
    expect(p.float.filter((f) => f.reason === '--exclude').map((f) => f.node)).toEqual(['silu.sig', 'silu.mul', 'pw', 'c6']);
    expect(planQuantization(m, { exclude: ['pw.'] }, g).quantized.has(g.nodes.findIndex((n) => n.name === 'pw'))).toBe(true);
  });
  it('keepFloat: the rule sees index, node and kind; its reason is recorded; the activation follows its layer', () => {
    const seen: string[] = [];
    const p = planQuantization(m, { keepFloat: (info) => { seen.push(`${info.index}:${info.node.name}:${info.kind}`); return info.kind === 'stem' ? 'placement: stem' : undefined; } }, g);
    expect(seen.slice(0, 2)).toEqual(['0:stem:stem', '3:dw:depthwise']);
    expect(p.float[0]).toEqual({ node: 'stem', op: 'Conv', reason: 'placement: stem' });
    expect(p.float.slice(1, 3)).toEqual([{ node: 'silu.sig', op: 'Sigmoid', reason: 'activation of a float layer' }, { node: 'silu.mul', op: 'Mul', reason: 'activation of a float layer' }]);
  });
  it('skips integer and shape arithmetic and int operands silently; quantizes tail data movement fed by integer nodes, unlisted; a Split reaching a conv by one output is not tail', () => {
    const mm = toOnnx(model(
      [
        node('Conv', ['x', 'w'], ['y'], { kernel_shape: [1, 1] }, 'c'),
        node('Split', ['y'], ['s1', 's2'], { axis: 1 }, 'split'),
        node('Conv', ['s1', 'w1'], ['z'], { kernel_shape: [1, 1] }, 'd'),
        node('Reshape', ['s2', 'shape'], ['r'], {}, 'tail.reshape'), node('Sigmoid', ['r'], ['out2'], {}, 'tail.sig'),
        node('Shape', ['y'], ['sh'], {}, 'shape'), node('Add', ['sh', 'sh'], ['sh2'], {}, 'int.add'),
        node('Mul', ['y', 'kint'], ['mi'], {}, 'int.mul'), node('Mul', ['y', 'kf'], ['mf'], {}, 'const.mul'),
        node('Relu', ['y'], ['ry'], {}, 'relu'), node('Mul', ['y', 'ry'], ['mr'], {}, 'mul.relu'),
        node('Add', ['mi', 'mf'], ['s3'], {}, 'add1'), node('Add', ['mr', 's3'], ['s4'], {}, 'add2'), node('Reshape', ['s4', 'sh2'], ['s5'], {}, 'reshape'),
        node('Conv', ['s5', 'w'], ['v'], { kernel_shape: [1, 1] }, 'e'),
      ],
      [W('w', [2, 2, 1, 1]), W('w1', [2, 1, 1, 1]), initializer('shape', [2], BigInt64Array.of(1n, 4n)), initializer('kint', [1], Int32Array.of(2)), initializer('kf', [1], Float32Array.of(2))],
      [input('x', [1, 2, 2, 2])], [output('z', [1, 2, 2, 2]), output('out2', [1, 4]), output('v', [1, 2, 2, 2])], 13,
    ));
    const gm = indexGraph(mm);
    const p = planQuantization(mm, {}, gm);
    const name = (i: number) => gm.nodes[i]!.name;
    expect([...p.tail].map(name)).toEqual(['tail.reshape', 'tail.sig']);
    // int.mul (an int32 operand) and int.add (shape arithmetic) are neither quantized nor listed
    expect([...p.quantized].map(name)).toEqual(['c', 'split', 'd', 'tail.reshape', 'mul.relu', 'add1', 'add2', 'reshape', 'e']);
    expect(p.float.map((f) => [f.node, f.reason])).toEqual([
      ['tail.sig', 'detector decode tail (after the last conv of its head branch)'], ['const.mul', 'constant operand (kept float)'],
    ]);
    expect(p.kinds.get(gm.nodes.findIndex((n) => n.name === 'mul.relu'))).toBe('mul'); // Mul(y, Relu(y)) is no SiLU
  });

  it('a SiLU written Mul(x, Sigmoid(x)) follows its layer too', () => {
    const mm = toOnnx(model(
      [node('Conv', ['x', 'w'], ['c'], { kernel_shape: [1, 1] }, 'first'), node('Sigmoid', ['c'], ['s'], {}, 's'), node('Mul', ['c', 's'], ['y0'], {}, 'm'), node('Conv', ['y0', 'w'], ['y'], { kernel_shape: [1, 1] }, 'second')],
      [W('w', [2, 2, 1, 1])], [input('x', [1, 2, 2, 2])], [output('y', [1, 2, 2, 2])], 13,
    ));
    const gm = indexGraph(mm);
    expect([...planQuantization(mm, {}, gm).kinds.values()]).toEqual(['stem', 'sigmoid', 'silu', 'stem']);
    const p = planQuantization(mm, { exclude: ['first'] }, gm);
    expect(p.float.map((f) => [f.node, f.reason])).toEqual([['first', '--exclude'], ['s', 'activation of a float layer'], ['m', 'activation of a float layer']]);
  });
});
