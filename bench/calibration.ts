/**
 * Data-driven reconstruction for structured pruning (`--calib`): one-shot coco128 accuracy of LeYOLONano-640
 * pruned at several channel ratios (--round-to 16), without calibration, with the CLI's `--calib` (data-aware
 * channel selection + reconstruction) and with reconstruction alone (weight-based selection, as without
 * calibration), calibrated on coco8 (8 images) or on coco128 itself (in-sample: disclosed as such).
 * Also: whether coco8's images are among coco128's (by SHA-256), and the calibration-pass time.
 * BENCH_EVAL=heldout validates on coco128's images 33–128 (sorted) only, none of which any calibration set here
 * contains (coco8's 8 pictures are coco128's 000000000009…061, re-encoded; all within the first 32).
 *
 * Run: `npx tsx bench/calibration.ts` (env: BENCH_THREADS=2, BENCH_RATIOS=0.05,0.1,0.3, BENCH_CALIB_IMAGES=32,
 * BENCH_EVAL=all|heldout, BENCH_SCOPE=global: the ratios are MACs targets spread by importance, BENCH_VARIANTS=3,5 a subset of the variants, BENCH_NAME the result file). Writes
 * bench/results/calibration.json (calibration-heldout.json). The second-order channel score of issue 12 item 5
 * (variant 5 then) was measured with commit d46f609's version of this script and removed (docs/reconstruction.md).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { calibrationImagePaths, openCalibrationImages, validate } from '../src/eval/index.js';
import { pruneChannelsFile, type StructuredFileOptions } from '../src/files/structured-prune-file.js';
import { FIXTURES } from '../test/helpers/fixtures.js';
import { saveResult } from './lib/results.js';

const threads = Number(process.env.BENCH_THREADS ?? 2);
const ratios = (process.env.BENCH_RATIOS ?? '0.05,0.1,0.3').split(',').map(Number);
const calibImages = Number(process.env.BENCH_CALIB_IMAGES ?? 32);
const model = path.join(FIXTURES, 'models', 'LeYOLONano-640.onnx');
const heldout = process.env.BENCH_EVAL === 'heldout';
const yaml128 = path.join(FIXTURES, 'datasets', 'coco128', 'coco128.yaml');
const coco8 = path.join(FIXTURES, 'datasets', 'coco8', 'images');
const coco128 = path.join(FIXTURES, 'datasets', 'coco128', 'images');
const tmp = await mkdtemp(path.join(os.tmpdir(), 'prunekit-bench-calibration-'));
let data = yaml128;
if (heldout) {
  // Images 33–128 as a list file (labels are found beside them); class names as in coco128.yaml.
  await writeFile(path.join(tmp, 'heldout.txt'), (await calibrationImagePaths(coco128)).slice(32).join('\n') + '\n');
  const names = (await readFile(yaml128, 'utf8')).split('\n').filter((l) => /^ {2}\d+: /.test(l));
  data = path.join(tmp, 'heldout.yaml');
  await writeFile(data, ['val: heldout.txt', 'names:', ...names].join('\n') + '\n');
}

const sha = async (f: string) => createHash('sha256').update(await readFile(f)).digest('hex');
const hashes128 = new Map(await Promise.all((await calibrationImagePaths(coco128)).map(async (f) => [await sha(f), path.basename(f)] as const)));
const coco8Paths = await calibrationImagePaths(coco8);
const overlap = await Promise.all(coco8Paths.map(async (f) => ({ coco8: path.basename(f), inCoco128As: hashes128.get(await sha(f)) ?? null })));
console.log(`coco8 images in coco128 (same bytes): ${overlap.filter((o) => o.inCoco128As).length} of ${overlap.length}`);

const inSample = heldout ? '' : ' (in-sample)';
interface Variant { name: string; calib?: { source: string; images: number }; dataImportance?: boolean }
const allVariants: Variant[] = [
  { name: 'no calibration (bias compensation)' },
  { name: '--calib coco8 (data-aware selection + reconstruction)', calib: { source: coco8, images: 8 } },
  { name: 'reconstruction only, coco8', calib: { source: coco8, images: 8 }, dataImportance: false },
  { name: `--calib coco128 first ${calibImages}${inSample}`, calib: { source: coco128, images: calibImages } },
  { name: `reconstruction only, coco128 first ${calibImages}${inSample}`, calib: { source: coco128, images: calibImages }, dataImportance: false },
];
// BENCH_VARIANTS=3,5 runs only those rows of the list above (default: all).
const variants = process.env.BENCH_VARIANTS ? process.env.BENCH_VARIANTS.split(',').map((i) => allVariants[Number(i)]!) : allVariants;

const base = await validate({ model, data, threads });
console.log(`original: mAP50 ${base.metrics!.map50.toFixed(4)} mAP50-95 ${base.metrics!.map5095.toFixed(4)}`);
const rows = [];
for (const ratio of ratios) {
  for (const v of variants) {
    const out = path.join(tmp, `r${ratio}-${rows.length}.onnx`);
    const spread = process.env.BENCH_SCOPE === 'global' ? { target: ratio, targetKind: 'macs' as const, scope: 'global' as const } : { ratio };
    const options: StructuredFileOptions = { ...spread, roundTo: 16, force: true, threads, dataImportance: v.dataImportance };
    if (v.calib) options.calibration = await openCalibrationImages(v.calib.source, { images: v.calib.images, imgsz: 640, inputName: 'images' });
    const r = await pruneChannelsFile(model, out, options);
    const m = await validate({ model: out, data, threads });
    const row = {
      ratio, variant: v.name, map50: m.metrics!.map50, map5095: m.metrics!.map5095,
      params: r.report.params, macs: r.report.macs, reconstruction: r.report.reconstruction ?? null, calibration: r.calibration ?? null,
    };
    rows.push(row);
    const cal = r.calibration ? ` (calibration ${r.calibration.seconds.total.toFixed(1)} s: run ${r.calibration.seconds.run.toFixed(1)}, statistics ${r.calibration.seconds.statistics.toFixed(1)}, prune ${r.calibration.seconds.prune.toFixed(1)})` : '';
    console.log(`ratio ${ratio} ${v.name}: mAP50 ${row.map50.toFixed(4)} mAP50-95 ${row.map5095.toFixed(4)}${cal}`);
  }
}
saveResult(process.env.BENCH_NAME ?? (heldout ? 'calibration-heldout' : 'calibration'), {
  model: 'LeYOLONano-640.onnx', scope: process.env.BENCH_SCOPE ?? 'channel ratio', data: heldout ? 'coco128 images 33-128 (sorted)' : 'coco128', roundTo: 16, threads, cpus: os.cpus().length,
  original: { map50: base.metrics!.map50, map5095: base.metrics!.map5095 }, coco8InCoco128: overlap, rows,
});
