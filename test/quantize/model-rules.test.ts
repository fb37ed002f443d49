/**
 * Rules of quantizeModel (model.ts) on hand-built models: which images each step reads, why a layer is kept float,
 * the accuracy-control steps 0, 2, 4, … past two ranked layers, the bias shifts of the layers a plan quantizes,
 * the timings it reports, the units and the sensitivity callback.
 */
import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../src/core/dtype.js';
import type { OnnxModel } from '../../src/io/onnx/index.js';
import { firstFeeds, quantizeModel, sameNodes } from '../../src/quantize/model.js';
import { initializer, input, model, node, output, randomFloats, toOnnx } from '../helpers/onnx-builder.js';
import { tinyDetector } from '../helpers/quant-models.js';

/** images [1, 3, 8, 8] → n × (Conv 1×1 `conv<i>` (bias b<i>) → Relu): n ranked layers, graph indices 0, 2, 4, … */
function chain(n: number): OnnxModel {
  const nodes = [], inits = [];
  let x = 'images', c = 3;
  for (let i = 0; i < n; i++) {
    nodes.push(node('Conv', [x, `w${i}`, `b${i}`], [`c${i}`], { kernel_shape: [1, 1] }, `conv${i}`), node('Relu', [`c${i}`], [`r${i}`], {}, `relu${i}`));
    inits.push(initializer(`w${i}`, [4, c, 1, 1], randomFloats(4 * c, 30 + i)), initializer(`b${i}`, [4], randomFloats(4, 50 + i)));
    x = `r${i}`;
    c = 4;
  }
  return toOnnx(model(nodes, inits, [input('images', [1, 3, 8, 8])], [output(x, [1, 4, 8, 8])], 13));
}

/** `n` random images; `served` counts the images the source produced. */
const images = (n: number) => {
  const served = { count: 0 };
  return {
    served, count: n, description: `${n} random images`,
    async *feeds(): AsyncGenerator<Record<string, Tensor>> { for (let k = 0; k < n; k++) { served.count++; yield { images: { dtype: 'float32', dims: [1, 3, 8, 8], data: randomFloats(192, 20 + k) } }; } },
  };
};

const ACCURACY = 'accuracy control: quantization-sensitive layer';
const PREFIX = 'float prefix: quantizing the early layers costs the most output SQNR';

describe('sameNodes', () => {
  it('the same members, not only the same size, nor a subset, nor one member in common', () => {
    expect(sameNodes(new Set([1, 2]), new Set([2, 1]))).toBe(true);
    expect(sameNodes(new Set(), new Set())).toBe(true);
    expect(sameNodes(new Set([1, 2]), new Set([1, 3]))).toBe(false);
    expect(sameNodes(new Set([1, 2]), new Set([1, 2, 3]))).toBe(false);
    expect(sameNodes(new Set([1, 2, 3]), new Set([1, 2]))).toBe(false);
  });
});

describe('firstFeeds', () => {
  it('yields the first n images and stops reading the source at the next one; its count is at most the source count', async () => {
    const src = images(5);
    const two = firstFeeds(src, 2);
    expect(two).toMatchObject({ count: 2, description: '5 random images' });
    const got: Float32Array[] = [];
    for await (const f of two.feeds()) got.push(f.images!.data as Float32Array);
    expect(got).toEqual([randomFloats(192, 20), randomFloats(192, 21)]);
    expect(src.served.count).toBe(3);
    expect(firstFeeds(images(5), 9).count).toBe(5);
    let all = 0;
    for await (const _ of firstFeeds(images(5), 9).feeds()) all++;
    expect(all).toBe(5);
  });
});

describe('quantizeModel: images read by each step', () => {
  it('calibration reads every image; the float prefix the first `images` (default 4); sensitivity the first sensitivityImages (default 2)', async () => {
    // each firstFeeds pulls one image more than it yields (to see that it is done)
    const a = images(6);
    await quantizeModel(chain(2), a, { floatPrefix: { images: 1 } });
    expect(a.served.count).toBe(6 + 2);
    const b = images(6);
    await quantizeModel(chain(2), b);
    expect(b.served.count).toBe(6 + 5);
    const c = images(6);
    await quantizeModel(chain(2), c, { floatPrefix: false, accuracy: { check: async () => ({ ok: true, summary: '' }), sensitivityImages: 1 } });
    expect(c.served.count).toBe(6 + 2);
    const d = images(6);
    await quantizeModel(chain(2), d, { floatPrefix: false, accuracy: { check: async () => ({ ok: true, summary: '' }) } });
    expect(d.served.count).toBe(6 + 3);
  });
});

describe('quantizeModel: accuracy control', () => {
  it('past two ranked layers the steps double: 0, 2, 4 float; the most sensitive layers are the ones kept float, and why', async () => {
    let calls = 0;
    const q = await quantizeModel(chain(5), images(3), { floatPrefix: false, accuracy: { check: async () => ({ ok: ++calls > 2, summary: 's' }) } });
    expect(q.accuracy.steps.map((s) => [s.floatLayers, s.ok])).toEqual([[0, false], [2, false], [4, true]]);
    expect(q.chosen.accuracyFloat).toBe(4);
    const ranked = q.accuracy.sensitivity.map((s) => s.node);
    expect(ranked.slice().sort()).toEqual(['conv0', 'conv1', 'conv2', 'conv3', 'conv4']);
    expect(q.float.filter((f) => f.op === 'Conv')).toEqual(ranked.slice(0, 4).sort().map((n) => ({ node: n, op: 'Conv', reason: ACCURACY })));
    expect(q.layers.map((l) => l.node)).toEqual([ranked[4]]);
  });
  it('the last step is every ranked layer (5 after 0, 2, 4), not the next power of two', async () => {
    const seen: number[] = [];
    await expect(quantizeModel(chain(5), images(2), { floatPrefix: false, accuracy: { check: async () => ({ ok: false, summary: 'no' }), onStep: (s) => seen.push(s.floatLayers) } }))
      .rejects.toThrow('accuracy budget not met even with all 5 ranked layers float (no)');
    expect(seen).toEqual([0, 2, 4, 5]);
  });
  it('a model with no ranked layer that passes at once: nothing to quantize (not "every ranked layer float")', async () => {
    await expect(quantizeModel(chain(2), images(2), { floatPrefix: false, exclude: ['conv'], accuracy: { check: async () => ({ ok: true, summary: 'ok' }) } }))
      .rejects.toThrow(/^the model: no layer could be quantized/);
  });
});

describe('quantizeModel: float prefix and placement', () => {
  it('the float prefix keeps its layers float, says why, and lists them in graph order', async () => {
    const q = await quantizeModel(chain(5), images(3), { floatPrefix: { images: 1, maxFraction: 1, dbPerLayer: 0 } });
    expect(q.floatPrefix.layers).toEqual(['conv0', 'conv1', 'conv2', 'conv3']);
    expect(q.chosen.prefix).toBe(4);
    expect(q.float.filter((f) => f.op === 'Conv')).toEqual(['conv0', 'conv1', 'conv2', 'conv3'].map((n) => ({ node: n, op: 'Conv', reason: PREFIX })));
    expect(q.layers.map((l) => l.node)).toEqual(['conv4']);
  });
  it('the stem float candidate says why its stem is float', async () => {
    const q = await quantizeModel(toOnnx(tinyDetector()), images(2), { floatPrefix: false, placement: 'auto', measure: async (c) => c.map((_, i) => [1.1, 1.3][i]!) });
    expect(q.float).toContainEqual({ node: '/model.0/conv/Conv', op: 'Conv', reason: 'placement: stem is faster in float' });
  });
});

describe('quantizeModel: bias correction', () => {
  it('shifts the biases of the layers the model quantizes only: a layer kept float by variant() keeps its own bias', async () => {
    const m = chain(3);
    const q = await quantizeModel(m, images(3), { floatPrefix: false, biasCorrection: { rounds: 1 } });
    expect(q.biasCorrection.convs).toBe(3);
    const biasOf = (x: OnnxModel, conv: string) => x.proto.graph!.node.find((n) => n.name === conv)!.input[2];
    const v = q.variant(new Set(['conv1']));
    expect(biasOf(v, 'conv1')).toBe('b1');
    // the layers still quantized read their corrected bias
    for (const conv of ['conv0', 'conv2']) expect(biasOf(v, conv)).toMatch(/^pkb\d+$/);
    for (const conv of ['conv0', 'conv1', 'conv2']) expect(biasOf(q.model, conv)).toMatch(/^pkb\d+$/);
  });
});

describe('quantizeModel: timings, units and sensitivity', () => {
  it('calibration and bias-correction seconds are more than 0 and no more than the call took', async () => {
    const t0 = performance.now();
    const q = await quantizeModel(chain(2), images(2), { floatPrefix: false, biasCorrection: { rounds: 1 } });
    const wall = (performance.now() - t0) / 1000;
    for (const s of [q.calibration.seconds, q.biasCorrection.seconds]) {
      expect(s).toBeGreaterThan(0);
      expect(s).toBeLessThanOrEqual(wall);
    }
  });
  it('units are the ranked layers in graph order (indices past 10 too); sensitivity reports each layer to onLayer', async () => {
    const q = await quantizeModel(chain(6), images(2), { floatPrefix: false });
    expect(q.units).toEqual(['conv0', 'conv1', 'conv2', 'conv3', 'conv4', 'conv5']);
    const done: Array<[number, number]> = [];
    const s = await q.sensitivity([{ images: { dtype: 'float32', dims: [1, 3, 8, 8], data: randomFloats(192, 3) } }], (k, n) => done.push([k, n]));
    expect(s.map((x) => x.node).sort()).toEqual(q.units);
    expect(done).toEqual([[1, 6], [2, 6], [3, 6], [4, 6], [5, 6], [6, 6]]);
  });
});
