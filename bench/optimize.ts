/**
 * Issue 13 acceptance: `optimize --max-drop map50=1%` on LeYOLONano-640, structured only, searched on coco128
 * images 1–64 (sorted by file name; the proxy scan on images 1–BENCH_PROXY, calibration on 1–32) and measured on
 * images 65–128, which the search never saw. Latency phases hold the bench lock (bench/lib/lock.ts); everything
 * else runs without it. Writes bench/results/optimize[-TAG].json (the search JSON plus wall times).
 *
 * The headline at the end: the chosen model against the original at 1 and 2 threads (BENCH_HEADLINE_ROUNDS
 * interleaved rounds each, under the lock), mAP50 before/after on the measurement images, which images did what.
 *
 * Run: `flock /tmp/prunekit-bench.lock npx tsx bench/optimize.ts` (the lock is re-entrant: the inner timing phases
 * see that an ancestor holds it). Env: BENCH_PROXY=32, BENCH_RATIOS=0.125,…, BENCH_THREADS=1, BENCH_ROUNDS=30,
 * BENCH_HEADLINE_ROUNDS=60, BENCH_TAG=, BENCH_OUT=/tmp/prunekit-optimize, BENCH_OBJECTIVE=latency|macs,
 * BENCH_PARETO_ROUNDS=0 skips timing the explored points (and the speed rule), BENCH_CONFIDENCE=0.9 (a combination
 * is accepted when the paired-bootstrap upper bound of its drop on the search images, Bonferroni-corrected over the
 * verified combinations, is ≤ 1% × (1 − margin); `none` = the point estimate), BENCH_MARGIN=0 (the CLI defaults;
 * before session 9: BENCH_CONFIDENCE=none BENCH_MARGIN=0.5). Every explored point is also scored on 65–128
 * (`heldOutDrops`: how often an accepted point holds there). BENCH_MODEL=leyolo|yolov5n_ppe (yolov5n_ppe:
 * the budget is on agreement mAP50, the float model's own detections as labels: coco128 has no helmets or vests;
 * its results go to optimize-yolov5n_ppe[-TAG].json). Idle 2-core machine: about 6–8 minutes (LeYOLO).
 */
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseMaxDrop } from '../src/report/budget.js';
import { openImageSet } from '../src/search/images.js';
import { optimizeJson } from '../src/search/report-json.js';
import { runOptimize } from '../src/search/run-optimize.js';
import { timeAgainst } from '../src/search/latency.js';
import { referenceOf, scoreModel } from '../src/search/evaluate.js';
import { dropOf } from '../src/search/run-optimize.js';
import { buildCandidate } from '../src/search/units.js';
import { serializeOnnx } from '../src/io/onnx/index.js';
import { tableRankCorrelation } from '../src/search/sensitivity.js';
import { FIXTURES } from '../test/helpers/fixtures.js';
import { withBenchLock } from './lib/lock.js';
import { saveResult } from './lib/results.js';

const env = process.env;
const which = env.BENCH_MODEL ?? 'leyolo';
const modelName = which === 'leyolo' ? 'LeYOLONano-640.onnx' : 'yolov5n_ppe-640.onnx';
const model = path.join(FIXTURES, 'models', modelName);
const budgetOn = which === 'leyolo' ? 'labels' as const : 'agreement' as const;
const margin = Number(env.BENCH_MARGIN ?? 0);
const confidence = env.BENCH_CONFIDENCE === 'none' ? null : Number(env.BENCH_CONFIDENCE ?? 0.9);
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
  budget: parseMaxDrop('map50=1%')[0]!, budgetOn, margin, confidence, objective, output: path.join(out, 'optimized.onnx'), configPath: path.join(out, 'optimized.config.yaml'),
  force: true, timing: objective !== 'latency' && paretoRounds === 0 ? undefined : withBenchLock,
  onProgress: (phase, p) => {
    if (Date.now() - last > 15000 || p.done === p.total) { last = Date.now(); console.log(`${new Date().toISOString().slice(11, 19)} ${phase} ${p.done}/${p.total} ${p.label ?? ''}`); }
  },
});
const j = optimizeJson(run, { model: modelName, budget: 'map50=1%', objective, output: path.join(out, 'optimized.onnx'), config: path.join(out, 'optimized.config.yaml') }, tableRankCorrelation(run.sensitivity.table));
const m = run.measured;
console.log(`wall ${((performance.now() - t0) / 1000).toFixed(0)} s; ${j.evaluations} evaluations; rank correlation ${j.rankCorrelation.agreementVsMap50.toFixed(2)}`);
console.log(`measured on ${m.set}: mAP50 ${m.original.map50.toFixed(4)} → ${m.chosen.map50.toFixed(4)} (drop ${(100 * m.drop).toFixed(2)}%, ${m.holds ? 'holds' : 'BROKEN'})`);
// Every explored point also scored on the held-out images: how often an accepted point really holds.
const measureRef = await referenceOf(run.sensitivity.original, measure, { threads });
const units = run.sensitivity.table.map((u) => u.unit);
const heldOut: number[] = [];
for (const v of run.result.explored) heldOut.push(dropOf(parseMaxDrop('map50=1%')[0]!, measureRef.score, await scoreModel(serializeOnnx(buildCandidate(run.sensitivity.model, units, v.ratios, run.sensitivity.build).model), measureRef, { threads }), budgetOn));
const sel = run.selection;
console.log(`acceptance: ${sel.confidence === null ? 'point estimate' : `bound at ${(100 * sel.correctedLevel!).toFixed(2)}% one-sided (${sel.confidence}, Bonferroni over ${sel.family})`} ≤ ${(100 * sel.threshold).toFixed(2)}%; ${sel.reason}`);
run.result.explored.forEach((v, i) => {
  const p = run.pareto[i + 1]!;
  console.log(`  ${v.via}${p.chosen ? ' *' : ''} groups ${p.units} drop ${(100 * v.drop).toFixed(2)}% bound(plain) ${(100 * v.bound).toFixed(2)}% bound(corrected) ${(100 * (v.selectionBound ?? NaN)).toFixed(2)}% ${v.accepted ? 'accepted' : 'rejected'}; held out ${(100 * heldOut[i]!).toFixed(2)}%; ${p.speedup.toFixed(3)}× (${p.ciLow.toFixed(3)}–${p.ciHigh.toFixed(3)})`);
});
// Headline: the written model against the original, alone in the interleaved run, at 1 and 2 threads.
const headlineRounds = Number(env.BENCH_HEADLINE_ROUNDS ?? 60);
const feeds = { [measure.inputName]: { dtype: 'float32' as const, dims: [1, 3, measure.imgsz, measure.imgsz], data: measure.images[0]!.input } };
const headline = await withBenchLock(async () => {
  const out: Record<string, { speedup: number; ci95: [number, number] }> = {};
  for (const t of [1, 2]) {
    const [e] = await timeAgainst(run.sensitivity.original, [serializeOnnx(run.written.model)], { threads: t, rounds: headlineRounds, warmup: 5, feeds });
    out[`t${t}`] = { speedup: e!.ratio, ci95: [e!.ciLow, e!.ciHigh] };
  }
  return out;
});
const images = j.images;
console.log(`\nHEADLINE (${modelName}, optimize --max-drop map50=1%${budgetOn === 'agreement' ? ' on agreement mAP50 (the float model\'s detections ≥ 0.25 as labels)' : ''}, margin ${margin}, confidence ${confidence ?? 'none'}, objective ${objective})`);
const chosenV = run.result.chosen;
console.log(`  chosen: ${run.selection.kept === 'original' ? 'the original (no accepted cut measurably faster)' : run.selection.kept === 'closest' ? 'nothing accepted: the closest point' : `${run.ratios.size} groups`}; search drop ${chosenV ? (100 * chosenV.drop).toFixed(2) : '0.00'}%, search bound ${chosenV ? (100 * (chosenV.selectionBound ?? NaN)).toFixed(2) : '0.00'}%`);
console.log(`  search: ${images.search}; proxy scan: ${images.proxy}; calibration: ${images.calibration}`);
console.log(`  measurement (never searched or calibrated on): ${images.measurement}`);
console.log(`  mAP50 ${m.original.map50.toFixed(4)} → ${m.chosen.map50.toFixed(4)} (relative drop ${(100 * m.drop).toFixed(2)}%, budget ${m.holds ? 'holds' : 'BROKEN'}); mAP50-95 ${m.original.map5095.toFixed(4)} → ${m.chosen.map5095.toFixed(4)}`);
for (const [k, h] of Object.entries(headline)) console.log(`  speed-up ${k.slice(1)} thread(s): ${h.speedup.toFixed(3)}× (95% CI ${h.ci95[0].toFixed(3)}–${h.ci95[1].toFixed(3)}, ${headlineRounds} interleaved rounds)`);
console.log(`  groups cut: ${run.ratios.size}; wall ${((performance.now() - t0) / 1000).toFixed(0)} s (${Object.entries(run.seconds).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')}; sensitivity ${Object.entries(run.sensitivity.seconds).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')})`);
saveResult(`optimize${which === 'leyolo' ? '' : `-${which}`}${env.BENCH_TAG ? `-${env.BENCH_TAG}` : ''}`, {
  date: new Date().toISOString(), cpus: os.cpus().length, threads, rounds, margin, confidence, budgetOn,
  heldOutDrops: heldOut, loadAverage: os.loadavg(), wallSeconds: (performance.now() - t0) / 1000,
  headline: { rounds: headlineRounds, ...headline, map50: { before: m.original.map50, after: m.chosen.map50, drop: m.drop, holds: m.holds, images: m.set } },
  ...j,
});
