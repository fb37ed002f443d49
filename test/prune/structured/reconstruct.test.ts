/**
 * Reconstruction on hand-built graphs: when a removed channel is an exact linear combination (plus a constant)
 * of kept channels, the pruned and refit model's outputs equal the original's to float tolerance (statistics
 * collected in onnxruntime); shared weights get their own copy; consumers without statistics fall back.
 */
import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../../src/core/dtype.js';
import { analyzeChannels, checkChannelConsistency } from '../../../src/graph/deps/index.js';
import { serializeOnnx, tensorDims, type OnnxModel } from '../../../src/io/onnx/index.js';
import {
  applyChannelRemoval, channelImportance, ChannelStatsAccumulator, foldFit, pruneChannels, reconstructRemoval, selectRemoval, type ChannelStats,
} from '../../../src/prune/structured/index.js';
import { collectActivations, createSession } from '../../../src/runtime/index.js';
import { initializer, model, node, randomFloats, toOnnx, valueInfo } from '../../helpers/onnx-builder.js';

const feed = (seed: number, c = 4): Tensor => ({ dtype: 'float32', dims: [1, c, 8, 8], data: randomFloats(c * 64, seed) });

/**
 * x [1,4,8,8] → Conv 1×1 (4→6, bias) → c → Conv 3×3 valid (6→3, bias) → y. With no activation, the 6 channels
 * of c span a 4-dimensional space plus a constant: any 2 removed channels are exact affine functions of the 4 kept.
 * The filters e1…e4, (1,1,1,1)/2, (1,−1,1,−1)/2 (scaled) keep every 4 of them well conditioned, so the small
 * default ridge barely shrinks the fit.
 */
function linearNet(): OnnxModel {
  const w0 = Float32Array.from([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0.5, 0.5, 0.5, 0.5, 0.5, -0.5, 0.5, -0.5], (v, i) => v * (1 + 0.1 * (i % 6)));
  return toOnnx(model(
    [
      node('Conv', ['x', 'w0', 'b0'], ['c'], { kernel_shape: [1, 1] }, '/model.0/conv/Conv'),
      node('Conv', ['c', 'w1', 'b1'], ['y'], { kernel_shape: [3, 3] }, '/model.1/conv/Conv'),
    ],
    [initializer('w0', [6, 4, 1, 1], w0), initializer('b0', [6], randomFloats(6, 2)),
      initializer('w1', [3, 6, 3, 3], randomFloats(162, 3)), initializer('b1', [3], randomFloats(3, 4))],
    [valueInfo('x', [1, 4, 8, 8])], [valueInfo('y', [1, 3, 6, 6])],
  ));
}

async function run(m: OnnxModel, feeds: Record<string, Tensor>): Promise<Record<string, Float32Array>> {
  const s = await createSession(serializeOnnx(m), { threads: 1 });
  try {
    const out = await s.run(feeds);
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data as Float32Array]));
  } finally {
    await s.release();
  }
}

async function* feedsOf(list: Array<Record<string, Tensor>>): AsyncGenerator<Record<string, Tensor>> {
  for (const f of list) yield f;
}

/** Statistics of `tensors` of `m` on a few random inputs, collected in onnxruntime. */
async function statsOf(m: OnnxModel, tensors: string[], feeds: Array<Record<string, Tensor>>): Promise<ChannelStats> {
  const acc = new ChannelStatsAccumulator();
  await collectActivations(m, tensors, feedsOf(feeds), (name, v, i) => acc.add(name, { dims: v.dims, data: v.data as Float32Array }, i), { threads: 1 });
  return acc.finish();
}

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
const maxAbs = (a: Float32Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

describe('reconstructRemoval', () => {
  it('makes removing channels that are affine in the kept ones exact (3×3 consumer, taps folded)', async () => {
    const m = linearNet();
    const dg = analyzeChannels(m, { headPath: null });
    const removed = selectRemoval(dg, channelImportance(m, dg), { ratioOf: () => 1 / 3 });
    expect(removed.reduce((a, b) => a + b, 0)).toBe(2);
    const stats = await statsOf(m, ['c'], [1, 2, 3].map((s) => ({ x: feed(100 + s) })));
    const rec = reconstructRemoval(m, dg, removed, stats, undefined, { ridge: 1e-10 });
    expect(rec.report).toMatchObject({ images: 3, tensors: 1, consumers: 1, channels: 2, fallbackConsumers: 0 });
    const pruned = applyChannelRemoval(rec.model, rec.graph, removed);
    const plain = applyChannelRemoval(m, dg, removed);
    expect(checkChannelConsistency(pruned).violations).toEqual([]);
    expect(tensorDims(pruned.proto.graph!.initializer.find((t) => t.name === 'w1')!)).toEqual([3, 4, 3, 3]);
    const x = { x: feed(7) };
    const [y, yRec, yPlain] = [(await run(m, x)).y!, (await run(pruned, x)).y!, (await run(plain, x)).y!];
    expect(maxDiff(y, yRec)).toBeLessThan(1e-4 * Math.max(1, maxAbs(y)));
    expect(maxDiff(y, yPlain)).toBeGreaterThan(0.1);
  });

  it('through pruneChannels (default ridge) beats data-free bias compensation by an order of magnitude', async () => {
    const m = linearNet();
    const stats = await statsOf(m, ['c'], [1, 2, 3, 4].map((s) => ({ x: feed(200 + s) })));
    const withCal = pruneChannels(m, { headPath: null, ratio: 1 / 3, calibration: stats });
    const without = pruneChannels(m, { headPath: null, ratio: 1 / 3 });
    expect(withCal.report.reconstruction).toMatchObject({ consumers: 1, channels: 2 });
    expect(without.report.reconstruction).toBeUndefined();
    // The refit consumer's removed slices are zero: bias compensation finds nothing left to fold there.
    expect(withCal.report.compensation).toMatchObject({ channels: 0, consumers: 0, skippedChannels: 0 });
    expect(without.report.compensation!.channels).toBeGreaterThan(0);
    const x = { x: feed(9) };
    const y = (await run(m, x)).y!;
    const dCal = maxDiff(y, (await run(withCal.model, x)).y!), dOff = maxDiff(y, (await run(without.model, x)).y!);
    expect(dCal).toBeLessThan(0.1 * dOff);
  });

  it('gives a refit conv its own copy of a shared weight and a new bias; the other reader is untouched', async () => {
    // A reads c (loses channels), B reads the graph input z with the same 1×1 weight w1 and no bias.
    const m = toOnnx(model(
      [
        node('Conv', ['x', 'w0', 'b0'], ['c'], { kernel_shape: [1, 1] }, '/model.0/conv/Conv'),
        node('Conv', ['c', 'w1'], ['ya'], { kernel_shape: [1, 1] }, '/model.1/a/Conv'),
        node('Conv', ['z', 'w1'], ['yb'], { kernel_shape: [1, 1] }, '/model.1/b/Conv'),
      ],
      [initializer('w0', [6, 4, 1, 1], randomFloats(24, 11)), initializer('b0', [6], randomFloats(6, 12)), initializer('w1', [3, 6, 1, 1], randomFloats(18, 13))],
      [valueInfo('x', [1, 4, 8, 8]), valueInfo('z', [1, 6, 8, 8])], [valueInfo('ya', [1, 3, 8, 8]), valueInfo('yb', [1, 3, 8, 8])],
    ));
    const dg = analyzeChannels(m, { headPath: null });
    const removed = selectRemoval(dg, channelImportance(m, dg), { ratioOf: () => 1 / 3 });
    const stats = await statsOf(m, ['c'], [1, 2, 3].map((s) => ({ x: feed(300 + s), z: feed(400 + s, 6) })));
    const rec = reconstructRemoval(m, dg, removed, stats, undefined, { ridge: 1e-10 });
    const pruned = applyChannelRemoval(rec.model, rec.graph, removed);
    const nodes = pruned.proto.graph!.node;
    expect(nodes[1]!.input[1]).toBe('w1__pkr');
    expect(nodes[1]!.input[2]).toBeTruthy();
    expect(nodes[2]!.input).toEqual(['z', 'w1']);
    const inits = new Map(pruned.proto.graph!.initializer.map((t) => [t.name, tensorDims(t)]));
    expect(inits.get('w1')).toEqual([3, 6, 1, 1]);
    expect(inits.get('w1__pkr')).toEqual([3, 4, 1, 1]);
    const f = { x: feed(8), z: feed(9, 6) };
    const [o, p] = [await run(m, f), await run(pruned, f)];
    expect(maxDiff(o.ya!, p.ya!)).toBeLessThan(1e-4 * Math.max(1, maxAbs(o.ya!)));
    expect(maxDiff(o.yb!, p.yb!)).toBe(0);
  });

  it('leaves consumers without statistics to bias compensation and reports them', () => {
    const m = linearNet();
    const dg = analyzeChannels(m, { headPath: null });
    const removed = selectRemoval(dg, channelImportance(m, dg), { ratioOf: () => 1 / 3 });
    const rec = reconstructRemoval(m, dg, removed, { images: 0, positionsPerImage: 1, tensors: new Map() });
    expect(rec.model).toBe(m);
    expect(rec.report).toMatchObject({ consumers: 0, fallbackConsumers: 1, fallbackChannels: 2 });
  });
});

describe('foldFit', () => {
  it('adds W_R·A to the kept slices tap by tap, W_R·b (summed over taps) to the bias, and zeroes the removed slices', () => {
    // W [1 out, 3 in, 2 taps]; remove input 1 = 2·x0 − x2 + 5.
    const w = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const fit = { kept: Int32Array.from([0, 2]), removed: Int32Array.from([1]), rows: Int32Array.from([1]), a: Float64Array.from([2, -1]), b: Float64Array.from([5]), lambda: 0 };
    const f = foldFit(w, [1, 3, 2], Float32Array.from([0.5]), fit);
    expect([...f.weight]).toEqual([1 + 3 * 2, 2 + 4 * 2, 0, 0, 5 - 3, 6 - 4]);
    expect([...f.bias]).toEqual([0.5 + (3 + 4) * 5]);
    expect([...w]).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
