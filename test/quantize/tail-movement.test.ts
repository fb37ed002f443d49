import { describe, expect, it } from 'vitest';
import { indexGraph } from '../../src/graph/onnx-graph.js';
import { serializeOnnx } from '../../src/io/onnx/index.js';
import { activationParams, asymmetricParams, insertQdq, planQuantization, type QuantParams } from '../../src/quantize/index.js';
import { sharedTail } from '../../src/quantize/qdq.js';
import { createSession } from '../../src/runtime/index.js';
import { initializer, input, model, node, output, randomFloats, toOnnx } from '../helpers/onnx-builder.js';

const W = (name: string, dims: number[]) => initializer(name, dims, randomFloats(dims.reduce((a, b) => a * b, 1), name.length));

/**
 * A head: x → Conv box → b, x → Conv cls → c; tail: Concat(b, c) → Reshape → Split ┬ s1 → Sigmoid → o1
 *                                                                                  └ s2 → Relu → o2
 */
function head() {
  return toOnnx(model(
    [
      node('Conv', ['x', 'wb'], ['b'], { kernel_shape: [1, 1] }, 'box'),
      node('Conv', ['x', 'wc'], ['c'], { kernel_shape: [1, 1] }, 'cls'),
      node('Concat', ['b', 'c'], ['cat'], { axis: 1 }, 'tail.cat'),
      node('Reshape', ['cat', 'shape'], ['r'], {}, 'tail.reshape'),
      node('Split', ['r'], ['s1', 's2'], { axis: 1 }, 'tail.split'),
      node('Sigmoid', ['s1'], ['o1'], {}, 'tail.sig'),
      node('Relu', ['s2'], ['o2'], {}, 'tail.relu'),
    ],
    [W('wb', [2, 2, 1, 1]), W('wc', [2, 2, 1, 1]), initializer('shape', [3], BigInt64Array.of(1n, 4n, 4n))],
    [input('x', [1, 2, 2, 2])], [output('o1', [1, 2, 4]), output('o2', [1, 2, 4])], 13,
  ));
}

const names = (g: ReturnType<typeof indexGraph>, s: ReadonlySet<number>) => [...s].map((i) => g.nodes[i]!.name);

describe('decode-tail data movement fed by integer nodes', () => {
  it('is planned integer (Concat, Reshape, Split), the tail arithmetic stays float', () => {
    const m = head();
    const g = indexGraph(m);
    const p = planQuantization(m, {}, g);
    expect(names(g, p.quantized)).toEqual(['box', 'cls', 'tail.cat', 'tail.reshape', 'tail.split']);
    expect(p.tensors).toEqual(['x', 'b', 'c', 'cat', 'r', 's1', 's2']);
    expect(p.float.map((f) => f.node)).toEqual(['tail.sig']); // Relu has no integer form: not listed
    // one float producer (cls kept float) keeps the Concat and what follows float
    const q = planQuantization(m, { keepFloat: (i) => (i.node.name === 'cls' ? 'test' : undefined) }, g);
    expect(names(g, q.quantized)).toEqual(['box']);
  });
  it('sharedTail keeps it when every input and output share one scale group; the DQs follow the Split', () => {
    const m = head();
    const g = indexGraph(m);
    const p = planQuantization(m, {}, g);
    const params = activationParams(g.nodes, new Map(p.tensors.map((t, k) => [t, { min: -1 - k / 10, max: 2 + k / 10 }])));
    expect(sharedTail(p, params, g)).toBe(p); // unchanged: the same object
    const q = insertQdq(m, p, params, {}, g).model;
    const byName = (n: string) => q.proto.graph!.node.find((x) => x.name === n)!;
    const k = (t: string) => p.tensors.indexOf(t);
    expect(byName('tail.sig').input[0]).toBe(`pk${k('s1')}_dq`);
    expect(byName('tail.relu').input[0]).toBe(`pk${k('s2')}_dq`);
    expect(byName('tail.cat').input).toEqual([`pk${k('b')}_dq`, `pk${k('c')}_dq`]);
    expect(byName('tail.reshape').input[0]).toBe(`pk${k('cat')}_dq`);
  });
  it('sharedTail returns the tail to float where one Concat input has other parameters, and the movement after it too', () => {
    const m = head();
    const g = indexGraph(m);
    const p = planQuantization(m, {}, g);
    const base = asymmetricParams(-1, 3);
    const all = (over: Record<string, QuantParams>) => new Map(p.tensors.map((t) => [t, over[t] ?? base]));
    const floatTail = (params: Map<string, QuantParams>) => names(g, sharedTail(p, params, g).quantized);
    expect(floatTail(all({ c: asymmetricParams(-1, 30) }))).toEqual(['box', 'cls']); // another scale and zero point
    expect([asymmetricParams(-2, 6).zeroPoint, asymmetricParams(-2, 6).scale]).toEqual([base.zeroPoint, 2 * base.scale]);
    expect(floatTail(all({ c: asymmetricParams(-2, 6) }))).toEqual(['box', 'cls']); // another scale only
    expect(floatTail(all({ c: { ...base, zeroPoint: base.zeroPoint + 1 } }))).toEqual(['box', 'cls']); // another zero point
    expect(floatTail(all({ c: { ...base, dtype: 'int8' } }))).toEqual(['box', 'cls']); // another type
    expect(floatTail(all({ cat: asymmetricParams(-1, 30) }))).toEqual(['box', 'cls']); // the output differs
    expect(floatTail(all({ r: asymmetricParams(-1, 30) }))).toEqual(['box', 'cls', 'tail.cat']); // a Reshape that would rescale
    expect(floatTail(all({ s2: asymmetricParams(-1, 30) }))).toEqual(['box', 'cls', 'tail.cat', 'tail.reshape']); // one Split output
    const missing = all({});
    missing.delete('r');
    expect(floatTail(missing)).toEqual(['box', 'cls', 'tail.cat']); // no parameters
    const r = sharedTail(p, all({ c: asymmetricParams(-1, 30) }), g);
    expect(r.tensors).toEqual(['x', 'b', 'c']); // the tail tensors lose their pairs
    expect(r.tail).toBe(p.tail);
  });
  it('a tail Concat reading one dropped branch and one integer branch goes back to float too', () => {
    // x → Relu → xr → Conv b1, b2, b3, b4; tail: cat1(b1, b2), cat2(b3, b4), cat3(cat1, cat2) → Sigmoid; xr also read by a float Relu
    const m = toOnnx(model(
      [
        node('Relu', ['x'], ['xr'], {}, 'pre'), node('Relu', ['xr'], ['side'], {}, 'side'),
        ...[1, 2, 3, 4].map((k) => node('Conv', ['xr', 'w'], [`b${k}`], { kernel_shape: [1, 1] }, `conv${k}`)),
        node('Concat', ['b1', 'b2'], ['cat1'], { axis: 1 }, 'cat1'), node('Concat', ['b3', 'b4'], ['cat2'], { axis: 1 }, 'cat2'),
        node('Concat', ['cat1', 'cat2'], ['cat3'], { axis: 1 }, 'cat3'), node('Sigmoid', ['cat3'], ['o'], {}, 'sig'),
      ],
      [W('w', [2, 2, 1, 1])], [input('x', [1, 2, 2, 2])], [output('o', [1, 8, 2, 2]), output('side', [1, 2, 2, 2])], 13,
    ));
    const g = indexGraph(m);
    const p = planQuantization(m, {}, g);
    expect(names(g, p.quantized)).toEqual(['conv1', 'conv2', 'conv3', 'conv4', 'cat1', 'cat2', 'cat3']);
    const base = asymmetricParams(-1, 3);
    const params = new Map(p.tensors.map((t) => [t, t === 'b2' ? asymmetricParams(-1, 30) : base]));
    const r = sharedTail(p, params, g);
    expect(names(g, r.quantized)).toEqual(['conv1', 'conv2', 'conv3', 'conv4', 'cat2']);
    // xr, made by a float Relu and read by the integer convs (and by a float Relu), keeps its pair
    expect(r.tensors).toEqual(['xr', 'b1', 'b2', 'b3', 'b4', 'cat2']);
  });
  it('outside the tail nothing is returned to float, whatever the parameters', () => {
    const m = head();
    const g = indexGraph(m);
    const p = planQuantization(m, {}, g);
    const notTail = { ...p, tail: new Set<number>() };
    const params = new Map(p.tensors.map((t, k) => [t, asymmetricParams(-1, 2 + k)]));
    expect(sharedTail(notTail, params, g)).toBe(notTail);
  });
  it('the written model gives the same outputs as DequantizeLinear before the tail (one scale group)', async () => {
    const m = head();
    const g = indexGraph(m);
    const p = planQuantization(m, {}, g);
    const params = activationParams(g.nodes, new Map(p.tensors.map((t) => [t, { min: -2, max: 2 }])));
    const before = { ...p, quantized: new Set([...p.quantized].filter((i) => !p.tail.has(i))), tensors: ['x', 'b', 'c'] };
    const feeds = { x: { dtype: 'float32' as const, dims: [1, 2, 2, 2], data: randomFloats(8, 5) } };
    const outs = [];
    for (const plan of [p, before]) {
      const s = await createSession(serializeOnnx(insertQdq(m, plan, params, {}, g).model), { threads: 1 });
      outs.push(await s.run(feeds));
      await s.release();
    }
    for (const o of ['o1', 'o2']) expect(Array.from(outs[0]![o]!.data as Float32Array)).toEqual(Array.from(outs[1]![o]!.data as Float32Array));
    expect(new Set(Array.from(outs[0]!.o2!.data as Float32Array)).size).toBeGreaterThan(2); // not a degenerate output
  });
});
