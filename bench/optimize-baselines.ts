/**
 * The optimize Pareto front beside the simple policies at similar latencies (issue 13): LeYOLONano-640, every
 * model calibrated on coco128 images 1–32 and measured on images 65–128 (never searched, never calibrated on).
 * Models: the points `bench/optimize.ts` explored (rebuilt from bench/results/optimize.json), uniform channel
 * ratios (`--channel-ratio R --calib`) and MACs targets spread by importance (`--target F --target-kind macs
 * --scope global --calib`). All are timed in one interleaved run (holding the bench lock) at BENCH_THREADS.
 *
 * Run: `npx tsx bench/optimize-baselines.ts` (env BENCH_THREADS=1, BENCH_ROUNDS=40). Writes
 * bench/results/optimize-baselines[-tN].json.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadOnnx, serializeOnnx } from '../src/io/onnx/index.js';
import { collectCalibration, pruneChannels, type StructuredOptions } from '../src/prune/structured/index.js';
import { referenceOf, relativeDrop, scoreModel } from '../src/search/evaluate.js';
import { openImageSet } from '../src/search/images.js';
import { timeAgainst } from '../src/search/latency.js';
import type { SearchJson } from '../src/search/report-json.js';
import { setSource } from '../src/search/run-sensitivity.js';
import { buildCandidate, groupUnits } from '../src/search/units.js';
import { FIXTURES } from '../test/helpers/fixtures.js';
import { withBenchLock } from './lib/lock.js';
import { saveResult } from './lib/results.js';

const threads = Number(process.env.BENCH_THREADS ?? 1);
const rounds = Number(process.env.BENCH_ROUNDS ?? 40);
const file = path.join(FIXTURES, 'models', 'LeYOLONano-640.onnx');
const data = path.join(FIXTURES, 'datasets', 'coco128', 'coco128.yaml');
const model = await loadOnnx(file);
const original = serializeOnnx(model);
const search = await openImageSet({ data, range: { first: 1, last: 64 }, model: file });
const measure = await openImageSet({ data, range: { first: 65, last: 128 }, model: file });
const cal = await collectCalibration(model, {}, setSource(search, 32), { threads: 1 });
const units = groupUnits(model);
const opt = JSON.parse(readFileSync(path.join(import.meta.dirname, 'results', 'optimize.json'), 'utf8')) as SearchJson;

const models: Array<{ name: string; bytes: Uint8Array }> = [];
for (const [i, v] of opt.optimize!.explored.entries()) {
  const chosen = JSON.stringify(v.ratios) === JSON.stringify(opt.optimize!.chosen?.ratios);
  models.push({ name: `optimize ${v.via} #${i}${chosen ? ' (chosen)' : ''}, search drop ${(100 * v.drop).toFixed(2)}%`, bytes: serializeOnnx(buildCandidate(model, units, new Map(Object.entries(v.ratios)), { roundTo: 16, calibration: cal.stats }).model) });
}
const policy = (name: string, o: StructuredOptions) => models.push({ name, bytes: serializeOnnx(pruneChannels(model, { ...o, roundTo: 16, calibration: cal.stats }).model) });
for (const r of [0.05, 0.1, 0.2]) policy(`uniform --channel-ratio ${r} --calib`, { ratio: r });
for (const t of [0.05, 0.1, 0.2, 0.3]) policy(`--target ${t} macs --scope global --calib`, { target: t, targetKind: 'macs', scope: 'global' });

const ref = await referenceOf(original, measure, { threads: 2 });
const rows = [];
for (const m of models) {
  const s = await scoreModel(m.bytes, ref, { threads: 2 });
  rows.push({ name: m.name, map50: s.map50, map5095: s.map5095, drop: relativeDrop(ref.score.map50, s.map50) });
  console.log(`${m.name}: mAP50 ${s.map50.toFixed(4)} (drop ${(100 * relativeDrop(ref.score.map50, s.map50)).toFixed(2)}%)`);
}
const timing = await withBenchLock(() => timeAgainst(original, models.map((m) => m.bytes), {
  threads, rounds, warmup: 5, feeds: { [measure.inputName]: { dtype: 'float32', dims: [1, 3, 640, 640], data: measure.images[0]!.input } },
}));
const out = rows.map((r, i) => ({ ...r, speedup: timing[i]!.ratio, ci95: [timing[i]!.ciLow, timing[i]!.ciHigh] }));
for (const r of out) console.log(`${r.name.padEnd(60)} mAP50 ${r.map50.toFixed(4)} drop ${(100 * r.drop).toFixed(2).padStart(6)}%  ${r.speedup.toFixed(3)}× (${r.ci95[0]!.toFixed(3)}–${r.ci95[1]!.toFixed(3)})`);
saveResult(`optimize-baselines-t${threads}`, {
  date: new Date().toISOString(), cpus: os.cpus().length, threads, rounds, loadAverage: os.loadavg(),
  calibration: 'coco128 images 1-32 (sorted)', measurement: 'coco128 images 65-128 (sorted)', original: ref.score, rows: out,
});
