/**
 * Issue 13 acceptance: `optimize --max-drop map50=1%` on LeYOLONano-640, structured only, searched on coco128
 * images 1–64 (sorted by file name; the proxy scan on images 1–BENCH_PROXY, calibration on 1–32) and measured on
 * images 65–128, which the search never saw. Latency phases hold the bench lock (bench/lib/lock.ts); everything
 * else runs without it. Writes bench/results/optimize[-TAG].json (the search JSON plus wall times).
 *
 * Run: `npx tsx bench/optimize.ts` (env: BENCH_PROXY=32, BENCH_RATIOS=0.125,…, BENCH_THREADS=1, BENCH_ROUNDS=30,
 * BENCH_TAG=, BENCH_OUT=/tmp/prunekit-optimize, BENCH_OBJECTIVE=latency|macs, BENCH_PARETO_ROUNDS=0 skips timing the
 * explored points).
 */
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseMaxDrop } from '../src/report/budget.js';
import { openImageSet } from '../src/search/images.js';
import { optimizeJson } from '../src/search/report-json.js';
import { runOptimize } from '../src/search/run-optimize.js';
import { tableRankCorrelation } from '../src/search/sensitivity.js';
import { FIXTURES } from '../test/helpers/fixtures.js';
import { withBenchLock } from './lib/lock.js';
import { saveResult } from './lib/results.js';

const env = process.env;
const model = path.join(FIXTURES, 'models', 'LeYOLONano-640.onnx');
const data = path.join(FIXTURES, 'datasets', 'coco128', 'coco128.yaml');
const out = env.BENCH_OUT ?? '/tmp/prunekit-optimize';
mkdirSync(out, { recursive: true });
const threads = Number(env.BENCH_THREADS ?? 1);
const rounds = Number(env.BENCH_ROUNDS ?? 30);
const objective = (env.BENCH_OBJECTIVE ?? 'latency') as 'latency' | 'macs';
const paretoRounds = env.BENCH_PARETO_ROUNDS === undefined ? rounds : Number(env.BENCH_PARETO_ROUNDS);
const ratios = env.BENCH_RATIOS ? env.BENCH_RATIOS.split(',').map(Number) : undefined;
const search = await openImageSet({ data, range: { first: 1, last: 64 }, model });
const measure = await openImageSet({ data, range: { first: 65, last: 128 }, model });
let last = 0;
const t0 = performance.now();
const run = await runOptimize({
  model, search, measure, proxyImages: Number(env.BENCH_PROXY ?? 32), ratios, threads, workers: 2, latencyRounds: rounds, paretoRounds,
  budget: parseMaxDrop('map50=1%')[0]!, objective, output: path.join(out, 'optimized.onnx'), configPath: path.join(out, 'optimized.config.yaml'),
  force: true, timing: objective !== 'latency' && paretoRounds === 0 ? undefined : withBenchLock,
  onProgress: (phase, p) => {
    if (Date.now() - last > 15000 || p.done === p.total) { last = Date.now(); console.log(`${new Date().toISOString().slice(11, 19)} ${phase} ${p.done}/${p.total} ${p.label ?? ''}`); }
  },
});
const j = optimizeJson(run, { model: 'LeYOLONano-640.onnx', budget: 'map50=1%', objective, output: path.join(out, 'optimized.onnx'), config: path.join(out, 'optimized.config.yaml') }, tableRankCorrelation(run.sensitivity.table));
const m = run.measured;
console.log(`wall ${((performance.now() - t0) / 1000).toFixed(0)} s; ${j.evaluations} evaluations; rank correlation ${j.rankCorrelation.agreementVsMap50.toFixed(2)}`);
console.log(`measured on ${m.set}: mAP50 ${m.original.map50.toFixed(4)} → ${m.chosen.map50.toFixed(4)} (drop ${(100 * m.drop).toFixed(2)}%, ${m.holds ? 'holds' : 'BROKEN'})`);
for (const p of run.pareto) console.log(`  ${p.via}${p.chosen ? ' *' : ''} groups ${p.units} drop ${(100 * p.drop).toFixed(2)}% ${p.speedup.toFixed(3)}× (${p.ciLow.toFixed(3)}–${p.ciHigh.toFixed(3)})`);
saveResult(`optimize${env.BENCH_TAG ? `-${env.BENCH_TAG}` : ''}`, { date: new Date().toISOString(), cpus: os.cpus().length, threads, rounds, loadAverage: os.loadavg(), ...j });
