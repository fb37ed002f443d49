/**
 * Speed against accuracy for structured pruning of LeYOLONano-640 (issue 7): for each setting, the latency ratio
 * original/pruned (prunekit's bench harness, interleaved, same threads) and the one-shot mAP50 / mAP50-95 on
 * coco128's images 33–128 (sorted), calibrated (`--calib`) on images 1–32 — no image is both calibrated on and
 * validated. Settings: a uniform channel ratio without and with calibration, and a MACs target spread by
 * importance (`--scope global`) with calibration. Round-to 16 throughout (the CLI default).
 *
 * Run: `npx tsx bench/structured-tradeoff.ts` (env: BENCH_THREADS=1, BENCH_RUNS=60). Writes
 * bench/results/structured-tradeoff.json.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { benchmarkModels } from '../src/bench/index.js';
import { calibrationImagePaths, openCalibrationImages, validate } from '../src/eval/index.js';
import { pruneChannelsFile, type StructuredFileOptions } from '../src/files/structured-prune-file.js';
import { FIXTURES } from '../test/helpers/fixtures.js';
import { saveResult } from './lib/results.js';

const threads = Number(process.env.BENCH_THREADS ?? 1);
const runs = Number(process.env.BENCH_RUNS ?? 60);
const model = path.join(FIXTURES, 'models', 'LeYOLONano-640.onnx');
const yaml128 = path.join(FIXTURES, 'datasets', 'coco128', 'coco128.yaml');
const tmp = await mkdtemp(path.join(os.tmpdir(), 'prunekit-bench-tradeoff-'));

// Calibration: images 1–32 (a folder of links is not needed: a list of paths through a folder-less yaml is).
const all = await calibrationImagePaths(path.join(FIXTURES, 'datasets', 'coco128', 'images'));
const names = (await readFile(yaml128, 'utf8')).split('\n').filter((l) => /^ {2}\d+: /.test(l));
const list = async (name: string, files: string[]) => {
  await writeFile(path.join(tmp, `${name}.txt`), files.join('\n') + '\n');
  await writeFile(path.join(tmp, `${name}.yaml`), [`val: ${name}.txt`, 'names:', ...names].join('\n') + '\n');
  return path.join(tmp, `${name}.yaml`);
};
const calibYaml = await list('calib', all.slice(0, 32));
const heldout = await list('heldout', all.slice(32));

interface Setting { name: string; options: StructuredFileOptions; calib: boolean }
const settings: Setting[] = [
  { name: 'channel ratio 0.1, no calibration', options: { ratio: 0.1 }, calib: false },
  { name: 'channel ratio 0.1, --calib', options: { ratio: 0.1 }, calib: true },
  { name: 'channel ratio 0.3, --calib', options: { ratio: 0.3 }, calib: true },
  { name: '--target 0.1 macs --scope global, --calib', options: { target: 0.1, targetKind: 'macs', scope: 'global' }, calib: true },
  { name: '--target 0.2 macs --scope global, --calib', options: { target: 0.2, targetKind: 'macs', scope: 'global' }, calib: true },
  { name: '--target 0.3 macs --scope global, --calib', options: { target: 0.3, targetKind: 'macs', scope: 'global' }, calib: true },
];

const base = await validate({ model, data: heldout, threads });
console.log(`original on images 33–128: mAP50 ${base.metrics!.map50.toFixed(4)} mAP50-95 ${base.metrics!.map5095.toFixed(4)}`);
const rows = [];
for (const [k, s] of settings.entries()) {
  const out = path.join(tmp, `s${k}.onnx`);
  const calibration = s.calib ? await openCalibrationImages(calibYaml, { images: 32, imgsz: 640, inputName: 'images' }) : undefined;
  const r = await pruneChannelsFile(model, out, { ...s.options, roundTo: 16, force: true, threads, calibration });
  const v = await validate({ model: out, data: heldout, threads });
  const b = await benchmarkModels([{ path: model }, { path: out }], { threads, runs, warmup: 10 });
  const c = b.comparisons[0]!;
  const row = {
    setting: s.name, macs: r.report.macs, params: r.report.params, map50: v.metrics!.map50, map5095: v.metrics!.map5095,
    latencyRatio: c.ratio, ci95: [c.ciLow, c.ciHigh], verdict: c.verdict,
  };
  rows.push(row);
  console.log(`${s.name}: MACs −${(100 * (1 - r.report.macs.after / r.report.macs.before)).toFixed(1)}%, mAP50 ${row.map50.toFixed(3)} mAP50-95 ${row.map5095.toFixed(3)}, ${c.verdict}`);
}
saveResult('structured-tradeoff', {
  schema: 'prunekit.bench.structured-tradeoff/1', date: new Date().toISOString(), cpus: os.cpus().length, threads, runs,
  model: 'LeYOLONano-640.onnx', calibration: 'coco128 images 1-32 (sorted)', validation: 'coco128 images 33-128 (sorted)', roundTo: 16,
  original: { map50: base.metrics!.map50, map5095: base.metrics!.map5095 }, rows,
});
