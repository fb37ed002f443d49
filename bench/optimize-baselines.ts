/**
 * The optimize choice beside the simple policies at the same budget (issue 13): LeYOLONano-640, map50 −1%
 * relative. Every model is calibrated on coco128 images 1–32; each policy's point *at the budget* is its largest
 * setting whose drop on the search images 1–64 holds the budget (how `optimize` chooses too), and every model is
 * then measured on images 65–128 (never searched, never calibrated on). Policies:
 * - optimize: the points bench/optimize.ts explored (rebuilt from its JSON, BENCH_FROM, default
 *   bench/results/optimize.json), the chosen one marked;
 * - uniform channel ratios (`prune --structured --channel-ratio R --calib`);
 * - a MACs target spread by importance (`--target F --target-kind macs --scope global --calib`).
 * All models and the original are timed in one interleaved run per thread count (1 and 2; holding the bench lock).
 * Writes bench/results/optimize-baselines.json and the figure bench/results/optimize-baselines.svg (measured drop on
 * images 65–128 against the 1-thread speed-up, one line per policy; the points at the budget drawn large).
 *
 * Run: `flock /tmp/prunekit-bench.lock npx tsx bench/optimize-baselines.ts` (env BENCH_ROUNDS=40, BENCH_FROM).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serializeOnnx } from '../src/io/onnx/index.js';
import { loadOnnx } from '../src/files/onnx-file.js';
import { collectCalibration, pruneChannels, type StructuredOptions } from '../src/prune/structured/index.js';
import { lineChart } from '../src/report/svg.js';
import { referenceOf, relativeDrop, scoreModel } from '../src/search/evaluate.js';
import { openImageSet } from '../src/search/images.js';
import { timeAgainst } from '../src/search/latency.js';
import type { SearchJson } from '../src/search/report-json.js';
import { setSource } from '../src/search/run-sensitivity.js';
import { buildCandidate, groupUnits } from '../src/search/units.js';
import { FIXTURES } from '../test/helpers/fixtures.js';
import { withBenchLock } from './lib/lock.js';
import { saveResult } from './lib/results.js';

const BUDGET = 0.01;
const rounds = Number(process.env.BENCH_ROUNDS ?? 40);
const from = process.env.BENCH_FROM ?? path.join(import.meta.dirname, 'results', 'optimize.json');
const file = path.join(FIXTURES, 'models', 'LeYOLONano-640.onnx');
const data = path.join(FIXTURES, 'datasets', 'coco128', 'coco128.yaml');
const model = await loadOnnx(file);
const original = serializeOnnx(model);
const search = await openImageSet({ data, range: { first: 1, last: 64 }, model: file });
const measure = await openImageSet({ data, range: { first: 65, last: 128 }, model: file });
const cal = await collectCalibration(model, {}, setSource(search, 32), { threads: 1 });
const units = groupUnits(model);
const opt = JSON.parse(readFileSync(from, 'utf8')) as SearchJson;

type Policy = 'optimize' | 'uniform' | 'importance-spread';
const models: Array<{ policy: Policy; setting: string; value: number; chosenByOptimize?: boolean; bytes: Uint8Array }> = [];
const chosenRatios = JSON.stringify(opt.optimize!.chosen?.ratios);
for (const [i, v] of opt.optimize!.explored.entries()) {
  const bytes = serializeOnnx(buildCandidate(model, units, new Map(Object.entries(v.ratios)), { roundTo: 16, calibration: cal.stats }).model);
  models.push({ policy: 'optimize', setting: `${v.via} #${i} (${Object.keys(v.ratios).length} groups)`, value: v.gain, chosenByOptimize: JSON.stringify(v.ratios) === chosenRatios, bytes });
}
const policy = (p: Policy, setting: string, value: number, o: StructuredOptions) => models.push({ policy: p, setting, value, bytes: serializeOnnx(pruneChannels(model, { ...o, roundTo: 16, calibration: cal.stats }).model) });
for (const r of [0.03, 0.05, 0.075, 0.1, 0.15, 0.2]) policy('uniform', `--channel-ratio ${r}`, r, { ratio: r });
for (const t of [0.02, 0.05, 0.1, 0.15, 0.2, 0.3]) policy('importance-spread', `--target ${t} --target-kind macs --scope global`, t, { target: t, targetKind: 'macs', scope: 'global' });

const refSearch = await referenceOf(original, search, { threads: 2 });
const refMeasure = await referenceOf(original, measure, { threads: 2 });
const scored = [];
for (const m of models) {
  const s = await scoreModel(m.bytes, refSearch, { threads: 2 });
  const h = await scoreModel(m.bytes, refMeasure, { threads: 2 });
  const row = { policy: m.policy, setting: m.setting, value: m.value, chosenByOptimize: m.chosenByOptimize ?? false, searchDrop: relativeDrop(refSearch.score.map50, s.map50), map50: h.map50, map5095: h.map5095, drop: relativeDrop(refMeasure.score.map50, h.map50) };
  scored.push(row);
  console.log(`${m.policy} ${m.setting}: search drop ${(100 * row.searchDrop).toFixed(2)}%, held-out mAP50 ${h.map50.toFixed(4)} (drop ${(100 * row.drop).toFixed(2)}%)`);
}
// Each policy's point at the budget: optimize's own choice; for the others the largest setting that holds on the search images.
const atBudget = new Set<number>();
for (const p of ['uniform', 'importance-spread'] as const) {
  const ok = scored.map((r, i) => ({ r, i })).filter(({ r }) => r.policy === p && r.searchDrop <= BUDGET).sort((a, b) => b.r.value - a.r.value);
  if (ok[0]) atBudget.add(ok[0].i);
}
scored.forEach((r, i) => { if (r.chosenByOptimize) atBudget.add(i); });

const feeds = { [measure.inputName]: { dtype: 'float32' as const, dims: [1, 3, 640, 640], data: measure.images[0]!.input } };
const timing = await withBenchLock(async () => {
  const out: Record<number, Awaited<ReturnType<typeof timeAgainst>>> = {};
  for (const t of [1, 2]) out[t] = await timeAgainst(original, models.map((m) => m.bytes), { threads: t, rounds, warmup: 5, feeds });
  return out;
});
const rows = scored.map((r, i) => ({
  ...r, atBudget: atBudget.has(i),
  t1: { speedup: timing[1]![i]!.ratio, ci95: [timing[1]![i]!.ciLow, timing[1]![i]!.ciHigh] },
  t2: { speedup: timing[2]![i]!.ratio, ci95: [timing[2]![i]!.ciLow, timing[2]![i]!.ciHigh] },
}));
console.log('\nAT THE BUDGET (map50 −1% relative on the search images 1–64; drop measured on 65–128):');
for (const r of rows.filter((x) => x.atBudget)) console.log(`  ${r.policy.padEnd(18)} ${r.setting.padEnd(48)} held-out drop ${(100 * r.drop).toFixed(2).padStart(6)}%  1 thread ${r.t1.speedup.toFixed(3)}× (${r.t1.ci95[0]!.toFixed(3)}–${r.t1.ci95[1]!.toFixed(3)})  2 threads ${r.t2.speedup.toFixed(3)}×`);
for (const r of rows) console.log(`${r.policy.padEnd(18)} ${r.setting.padEnd(48)} drop ${(100 * r.drop).toFixed(2).padStart(6)}%  ${r.t1.speedup.toFixed(3)}× / ${r.t2.speedup.toFixed(3)}×`);

// The figure: held-out drop (0 … 20%) against the 1-thread speed-up, one line per policy (settings in order).
const maxSpeed = Math.max(1.05, ...rows.map((r) => r.t1.speedup));
const minSpeed = Math.min(0.95, ...rows.map((r) => r.t1.speedup));
const sx = (s: number) => (s - minSpeed) / (maxSpeed - minSpeed);
const sy = (d: number) => d / 0.2;
const colors: Record<Policy, string> = { optimize: '#e15759', uniform: '#4e79a7', 'importance-spread': '#59a14f' };
const line = (p: Policy) => {
  const pts = rows.filter((r) => r.policy === p).sort((a, b) => a.t1.speedup - b.t1.speedup);
  return { name: p, color: colors[p], x: pts.map((r) => sx(r.t1.speedup)), y: pts.map((r) => sy(r.drop)) };
};
let svg = lineChart({
  title: 'LeYOLONano-640: held-out mAP50 drop (coco128 65–128) vs measured speed-up, 1 thread', width: 620, height: 400, legend: 'top-right',
  xLabel: `speed-up ${minSpeed.toFixed(2)}× … ${maxSpeed.toFixed(2)}× (1 thread)`, yLabel: 'mAP50 drop, 0 … 20% relative',
  series: [line('optimize'), line('uniform'), line('importance-spread')],
});
// Mark the points at the budget (frame of lineChart: x0 50, y0 12, w width − 70, h height − 60).
const marks = rows.filter((r) => r.atBudget).map((r) => `<circle cx="${(50 + Math.min(1, Math.max(0, sx(r.t1.speedup))) * 550).toFixed(1)}" cy="${(12 + (1 - Math.min(1, Math.max(0, sy(r.drop)))) * 340).toFixed(1)}" r="6" fill="none" stroke="${colors[r.policy]}" stroke-width="2"><title>${r.policy} at the budget: ${r.setting}</title></circle>`).join('');
const budgetY = (12 + (1 - sy(BUDGET)) * 340).toFixed(1);
svg = svg.replace(/<\/svg>$/, `<line x1="50" x2="600" y1="${budgetY}" y2="${budgetY}" stroke="#999" stroke-dasharray="4 3"><title>budget: 1% relative</title></line>${marks}</svg>`);
const svgPath = path.join(import.meta.dirname, 'results', 'optimize-baselines.svg');
writeFileSync(svgPath, svg + '\n');
console.log(`wrote ${svgPath}`);
saveResult('optimize-baselines', {
  date: new Date().toISOString(), cpus: os.cpus().length, rounds, loadAverage: os.loadavg(), from: path.relative(process.cwd(), from),
  budget: 'map50 −1% relative on the search images', search: 'coco128 images 1-64 (sorted)', calibration: 'coco128 images 1-32 (sorted)', measurement: 'coco128 images 65-128 (sorted)',
  original: { search: refSearch.score, measurement: refMeasure.score }, rows,
});
