/**
 * Issue 13, INT8 in the search: `optimize --max-drop map50=1%` with structured channel groups and then INT8 units
 * (which layers stay float) on top, under one budget against the original, verified on the search images and
 * measured on held-out images. Searched on coco128 images 1–64 (proxy scan on 1–32, pruning refit on 1–32,
 * INT8 calibration on 1–64, every verification on 1–64), measured on images 65–128, which nothing above saw.
 *
 * BENCH_MODEL=leyolo (default): LeYOLONano-640, budget on real mAP50 against the coco128 labels.
 * BENCH_MODEL=yolov5n_ppe: yolov5n_ppe-640 (classes helmet, vest: coco128 does not label them), budget on
 * *agreement* mAP50 — the float model's own detections with score ≥ 0.25 as labels — a fidelity budget, not an
 * accuracy one; the number of those pseudo boxes is printed (coco128 has few helmets and vests).
 *
 * Run: `flock /tmp/prunekit-bench.lock npx tsx bench/optimize-int8.ts` (env BENCH_MODEL, BENCH_STRUCTURED=none
 * skips the structured search (INT8 alone), BENCH_STRUCTURED_FROM=bench/results/optimize.json takes the structured
 * choice of that bench/optimize.ts run instead of searching again, BENCH_ROUNDS=30, BENCH_HEADLINE_ROUNDS=60, BENCH_PROXY=32, BENCH_RATIOS=0.125,…,
 * BENCH_OUT=/tmp/prunekit-optimize-int8, BENCH_CONFIDENCE=0.9 and BENCH_MARGIN=0 (the CLI defaults: a variant is accepted
 * when the paired-bootstrap upper bound of its drop on the search images, Bonferroni-corrected over every verified
 * structured and INT8 candidate, is ≤ 1% × (1 − margin); before session 9: BENCH_CONFIDENCE=none BENCH_MARGIN=0.5); BENCH_UNIT_ROUNDS=10: rounds timing each INT8 unit kept float). Each base is quantized exactly
 * as `prunekit quantize` does (calibration on search images 1–64, float prefix, placement measured at 1 thread),
 * and that model is the first INT8 candidate. Writes bench/results/optimize-int8-<model>.json.
 */
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serializeOnnx } from '../src/io/onnx/index.js';
import { loadOnnx } from '../src/files/onnx-file.js';
import { parseMaxDrop } from '../src/report/budget.js';
import { readFileSync } from 'node:fs';
import { collectCalibration } from '../src/prune/structured/index.js';
import { referenceOf, scoreModel } from '../src/search/evaluate.js';
import type { SearchJson } from '../src/search/report-json.js';
import { setSource } from '../src/search/run-sensitivity.js';
import { buildCandidate, groupUnits } from '../src/search/units.js';
import { openImageSet } from '../src/search/images.js';
import { timeAgainst } from '../src/search/latency.js';
import { int8Input, runInt8Stage, type Int8Input } from '../src/search/run-int8.js';
import { budgetBootstrap, dropOf, runOptimize, type BudgetMetric } from '../src/search/run-optimize.js';
import { dropBound } from '../src/search/accept.js';
import { FIXTURES } from '../test/helpers/fixtures.js';
import { withBenchLock } from './lib/lock.js';
import { saveResult } from './lib/results.js';

const env = process.env;
const which = env.BENCH_MODEL ?? 'leyolo';
const file = path.join(FIXTURES, 'models', which === 'leyolo' ? 'LeYOLONano-640.onnx' : 'yolov5n_ppe-640.onnx');
const budgetOn: BudgetMetric = which === 'leyolo' ? 'labels' : 'agreement';
const data = path.join(FIXTURES, 'datasets', 'coco128', 'coco128.yaml');
const out = env.BENCH_OUT ?? '/tmp/prunekit-optimize-int8';
mkdirSync(out, { recursive: true });
const rounds = Number(env.BENCH_ROUNDS ?? 30);
const budget = parseMaxDrop('map50=1%')[0]!;
const margin = Number(env.BENCH_MARGIN ?? 0);
const confidence = env.BENCH_CONFIDENCE === 'none' ? null : Number(env.BENCH_CONFIDENCE ?? 0.9);
const threshold = budget.value * (1 - margin);
const t0 = performance.now();
let last = 0;
const onProgress = (phase: string, p: { done: number; total: number; label?: string }) => {
  if (Date.now() - last > 15000 || p.done === p.total) { last = Date.now(); console.log(`${new Date().toISOString().slice(11, 19)} ${phase} ${p.done}/${p.total} ${p.label ?? ''}`); }
};
const search = await openImageSet({ data, range: { first: 1, last: 64 }, model: file });
const measure = await openImageSet({ data, range: { first: 65, last: 128 }, model: file });

let input: Int8Input;
let structured: Record<string, unknown> = { searched: false };
if (env.BENCH_STRUCTURED === 'none' || env.BENCH_STRUCTURED_FROM) {
  const model = await loadOnnx(file);
  const original = serializeOnnx(model);
  input = { model, original, reference: await referenceOf(original, search, { threads: 1 }) };
  if (env.BENCH_STRUCTURED_FROM) {
    // The structured choice of an earlier bench/optimize.ts run (same model, images and settings), rebuilt and
    // verified again on the search images instead of searched again.
    const prev = JSON.parse(readFileSync(env.BENCH_STRUCTURED_FROM, 'utf8')) as SearchJson;
    const ratios = new Map(Object.entries(prev.optimize?.chosen?.ratios ?? {}));
    const cal = await collectCalibration(model, {}, setSource(search, 32), { threads: 1 });
    const built = buildCandidate(model, groupUnits(model), ratios, { roundTo: 16, calibration: cal.stats }).model;
    const sc = await scoreModel(serializeOnnx(built), input.reference, { threads: 1 });
    const drop = dropOf(budget, input.reference.score, sc, budgetOn);
    const drops = budgetBootstrap(input.reference, budget, budgetOn, confidence)?.drops(sc.detections);
    // It was chosen among that run's verified combinations: the same family size for the selection correction.
    const family = prev.optimize?.selection?.family ?? prev.optimize?.explored.length ?? 1;
    const bound = dropBound({ drop, drops }, confidence, family);
    const ok = ratios.size > 0 && bound <= threshold + 1e-12;
    if (ok) input.structured = { model: built, drop, drops, family };
    structured = { searched: false, from: env.BENCH_STRUCTURED_FROM, ratios: Object.fromEntries(ratios), searchDrop: drop, searchBound: bound, family, holds: ok };
    console.log(`structured (from ${env.BENCH_STRUCTURED_FROM}): ${ratios.size} groups, search drop ${(100 * drop).toFixed(2)}%, bound ${(100 * bound).toFixed(2)}% (family ${family}) → ${ok ? 'accepted' : 'rejected'}`);
  }
} else {
  const run = await runOptimize({
    model: file, search, measure, proxyImages: Number(env.BENCH_PROXY ?? 32), ratios: env.BENCH_RATIOS ? env.BENCH_RATIOS.split(',').map(Number) : undefined, threads: 1, workers: 2, latencyRounds: rounds, paretoRounds: 0,
    budget, budgetOn, margin, confidence, objective: 'latency', output: path.join(out, `${which}-structured.onnx`), configPath: path.join(out, `${which}-structured.config.yaml`),
    force: true, timing: withBenchLock, onProgress,
  });
  input = int8Input(run);
  structured = {
    searched: true, ratios: Object.fromEntries(run.ratios), searchDrop: run.result.chosen?.drop ?? null, searchBound: run.result.chosen?.selectionBound ?? null, feasible: run.result.feasible, selection: run.selection,
    measured: run.measured, seconds: { ...run.seconds, sensitivity: run.sensitivity.seconds },
  };
  console.log(`structured: ${run.ratios.size} groups cut, search drop ${(100 * (run.result.chosen?.drop ?? NaN)).toFixed(2)}%, measured drop ${(100 * run.measured.drop).toFixed(2)}%`);
}
const pseudoBoxes = input.reference.pseudo.reduce((s, p) => s + p.classes.length, 0);
const output = path.join(out, `${which}-optimized.onnx`);
const stage = await runInt8Stage(input, { budget, budgetOn, margin, confidence, unitRounds: Number(env.BENCH_UNIT_ROUNDS ?? 10), threads: 1, rounds, timing: withBenchLock, measure, output, force: true, onProgress });
for (const q of stage.quantize) console.log(`  quantize ${q.base}: float prefix ${q.floatPrefix.length}, placement ${q.placement} (${q.placementSpeedups.map((c) => `${c.label} ${c.speedup?.toFixed(3)}×`).join(', ')})`);
for (const p of stage.probes) console.log(`  probe ${p.base}/${p.order}: ${p.k} float → drop ${(100 * p.drop).toFixed(2)}%, bound ${(100 * p.bound).toFixed(2)}% ${p.holds ? 'holds' : 'misses'}`);
const sel = stage.selection;
console.log(`acceptance: ${sel.confidence === null ? 'point estimate' : `bound at ${(100 * sel.correctedLevel!).toFixed(2)}% one-sided (${sel.confidence}, Bonferroni over ${sel.family})`} ≤ ${(100 * threshold).toFixed(2)}%; ${sel.reason}`);
for (const c of stage.candidates) console.log(`  accepted ${c.base}/${c.order}${c.chosen ? ' *' : ''}: ${c.floatLayers.length}/${c.units} float, search drop ${(100 * c.drop).toFixed(2)}%, bound ${(100 * c.bound).toFixed(2)}%, ${c.speedup.toFixed(3)}× (${c.ciLow.toFixed(3)}–${c.ciHigh.toFixed(3)})`);

const headlineRounds = Number(env.BENCH_HEADLINE_ROUNDS ?? 60);
const feeds = { [measure.inputName]: { dtype: 'float32' as const, dims: [1, 3, measure.imgsz, measure.imgsz], data: measure.images[0]!.input } };
const chosenBytes = new Uint8Array(readFileSync(output));
const headline = await withBenchLock(async () => {
  const r: Record<string, { speedup: number; ci95: [number, number] }> = {};
  for (const t of [1, 2]) {
    const [e] = await timeAgainst(input.original, [chosenBytes], { threads: t, rounds: headlineRounds, warmup: 5, feeds });
    r[`t${t}`] = { speedup: e!.ratio, ci95: [e!.ciLow, e!.ciHigh] };
  }
  return r;
});
const m = stage.measured;
const metric = budgetOn === 'agreement' ? 'agreement mAP50 (the float model\'s detections ≥ 0.25 as labels)' : 'mAP50';
const images = { search: search.description, proxyScan: `${search.description} (first ${env.BENCH_PROXY ?? 32})`, calibration: `${search.description} (first 32): pruning refit; ${search.description} (all 64): INT8 ranges`, int8Sensitivity: `${search.description} (first 2; float prefix probe: first 4)`, measurement: measure.description };
console.log(`\nHEADLINE (${path.basename(file)}, structured + INT8, budget ${metric} −1% relative)`);
console.log(`  search ${images.search}; calibration ${images.calibration}; measurement (never searched or calibrated on) ${images.measurement}`);
if (budgetOn === 'agreement') console.log(`  pseudo boxes on the search images: ${pseudoBoxes}; on the measurement images: ${m.original.agreement > 0 ? 'see JSON' : 'none'}`);
console.log(`  chosen: ${stage.chosen ? `${stage.chosen.base}/${stage.chosen.order}, ${stage.chosen.floatLayers.length} of ${stage.chosen.units} INT8 units float; search drop ${(100 * stage.chosen.drop).toFixed(2)}%, search bound ${(100 * stage.chosen.bound).toFixed(2)}%` : `the original (${sel.reason})`}`);
console.log(`  ${metric} ${(budgetOn === 'agreement' ? m.original.agreement : m.original.map50).toFixed(4)} → ${(budgetOn === 'agreement' ? m.chosen.agreement : m.chosen.map50).toFixed(4)} (relative drop ${(100 * m.drop).toFixed(2)}%, ${m.holds ? 'holds' : 'BROKEN'}); mAP50 ${m.original.map50.toFixed(4)} → ${m.chosen.map50.toFixed(4)}`);
for (const [k, h] of Object.entries(headline)) console.log(`  speed-up ${k.slice(1)} thread(s): ${h.speedup.toFixed(3)}× (95% CI ${h.ci95[0].toFixed(3)}–${h.ci95[1].toFixed(3)}, ${headlineRounds} rounds)`);
console.log(`  wall ${((performance.now() - t0) / 1000).toFixed(0)} s (INT8 stage: ${Object.entries(stage.seconds).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')})`);
saveResult(`optimize-int8-${which}${env.BENCH_TAG ? `-${env.BENCH_TAG}` : ''}`, {
  date: new Date().toISOString(), cpus: os.cpus().length, loadAverage: os.loadavg(), model: path.basename(file), budget: budget.text, budgetOn, margin, confidence, threshold, images, pseudoBoxes,
  wallSeconds: (performance.now() - t0) / 1000, structured, headline: { rounds: headlineRounds, ...headline },
  int8: {
    units: stage.units, quantize: stage.quantize,
    selection: stage.selection, probes: stage.probes, candidates: stage.candidates, chosen: stage.chosen ?? null, measured: stage.measured, seconds: stage.seconds,
  },
});
