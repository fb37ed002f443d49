import { describe, expect, it } from 'vitest';
import { listLayers } from '../../src/graph/inventory.js';
import { indexGraph } from '../../src/graph/onnx-graph.js';
import { activationParams, decodeTail, insertQdq, planQuantization, upgradeToOpset13 } from '../../src/quantize/index.js';
import { toOnnx } from '../helpers/onnx-builder.js';
import { tinyDetector } from '../helpers/quant-models.js';

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
    expect(q).toEqual(['/model.0/act/Mul', '/model.0/act/Sigmoid', '/model.0/conv/Conv', '/model.1/Concat', '/model.1/m/MaxPool', '/model.2/Split', '/model.2/cv/Conv']); // the tail's Split of the head conv: data movement
    expect(plan.float.map((f) => f.node)).toEqual(expect.arrayContaining(['/model.2/Mul', '/model.2/Sigmoid']));
    expect(plan.tensors).toEqual(['images', 'c0', 's0', 'a0', 'p0', 'cat', 'head', 'box', 'cls']);
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
    const r = insertQdq(m, plan, activationParams(g.nodes, ranges), { biasType: 'int32' }, g);
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
    // (short generated names: pk<index in plan.tensors>_dq)
    expect(split.input[0]).toBe(`pk${plan.tensors.indexOf('head')}_dq`);
    const dq = r.model.proto.graph!.node.find((n) => n.output[0] === split.input[0])!;
    expect(dq.opType).toBe('DequantizeLinear');
    // symmetric weights and biases: no zero-point input (defaults to 0)
    const wdq = r.model.proto.graph!.node.find((n) => n.opType === 'DequantizeLinear' && n.input[0] === 'w0_quantized')!;
    expect(wdq.input).toEqual(['w0_quantized', 'w0_scale']);
    const bdq = r.model.proto.graph!.node.find((n) => n.opType === 'DequantizeLinear' && n.input[0] === 'b0_quantized')!;
    expect(bdq.input).toEqual(['b0_quantized', 'b0_scale']);
    // inspect's inventory sees the int8 weights behind their DequantizeLinear
    const layers = listLayers(r.model);
    expect(layers.map((l) => [l.id, l.dims])).toEqual([['w0_quantized', [4, 3, 3, 3]], ['w1_quantized', [6, 8, 1, 1]]]);
    expect(layers[0]!.macs).toBe(4 * 27 * 64);
  });
  it('keeps the float bias by default (onnxruntime quantizes it at load): no int32 tensor, no bias DequantizeLinear', () => {
    const m = upgradeToOpset13(toOnnx(tinyDetector()));
    const g = indexGraph(m);
    const plan = planQuantization(m, {}, g);
    const r = insertQdq(m, plan, activationParams(g.nodes, new Map(plan.tensors.map((t) => [t, { min: -2, max: 4 }]))), {}, g);
    const inits = new Map(r.model.proto.graph!.initializer.map((t) => [t.name, t]));
    expect([...inits.values()].filter((t) => t.dataType === 6)).toEqual([]);
    const conv = r.model.proto.graph!.node.find((n) => n.name === '/model.0/conv/Conv')!;
    expect(conv.input[1]).toBe('w0_dq');
    expect(conv.input[2]).toBe('b0');
    expect(inits.get('b0')!.dataType).toBe(1);
  });
});
