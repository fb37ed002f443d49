import { describe, expect, it } from 'vitest';
import { analyzeChannels } from '../../../src/graph/deps/index.js';
import { readTensor } from '../../../src/io/onnx/index.js';
import { channelImportance } from '../../../src/prune/structured/index.js';
import type { ChannelStats, TensorMoments } from '../../../src/prune/structured/channel-stats.js';
import { activationImportance } from '../../../src/prune/structured/data-importance.js';
import { toOnnx } from '../../helpers/onnx-builder.js';
import { depthwiseNet, residualNet } from '../../graph/deps/graphs.js';

/** Moments of independent channels with the given means and variances. */
function moments(mean: number[], variance: number[]): TensorMoments {
  const c = mean.length;
  const second = new Float64Array(c * c);
  for (let i = 0; i < c; i++) for (let j = 0; j < c; j++) second[i * c + j] = mean[i]! * mean[j]! + (i === j ? variance[i]! : 0);
  return { channels: c, count: 100, mean: Float64Array.from(mean), second };
}

const stats = (tensors: Record<string, TensorMoments>): ChannelStats => ({ images: 1, positionsPerImage: 100, tensors: new Map(Object.entries(tensors)) });

describe('activationImportance', () => {
  it('scores a channel by its variance at the consumer input times the squared norm of the consumer slice', () => {
    // conv0 (8) → depthwise → Relu 'r' → conv2 [4, 8]: conv2's input statistics score conv0's channels.
    const m = toOnnx(depthwiseNet());
    const dg = analyzeChannels(m, { headPath: null });
    const w2 = readTensor(m.proto.graph!.initializer.find((t) => t.name === 'w2')!);
    const w = w2.data as Float32Array;
    const variance = [4, 0, 1, 2, 0.5, 3, 1e-3, 1];
    const mean = [9, 9, 9, 9, 9, 9, 9, 9]; // the mean does not count (compensation restores it)
    const score = activationImportance(m, dg, stats({ r: moments(mean, variance) }), channelImportance(m, dg));
    const raw = variance.map((v, i) => { let n = 0; for (let o = 0; o < 4; o++) n += w[o * 8 + i]! ** 2; return v * n; });
    const max = Math.max(...raw);
    const map = dg.trace.maps.get('r')!;
    map.forEach((e, i) => expect(score[dg.trace.classOf[e]!]).toBeCloseTo(raw[i]! / max, 12));
    expect(score[dg.trace.classOf[map[1]!]!]).toBe(0); // a constant channel is free to remove
  });

  it('keeps weight-based scores for groups no statistics cover', () => {
    const m = toOnnx(depthwiseNet());
    const dg = analyzeChannels(m, { headPath: null });
    const l1 = channelImportance(m, dg);
    expect(activationImportance(m, dg, stats({}), l1)).toEqual(l1);
  });

  it('adds up every consumer of a coupled class (residual stream read by two convs)', () => {
    // conv0 → SiLU 'as' → conv1 → Add('as', conv1) 's' → conv2: classes read by conv1 (through 'as') and conv2 ('s').
    const m = toOnnx(residualNet());
    const dg = analyzeChannels(m, { headPath: null });
    const ones = new Array<number>(8).fill(1);
    const one = activationImportance(m, dg, stats({ as: moments(ones.map(() => 0), ones) }), channelImportance(m, dg));
    const both = activationImportance(m, dg, stats({ as: moments(ones.map(() => 0), ones), s: moments(ones.map(() => 0), ones.map((_, i) => (i === 0 ? 1e6 : 1))) }), channelImportance(m, dg));
    const c0 = dg.trace.classOf[dg.trace.maps.get('s')![0]!]!;
    expect(both[c0]).toBe(1); // channel 0 dominates once conv2's statistics are added
    const w1 = readTensor(m.proto.graph!.initializer.find((t) => t.name === 'w1')!).data as Float32Array;
    const norms = Array.from({ length: 8 }, (_, i) => { let n = 0; for (let o = 0; o < 8; o++) n += w1[o * 8 + i]! ** 2; return n; });
    expect(one[c0]).toBeCloseTo(norms[0]! / Math.max(...norms), 12); // conv1's slice alone
    expect([...dg.trace.maps.get('s')!].filter((e) => both[dg.trace.classOf[e]!]! < 1e-3)).toHaveLength(7);
  });
});
