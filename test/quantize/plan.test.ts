import { describe, expect, it } from 'vitest';
import { indexGraph } from '../../src/graph/onnx-graph.js';
import { activationParams, decodeTail, insertQdq, planQuantization, upgradeToOpset13 } from '../../src/quantize/index.js';
import { constant, initializer, input, model, node, output, randomFloats, toOnnx } from '../helpers/onnx-builder.js';

/**
 * A detector in miniature: Conv → SiLU → MaxPool ┐
 *                                   └───────────┴ Concat → Conv(head) → Split ┬ box: Mul(stride) ─┐
 *                                                         Resize ↗             └ cls: Sigmoid ─────┴ Concat(out)
 */
export function tinyDetector() {
  return model(
    [
      node('Conv', ['images', 'w0', 'b0'], ['c0'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, '/model.0/conv/Conv'),
      node('Sigmoid', ['c0'], ['s0'], {}, '/model.0/act/Sigmoid'),
      node('Mul', ['c0', 's0'], ['a0'], {}, '/model.0/act/Mul'),
      node('MaxPool', ['a0'], ['p0'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, '/model.1/m/MaxPool'),
      node('Concat', ['a0', 'p0'], ['cat'], { axis: 1 }, '/model.1/Concat'),
      node('Conv', ['cat', 'w1', 'b1'], ['head'], { kernel_shape: [1, 1] }, '/model.2/cv/Conv'),
      node('Split', ['head'], ['box', 'cls'], { axis: 1, split: [4, 2] }, '/model.2/Split'),
      constant('stride', [], Float32Array.of(160)),
      node('Mul', ['box', 'stride'], ['boxpx'], {}, '/model.2/Mul'),
      node('Sigmoid', ['cls'], ['score'], {}, '/model.2/Sigmoid'),
      node('Concat', ['boxpx', 'score'], ['out'], { axis: 1 }, '/model.2/Concat'),
    ],
    [initializer('w0', [4, 3, 3, 3], randomFloats(108, 3)), initializer('b0', [4], randomFloats(4, 4)), initializer('w1', [6, 8, 1, 1], randomFloats(48, 5)), initializer('b1', [6], randomFloats(6, 6))],
    [input('images', [1, 3, 8, 8])],
    [output('out', [1, 6, 8, 8])],
    12,
  );
}

describe('planQuantization', () => {
  const m = upgradeToOpset13(toOnnx(tinyDetector()));
  const g = indexGraph(m);
  const byName = (name: string) => g.nodes.findIndex((n) => n.name === name);
  it('keeps the decode tail float: everything after the last conv of the head', () => {
    const tail = decodeTail(g);
    const names = [...tail].map((i) => g.nodes[i]!.name);
    expect(names).toEqual(expect.arrayContaining(['/model.2/Split', '/model.2/Mul', '/model.2/Sigmoid', '/model.2/Concat']));
    expect(tail.has(byName('/model.2/cv/Conv'))).toBe(false);
    expect(tail.has(byName('/model.1/Concat'))).toBe(false);
  });
  it('quantizes the convs, the SiLU, and the data movement between them', () => {
    const plan = planQuantization(m, {}, g);
    const q = [...plan.quantized].map((i) => g.nodes[i]!.name).sort();
    expect(q).toEqual(['/model.0/act/Mul', '/model.0/act/Sigmoid', '/model.0/conv/Conv', '/model.1/Concat', '/model.1/m/MaxPool', '/model.2/cv/Conv']);
    expect(plan.float.map((f) => f.node)).toEqual(expect.arrayContaining(['/model.2/Mul', '/model.2/Sigmoid']));
    expect(plan.tensors).toEqual(['images', 'c0', 's0', 'a0', 'p0', 'cat', 'head']);
  });
  it('--exclude by module path keeps the layer and its activation float', () => {
    const plan = planQuantization(m, { exclude: ['/model.0/'] }, g);
    expect(plan.quantized.has(byName('/model.0/conv/Conv'))).toBe(false);
    expect(plan.quantized.has(byName('/model.0/act/Mul'))).toBe(false);
    expect(plan.quantized.has(byName('/model.1/m/MaxPool'))).toBe(false); // no quantized producer
    expect(plan.float.find((f) => f.node === '/model.0/conv/Conv')?.reason).toBe('--exclude');
  });
});

describe('activationParams', () => {
  const g = indexGraph(upgradeToOpset13(toOnnx(tinyDetector())));
  it('MaxPool output and input share one scale; Concat of similar ranges joins them', () => {
    const ranges = new Map([['a0', { min: -0.3, max: 6 }], ['p0', { min: 0, max: 5 }], ['cat', { min: -0.3, max: 6 }], ['head', { min: -3, max: 9 }]]);
    const p = activationParams(g.nodes, ranges);
    expect(p.get('p0')).toEqual(p.get('a0'));
    expect(p.get('cat')).toEqual(p.get('a0'));
    expect(p.get('head')).not.toEqual(p.get('a0'));
  });
  it('a Concat of box-sized (0–640) and score-sized (0–1) inputs keeps one scale per input', () => {
    const ranges = new Map([['a0', { min: 0, max: 1 }], ['p0', { min: 0, max: 640 }], ['cat', { min: 0, max: 640 }]]);
    // MaxPool joins a0 and p0 regardless; use a graph where the Concat inputs are independent
    const nodes = g.nodes.filter((n) => n.opType === 'Concat');
    const p = activationParams(nodes, ranges);
    expect(p.get('a0')!.scale).toBeCloseTo(1 / 255, 6);
    expect(p.get('p0')!.scale).toBeCloseTo(640 / 255, 4);
  });
});

describe('insertQdq', () => {
  it('puts int8 per-channel weights, int32 biases and one Q/DQ pair per tensor into an opset-13 model', () => {
    const m = upgradeToOpset13(toOnnx(tinyDetector()));
    const g = indexGraph(m);
    const plan = planQuantization(m, {}, g);
    const ranges = new Map(plan.tensors.map((t) => [t, { min: -2, max: 4 }]));
    const r = insertQdq(m, plan, activationParams(g.nodes, ranges), {}, g);
    const ops = r.model.proto.graph!.node.map((n) => n.opType);
    expect(ops.filter((o) => o === 'QuantizeLinear').length).toBe(plan.tensors.length);
    expect(r.layers.map((l) => [l.node, l.channels, l.perChannel])).toEqual([['/model.0/conv/Conv', 4, true], ['/model.2/cv/Conv', 6, true]]);
    const inits = new Map(r.model.proto.graph!.initializer.map((t) => [t.name, t]));
    expect(inits.has('w0')).toBe(false); // float weights dropped
    expect(inits.get('w0_quantized')!.dataType).toBe(3);
    expect(inits.get('b0_quantized')!.dataType).toBe(6);
    expect(r.model.proto.opsetImport[0]!.version).toBe(13n);
    // the tail still reads the head through its DequantizeLinear
    const split = r.model.proto.graph!.node.find((n) => n.opType === 'Split')!;
    expect(split.input[0]).toBe('head_DequantizeLinear_Output');
  });
});
