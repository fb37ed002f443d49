/**
 * Design choices of calibrated reconstruction, measured (dev aid behind docs/reconstruction.md): LeYOLONano-640
 * pruned to BENCH_TARGET (default 0.3) of weights with the uniform preset, calibrated on coco128 images 1–32,
 * validated on images 33–128 (sorted); one row per variant of the reconstruction options given as JSON in
 * BENCH_VARIANTS (default: damping, row normalisation, criterion, blocks, refit method; a variant may also set
 * `target`, `scope` and `criterion`, e.g. `{"label":"global 30%","scope":"global","criterion":"lamp","target":0.3}`).
 *
 * Run: `npx tsx bench/reconstruction-variants.ts` (env BENCH_THREADS=2, BENCH_TARGET, BENCH_VARIANTS, BENCH_NAME).
 * Appends to bench/results/<BENCH_NAME or reconstruction-variants>.json.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { calibrationImagePaths, openCalibrationImages, validate } from '../src/eval/index.js';
import { pruneFile, type PruneFileOptions } from '../src/files/prune-file.js';
import { FIXTURES } from '../test/helpers/fixtures.js';
import { saveResult } from './lib/results.js';

const threads = Number(process.env.BENCH_THREADS ?? 2);
const target = Number(process.env.BENCH_TARGET ?? 0.3);
const name = process.env.BENCH_NAME ?? 'reconstruction-variants';
const leyolo = path.join(FIXTURES, 'models', 'LeYOLONano-640.onnx');
const yaml128 = path.join(FIXTURES, 'datasets', 'coco128', 'coco128.yaml');
const coco128 = path.join(FIXTURES, 'datasets', 'coco128', 'images');
type Variant = Partial<Pick<PruneFileOptions, 'dataCriterion' | 'reconstruction' | 'nm' | 'scope' | 'criterion' | 'target'>> & { label: string };
const variants: Variant[] = process.env.BENCH_VARIANTS ? JSON.parse(process.env.BENCH_VARIANTS) : [
  { label: 'obs, damp 0.01, 8 blocks (default)' },
  { label: 'obs, damp 0.001', reconstruction: { damp: 0.001 } },
  { label: 'obs, no row normalisation', reconstruction: { rowNormalize: false } },
  { label: 'wanda', dataCriterion: 'wanda' },
  { label: 'obs, 24 blocks', reconstruction: { blocks: 24 } },
  { label: 'obs, sparsegpt refit', reconstruction: { method: 'sparsegpt' } },
];

const tmp = await mkdtemp(path.join(os.tmpdir(), 'prunekit-bench-variants-'));
await writeFile(path.join(tmp, 'heldout.txt'), (await calibrationImagePaths(coco128)).slice(32).join('\n') + '\n');
const names = (await readFile(yaml128, 'utf8')).split('\n').filter((l) => /^ {2}\d+: /.test(l));
const heldout = path.join(tmp, 'heldout.yaml');
await writeFile(heldout, ['val: heldout.txt', 'names:', ...names].join('\n') + '\n');
const file = path.resolve('bench', 'results', `${name}.json`);
const rows: unknown[] = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { rows: unknown[] }).rows : [];
for (const v of variants) {
  const out = path.join(tmp, `v${rows.length}.onnx`);
  const calibration = await openCalibrationImages(coco128, { images: 32, imgsz: 640, inputName: 'images' });
  const t = v.nm ? undefined : v.target ?? target;
  const r = await pruneFile(leyolo, out, {
    target: t, nm: v.nm, scope: v.scope, criterion: v.criterion, dataCriterion: v.dataCriterion ?? 'obs', calibration, reconstruction: { threads, ...v.reconstruction }, force: true,
  });
  const m = await validate({ model: out, data: heldout, threads });
  const row = { label: v.label, target: v.nm ? `${v.nm.n}:${v.nm.m}` : t, achieved: r.totals.achieved, map50: m.metrics!.map50, map5095: m.metrics!.map5095, seconds: r.reconstruction!.seconds, options: v };
  rows.push(row);
  console.log(`${v.label}: mAP50 ${row.map50.toFixed(4)} mAP50-95 ${row.map5095.toFixed(4)} (${row.seconds.total.toFixed(0)} s)`);
  saveResult(name, { model: 'LeYOLONano-640.onnx', calibration: 'coco128 images 1-32 (sorted)', validation: 'coco128 images 33-128 (sorted)', rows });
}
