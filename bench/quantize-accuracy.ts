/**
 * Accuracy of INT8 variants on LeYOLONano-640 (issue 11), no timing: BENCH_PART=entropy|weights (default both),
 * printed and written to bench/results/quantize-accuracy[-PART].json.
 *
 * - entropy: static INT8 with `--method percentile` (the default) and `--method entropy`, everything else the
 *   defaults but placement `all` (no latency probe: the placement does not change which ranges are chosen),
 *   calibrated on the FIRST 64 sorted coco128 images, mAP on the LAST 64 (never calibrated on), plus float.
 *   METHODS=a,b (default percentile,entropy) picks the methods.
 * - weights: `--weights-only` variants (no calibration, so every image is honest): mAP on all 128 sorted coco128
 *   images, on the first 64 and on the last 64, against float. WEIGHT_VARIANTS=a,b (default all) picks variants.
 *
 * Run: `npx tsx bench/quantize-accuracy.ts` (accuracy only; no lock needed, but it is CPU-heavy).
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openCalibrationImages, validate } from '../src/eval/index.js';
import { loadOnnx } from '../src/files/onnx-file.js';
import { quantizeModelFile } from '../src/files/quantize-file.js';
import { serializeOnnx } from '../src/io/onnx/index.js';
import { edgeLayerWeights, fp16Weights, weightOnlyInt8, weightOnlyModel, type CalibrationMethod } from '../src/quantize/index.js';
import type { OnnxModel } from '../src/io/onnx/bytes.js';
import { createSession } from '../src/runtime/index.js';
import { FIXTURES } from '../test/helpers/fixtures.js';
import { coco128Lists } from './lib/coco128-lists.js';
import { saveResult } from './lib/results.js';

const part = process.env.BENCH_PART ?? 'all';
const MODEL = path.join(FIXTURES, 'models', 'LeYOLONano-640.onnx');
const tmp = await mkdtemp(path.join(os.tmpdir(), 'prunekit-bench-qacc-'));
const { all, list } = await coco128Lists(tmp);
const sets = { all128: await list('all128', all), first64: await list('first64', all.slice(0, 64)), last64: await list('last64', all.slice(-64)) };

type Acc = { map50: number; map5095: number };
async function accuracy(model: string, data: string): Promise<Acc> {
  const m = (await validate({ model, data, threads: 2 })).metrics!;
  return { map50: m.map50, map5095: m.map5095 };
}
const fmt = (a: Acc, f?: Acc) => `${a.map50.toFixed(4)} / ${a.map5095.toFixed(4)}` + (f ? ` (${((a.map50 - f.map50) * 100).toFixed(2)} / ${((a.map5095 - f.map5095) * 100).toFixed(2)} pt)` : '');

async function partEntropy() {
  const calib = await list('calib', all.slice(0, 64));
  const float = await accuracy(MODEL, sets.last64);
  console.log(`float, last 64: ${fmt(float)}`);
  const out: Record<string, unknown> = { float };
  for (const method of (process.env.METHODS ?? 'percentile,entropy').split(',') as CalibrationMethod[]) {
    const file = path.join(tmp, `ley-${method}.onnx`);
    const source = await openCalibrationImages(calib, { images: 64, imgsz: 640, inputName: 'images' });
    const t0 = performance.now();
    const probes: Array<{ floatLayers: number; sqnrDb: number }> = [];
    const r = await quantizeModelFile(MODEL, file, source, { method, placement: 'all', threads: 1, force: true, floatPrefix: { onProbe: (s) => probes.push(s) } });
    const seconds = (performance.now() - t0) / 1000;
    const acc = await accuracy(file, sets.last64);
    const sqnr = r.verify.outputs.map((o) => o.sqnrDb);
    console.log(`${method}: prefix probes ${probes.map((p) => `${p.floatLayers}: ${p.sqnrDb.toFixed(1)}`).join(', ')} dB`);
    console.log(`${method}: last 64 ${fmt(acc, float)}; float prefix ${r.floatPrefix.layers.length} layers; SQNR ${sqnr.map((s) => s.toFixed(1)).join(', ')} dB; fused ${r.verify.fusion.integerConvs}/${r.verify.fusion.quantizedConvs}; ${seconds.toFixed(0)} s`);
    out[method] = { last64: acc, floatPrefixLayers: r.floatPrefix.layers.length, prefixProbes: probes, sqnrDb: sqnr, fused: r.verify.fusion, seconds };
  }
  return out;
}

type Variant = (m: OnnxModel) => OnnxModel;
// `default` is the third session's default (sum-preserving rounding, no float16 ends); `edges-fp16-nearest` is the
// fourth session's, which `cli-default` (weightOnlyModel, what `--weights-only` writes) reproduces byte for byte.
const WEIGHT_VARIANTS: Record<string, Variant> = {
  'cli-default': (m) => weightOnlyModel(m).model,
  default: (m) => weightOnlyInt8(m).model,
  nearest: (m) => weightOnlyInt8(m, { rounding: 'nearest' }).model,
  symmetric: (m) => weightOnlyInt8(m, { weightZeroPoint: 'symmetric' }).model,
  // stem + output convs as float16 (Cast folded at load; the library's edgeLayerWeights: the same 7 convs as measured)
  'edges-fp16': (m) => weightOnlyInt8(fp16Weights(m, { only: edgeLayerWeights(m) }).model).model,
  'edges-fp16-nearest': (m) => weightOnlyInt8(fp16Weights(m, { only: edgeLayerWeights(m) }).model, { rounding: 'nearest' }).model,
};

/**
 * Output error against float on the anchors whose float top score is ≥ 0.1: RMS of the 4 box coordinates (px) and
 * of the score of the float top class (LeYOLO output [1, 84, anchors]), over `data`'s images letterboxed.
 */
async function outputError(floatPath: string, qPath: string, data: string): Promise<{ boxRmsPx: number; scoreRms: number; anchors: number }> {
  const src = await openCalibrationImages(data, { images: 64, imgsz: 640, inputName: 'images' });
  const [f, q] = [await createSession(floatPath, { threads: 2 }), await createSession(qPath, { threads: 2 })];
  let box = 0, score = 0, n = 0;
  try {
    for await (const feeds of src.feeds()) {
      const a = Object.values(await f.run(feeds))[0]!, b = Object.values(await q.run(feeds))[0]!;
      const A = a.data as Float32Array, B = b.data as Float32Array, ch = a.dims[1]!, k = a.dims[2]!;
      for (let j = 0; j < k; j++) {
        let best = 4;
        for (let c = 5; c < ch; c++) if (A[c * k + j]! > A[best * k + j]!) best = c;
        if (A[best * k + j]! < 0.1) continue;
        for (let c = 0; c < 4; c++) box += (A[c * k + j]! - B[c * k + j]!) ** 2;
        score += (A[best * k + j]! - B[best * k + j]!) ** 2;
        n++;
      }
    }
  } finally { await f.release(); await q.release(); }
  return { boxRmsPx: Math.sqrt(box / (4 * n)), scoreRms: Math.sqrt(score / n), anchors: n };
}

async function partWeights() {
  const wanted = process.env.WEIGHT_VARIANTS?.split(',') ?? Object.keys(WEIGHT_VARIANTS).filter((v) => v !== 'cli-default');
  const float: Record<string, Acc> = {};
  for (const [k, d] of Object.entries(sets)) float[k] = await accuracy(MODEL, d);
  console.log(`float: ${Object.entries(float).map(([k, a]) => `${k} ${fmt(a)}`).join('; ')}`);
  const floatBytes = (await stat(MODEL)).size;
  const out: Record<string, unknown> = { float };
  const model = await loadOnnx(MODEL);
  for (const v of wanted) {
    const file = path.join(tmp, `ley-w-${v}.onnx`);
    await writeFile(file, serializeOnnx(WEIGHT_VARIANTS[v]!(model)));
    const bytes = (await stat(file)).size;
    const error = { first64: await outputError(MODEL, file, sets.first64), last64: await outputError(MODEL, file, sets.last64) };
    const acc: Record<string, Acc> = {};
    for (const [k, d] of Object.entries(sets)) acc[k] = await accuracy(file, d);
    console.log(`${v}: ${bytes} B (${((100 * bytes) / floatBytes).toFixed(1)}%); ${Object.entries(acc).map(([k, a]) => `${k} ${fmt(a, float[k])}`).join('; ')}; box RMS px first/last ${error.first64.boxRmsPx.toFixed(2)} / ${error.last64.boxRmsPx.toFixed(2)}, score RMS ${error.first64.scoreRms.toFixed(3)} / ${error.last64.scoreRms.toFixed(3)}`);
    out[v] = { bytes, accuracy: acc, outputError: error };
  }
  return out;
}

const parts: Record<string, () => Promise<unknown>> = { entropy: partEntropy, weights: partWeights };
const result: Record<string, unknown> = { model: 'LeYOLONano-640', images: 'sorted coco128: first 64 = 1–64, last 64 = 65–128' };
try {
  for (const [k, fn] of Object.entries(parts)) {
    if (part !== 'all' && part !== k) continue;
    console.log(`== ${k}`);
    result[k] = await fn();
  }
  saveResult(part === 'all' ? 'quantize-accuracy' : `quantize-accuracy-${part}`, result);
} finally {
  await rm(tmp, { recursive: true, force: true });
}
