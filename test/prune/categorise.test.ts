import { describe, expect, it } from 'vitest';
import { UnsupportedOpError } from '../../src/core/index.js';
import type { ClassSource } from '../../src/graph/index.js';
import { indexGraph, listLayers } from '../../src/graph/index.js';
import { parseModelYaml, yamlClassSource } from '../../src/graph/yaml-source.js';
import { categorise, resolveChain } from '../../src/prune/categorise.js';
import { findHead } from '../../src/prune/head.js';
import { planPrune, pruneModel } from '../../src/prune/prune.js';
import { getPreset } from '../../src/prune/presets.js';
import type { Preset } from '../../src/prune/preset.js';
import { DT, initializer, input, model, node, output, tinyConvNet, toOnnx } from '../helpers/onnx-builder.js';

/** A hand-made class source (like a .pt tree) for the tiny net. */
const treeSource: ClassSource = {
  kind: 'pt',
  description: 'test tree',
  classChain: (p) => {
    if (p.startsWith('model.0')) return ['ultralytics.nn.modules.block.TokenC3', 'Conv', 'Conv2d'];
    if (p.startsWith('model.1')) return ['A2C2f', 'ABlock', 'AAttn', 'Conv'];
    if (p.startsWith('model.2')) return ['Conv', 'Conv2d'];
    if (p.startsWith('model.3')) return ['Detect', 'Linear'];
    return undefined;
  },
};

describe('categorise', () => {
  const m = toOnnx(tinyConvNet());
  const g = indexGraph(m);
  const layers = listLayers(m, g);
  const preset = getPreset('tokenc3-lsnet');

  it('first category whose class appears anywhere in the chain wins; names lose module prefixes', () => {
    const plan = planPrune(m, layers, g, { preset, classSources: [treeSource] });
    const by = Object.fromEntries(plan.entries.map((e) => [e.layer.modulePath, e]));
    expect(by['model.0.conv']).toMatchObject({ category: 'TokenC3', ratio: 0.06, classSource: 'pt', classChain: ['TokenC3', 'Conv', 'Conv2d'] });
    expect(by['model.1.conv']).toMatchObject({ category: 'attention', ratio: 0.12, rule: 'class AAttn|ABlock|DynamicLocalMixer' });
    expect(by['model.2.conv']).toMatchObject({ category: 'Conv', ratio: 0.22 });
    expect(by['model.3.linear']).toMatchObject({ category: 'head', protected: true, ratio: 0, head: true });
    expect(plan.head.detail).toBe('class Detect (model.3)');
  });

  it('--prune-head gives the head its preset ratio', () => {
    const plan = planPrune(m, layers, g, { preset, classSources: [treeSource], pruneHead: true });
    expect(plan.entries.find((e) => e.layer.modulePath === 'model.3.linear')).toMatchObject({ category: 'head', protected: false, ratio: preset.head.ratio });
  });

  it('without a class source: chains are empty, the head comes from the output subgraph, the rest is default', () => {
    const plan = planPrune(m, layers, g, { preset });
    expect(plan.classSources.map((s) => s.kind)).toEqual(['name-rules']);
    expect(plan.entries.every((e) => e.classChain.length === 0 && e.classSource === 'none')).toBe(true);
    expect(plan.head).toMatchObject({ method: 'output-subgraph', detail: 'output subgraph: model.3' });
    expect(plan.entries.filter((e) => !e.head).every((e) => e.category === 'other' && e.rule.startsWith('default'))).toBe(true);
  });

  it('path, op and depthwise conditions match', () => {
    const p: Preset = {
      name: 't', description: '', default: { name: 'rest', ratio: 0.5 }, head: { classes: [], ratio: 0 },
      categories: [
        { name: 'dw', ratio: 0.1, rules: [{ depthwise: true }] },
        { name: 'gemm', ratio: 0.2, rules: [{ op: ['Gemm'] }] },
        { name: 'zero', ratio: 0.3, rules: [{ path: '^model\\.0\\.' }] },
      ],
    };
    const head = { method: 'none' as const, detail: '', layerIds: new Set<string>() };
    const plan = categorise(layers, p, { sources: [], head, pruneHead: false });
    expect(plan.entries.map((e) => e.category)).toEqual(['zero', 'dw', 'rest', 'gemm']);
  });

  it('the yaml last layer is the head when no head class is known', () => {
    const spec = parseModelYaml('backbone: [[-1,1,Conv,[]],[-1,1,Conv,[]],[-1,1,Conv,[]]]\nhead: [[-1,1,MyHead,[]]]\n', 'y.yaml');
    const src = yamlClassSource(spec, 'y.yaml');
    const chains = new Map(layers.map((l) => [l.id, resolveChain([src], l.modulePath).chain]));
    const head = findHead({ layers, chains, headClasses: ['Detect'], yamlLayerCount: 4, graph: g });
    expect(head.method).toBe('yaml-last-layer');
    expect([...head.layerIds]).toEqual(['model.3.linear.weight']);
  });

  it('config nameRules give classes (reported as name rules) when no class source is given', () => {
    const p: Preset = { ...preset, nameRules: [{ path: '^model\\.0\\.', class: 'TokenC3' }] };
    const plan = planPrune(m, layers, g, { preset: p });
    const e = plan.entries.find((x) => x.layer.modulePath === 'model.0.conv')!;
    expect(e).toMatchObject({ category: 'TokenC3', classSource: 'name-rules', classChain: ['TokenC3'] });
    expect(plan.classSources[0]!.description).toMatch(/1 user rule/);
  });

  it('without module paths the head is the last weight layers before the outputs', () => {
    const bare = toOnnx(model(
      [node('Conv', ['x', 'w0'], ['a'], {}, 'conv_a'), node('Relu', ['a'], ['b'], {}, 'relu'), node('Conv', ['b', 'w1'], ['y'], {}, 'conv_b')],
      [initializer('w0', [4, 2, 1, 1], new Float32Array(8).fill(1)), initializer('w1', [3, 4, 1, 1], new Float32Array(12).fill(1))],
      [input('x', [1, 2, 4, 4])], [output('y', [1, 3, 4, 4])],
    ));
    const plan = planPrune(bare, listLayers(bare), indexGraph(bare), { preset });
    expect(plan.head.detail).toMatch(/1 last weight layer\(s\) \(no module paths\)/);
    expect(plan.entries.map((e) => e.head)).toEqual([false, true]);
  });

  it('a model with only int8 weights is an UnsupportedOpError', () => {
    const int8 = toOnnx(model(
      [node('ConvInteger', ['x', 'w'], ['y'], {}, '/model.0/conv/ConvInteger'), node('Conv', ['xf', 'wq'], ['z'], {}, '/model.1/conv/Conv')],
      [initializer('w', [2, 1, 1, 1], Int8Array.from([1, 2])), initializer('wq', [2, 1, 1, 1], Int8Array.from([3, 4]), { dataType: DT.int8 })],
      [input('x', [1, 1, 2, 2], DT.uint8), input('xf', [1, 1, 2, 2])],
      [output('y', [1, 2, 2, 2], DT.int32), output('z', [1, 2, 2, 2])],
    ));
    expect(() => pruneModel(int8, { preset })).toThrow(UnsupportedOpError);
    expect(() => pruneModel(int8, { preset })).toThrow(/no prunable float weights \(2 weight layers, dtypes: int8\)/); // ConvInteger weights are layers too
  });
});
