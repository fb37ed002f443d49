import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../src/core/dtype.js';
import { UsageError } from '../../src/core/errors.js';
import { readProvenance } from '../../src/io/onnx/index.js';
import { loadOnnx } from '../../src/files/index.js';
import { quantizeModelFile, type QuantizeFileOptions } from '../../src/files/quantize-file.js';
import { randomFloats, toBytes } from '../helpers/onnx-builder.js';
import { tempDir } from '../helpers/fixtures.js';
import { tinyDetector } from '../helpers/quant-models.js';

const images = (n: number) => {
  const served = { count: 0 };
  return {
    served, count: n, description: `${n} random images`,
    async *feeds(): AsyncGenerator<Record<string, Tensor>> { for (let k = 0; k < n; k++) { served.count++; yield { images: { dtype: 'float32', dims: [1, 3, 8, 8], data: randomFloats(192, 20 + k) } }; } },
  };
};

async function setup() {
  const dir = await tempDir();
  const src = path.join(dir, 'd.onnx');
  await writeFile(src, toBytes(tinyDetector()));
  let k = 0;
  return { dir, src, out: () => path.join(dir, `q${k++}.onnx`) };
}

const record = async (file: string) => readProvenance((await loadOnnx(file)).proto)[0]!.record as Record<string, unknown>;
const fast: QuantizeFileOptions = { floatPrefix: false };

describe('quantizeModelFile', () => {
  it('refuses to overwrite its input and auto placement without a latency probe', async () => {
    const { src } = await setup();
    await expect(quantizeModelFile(src, src, images(1))).rejects.toThrow(new UsageError(`-o ${src}: the output would overwrite the input model; choose another path`, src));
    const { src: s2, out } = await setup();
    await expect(quantizeModelFile(s2, out(), images(1), { placement: 'auto' })).rejects.toThrow('placement auto needs a latency probe');
  });

  it('all layers integer by default; records what it did in the result and in the provenance', async () => {
    const { src, out } = await setup();
    const o = out();
    const r = await quantizeModelFile(src, o, images(3), { ...fast, provenance: () => ({ names: ['a.jpg'] }) });
    expect(r.placement).toEqual({ chosen: 'all layers integer', candidates: [{ label: 'all layers integer', speedup: undefined }], slowerThanFloat: false });
    expect(r.layers.map((l) => l.node)).toEqual(['/model.0/conv/Conv', '/model.2/cv/Conv']);
    expect(r.float).toBe(r.plan.float);
    expect(r.calibration).toMatchObject({ images: 3, description: '3 random images', method: 'percentile' });
    expect(r.floatPrefix).toEqual({ steps: [], layers: [] });
    expect(r.accuracy).toEqual({ steps: [], sensitivity: [] });
    expect(r.biasCorrection).toEqual({ convs: 0, rounds: [], seconds: 0 });
    expect(r.verify.images).toBe(3); // all 3: fewer than the default verifyImages (4)
    expect(r.verify.outputs.map((x) => [x.name, x.dims, x.floatDims])).toEqual([['out', [1, 6, 8, 8], [1, 6, 8, 8]]]);
    expect(r.verify.fusion).toMatchObject({ quantizedConvs: 2, integerConvs: 2 });
    expect(r.input).toEqual({ path: src, bytes: toBytes(tinyDetector()).length });
    expect(r.output.path).toBe(o);
    expect(r.seconds.total).toBeGreaterThan(0);
    expect(r.provenance.key).toBe('prunekit');
    const rec = await record(o);
    expect(rec).toMatchObject({
      command: 'quantize', mode: 'static-int8', method: 'percentile', percentile: 0.9999, activations: 'uint8', weights: 'int8 symmetric per output channel',
      bias: 'float32', silu: 'integer', saturationBound: 8, floatPrefix: 0, biasCorrection: false, placement: 'all layers integer',
      calibration: { images: 3, names: ['a.jpg'] }, result: { quantizedLayers: 2, floatNodes: r.plan.float.length, fusedConvs: 2 },
    });
    expect(rec.exclude).toBeUndefined();
    expect(rec.accuracyControl).toBeUndefined();
    expect(JSON.parse(r.provenance.value)).toMatchObject({ mode: 'static-int8' });
  });

  it('records the options: per-tensor 7-bit weights, int8 activations, minmax (no percentile), int32 bias, quickgelu, exclude', async () => {
    const { src, out } = await setup();
    const o = out();
    await quantizeModelFile(src, o, images(2), { ...fast, perChannel: false, reduceRange: true, activationType: 'int8', method: 'minmax', biasType: 'int32', silu: 'quickgelu', saturationBound: 4, exclude: ['/model.1/'], verifyImages: 1 });
    const rec = await record(o);
    expect(rec).toMatchObject({ weights: 'int8 symmetric per tensor (7-bit)', activations: 'int8', method: 'minmax', bias: 'int32', silu: 'quickgelu', saturationBound: 4, exclude: ['/model.1/'] });
    expect(rec.percentile).toBeUndefined();
    const o2 = out();
    await quantizeModelFile(src, o2, images(2), { ...fast, method: 'percentile', percentile: 0.99 });
    expect(await record(o2)).toMatchObject({ percentile: 0.99, weights: 'int8 symmetric per output channel' });
  });

  it('verifies on the first verifyImages images and probes the float prefix on the first `images` ones', async () => {
    const { src, out } = await setup();
    const src6 = images(6);
    const r = await quantizeModelFile(src, out(), src6, { ...fast, verifyImages: 2 });
    expect(r.verify.images).toBe(2);
    // the default checks SQNR on the first 4 of 6 calibration images
    expect((await quantizeModelFile(src, out(), images(6), fast)).verify.images).toBe(4);
    const probes: number[] = [];
    const p = await quantizeModelFile(src, out(), images(6), { floatPrefix: { images: 1, maxFraction: 1, dbPerLayer: 200, onProbe: (s) => probes.push(s.floatLayers) } });
    expect(probes).toEqual([0, 2]);
    expect(p.floatPrefix.steps.map((s) => s.floatLayers)).toEqual([0, 2]);
    expect(p.floatPrefix.layers).toEqual([]); // within 200 dB of the best: no prefix
    // with no gain allowed, both layers float (exact, 100 dB) wins, and nothing is left to quantize
    await expect(quantizeModelFile(src, out(), images(6), { floatPrefix: { images: 1, maxFraction: 1, dbPerLayer: 0 } })).rejects.toThrow(/no layer could be quantized/);
    // the default probes the first 4 images with a quarter of the 2 ranked layers: k = 0 only
    const d = await quantizeModelFile(src, out(), images(6), { verifyImages: 1 });
    expect(d.floatPrefix.steps.map((s) => s.floatLayers)).toEqual([0]);
  });

  it('auto placement: measures distinct candidates, keeps the fastest, refuses when INT8 is slower unless allowed', async () => {
    const { src, out } = await setup();
    const faster = await quantizeModelFile(src, out(), images(2), { ...fast, placement: 'auto', measure: async (c) => c.map((_, i) => [1.1, 1.3][i]!) });
    expect(faster.placement).toEqual({ chosen: 'stem float', candidates: [{ label: 'all layers integer', speedup: 1.1 }, { label: 'stem float', speedup: 1.3 }], slowerThanFloat: false });
    expect(faster.layers.map((l) => l.node)).toEqual(['/model.2/cv/Conv']);
    const tie = await quantizeModelFile(src, out(), images(2), { ...fast, placement: 'auto', measure: async (c) => c.map(() => 1.2) });
    expect(tie.placement.chosen).toBe('all layers integer');
    await expect(quantizeModelFile(src, out(), images(2), { ...fast, placement: 'auto', measure: async (c) => c.map((_, i) => [0.9, 0.8][i]!) }))
      .rejects.toThrow('INT8 is slower than the float model on this machine (all layers integer ×0.90, stem float ×0.80); nothing written. Use --weights-only for a 4× smaller float-compute file, or --allow-slower to write the fastest INT8 model anyway');
    const o = out();
    const slow = await quantizeModelFile(src, o, images(2), { ...fast, placement: 'auto', allowSlower: true, measure: async (c) => c.map((_, i) => [0.9, 0.95][i]!) });
    expect(slow.placement).toMatchObject({ chosen: 'stem float', slowerThanFloat: true });
    expect((await record(o)).placement).toBe('stem float');
    const exactlyFloat = await quantizeModelFile(src, out(), images(2), { ...fast, placement: 'auto', measure: async (c) => c.map(() => 1) });
    expect(exactlyFloat.placement.slowerThanFloat).toBe(false);
  });

  it('refuses a model in which nothing could be quantized', async () => {
    const { src, out } = await setup();
    await expect(quantizeModelFile(src, out(), images(1), { ...fast, exclude: ['/model.'] })).rejects.toThrow(/no layer could be quantized \(\d+ kept float; see --layers\); nothing written/);
  });

  it('accuracy control returns the most sensitive layers to float (0, 2, 4, …) until the check passes', async () => {
    const { src, out } = await setup();
    const seen: number[] = [];
    const o = out();
    // passes at once: nothing float
    const ok = await quantizeModelFile(src, o, images(2), { ...fast, accuracy: { check: async () => ({ ok: true, summary: 'fine' }), onStep: (s) => seen.push(s.floatLayers) } });
    expect(ok.accuracy.steps).toEqual([{ floatLayers: 0, ok: true, summary: 'fine' }]);
    expect(ok.accuracy.sensitivity.map((s) => s.node).sort()).toEqual(['/model.0/conv/Conv', '/model.2/cv/Conv']);
    expect((await record(o)).accuracyControl).toBe(0);
    // never passes: all ranked layers float is the last step
    await expect(quantizeModelFile(src, out(), images(2), { ...fast, accuracy: { check: async () => ({ ok: false, summary: 'mAP −3%' }), onStep: (s) => seen.push(s.floatLayers) } }))
      .rejects.toThrow('accuracy budget not met even with all 2 ranked layers float (mAP −3%); nothing written. Widen --max-drop or use --weights-only');
    expect(seen).toEqual([0, 0, 2]);
    // passes only once every ranked layer is float: no INT8 placement keeps the budget
    let calls = 0;
    await expect(quantizeModelFile(src, out(), images(2), { ...fast, accuracy: { check: async () => ({ ok: ++calls > 1, summary: 's' }) } }))
      .rejects.toThrow('accuracy budget holds only with every ranked layer float (s): no INT8 placement keeps it; nothing written. Widen --max-drop or use --weights-only');
  });

  it('bias correction runs its rounds over the calibration images and is recorded', async () => {
    const { src, out } = await setup();
    const o = out();
    const r = await quantizeModelFile(src, o, images(2), { ...fast, biasCorrection: { rounds: 1 } });
    expect(r.biasCorrection.convs).toBe(2);
    expect(r.biasCorrection.rounds).toHaveLength(1);
    expect((await record(o)).biasCorrection).toBe(1);
    const two = await quantizeModelFile(src, out(), images(2), { ...fast, biasCorrection: {} });
    expect(two.biasCorrection.rounds).toHaveLength(2);
  });
});
