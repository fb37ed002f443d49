/**
 * Reconstruction on a real detector: LeYOLO-Nano pruned at 10% channels, calibrated on the 8 coco8 images,
 * deviates less from the original on a coco128 image outside coco8 than the same pruning with data-free bias
 * compensation (same channels removed: weight-based selection in both).
 */
import { expect, it } from 'vitest';
import type { Tensor } from '../../../src/core/dtype.js';
import { decodeImageRgb, letterbox, openCalibrationImages } from '../../../src/eval/index.js';
import { checkChannelConsistency } from '../../../src/graph/deps/index.js';
import { serializeOnnx, type OnnxModel } from '../../../src/io/onnx/index.js';
import { loadOnnx } from '../../../src/files/onnx-file.js';
import { pruneCalibrated, pruneChannels } from '../../../src/prune/structured/index.js';
import { createSession } from '../../../src/runtime/index.js';
import { describeFixtures, fixture } from '../../helpers/fixtures.js';

async function output(m: OnnxModel, feeds: Record<string, Tensor>): Promise<Float32Array> {
  const s = await createSession(serializeOnnx(m), { threads: 2 });
  try {
    return (await s.run(feeds)).output0!.data as Float32Array;
  } finally {
    await s.release();
  }
}

/** Mean |Δ| of the 80 class-score rows of a [1,84,8400] output, and the cosine of the whole output. */
function deviation(a: Float32Array, b: Float32Array): { scores: number; cosine: number } {
  let s = 0, dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    if (i >= 4 * 8400) s += Math.abs(a[i]! - b[i]!);
    dot += a[i]! * b[i]!; na += a[i]! * a[i]!; nb += b[i]! * b[i]!;
  }
  return { scores: s / (80 * 8400), cosine: dot / Math.sqrt(na * nb) };
}

describeFixtures('reconstruction from calibration images on LeYOLO-Nano', () => {
  it('brings the pruned outputs closer to the original than bias compensation', async () => {
    const model = await loadOnnx(fixture('models', 'LeYOLONano-640.onnx'));
    const options = { ratio: 0.1, roundTo: 16, dataImportance: false };
    const source = await openCalibrationImages(fixture('datasets', 'coco8', 'images'), { images: 8, imgsz: 640, inputName: 'images' });
    const cal = await pruneCalibrated(model, options, source, { positions: 256, threads: 2 });
    const plain = pruneChannels(model, options);
    expect(cal.info).toMatchObject({ images: 8, positionsPerImage: 256 });
    expect(cal.result.report.reconstruction!.consumers).toBeGreaterThan(10);
    expect(cal.result.report.reconstruction!.fallbackConsumers).toBe(0);
    expect(cal.result.report.channels).toEqual(plain.report.channels);
    expect(checkChannelConsistency(cal.result.model).violations).toEqual([]);
    const img = await decodeImageRgb(fixture('datasets', 'coco128', 'images', 'train2017', '000000000650.jpg'));
    const feeds = { images: { dtype: 'float32' as const, dims: [1, 3, 640, 640], data: letterbox(img, 640).data } };
    const y = await output(model, feeds);
    const dCal = deviation(y, await output(cal.result.model, feeds));
    const dPlain = deviation(y, await output(plain.model, feeds));
    expect(dCal.scores).toBeLessThan(dPlain.scores);
    expect(dCal.cosine).toBeGreaterThan(dPlain.cosine);
  }, 120_000);
});
