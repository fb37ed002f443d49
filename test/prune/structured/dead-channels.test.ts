/**
 * End-to-end exactness on real exports: zero every removed channel's producer weights (filters, biases, BN γ/β,
 * per-channel constants) first, so those channels carry exact zeros; then removing them must not change the
 * outputs beyond float rounding. This exercises every coupling, Split/Concat offset and shared-weight copy of
 * the models at once.
 */
import { expect, it } from 'vitest';
import type { Tensor } from '../../../src/core/dtype.js';
import { analyzeChannels } from '../../../src/graph/deps/index.js';
import { indexGraph } from '../../../src/graph/index.js';
import { readTensor, serializeOnnx, tensorRefs, withTensorValues, type OnnxModel } from '../../../src/io/onnx/index.js';
import { loadOnnx } from '../../../src/files/onnx-file.js';
import { randomFeeds } from '../../../src/prune/index.js';
import { applyChannelRemoval, channelImportance, selectRemoval } from '../../../src/prune/structured/index.js';
import { createSession } from '../../../src/runtime/index.js';
import { describeFixtures, fixture } from '../../helpers/fixtures.js';

function zeroRemoved(m: OnnxModel, removed: Uint8Array): OnnxModel {
  const dg = analyzeChannels(m);
  const refs = tensorRefs(m);
  const g = indexGraph(m);
  const updates = new Map<string, Tensor>();
  for (const mem of dg.trace.members) {
    if (mem.role === 'in') continue;
    let t = updates.get(mem.tensor);
    if (!t) {
      const r = readTensor(refs.get(mem.tensor)!.proto);
      t = { ...r, data: (r.data as Float32Array).slice() };
      updates.set(mem.tensor, t);
    }
    const d = t.dims;
    const inner = d.slice(mem.axis + 1).reduce((a, b) => a * b, 1);
    const outer = d.slice(0, mem.axis).reduce((a, b) => a * b, 1);
    const D = d[mem.axis]!;
    const fill = g.nodes[mem.node]!.opType === 'Div' ? 1 : 0;
    for (let i = 0; i < D; i++) {
      if (!removed[dg.trace.classOf[mem.map[i]!]!]) continue;
      for (let o = 0; o < outer; o++) (t.data as Float32Array).fill(fill, (o * D + i) * inner, (o * D + i + 1) * inner);
    }
  }
  return withTensorValues(m, updates);
}

describeFixtures('removing pre-zeroed channels keeps the outputs (real exports)', () => {
  for (const name of ['LeYOLONano-640.onnx', 'yolov13n-tokenc3-lsnet-random.onnx']) {
    it(name, async () => {
      const m = await loadOnnx(fixture('models', name));
      const dg = analyzeChannels(m);
      const removed = selectRemoval(dg, channelImportance(m, dg), { ratioOf: () => 0.3, roundTo: 8 });
      expect(removed.some((x) => x === 1)).toBe(true);
      const zeroed = zeroRemoved(m, removed);
      const pruned = applyChannelRemoval(zeroed, analyzeChannels(zeroed), removed);
      const [a, b] = [await createSession(serializeOnnx(zeroed), { threads: 2 }), await createSession(serializeOnnx(pruned), { threads: 2 })];
      try {
        const feeds = randomFeeds(a);
        const [oa, ob] = [await a.run(feeds), await b.run(feeds)];
        for (const k of Object.keys(oa)) {
          const x = oa[k]!.data as Float32Array, y = ob[k]!.data as Float32Array;
          let diff = 0, mag = 0;
          for (let i = 0; i < x.length; i++) { diff = Math.max(diff, Math.abs(x[i]! - y[i]!)); mag = Math.max(mag, Math.abs(x[i]!)); }
          expect(diff).toBeLessThanOrEqual(1e-5 * Math.max(1, mag));
        }
      } finally {
        await a.release();
        await b.release();
      }
    }, 120_000);
  }
});
