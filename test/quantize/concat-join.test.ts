import { describe, expect, it } from 'vitest';
import { indexGraph } from '../../src/graph/onnx-graph.js';
import { asymmetricParams, insertQdq, planQuantization } from '../../src/quantize/index.js';
import { joinsIntoInteger } from '../../src/quantize/plan.js';
import { constant, initializer, input, model, node, output, randomFloats, toOnnx } from '../helpers/onnx-builder.js';

const W = (name: string, dims: number[]) => initializer(name, dims, randomFloats(dims.reduce((a, b) => a * b, 1), name.length));

/**
 * x ┬ Conv c1 → a (integer)                 a, rb → Concat cat → Conv c3 → y
 *   └ Conv c2 → b → Relu relu → rb (float)  rb → Conv c4 (float reader of rb) → z
 * `last` picks what reads the Concat's output (an integer Conv, a float Relu, a graph output), `third` adds an input.
 */
function net(options: { reader?: 'conv' | 'relu' | 'output'; third?: 'constant' | 'input' | 'none'; catName?: string } = {}) {
  const { reader = 'conv', third = 'none', catName = '/model.21/Concat' } = options;
  const catInputs = ['a', 'rb', ...(third === 'constant' ? ['k'] : third === 'input' ? ['x2'] : [])];
  const ch = catInputs.length * 2;
  const readers = reader === 'conv' ? [node('Conv', ['cat', 'w3'], ['y'], { kernel_shape: [1, 1] }, 'c3')] : reader === 'relu' ? [node('Relu', ['cat'], ['y'], {}, 'relu2')] : [];
  return toOnnx(model(
    [
      node('Conv', ['x', 'w'], ['a'], { kernel_shape: [1, 1] }, 'c1'),
      node('Conv', ['x', 'w'], ['b'], { kernel_shape: [1, 1] }, 'c2'),
      node('Relu', ['b'], ['rb'], {}, 'relu'),
      ...(third === 'constant' ? [constant('k', [1, 2, 2, 2], randomFloats(8, 9))] : []),
      node('Concat', catInputs, ['cat'], { axis: 1 }, catName),
      ...readers,
      node('Conv', ['rb', 'w'], ['z'], { kernel_shape: [1, 1] }, 'c4'),
    ],
    [W('w', [2, 2, 1, 1]), W('w3', [2, ch, 1, 1])],
    [input('x', [1, 2, 2, 2]), ...(third === 'input' ? [input('x2', [1, 2, 2, 2])] : [])],
    [output(reader === 'output' ? 'cat' : 'y', [1, reader === 'conv' ? 2 : ch, 2, 2]), output('z', [1, 2, 2, 2])], 13,
  ));
}

const names = (m: ReturnType<typeof net>, keepFloat: string[] = ['c2', 'c4'], exclude: string[] = []) => {
  const g = indexGraph(m);
  const p = planQuantization(m, { exclude, keepFloat: (i) => (keepFloat.includes(i.node.name) ? 'test' : undefined) }, g);
  return { g, p, quantized: [...p.quantized].map((i) => g.nodes[i]!.name) };
};

describe('a Concat joining integer and float inputs into integer readers', () => {
  it('is quantized, and its float input gets a Q/DQ pair (a planned tensor)', () => {
    const { p, quantized } = names(net());
    expect(quantized).toEqual(['c1', 'c3', '/model.21/Concat']);
    expect(p.tensors).toEqual(['x', 'a', 'rb', 'cat', 'y']);
  });
  it('joinsIntoInteger states each condition', () => {
    const m = net();
    const { g, p } = names(m);
    const cat = g.nodes.findIndex((n) => n.opType === 'Concat');
    const without = new Set([...p.quantized].filter((i) => i !== cat));
    expect(joinsIntoInteger(g, g.nodes[cat]!, cat, without, new Set(), [])).toBe(true);
    expect(joinsIntoInteger(g, g.nodes[cat]!, cat, p.quantized, new Set(), [])).toBe(false); // already quantized
    expect(joinsIntoInteger(g, g.nodes[cat]!, cat, without, new Set([cat]), [])).toBe(false); // decode tail
    expect(joinsIntoInteger(g, g.nodes[cat]!, cat, without, new Set(), ['/model.21/'])).toBe(false); // --exclude prefix
    expect(joinsIntoInteger(g, g.nodes[cat]!, cat, without, new Set(), ['/model.2/'])).toBe(true); // another module
    const c1 = g.nodes.findIndex((n) => n.name === 'c1'), c3 = g.nodes.findIndex((n) => n.name === 'c3');
    expect(joinsIntoInteger(g, g.nodes[cat]!, cat, new Set([c3]), new Set(), [])).toBe(false); // no integer input
    expect(joinsIntoInteger(g, g.nodes[cat]!, cat, new Set([c1]), new Set(), [])).toBe(false); // its reader is float
    const relu = g.nodes.findIndex((n) => n.name === 'relu');
    expect(joinsIntoInteger(g, g.nodes[relu]!, relu, new Set([c1, c3, relu - 1]), new Set(), [])).toBe(false); // not a Concat
  });
  it('stays float when a reader is float, its output is a graph output, or an input is a constant', () => {
    expect(names(net({ reader: 'relu' })).quantized).toEqual(['c1']);
    expect(names(net({ reader: 'output' })).quantized).toEqual(['c1']);
    expect(names(net({ third: 'constant' })).quantized).toEqual(['c1', 'c3']);
    expect(names(net({ third: 'input' })).quantized).toEqual(['c1', 'c3', '/model.21/Concat']); // a graph input gets a pair
  });
  it('stays float when every input is float', () => {
    expect(names(net(), ['c1', 'c2', 'c4']).quantized).toEqual(['c3']);
    expect(names(net(), ['c4']).quantized).toEqual(['c1', 'c2', 'c3', '/model.21/Concat']); // Relu has no integer form: rb stays float
  });
  it('stays float when its output is also a graph output, when a float node reads it too, or when nobody reads it', () => {
    const m = net();
    const base = m.proto.graph!;
    base.output.push(output('cat', [1, 4, 2, 2]));
    expect(names(toOnnx(m.proto)).quantized).toEqual(['c1', 'c3']); // a graph output read by an integer conv
    const mixed = net();
    mixed.proto.graph!.node.push(node('Relu', ['cat'], ['rc'], {}, 'float.reader'));
    mixed.proto.graph!.output.push(output('rc', [1, 4, 2, 2]));
    expect(names(toOnnx(mixed.proto)).quantized).toEqual(['c1', 'c3']); // an integer and a float reader
    const dead = net();
    dead.proto.graph!.node = dead.proto.graph!.node.filter((x) => x.name !== 'c3');
    dead.proto.graph!.output[0] = output('z', [1, 2, 2, 2]);
    dead.proto.graph!.output.pop();
    expect(names(toOnnx(dead.proto)).quantized).toEqual(['c1']); // nobody reads it (so it is in the decode tail)
  });
  it('is excluded by --exclude like any node', () => {
    expect(names(net(), ['c2', 'c4'], ['/model.21/Concat']).quantized).toEqual(['c1', 'c3']);
  });
});

describe('insertQdq: readers of a tensor made by a float node', () => {
  it('the quantized Concat reads the DQ of its float input; the float reader keeps the exact tensor', () => {
    const m = net();
    const { g, p } = names(m);
    const params = new Map(p.tensors.map((t) => [t, asymmetricParams(-1, 3)]));
    const q = insertQdq(m, p, params, {}, g).model;
    const byName = (n: string) => q.proto.graph!.node.find((x) => x.name === n)!;
    const k = p.tensors.indexOf('rb');
    expect(byName('/model.21/Concat').input).toEqual([`pk${p.tensors.indexOf('a')}_dq`, `pk${k}_dq`]);
    expect(byName('c4').input[0]).toBe('rb'); // float reader of a float-made tensor: exact values
    expect(byName('c3').input[0]).toBe(`pk${p.tensors.indexOf('cat')}_dq`);
    expect(byName('c2').input[0]).toBe('x'); // float reader of a graph input
    expect(byName('c1').input[0]).toBe(`pk${p.tensors.indexOf('x')}_dq`);
  });
  it('a float reader of an integer-made tensor still reads its DQ (the values onnxruntime will have)', () => {
    const m = net();
    const g = indexGraph(m);
    const p = planQuantization(m, { keepFloat: (i) => (i.node.name === 'c4' ? 'test' : undefined) }, g);
    const params = new Map(p.tensors.map((t) => [t, asymmetricParams(-1, 3)]));
    const q = insertQdq(m, p, params, {}, g).model;
    const relu = q.proto.graph!.node.find((x) => x.name === 'relu')!;
    expect(relu.input[0]).toBe(`pk${p.tensors.indexOf('b')}_dq`);
  });
  it('a graph output made by a float node and joined into integer: float readers read the renamed producer output', () => {
    // rb is also a graph output here: its producer writes pk<k>_float, the DQ keeps the name, the float Conv reads pk<k>_float
    const base = net();
    const graph = base.proto.graph!;
    graph.output.push(output('rb', [1, 2, 2, 2]));
    const m = toOnnx(base.proto);
    const { g, p } = names(m);
    const params = new Map(p.tensors.map((t) => [t, asymmetricParams(-1, 3)]));
    const q = insertQdq(m, p, params, {}, g).model;
    const k = p.tensors.indexOf('rb');
    const byName = (n: string) => q.proto.graph!.node.find((x) => x.name === n)!;
    expect(byName('relu').output).toEqual([`pk${k}_float`]);
    expect(byName('c4').input[0]).toBe(`pk${k}_float`);
    expect(byName('/model.21/Concat').input[1]).toBe('rb');
  });
});
