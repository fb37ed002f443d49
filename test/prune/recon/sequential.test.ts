/**
 * Sequential calibrated pruning of whole models: the same per-layer zero counts as uncalibrated pruning (presets,
 * --target, N:M), the head and every protected layer byte-identical, biases moved only where a layer was refit,
 * layers without statistics cut by magnitude and reported, and a model that still runs. LeYOLO-Nano (fixture):
 * the refit lowers every layer's output error and the model stays close to the original on a real image.
 */
import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../../src/core/dtype.js';
import { getPreset, pruneModel, pruneReconstructed, splitBlocks } from '../../../src/prune/index.js';
import { readTensor, serializeOnnx } from '../../../src/io/onnx/index.js';
import { loadOnnx } from '../../../src/files/onnx-file.js';
import { openCalibrationImages } from '../../../src/eval/index.js';
import { describeFixtures, fixture } from '../../helpers/fixtures.js';
import type { OnnxModel } from '../../../src/io/onnx/index.js';
import { createSession } from '../../../src/runtime/index.js';
import { defaultSelection } from '../../../src/prune/recon/sequential.js';
import { randomFloats, skipConvNet, tinyConvNet, toOnnx } from '../../helpers/onnx-builder.js';

function source(n: number, dims = [1, 3, 32, 32]): { count: number; description: string; feeds: () => AsyncGenerator<Record<string, Tensor>> } {
  const size = dims.reduce((a, b) => a * b, 1);
  return {
    count: n, description: `${n} random inputs`,
    async *feeds() { for (let i = 0; i < n; i++) yield { images: { dtype: 'float32', dims, data: randomFloats(size, 90 + i) } }; },
  };
}

const values = (m: OnnxModel, name: string) => Array.from(readTensor(m.proto.graph!.initializer.find((t) => t.name === name)!, m.external).data as Float32Array);

describe('pruneReconstructed', () => {
  it('keeps the per-layer counts of uncalibrated pruning and the head untouched', async () => {
    const m = toOnnx(tinyConvNet());
    const options = { preset: getPreset('uniform'), target: 0.4 };
    const plain = pruneModel(m, options);
    // Variance correction off: it trades a little output error for the original variance (checked in layer.test.ts).
    const r = await pruneReconstructed(m, { ...options, dataCriterion: 'obs', reconstruction: { blocks: 2, threads: 1, varianceCorrection: false } }, source(6));
    expect(r.result.layers.map((l) => l.zerosAfter)).toEqual(plain.result.layers.map((l) => l.zerosAfter));
    expect(r.result.totals.achieved).toBe(plain.result.totals.achieved);
    const head = r.result.layers.find((l) => l.protected)!;
    expect(head.id).toBe('model.3.linear.weight');
    expect(values(r.model, head.id)).toEqual(values(m, head.id));
    expect(values(r.model, 'model.3.linear.bias')).toEqual(values(m, 'model.3.linear.bias'));
    const conv0 = r.result.layers.find((l) => l.id === 'model.0.conv.weight')!;
    expect(conv0.reconstruction?.method).toBe('exact');
    expect(conv0.reconstruction!.errorAfter!).toBeLessThan(conv0.reconstruction!.errorBefore!);
    expect(values(r.model, 'model.0.conv.bias')).not.toEqual(values(m, 'model.0.conv.bias'));
    // Kept weights changed (refit), pruned ones are zero, and the mask differs from magnitude's only in choice.
    const w0 = values(m, 'model.0.conv.weight'), w1 = values(r.model, 'model.0.conv.weight');
    expect(w1.filter((v) => v === 0).length).toBe(conv0.zerosAfter);
    expect(w1.some((v, i) => v !== 0 && v !== w0[i])).toBe(true);
    expect(r.info).toMatchObject({ images: 6, blocks: 2, layers: { reconstructed: 3, magnitude: 0 } });
    const s = await createSession(serializeOnnx(r.model), { threads: 1 });
    await s.release();
  });

  it('selects by ADMM by default only for unstructured layer scope with the obs criterion, and says so', async () => {
    expect(defaultSelection({}, 'obs')).toBe('admm');
    expect(defaultSelection({ scope: 'layer' }, 'obs')).toBe('admm');
    expect(defaultSelection({ scope: 'global' }, 'obs')).toBe('saliency');
    expect(defaultSelection({ nm: { n: 2, m: 4 } }, 'obs')).toBe('saliency');
    expect(defaultSelection({}, 'wanda')).toBe('saliency');
    expect(defaultSelection({}, 'magnitude')).toBe('saliency');
    const m = toOnnx(tinyConvNet());
    const options = { preset: getPreset('uniform'), target: 0.4 };
    const admm = await pruneReconstructed(m, { ...options, reconstruction: { blocks: 2, threads: 1 } }, source(6));
    expect(admm.result.options.criterion).toBe('ADMM');
    const explicit = await pruneReconstructed(m, { ...options, reconstruction: { blocks: 2, threads: 1, selection: 'admm' } }, source(6));
    expect(values(admm.model, 'model.0.conv.weight')).toEqual(values(explicit.model, 'model.0.conv.weight'));
    const saliency = await pruneReconstructed(m, { ...options, reconstruction: { blocks: 2, threads: 1, selection: 'saliency' } }, source(6));
    expect(saliency.result.options.criterion).toBe('obs');
    expect(saliency.result.layers.map((l) => l.zerosAfter)).toEqual(admm.result.layers.map((l) => l.zerosAfter));
  });

  it('N:M: every group of M keeps N, as without calibration; Gemm layers fall back to magnitude', async () => {
    const m = toOnnx(tinyConvNet());
    const options = { preset: getPreset('uniform'), nm: { n: 2, m: 4 }, pruneHead: true };
    const plain = pruneModel(m, options);
    const r = await pruneReconstructed(m, { ...options, reconstruction: { blocks: 8, threads: 1 } }, source(3));
    expect(r.result.layers.map((l) => l.zerosAfter)).toEqual(plain.result.layers.map((l) => l.zerosAfter));
    expect(r.result.skipped).toEqual(plain.result.skipped);
    const gemm = r.result.layers.find((l) => l.opType === 'Gemm')!;
    expect(gemm.reconstruction).toMatchObject({ method: 'magnitude', reason: 'Gemm layers are cut by magnitude' });
    expect(values(r.model, gemm.id)).toEqual(values(plain.model, gemm.id));
  });

  it('block by block from cached boundary activations: the same model as re-running the prefix (skip connection, int64 shape across a boundary)', async () => {
    const m = toOnnx(skipConvNet());
    const options = { preset: getPreset('uniform'), target: 0.4 };
    const run = (reconstruction: object) => pruneReconstructed(m, { ...options, reconstruction: { blocks: 4, threads: 1, ...reconstruction } }, source(5));
    const prefix = await run({ segments: false });
    const cached = await run({});
    const half = await run({ activationBytes: 0 });
    expect(cached.info.activations).toMatchObject({ half: false });
    expect(cached.info.activations!.peakBytes).toBeGreaterThan(0);
    expect(half.info.activations).toMatchObject({ half: true });
    expect(prefix.info.activations).toBeUndefined();
    for (const id of ['model.0.conv.weight', 'model.1.conv.weight', 'model.2.conv.weight', 'model.2.conv.bias', 'model.3.conv.weight']) {
      const a = values(prefix.model, id), b = values(cached.model, id), c = values(half.model, id);
      const scale = Math.max(...a.map(Math.abs));
      expect(b.map((v) => v === 0)).toEqual(a.map((v) => v === 0));
      for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-5 * scale);
      // float16 boundaries: close, not equal (the rounding reaches the statistics of blocks 2–4).
      for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - c[i]!)).toBeLessThan(0.05 * scale);
    }
    expect(values(half.model, 'model.3.conv.weight')).not.toEqual(values(prefix.model, 'model.3.conv.weight'));
    expect(cached.result.layers.map((l) => l.zerosAfter)).toEqual(prefix.result.layers.map((l) => l.zerosAfter));
  });

  it('refuses an empty calibration set', async () => {
    await expect(pruneReconstructed(toOnnx(tinyConvNet()), { preset: getPreset('uniform'), target: 0.2 }, source(0))).rejects.toThrow(/no usable image/);
  });
});

describe('splitBlocks', () => {
  it('splits into about `blocks` consecutive groups and never exceeds the byte budget (unless one item does)', () => {
    const items = [5, 5, 5, 5, 5, 5, 5].map((bytes, i) => ({ bytes, i }));
    expect(splitBlocks(items, 3, 1e9).map((b) => b.map((x) => x.i))).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect(splitBlocks(items, 1, 12).map((b) => b.length)).toEqual([2, 2, 2, 1]);
    expect(splitBlocks([{ bytes: 50 }, { bytes: 1 }], 1, 10).map((b) => b.length)).toEqual([1, 1]);
  });
});

describeFixtures('pruneReconstructed on LeYOLO-Nano (2 coco8 images)', () => {
  it('refits with the exact counts of --target 0.3, head byte-identical, every refit layer at least as close as its mask', async () => {
    const file = fixture('models', 'LeYOLONano-640.onnx');
    const m = await loadOnnx(file);
    const images = await openCalibrationImages(fixture('datasets', 'coco8', 'images'), { images: 2, imgsz: 640, inputName: 'images' });
    const options = { preset: getPreset('uniform'), target: 0.3 };
    const plain = pruneModel(m, options);
    const r = await pruneReconstructed(m, { ...options, reconstruction: { blocks: 2, threads: 2 } }, images);
    expect(r.result.layers.map((l) => l.zerosAfter)).toEqual(plain.result.layers.map((l) => l.zerosAfter));
    for (const l of r.result.layers) {
      if (l.protected) {
        expect(values(r.model, l.id)).toEqual(values(m, l.id));
        continue;
      }
      expect(l.reconstruction?.method).toMatch(/exact|sparsegpt/);
      expect(l.reconstruction!.errorAfter!).toBeLessThanOrEqual(l.reconstruction!.errorBefore! + 1e-9);
    }
    expect(r.info.images).toBe(2);
    expect(r.info.blocks).toBe(2);
  }, 300_000);
});
