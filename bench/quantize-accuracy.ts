/**
 * Accuracy of INT8 variants on LeYOLONano-640 (issue 11), no timing: BENCH_PART=entropy|weights (default both),
 * printed and written to bench/results/quantize-accuracy[-PART].json.
 *
 * - entropy: static INT8 with `--method percentile` (the default) and `--method entropy`, everything else the
 *   defaults but placement `all` (no latency probe: the placement does not change which ranges are chosen),
 *   calibrated on the FIRST 64 sorted coco128 images, mAP on the LAST 64 (never calibrated on), plus float.
 * - weights: `--weights-only` variants (no calibration, so every image is honest): mAP on all 128 sorted coco128
 *   images, on the first 64 and on the last 64, against float. WEIGHT_VARIANTS=a,b (default all) picks variants.
 *
 * Run: `npx tsx bench/quantize-accuracy.ts` (accuracy only; no lock needed, but it is CPU-heavy).
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { calibrationImagePaths, openCalibrationImages, validate } from '../src/eval/index.js';
import { loadOnnx } from '../src/files/onnx-file.js';
import { quantizeModelFile } from '../src/files/quantize-file.js';
import { serializeOnnx } from '../src/io/onnx/index.js';
import { weightOnlyInt8, type CalibrationMethod } from '../src/quantize/index.js';
import type { WeightOnlyOptions } from '../src/quantize/storage.js';
import { FIXTURES } from '../test/helpers/fixtures.js';
import { saveResult } from './lib/results.js';

const part = process.env.BENCH_PART ?? 'all';
const MODEL = path.join(FIXTURES, 'models', 'LeYOLONano-640.onnx');
const tmp = await mkdtemp(path.join(os.tmpdir(), 'prunekit-bench-qacc-'));
const yaml128 = path.join(FIXTURES, 'datasets', 'coco128', 'coco128.yaml');
const all = await calibrationImagePaths(path.join(FIXTURES, 'datasets', 'coco128', 'images'));
const names = (await readFile(yaml128, 'utf8')).split('\n').filter((l) => /^ {2}\d+: /.test(l));
async function list(name: string, files: string[]): Promise<string> {
  await writeFile(path.join(tmp, `${name}.txt`), files.join('\n') + '\n');
  await writeFile(path.join(tmp, `${name}.yaml`), [`val: ${name}.txt`, 'names:', ...names].join('\n') + '\n');
  return path.join(tmp, `${name}.yaml`);
}
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
  for (const method of ['percentile', 'entropy'] as CalibrationMethod[]) {
    const file = path.join(tmp, `ley-${method}.onnx`);
    const source = await openCalibrationImages(calib, { images: 64, imgsz: 640, inputName: 'images' });
    const t0 = performance.now();
    const r = await quantizeModelFile(MODEL, file, source, { method, placement: 'all', threads: 1, force: true });
    const seconds = (performance.now() - t0) / 1000;
    const acc = await accuracy(file, sets.last64);
    const sqnr = r.verify.outputs.map((o) => o.sqnrDb);
    console.log(`${method}: last 64 ${fmt(acc, float)}; float prefix ${r.floatPrefix.layers.length} layers; SQNR ${sqnr.map((s) => s.toFixed(1)).join(', ')} dB; fused ${r.verify.fusion.integerConvs}/${r.verify.fusion.quantizedConvs}; ${seconds.toFixed(0)} s`);
    out[method] = { last64: acc, floatPrefixLayers: r.floatPrefix.layers.length, sqnrDb: sqnr, fused: r.verify.fusion, seconds };
  }
  return out;
}

const WEIGHT_VARIANTS: Record<string, WeightOnlyOptions> = {
  default: {},
  nearest: { rounding: 'nearest' },
  symmetric: { weightZeroPoint: 'symmetric' },
};

async function partWeights() {
  const wanted = process.env.WEIGHT_VARIANTS?.split(',') ?? Object.keys(WEIGHT_VARIANTS);
  const float: Record<string, Acc> = {};
  for (const [k, d] of Object.entries(sets)) float[k] = await accuracy(MODEL, d);
  console.log(`float: ${Object.entries(float).map(([k, a]) => `${k} ${fmt(a)}`).join('; ')}`);
  const floatBytes = (await stat(MODEL)).size;
  const out: Record<string, unknown> = { float };
  const model = await loadOnnx(MODEL);
  for (const v of wanted) {
    const file = path.join(tmp, `ley-w-${v}.onnx`);
    await writeFile(file, serializeOnnx(weightOnlyInt8(model, WEIGHT_VARIANTS[v]!).model));
    const bytes = (await stat(file)).size;
    const acc: Record<string, Acc> = {};
    for (const [k, d] of Object.entries(sets)) acc[k] = await accuracy(file, d);
    console.log(`${v}: ${bytes} B (${((100 * bytes) / floatBytes).toFixed(1)}%); ${Object.entries(acc).map(([k, a]) => `${k} ${fmt(a, float[k])}`).join('; ')}`);
    out[v] = { bytes, accuracy: acc };
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
