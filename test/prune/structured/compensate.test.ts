/**
 * Bias compensation on hand-built graphs: a removed channel whose filter is zero but whose bias is not carries
 * a constant; folding it into the consumers' biases makes the removal exact (1×1 consumers, no border effect),
 * and for a near-constant channel brings the outputs closer to the original than plain removal.
 */
import type { NodeProto, TensorProto } from 'onnx-buf';
import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../../src/core/dtype.js';
import { analyzeChannels, checkChannelConsistency } from '../../../src/graph/deps/index.js';
import { indexGraph } from '../../../src/graph/index.js';
import { readTensor, serializeOnnx, tensorDims, tensorRefs, withTensorValues, type OnnxModel } from '../../../src/io/onnx/index.js';
import { loadOnnx } from '../../../src/files/onnx-file.js';
import { randomFeeds } from '../../../src/prune/index.js';
import { applyChannelRemoval, channelImportance, compensateRemoval, pruneChannels, selectRemoval, type StructuredOptions } from '../../../src/prune/structured/index.js';
import { createSession } from '../../../src/runtime/index.js';
import { describeFixtures, fixture } from '../../helpers/fixtures.js';
import { initializer, model, node, randomFloats, toOnnx, valueInfo } from '../../helpers/onnx-builder.js';

const x = { dtype: 'float32' as const, dims: [1, 3, 8, 8], data: randomFloats(192, 42) };
let seed = 500;
const w = (name: string, dims: number[], scale = 1) =>
  initializer(name, dims, randomFloats(dims.reduce((a, b) => a * b, 1), seed++).map((v) => v * scale));
const conv = (input: string, weight: string, out: string, name: string, bias?: string, extra: Record<string, number | number[]> = {}) =>
  node('Conv', bias ? [input, weight, bias] : [input, weight], [out], { kernel_shape: [1, 1], ...extra }, `/${name}/Conv`);
const silu = (input: string, out: string, name: string): NodeProto[] => [
  node('Sigmoid', [input], [`${out}_sig`], {}, `/${name}/Sigmoid`), node('Mul', [input, `${out}_sig`], [out], {}, `/${name}/Mul`),
];
const net = (nodes: NodeProto[], inits: TensorProto[], out: number[] = [1, 4, 8, 8], opset = 13) =>
  toOnnx(model(nodes, inits, [valueInfo('x', [1, 3, 8, 8])], [valueInfo('y', out)], opset));

/** Weights [C, 3, 1, 1] whose channel `dead` is zero (scaled by `tiny` instead when given). */
function producer(name: string, channels: number, dead: number, tiny = 0): TensorProto {
  const v = randomFloats(channels * 3, seed++);
  for (let k = 0; k < 3; k++) v[dead * 3 + k]! *= tiny;
  return initializer(name, [channels, 3, 1, 1], v);
}
/** Producer weights [C,3,1,1] with two dead (all-zero) filters. */
function twoDead(name: string, channels: number, a: number, b: number): TensorProto {
  const v = randomFloats(channels * 3, seed++);
  v.fill(0, a * 3, a * 3 + 3);
  v.fill(0, b * 3, b * 3 + 3);
  return initializer(name, [channels, 3, 1, 1], v);
}
/** Bias [C] with a large value on channel `dead`. */
function bias(name: string, channels: number, dead: number, value = 2.5): TensorProto {
  const v = randomFloats(channels, seed++);
  v[dead] = value;
  return initializer(name, [channels], v);
}

async function run(m: OnnxModel): Promise<Float32Array> {
  const s = await createSession(serializeOnnx(m), { threads: 1 });
  try {
    return (await s.run({ x })).y!.data as Float32Array;
  } finally {
    await s.release();
  }
}
const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
const meanDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => m + Math.abs(v - b[i]!), 0) / a.length;

/** Outputs of the original, compensated and uncompensated prunes (max |diff| against the original). */
async function compare(m: OnnxModel, options: StructuredOptions) {
  const on = pruneChannels(m, { headPath: null, ...options });
  const off = pruneChannels(m, { headPath: null, ...options, compensate: false });
  for (const r of [on, off]) expect(checkChannelConsistency(r.model).violations).toEqual([]);
  const [y, yOn, yOff] = [await run(m), await run(on.model), await run(off.model)];
  return {
    on, off, diffOn: maxDiff(y, yOn), diffOff: maxDiff(y, yOff), meanOn: meanDiff(y, yOn), meanOff: meanDiff(y, yOff),
    scale: y.reduce((a, v) => Math.max(a, Math.abs(v)), 0),
  };
}

describe('bias compensation', () => {
  it('makes removing a zero-filter channel with a nonzero bias exact (conv → SiLU → 1×1 conv)', async () => {
    const m = net([conv('x', 'w0', 'c', 'model.0', 'b0'), ...silu('c', 'a', 'model.0.act'), conv('a', 'w1', 'y', 'model.1', 'b1')],
      [producer('w0', 8, 5), bias('b0', 8, 5), w('w1', [4, 8, 1, 1]), w('b1', [4])]);
    const r = await compare(m, { ratio: 1 / 8 });
    expect(tensorDims(r.on.model.proto.graph!.initializer.find((t) => t.name === 'w0')!)).toEqual([7, 3, 1, 1]);
    expect(r.on.report.compensation).toMatchObject({ channels: 1, consumers: 1, skippedChannels: 0 });
    expect(r.diffOff).toBeGreaterThan(0.05);
    expect(r.diffOn).toBeLessThan(1e-5 * Math.max(1, r.scale));
  });

  it('gives a bias-less consumer a new bias (Sigmoid(0) = 0.5 for a fully dead channel)', async () => {
    const m = net([conv('x', 'w0', 'c', 'model.0', 'b0'), node('Sigmoid', ['c'], ['a'], {}, '/model.0/Sigmoid'), conv('a', 'w1', 'y', 'model.1')],
      [producer('w0', 8, 2), bias('b0', 8, 2, 0), w('w1', [4, 8, 1, 1])]);
    const r = await compare(m, { ratio: 1 / 8 });
    const conv1 = r.on.model.proto.graph!.node.find((n) => n.name === '/model.1/Conv')!;
    expect(conv1.input).toHaveLength(3);
    expect(r.diffOff).toBeGreaterThan(0.05);
    expect(r.diffOn).toBeLessThan(1e-5 * Math.max(1, r.scale));
  });

  it('follows Split and Concat offsets to every consumer (C2f pattern)', async () => {
    // conv0 (16) → SiLU → Split [8, 8] → (a, b); b → conv1 → m; Concat(a, b, m) → conv2. Channel 10 is b[2].
    const m = net([
      conv('x', 'w0', 'c0', 'model.0.cv1', 'b0'), ...silu('c0', 'a0', 'model.0.cv1.act'),
      node('Split', ['a0'], ['a', 'b'], { axis: 1, split: [8, 8] }, '/model.0/Split'),
      conv('b', 'w1', 'm0', 'model.0.m.0', 'b1'), ...silu('m0', 'm', 'model.0.m.0.act'),
      node('Concat', ['a', 'b', 'm'], ['cat'], { axis: 1 }, '/model.0/Concat'), conv('cat', 'w2', 'y', 'model.0.cv2'),
    ], [twoDead('w0', 16, 2, 10), bias('b0', 16, 10), w('w1', [8, 8, 1, 1]), w('b1', [8]), w('w2', [4, 24, 1, 1])], [1, 4, 8, 8], 12);
    // 1/8 of each Split part: one channel of a (2), one of b (10).
    const r = await compare(m, { ratioOf: (root) => (root.nodeName.includes('cv1') ? 1 / 8 : 0) });
    expect(r.on.report.channels).toEqual({ before: 28, after: 26 }); // 16 + 8 + 4 (the output conv, pinned)
    // a[2] reaches conv2; b[2] reaches conv1 and conv2 (through the Concat offset).
    expect(r.on.report.compensation).toMatchObject({ channels: 3, consumers: 2 });
    expect(r.diffOff).toBeGreaterThan(0.05);
    expect(r.diffOn).toBeLessThan(1e-5 * Math.max(1, r.scale));
  });

  it('combines the constants of both producers of a residual Add', async () => {
    // conv1's filter 3 is dead too: the coupled class goes as a whole.
    const w1 = initializer('w1', [8, 8, 1, 1], randomFloats(64, seed++).fill(0, 24, 32));
    const m = net([
      conv('x', 'w0', 'c', 'model.0', 'b0'), ...silu('c', 'as', 'model.0.act'), conv('as', 'w1', 'b', 'model.1', 'b1'),
      node('Add', ['as', 'b'], ['s'], {}, '/model.1/Add'), conv('s', 'w2', 'y', 'model.2', 'b2'),
    ], [producer('w0', 8, 3), bias('b0', 8, 3), w1, bias('b1', 8, 3, -1.5), w('b2', [4]), w('w2', [4, 8, 1, 1])]);
    const r = await compare(m, { ratio: 1 / 8 });
    expect(r.on.report.compensation?.consumers).toBe(2);
    expect(r.diffOff).toBeGreaterThan(0.05);
    expect(r.diffOn).toBeLessThan(1e-5 * Math.max(1, r.scale));
  });

  it('carries the constant through a depthwise conv to its consumer', async () => {
    const m = net([
      conv('x', 'w0', 'a', 'model.0', 'b0'), conv('a', 'wd', 'd', 'model.1', 'bd', { group: 8, kernel_shape: [3, 3] }),
      node('Relu', ['d'], ['r'], {}, '/model.1/Relu'), conv('r', 'w2', 'y', 'model.2'),
    ], [producer('w0', 8, 6), bias('b0', 8, 6), w('wd', [8, 1, 3, 3]), bias('bd', 8, 6, 1), w('w2', [4, 8, 1, 1])], [1, 4, 6, 6]);
    const r = await compare(m, { ratio: 1 / 8 });
    expect(r.diffOff).toBeGreaterThan(0.05);
    expect(r.diffOn).toBeLessThan(1e-5 * Math.max(1, r.scale));
  });

  it('brings a near-constant channel closer to the original through a padded 3×3 consumer', async () => {
    const m = net([conv('x', 'w0', 'c', 'model.0', 'b0'), ...silu('c', 'a', 'model.0.act'), conv('a', 'w1', 'y', 'model.1', 'b1', { kernel_shape: [3, 3], pads: [1, 1, 1, 1] })],
      [producer('w0', 8, 4, 0.01), bias('b0', 8, 4, 3), w('w1', [4, 8, 3, 3]), w('b1', [4])]);
    const r = await compare(m, { ratio: 1 / 8 });
    // Exact inside, approximate on the zero-padded border: compare the mean deviation.
    expect(r.meanOn).toBeLessThan(r.meanOff / 2);
  });

  it('skips (and reports) a channel gated by a data-dependent tensor', async () => {
    // Mul(x, sigmoid(gate)) with a 1-channel gate computed from the input: the product is not constant.
    const m = net([
      conv('x', 'w0', 'c', 'model.0', 'b0'), conv('x', 'wg', 'g', 'model.0.gate', 'bg'), node('Sigmoid', ['g'], ['gs'], {}, '/model.0/Sigmoid'),
      node('Mul', ['c', 'gs'], ['p'], {}, '/model.0/Mul'), conv('p', 'w1', 'y', 'model.1'),
    ], [producer('w0', 8, 1), bias('b0', 8, 1), w('wg', [1, 3, 1, 1]), w('bg', [1]), w('w1', [4, 8, 1, 1])]);
    const r = pruneChannels(m, { ratio: 1 / 8, headPath: null });
    expect(r.report.compensation).toMatchObject({ channels: 0, consumers: 0, skippedChannels: 1, skippedConsumers: 1 });
  });
});

describeFixtures('bias compensation on a real export', () => {
  it('LeYOLONano-640.onnx: the pruned model tracks the filter-zeroed model (biases kept) far closer than without', async () => {
    const m = await loadOnnx(fixture('models', 'LeYOLONano-640.onnx'));
    const dg = analyzeChannels(m);
    const removed = selectRemoval(dg, channelImportance(m, dg), { ratioOf: () => 0.3, roundTo: 8 });
    // Reference: the removed channels' root filters zeroed, everything else (biases included) kept.
    const roots = new Set(dg.trace.roots.map((r) => r.node));
    const refs = tensorRefs(m);
    const updates = new Map<string, Tensor>();
    for (const mem of dg.trace.members) {
      if (mem.role !== 'out' || !roots.has(mem.node)) continue;
      const t = updates.get(mem.tensor) ?? (() => { const r = readTensor(refs.get(mem.tensor)!.proto); return { ...r, data: (r.data as Float32Array).slice() }; })();
      updates.set(mem.tensor, t);
      const inner = t.data.length / t.dims[0]!;
      mem.map.forEach((e, i) => { if (removed[dg.trace.classOf[e]!]) (t.data as Float32Array).fill(0, i * inner, (i + 1) * inner); });
    }
    const zeroed = withTensorValues(m, updates);
    const g = indexGraph(m);
    const comp = compensateRemoval(m, dg, removed, g);
    expect(comp.report.channels).toBeGreaterThan(0);
    expect(comp.report.skippedChannels).toBe(0);
    const on = applyChannelRemoval(comp.model, comp.graph, removed);
    const off = applyChannelRemoval(m, dg, removed, g);
    const sessions = await Promise.all([zeroed, on, off].map((x) => createSession(serializeOnnx(x), { threads: 1 })));
    try {
      const feeds = randomFeeds(sessions[0]!);
      const [yz, yOn, yOff] = await Promise.all(sessions.map(async (s) => Object.values(await s.run(feeds))[0]!.data as Float32Array));
      // Exact away from zero-padded borders (the head convs that lose input slices are compensated too).
      expect(meanDiff(yz!, yOn!)).toBeLessThan(meanDiff(yz!, yOff!) / 4);
    } finally {
      for (const s of sessions) await s.release();
    }
  }, 120_000);
});
