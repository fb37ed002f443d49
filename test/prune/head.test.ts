/** findHead on hand-built graphs: each kind of evidence, in order, and the detail it reports. */
import { describe, expect, it } from 'vitest';
import { indexGraph, listLayers } from '../../src/graph/index.js';
import { findHead, outputModuleIndices } from '../../src/prune/head.js';
import { initializer, input, model, node, output, toOnnx } from '../helpers/onnx-builder.js';

const w = (name: string, co: number, ci: number) => initializer(name, [co, ci, 1, 1], new Float32Array(co * ci).fill(1));

/**
 * x → /model.0 conv → a; a → /model.3 conv → b; a → /model.5 conv → c; Concat(b, c) by an unnamed node → Relu → y.
 * Walking back from y passes the two unnamed nodes and stops at model.3 and model.5 (never reaching model.0).
 */
function twoHeads() {
  return toOnnx(model(
    [
      node('Conv', ['x', 'w0'], ['a'], {}, '/model.0/conv/Conv'),
      node('Conv', ['a', 'w3'], ['b'], {}, '/model.3/conv/Conv'),
      node('Conv', ['a', 'w5'], ['c'], {}, '/model.5/conv/Conv'),
      node('Concat', ['c', 'b'], ['d'], { axis: 1 }, 'cat'),
      node('Relu', ['d'], ['y'], {}, 'relu'),
    ],
    [w('w0', 2, 2), w('w3', 2, 2), w('w5', 2, 2)],
    [input('x', [1, 2, 4, 4])], [output('y', [1, 4, 4, 4])],
  ));
}

describe('findHead', () => {
  it('output subgraph: the model.<i> modules reached back from the outputs through unnamed nodes, in index order', () => {
    const m = twoHeads();
    const g = indexGraph(m);
    const layers = listLayers(m, g);
    expect([...outputModuleIndices(g)].sort()).toEqual([3, 5]);
    const head = findHead({ layers, chains: new Map(), headClasses: ['Detect'], graph: g });
    expect(head.method).toBe('output-subgraph');
    expect(head.detail).toBe('output subgraph: model.3, model.5');
    expect([...head.layerIds].sort()).toEqual(['w3', 'w5']);
  });

  it('a yaml with layers names its last one; a yaml of 0 layers is no evidence', () => {
    const m = twoHeads();
    const g = indexGraph(m);
    const layers = listLayers(m, g);
    const yaml = findHead({ layers, chains: new Map(), headClasses: [], yamlLayerCount: 6, graph: g });
    expect(yaml).toMatchObject({ method: 'yaml-last-layer', detail: 'yaml last layer model.5' });
    expect([...yaml.layerIds]).toEqual(['w5']);
    expect(findHead({ layers, chains: new Map(), headClasses: [], yamlLayerCount: 0, graph: g }).method).toBe('output-subgraph');
  });

  it('head classes: every class met and the indices of its layers; layers without an index add none', () => {
    const m = twoHeads();
    const g = indexGraph(m);
    const layers = listLayers(m, g);
    const chains = new Map([['w3', ['Detect', 'Conv']], ['w5', ['Segment']], ['w0', ['Conv']]]);
    const head = findHead({ layers, chains, headClasses: ['Detect', 'Segment'], graph: g });
    expect(head).toMatchObject({ method: 'class', detail: 'class Detect, Segment (model.3, model.5)' });
    expect([...head.layerIds]).toEqual(['w3', 'w5']);
    const noIndex = layers.map((l) => ({ ...l, modulePath: `head.${l.modulePath}` }));
    expect(findHead({ layers: noIndex, chains, headClasses: ['Detect'], graph: g }).detail).toBe('class Detect');
  });

  it('without module paths: the last weight layers before the outputs, walking back through other nodes', () => {
    const m = toOnnx(model(
      [
        node('Conv', ['x', 'w0'], ['a'], {}, 'conv_a'),
        node('Conv', ['a', 'w1'], ['b'], {}, 'conv_b'),
        node('Conv', ['a', 'w2'], ['c'], {}, 'conv_c'),
        node('Add', ['b', 'c'], ['d'], {}, 'add'),
        node('Relu', ['d'], ['y'], {}, 'relu'),
      ],
      [w('w0', 2, 2), w('w1', 2, 2), w('w2', 2, 2)],
      [input('x', [1, 2, 4, 4])], [output('y', [1, 2, 4, 4])],
    ));
    const g = indexGraph(m);
    const head = findHead({ layers: listLayers(m, g), chains: new Map(), headClasses: ['Detect'], graph: g });
    expect(head.method).toBe('output-subgraph');
    expect(head.detail).toBe('output subgraph: 2 last weight layer(s) (no module paths)');
    expect([...head.layerIds].sort()).toEqual(['w1', 'w2']);
  });

  it('no weight layer before the outputs and no other evidence: no head', () => {
    const m = toOnnx(model(
      [node('Conv', ['x', 'w0'], ['a'], {}, 'conv_a'), node('Relu', ['x'], ['y'], {}, 'relu')],
      [w('w0', 2, 2)],
      [input('x', [1, 2, 4, 4])], [output('y', [1, 2, 4, 4]), output('a', [1, 2, 4, 4])],
    ));
    const g = indexGraph(m);
    const bare = toOnnx(model([node('Relu', ['x'], ['y'], {}, 'relu')], [], [input('x', [1, 2, 4, 4])], [output('y', [1, 2, 4, 4])]));
    const bg = indexGraph(bare);
    expect(findHead({ layers: listLayers(bare, bg), chains: new Map(), headClasses: ['Detect'], graph: bg })).toEqual({ method: 'none', detail: 'no head found', layerIds: new Set() });
    // (With a weight layer feeding an output, that layer is the head.)
    expect([...findHead({ layers: listLayers(m, g), chains: new Map(), headClasses: ['Detect'], graph: g }).layerIds]).toEqual(['w0']);
  });
});
