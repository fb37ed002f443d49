/**
 * Structured channel pruning benchmark (issue 7). Run: `npx tsx bench/structured.ts` (env: BENCH_THREADS=2,
 * BENCH_RUNS=100, BENCH_SKIP_MAP=1 to skip the coco128 validation). Writes bench/results/structured.json.
 *
 * BENCH_ROUND_TO=1,8,16 picks the --round-to variants; BENCH_MAP_RATIOS=0,0.3,0.5 the validated ratios;
 * BENCH_SPINNING=both repeats each latency row with onnxruntime's intra-op spinning on (as before issue 14).
 *
 * 1. Time to analyse groups + apply on the 28 MB tokenc3 model (median of 5, after one warm-up).
 * 2. ORT CPU latency original vs pruned, interleaved rounds, same threads (prunekit's bench harness):
 *    LeYOLONano at 30% and 50% channels, yolov13n-random at 50% (head protected, and with --prune-head).
 * 3. One-shot (no fine-tuning) mAP50 / mAP50-95 of LeYOLONano on coco128, original vs 30% / 50%.
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { benchmarkModels } from '../src/bench/index.js';
import { validate } from '../src/eval/index.js';
import { groupChannels, traceChannels } from '../src/graph/deps/index.js';
import { indexGraph } from '../src/graph/index.js';
import { loadOnnx, saveOnnx } from '../src/files/onnx-file.js';
import { applyChannelRemoval, channelImportance, pruneChannels, selectRemoval } from '../src/prune/structured/index.js';
import { FIXTURES } from '../test/helpers/fixtures.js';
import { saveResult } from './lib/results.js';

const threads = Number(process.env.BENCH_THREADS ?? 2);
const runs = Number(process.env.BENCH_RUNS ?? 100);
const models = path.join(FIXTURES, 'models');
const tmp = await mkdtemp(path.join(os.tmpdir(), 'prunekit-bench-structured-'));
/** Channel rounding variants measured (BENCH_ROUND_TO=1,8,16); the mAP run uses the first. */
const ROUNDS = (process.env.BENCH_ROUND_TO ?? '16,8').split(',').map(Number);
const ROUND_TO = ROUNDS[0]!;
/** BENCH_SPINNING=both: each latency row also with intra-op spinning on (the pre-issue-14 setting), right after. */
const SPINNING_TOO = process.env.BENCH_SPINNING === 'both';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function analyseApplyTiming(file: string) {
  const model = await loadOnnx(path.join(models, file));
  const once = () => {
    const t0 = performance.now();
    const g = indexGraph(model);
    const dg = groupChannels(traceChannels(model, {}, g));
    const t1 = performance.now();
    const removed = selectRemoval(dg, channelImportance(model, dg), { ratioOf: () => 0.3 });
    applyChannelRemoval(model, dg, removed, g);
    const t2 = performance.now();
    return { analyseMs: t1 - t0, totalMs: t2 - t0 };
  };
  once();
  const samples = Array.from({ length: 5 }, once);
  return { model: file, analyseMs: median(samples.map((s) => s.analyseMs)), analyseApplyMs: median(samples.map((s) => s.totalMs)) };
}

async function pruned(file: string, ratio: number, roundTo: number, pruneHead = false) {
  const model = await loadOnnx(path.join(models, file));
  const r = pruneChannels(model, { ratio, roundTo, headPath: pruneHead ? null : undefined });
  const out = path.join(tmp, `${path.basename(file, '.onnx')}-ch${Math.round(ratio * 100)}-r${roundTo}${pruneHead ? '-head' : ''}.onnx`);
  await saveOnnx(r.model, out, { force: true });
  return { path: out, report: r.report };
}

async function latency(file: string, ratio: number, roundTo: number, pruneHead = false, allowSpinning = false) {
  const p = await pruned(file, ratio, roundTo, pruneHead);
  const res = await benchmarkModels([{ path: path.join(models, file) }, { path: p.path }], { threads, runs, warmup: 10, allowSpinning });
  const c = res.comparisons[0]!;
  const row = {
    model: file, ratio, roundTo, pruneHead, threads, allowSpinning, runs: res.rounds,
    medianMs: res.models.map((m) => m.latency.medianMs),
    latencyRatio: c.ratio, ci95: [c.ciLow, c.ciHigh], verdict: c.verdict,
    params: p.report.params, macs: p.report.macs,
  };
  console.log(`${file} @ ${ratio} round-to ${roundTo}${pruneHead ? ' --prune-head' : ''}${allowSpinning ? ' (spinning on)' : ''}: ${c.verdict}; MACs ${(p.report.macs.before / 1e9).toFixed(3)} → ${(p.report.macs.after / 1e9).toFixed(3)} G`);
  return row;
}

async function mapDrop() {
  const data = path.join(FIXTURES, 'datasets', 'coco128', 'coco128.yaml');
  const rows = [];
  for (const ratio of (process.env.BENCH_MAP_RATIOS ?? '0,0.3,0.5').split(',').map(Number)) {
    const file = ratio === 0 ? path.join(models, 'LeYOLONano-640.onnx') : (await pruned('LeYOLONano-640.onnx', ratio, ROUND_TO)).path;
    const v = await validate({ model: file, data, threads });
    rows.push({ ratio, map50: v.metrics!.map50, map5095: v.metrics!.map5095 });
    console.log(`LeYOLONano coco128 @ ${ratio}: mAP50 ${v.metrics!.map50.toFixed(4)} mAP50-95 ${v.metrics!.map5095.toFixed(4)}`);
  }
  return rows;
}

const timing = await analyseApplyTiming('yolov13n-tokenc3-lsnet-random.onnx');
console.log(`tokenc3 analyse ${timing.analyseMs.toFixed(0)} ms, analyse + apply ${timing.analyseApplyMs.toFixed(0)} ms`);
const lat = [];
for (const [file, ratio] of [['LeYOLONano-640.onnx', 0.3], ['LeYOLONano-640.onnx', 0.5], ['yolov13n-random.onnx', 0.5]] as const) {
  for (const roundTo of ROUNDS) {
    lat.push(await latency(file, ratio, roundTo));
    if (SPINNING_TOO) lat.push(await latency(file, ratio, roundTo, false, true));
  }
}
lat.push(await latency('yolov13n-random.onnx', 0.5, ROUND_TO, true));
if (SPINNING_TOO) lat.push(await latency('yolov13n-random.onnx', 0.5, ROUND_TO, true, true));
const map = process.env.BENCH_SKIP_MAP ? undefined : await mapDrop();
const result = { schema: 'prunekit.bench.structured/1', date: new Date().toISOString(), cpus: os.cpus().length, timing, latency: lat, map };
saveResult(threads === 2 ? 'structured' : `structured-t${threads}`, result);
