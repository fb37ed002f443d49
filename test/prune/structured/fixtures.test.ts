import { expect, it } from 'vitest';
import { checkChannelConsistency } from '../../../src/graph/deps/index.js';
import { inferShapes, listLayers, nodeMacs } from '../../../src/graph/index.js';
import { modelOutputs, parseOnnx, serializeOnnx } from '../../../src/io/onnx/index.js';
import { loadOnnx } from '../../../src/files/onnx-file.js';
import { pruneChannels } from '../../../src/prune/structured/index.js';
import { randomFeeds } from '../../../src/prune/index.js';
import { createSession, withIntermediateOutputs } from '../../../src/runtime/index.js';
import type { OnnxModel } from '../../../src/io/onnx/index.js';
import { tensorDims } from '../../../src/io/onnx/index.js';
import { describeFixtures, fixture } from '../../helpers/fixtures.js';

const prod = (d: readonly number[]): number => d.reduce((a, b) => a * b, 1);

/**
 * MACs of every Conv, ConvTranspose, Gemm and MatMul from the shapes onnxruntime computes (each node's data input
 * and output made a graph output and read after one run; weights from the initializers), by the textbook formulas: Conv = |y|·(C/g)·Πk,
 * ConvTranspose = |x|·(O/g)·Πk, Gemm = M·N·K, MatMul = |y|·K. Independent of prunekit's shape inference and nodeMacs.
 */
async function onnxruntimeMacs(model: OnnxModel): Promise<number> {
  const g = model.proto.graph!;
  const weights = new Map(g.initializer.map((t) => [t.name, tensorDims(t)]));
  const produced = new Set(g.node.flatMap((n) => n.output));
  const nodes = g.node.filter((n) => ['Conv', 'ConvTranspose', 'Gemm', 'MatMul'].includes(n.opType));
  const wanted = [...new Set(nodes.flatMap((n) => [n.input[0]!, n.input[1]!, n.output[0]!]).filter((v) => produced.has(v)))];
  const session = await createSession(serializeOnnx(withIntermediateOutputs(model, wanted)), { threads: 2 });
  let dims: Map<string, readonly number[]>;
  try {
    const feeds = randomFeeds(session);
    const out = await session.run(feeds);
    dims = new Map([...Object.entries(feeds), ...Object.entries(out)].map(([k, t]) => [k, t.dims]));
  } finally {
    await session.release();
  }
  let macs = 0;
  for (const n of nodes) {
    const x = dims.get(n.input[0]!)!, y = dims.get(n.output[0]!)!, w = weights.get(n.input[1]!) ?? dims.get(n.input[1]!)!;
    if (n.opType === 'Conv') macs += prod(y) * prod(w.slice(1));
    else if (n.opType === 'ConvTranspose') macs += prod(x) * prod(w.slice(1));
    else if (n.opType === 'Gemm') macs += prod(y) * (n.attribute.find((a) => a.name === 'transB')?.i ? w[1]! : w[0]!);
    else macs += prod(y) * x[x.length - 1]!;
  }
  return macs;
}

const MODELS = ['LeYOLONano-640.onnx', 'yolov5n_ppe-640.onnx', 'yolov13n-random.onnx', 'yolov13n-tokenc3-lsnet-random.onnx'];

describeFixtures('structured pruning of the fixture detectors at 30% channels', () => {
  for (const name of MODELS) {
    it(name, async () => {
      const original = await loadOnnx(fixture('models', name));
      const r = pruneChannels(original, { ratio: 0.3 });
      expect(r.report.message).toBeUndefined();
      // independent recount from the written bytes
      const written = parseOnnx(serializeOnnx(r.model));
      expect(checkChannelConsistency(written).violations).toEqual([]);
      const params = listLayers(written).reduce((n, l) => n + l.params, 0);
      expect(params).toBe(r.report.params.after);
      expect(params).toBeLessThan(r.report.params.before);
      const shapes = inferShapes(written);
      const macs = written.proto.graph!.node.reduce((n, node) => n + (nodeMacs(node, (v) => (v ? shapes.shapes.get(v) : undefined)) ?? 0), 0);
      expect(macs).toBe(r.report.macs.after);
      expect(await onnxruntimeMacs(written)).toBe(r.report.macs.after);
      expect(await onnxruntimeMacs(original)).toBe(r.report.macs.before);
      expect(macs).toBeLessThan(0.85 * r.report.macs.before);
      // loads and runs in onnxruntime with the original output shapes
      const session = await createSession(serializeOnnx(written), { threads: 2 });
      try {
        const out = await session.run(randomFeeds(session));
        for (const spec of modelOutputs(original.proto)) expect(out[spec.name]!.dims).toEqual(spec.shape);
      } finally {
        await session.release();
      }
    }, 120_000);
  }
});

describeFixtures('structured pruning: global scope spreads a MACs target by importance', () => {
  it('LeYOLONano-640.onnx: --target 0.2 of MACs, round-to 16', async () => {
    const original = await loadOnnx(fixture('models', 'LeYOLONano-640.onnx'));
    const r = pruneChannels(original, { target: 0.2, targetKind: 'macs', scope: 'global', roundTo: 16 });
    const removed = 1 - r.report.macs.after / r.report.macs.before;
    expect(removed).toBeLessThanOrEqual(0.2 + 1e-9);
    expect(removed).toBeGreaterThan(0.17);
    expect(checkChannelConsistency(r.model).violations).toEqual([]);
    const cut = r.report.groups.filter((g) => g.channelsAfter < g.channelsBefore);
    for (const g of cut) {
      expect(1 - g.channelsAfter / g.channelsBefore).toBeLessThanOrEqual(0.75);
      expect(g.channelsAfter % 16).toBe(0);
    }
    // Not one factor for every group: some groups are cut, some prunable ones are left whole.
    const fractions = new Set(cut.map((g) => Math.round((100 * g.channelsAfter) / g.channelsBefore)));
    expect(fractions.size).toBeGreaterThan(1);
    expect(r.report.groups.some((g) => g.pinned === 0 && g.channelsBefore > 16 && g.channelsAfter === g.channelsBefore)).toBe(true);
  }, 120_000);
});
