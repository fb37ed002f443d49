import { describe, expect, it } from 'vitest';
import { resolveLayout } from '../../src/eval/decode/layouts.js';
import { letterboxGeometry } from '../../src/eval/preprocess/letterbox.js';
import { postprocessOutput, type PostprocessSpec } from '../../src/eval/postprocess.js';
import { openPostprocessQueue } from '../../src/eval/postprocess-queue.js';

/** A synthetic v8 output [1, 4+nc, N]: boxes on a grid, pseudo-random class scores. */
function syntheticV8(nc: number, n: number, seed: number): Float32Array {
  const data = new Float32Array((4 + nc) * n);
  let s = seed;
  const rnd = (): number => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = 0; i < n; i++) {
    data[i] = 20 + (i % 40) * 15 + rnd() * 4;
    data[n + i] = 20 + Math.floor(i / 40) * 15 + rnd() * 4;
    data[2 * n + i] = 10 + rnd() * 60;
    data[3 * n + i] = 10 + rnd() * 60;
    for (let c = 0; c < nc; c++) data[(4 + c) * n + i] = rnd() < 0.05 ? rnd() : rnd() * 0.002;
  }
  return data;
}

describe('openPostprocessQueue', () => {
  const nc = 5, n = 1600;
  const spec: PostprocessSpec = { layout: resolveLayout([1, 4 + nc, n], { numClasses: nc }), conf: 0.001, nms: { conf: 0.001, iou: 0.7, maxDet: 300 }, output: 'output0' };
  const geometry = letterboxGeometry(500, 333, 640);

  it('worker and in-thread postprocessing give identical detections, each promise its own output', async () => {
    const outputs = [1, 2, 3, 4].map((seed) => syntheticV8(nc, n, seed));
    const expected = outputs.map((data) => postprocessOutput({ data, dims: [1, 4 + nc, n] }, spec, geometry));
    expect(expected[0]!.scores.length).toBeGreaterThan(10);
    for (const workers of [1, 0]) {
      const q = openPostprocessQueue({ workers });
      expect(q.mode).toBe(workers ? 'worker' : 'main');
      expect(await q.workerReady).toBe(workers === 1);
      try {
        const got = await Promise.all(outputs.map((data) => q.submit({ data: data.slice(), dims: [1, 4 + nc, n] }, spec, geometry)));
        got.forEach((r, i) => expect(r.detections).toEqual(expected[i]));
        expect(q.mode).toBe(workers ? 'worker' : 'main');
      } finally {
        await q.close();
      }
    }
  });

  it('a bad output is a rejected promise naming the problem, in the worker too', async () => {
    const q = openPostprocessQueue({ workers: 1 });
    expect(await q.workerReady).toBe(true);
    try {
      await expect(q.submit({ data: new Float32Array(12), dims: [1, 2, 2, 3] }, spec, geometry)).rejects.toThrow(/output0/);
    } finally {
      await q.close();
    }
  });
});
