import { describe, expect, it } from 'vitest';
import { checkChannelConsistency } from '../../../src/graph/deps/index.js';
import { serializeOnnx, tensorDims, type OnnxModel } from '../../../src/io/onnx/index.js';
import { pruneChannels, type StructuredOptions } from '../../../src/prune/structured/index.js';
import { createSession } from '../../../src/runtime/index.js';
import { randomFloats, toOnnx } from '../../helpers/onnx-builder.js';
import { barrierNet, bnNet, c2fNet, deadChannelNet, depthwiseNet, groupedNet, residualNet, sharedWeightNet } from '../../graph/deps/graphs.js';

const x = { dtype: 'float32' as const, dims: [1, 3, 8, 8], data: randomFloats(192, 42) };

async function run(model: OnnxModel): Promise<Record<string, Float32Array>> {
  const s = await createSession(serializeOnnx(model));
  try {
    const out = await s.run({ x });
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data as Float32Array]));
  } finally {
    await s.release();
  }
}

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
const dims = (m: OnnxModel, name: string) => tensorDims(m.proto.graph!.initializer.find((t) => t.name === name)!);

async function prune(model: OnnxModel, options: StructuredOptions) {
  const r = pruneChannels(model, { headPath: null, ...options });
  expect(checkChannelConsistency(r.model).violations).toEqual([]);
  const [before, after] = [await run(model), await run(r.model)];
  for (const k of Object.keys(before)) expect(after[k]).toHaveLength(before[k]!.length);
  return { ...r, before, after };
}

describe('pruneChannels', () => {
  it('at ratio 0 returns the model unchanged, outputs identical', async () => {
    const m = toOnnx(c2fNet());
    const r = await prune(m, { ratio: 0 });
    expect(r.model).toBe(m);
    expect(r.after.y).toEqual(r.before.y);
    expect(r.report.message).toMatch(/unchanged/);
  });

  it('removes a dead channel (zero filter and bias) with outputs equal up to rounding', async () => {
    const r = await prune(toOnnx(deadChannelNet()), { ratio: 1 / 8 });
    expect(dims(r.model, 'w0')).toEqual([7, 3, 1, 1]);
    expect(dims(r.model, 'b0')).toEqual([7]);
    expect(dims(r.model, 'w1')).toEqual([4, 7, 1, 1]);
    expect(maxDiff(r.before.y!, r.after.y!)).toBeLessThan(1e-5);
  });

  it('removes a channel killed by BatchNormalization (γ = β = 0) in conv → BN → SiLU → conv', async () => {
    const r = await prune(toOnnx(bnNet(true)), { ratio: 1 / 8 });
    for (const p of ['g', 'be', 'mu', 'var']) expect(dims(r.model, p)).toEqual([7]);
    expect(maxDiff(r.before.y!, r.after.y!)).toBeLessThan(1e-5);
  });

  it('shrinks both producers of a residual Add together', async () => {
    const r = await prune(toOnnx(residualNet()), { ratio: 0.5 });
    expect(dims(r.model, 'w0')).toEqual([4, 3, 1, 1]);
    expect(dims(r.model, 'w1')).toEqual([4, 4, 1, 1]);
    expect(dims(r.model, 'w2')).toEqual([4, 4, 1, 1]);
    expect(r.report.groups.find((g) => g.roots.length === 2)).toMatchObject({ channelsBefore: 8, channelsAfter: 4 });
  });

  it('rewrites Split sizes (attribute and constant input) and the Concat consumer (C2f)', async () => {
    for (const opset of [12, 13]) {
      const r = await prune(toOnnx(c2fNet(opset)), { ratio: 0.5, consumers: false }); // filter norms pick 4 of each Split part
      expect(dims(r.model, 'w0')[0]).toBe(8);
      expect(dims(r.model, 'w2')).toEqual([4, 12, 1, 1]);
      const split = r.model.proto.graph!.node.find((n) => n.opType === 'Split')!;
      if (opset < 13) expect(split.attribute.find((a) => a.name === 'split')!.ints.map(Number).reduce((a, b) => a + b)).toBe(8);
    }
  });

  it('keeps channel counts multiples of --round-to', async () => {
    const r = await prune(toOnnx(c2fNet()), { ratio: 0.3, roundTo: 4 });
    for (const g of r.report.groups) expect(g.channelsAfter % 4 === 0 || g.channelsAfter === g.channelsBefore).toBe(true);
  });

  it('updates the group of a depthwise conv', async () => {
    const r = await prune(toOnnx(depthwiseNet()), { ratio: 0.25 });
    const dw = r.model.proto.graph!.node.find((n) => n.name === '/model.1/Conv')!;
    expect(Number(dw.attribute.find((a) => a.name === 'group')!.i)).toBe(6);
    expect(dims(r.model, 'wd')).toEqual([6, 1, 3, 3]);
    expect(dims(r.model, 'bd')).toEqual([6]);
  });

  it('gives a shared initializer its own copy when only one user shrinks', async () => {
    const r = await prune(toOnnx(sharedWeightNet()), { ratio: 0.5 });
    const inits = r.model.proto.graph!.initializer.map((t) => `${t.name}:${tensorDims(t).join('x')}`).sort();
    expect(inits).toEqual(['w2:4x4x1x1', 'ws:8x3x1x1', 'ws__pk0:4x3x1x1']);
    expect(r.after.z).toEqual(r.before.z); // the pinned user still sees the full weight
  });

  it('leaves a graph without prunable groups unchanged, with a message', () => {
    const m = toOnnx(barrierNet());
    const r = pruneChannels(m, { ratio: 0.5, headPath: null });
    expect(r.model).toBe(m);
    expect(r.report.message).toMatch(/no prunable channel group/);
    expect(r.report.barriers.join()).toMatch(/Transpose/);
  });

  it('reaches a params target', () => {
    const r = pruneChannels(toOnnx(residualNet()), { target: 0.3, targetKind: 'params', headPath: null });
    const removed = 1 - r.report.params.after / r.report.params.before;
    expect(removed).toBeGreaterThan(0.1);
    expect(removed).toBeLessThanOrEqual(0.3 + 1e-9);
  });

  it('global scope reaches a params target and needs one', () => {
    const m = toOnnx(c2fNet());
    const r = pruneChannels(m, { target: 0.2, targetKind: 'params', scope: 'global', headPath: null });
    const removed = 1 - r.report.params.after / r.report.params.before;
    expect(removed).toBeGreaterThan(0);
    expect(removed).toBeLessThanOrEqual(0.2 + 1e-9);
    expect(checkChannelConsistency(r.model).violations).toEqual([]);
    expect(() => pruneChannels(m, { ratio: 0.2, scope: 'global' })).toThrow(/--target/);
  });

  it('rejects bad ratios', () => {
    expect(() => pruneChannels(toOnnx(residualNet()), { ratio: 1 })).toThrow(/\[0, 1\)/);
    expect(() => pruneChannels(toOnnx(residualNet()), { ratio: 0.2, roundTo: 0 })).toThrow(/round-to/);
  });
});

describe('grouped convs', () => {
  it('prunes the input and output channels of a grouped conv evenly over its groups', async () => {
    const r = await prune(toOnnx(groupedNet()), { ratio: 0.5 });
    expect(dims(r.model, 'wg')).toEqual([4, 2, 3, 3]);
    expect(dims(r.model, 'w0')).toEqual([4, 3, 1, 1]);
    expect(r.model.proto.graph!.node.find((n) => n.name === '/model.1/Conv')!.attribute.find((a) => a.name === 'group')!.i).toBe(2n);
    // even when importance would take every removal from one group
    const { analyzeChannels } = await import('../../../src/graph/deps/index.js');
    const { selectRemoval } = await import('../../../src/prune/structured/index.js');
    const m = toOnnx(groupedNet());
    const dg = analyzeChannels(m, { headPath: null });
    const importance = new Float64Array(dg.trace.classCount).fill(1);
    const inMap = dg.trace.maps.get('a0')!;
    for (let i = 0; i < 4; i++) importance[dg.trace.classOf[inMap[i]!]!] = 0.01 * i; // group 0 looks weakest
    const removed = selectRemoval(dg, importance, { ratioOf: () => 0.25 });
    const perBlock = [0, 1].map((b) => [0, 1, 2, 3].filter((j) => removed[dg.trace.classOf[inMap[b * 4 + j]!]!]).length);
    expect(perBlock[0]).toBe(perBlock[1]);
  });

  it('removing dead channels of and before a grouped conv leaves the outputs unchanged', async () => {
    const r = await prune(toOnnx(groupedNet(true)), { ratio: 0.25 });
    expect(dims(r.model, 'w0')).toEqual([6, 3, 1, 1]);
    expect(dims(r.model, 'wg')).toEqual([6, 3, 3, 3]);
    expect(maxDiff(r.before['y']!, r.after['y']!)).toBeLessThan(1e-5);
  });
});

describe('selectRemoval', () => {
  it('cuts a split group part by part, so every Split output keeps a multiple of roundTo', async () => {
    const { channelImportance, groupSegments, selectRemoval } = await import('../../../src/prune/structured/index.js');
    const { analyzeChannels } = await import('../../../src/graph/deps/index.js');
    const m = toOnnx(c2fNet());
    const dg = analyzeChannels(m, { headPath: null });
    const split = dg.groups.find((g) => g.classes.length === 16)!;
    const segs = groupSegments(dg)[split.id]!;
    expect(segs.map((s) => s.length)).toEqual([8, 8]);
    // Importance that would take all 4 removals from the first half if the group were cut as a whole.
    const importance = new Float64Array(dg.trace.classCount).fill(1);
    segs[0]!.forEach((c, i) => { importance[c] = i / 100; });
    const removed = selectRemoval(dg, importance, { ratioOf: (g) => (g.id === split.id ? 0.25 : 0), roundTo: 2 });
    expect(segs.map((s) => s.filter((c) => removed[c]).length)).toEqual([2, 2]);
    expect(channelImportance(m, dg)).toHaveLength(dg.trace.classCount);
  });
});

describe('keptCount', () => {
  it('keeps round(n × (1 − ratio)), at least one and never a pinned channel', async () => {
    const { keptCount } = await import('../../../src/prune/structured/index.js');
    expect(keptCount(10, 10, 0.3)).toBe(7);
    expect(keptCount(10, 10, 0.25)).toBe(8); // 7.5: ties keep more
    expect(keptCount(10, 10, 0.99)).toBe(1);
    expect(keptCount(10, 4, 0.9)).toBe(6);
    expect(keptCount(10, 10, 0)).toBe(10);
  });

  it('rounds the kept count to the nearest multiple of roundTo', async () => {
    const { keptCount } = await import('../../../src/prune/structured/index.js');
    expect(keptCount(64, 64, 0.3, 8)).toBe(48); // 44.8 → 48
    expect(keptCount(24, 24, 0.3, 8)).toBe(16); // 16.8 → 16
    expect(keptCount(96, 96, 0.3, 8)).toBe(64); // 67.2 → 64 (not 72: the ratio is of n, not of a floored count)
    expect(keptCount(96, 96, 0.3, 16)).toBe(64);
    expect(keptCount(16, 16, 0.3, 16)).toBe(16);
    expect(keptCount(8, 8, 0.5, 8)).toBe(8); // a group no larger than roundTo is left alone
    expect(keptCount(12, 12, 0.9, 8)).toBe(8); // at least one multiple
  });
});
