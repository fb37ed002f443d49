import { expect, it } from 'vitest';
import { checkChannelConsistency } from '../../../src/graph/deps/index.js';
import { inferShapes, listLayers, nodeMacs } from '../../../src/graph/index.js';
import { loadOnnx, modelOutputs, parseOnnx, serializeOnnx } from '../../../src/io/onnx/index.js';
import { pruneChannels } from '../../../src/prune/structured/index.js';
import { randomFeeds } from '../../../src/prune/index.js';
import { createSession } from '../../../src/runtime/index.js';
import { describeFixtures, fixture } from '../../helpers/fixtures.js';

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
