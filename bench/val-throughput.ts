/**
 * End-to-end `validate` throughput on coco128 at 640 against a bare loop of `session.run` over tensors made
 * beforehand (same model, threads and images). Target: val ≥ 0.90× the bare loop.
 * Rounds alternate baseline / val with validate's default `workers` for these threads / val with the other
 * setting (worker threads on or off, for comparison) so machine load drifts hit all; medians are compared.
 * The ratio is the default path's; also reported: fixed costs (whole call minus the per-image loop) and the
 * loop-only ratio.
 * The val time is the whole `validate` call: model metadata, session creation, warm-up, dataset, decode,
 * letterbox, inference, NMS, metrics.
 *
 * Usage: npx tsx bench/val-throughput.ts [threads=2] [rounds=3]   → bench/results/val-throughput.json (last run)
 */
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { defaultWorkers, validate } from '../src/eval/validate.js';
import { bareLoopMs, DATA, median, MODEL, preparedTensors } from './lib/coco128-loop.js';
import { saveResult } from './lib/results.js';

const THREADS = Number(process.argv[2] ?? 2);
const ROUNDS = Number(process.argv[3] ?? 3);

const tensors = await preparedTensors();

async function bareLoop(): Promise<number> {
  return bareLoopMs(tensors, { threads: THREADS });
}

interface ValRun { ms: number; fixedMs: number; loopMs: number; map5095: number; speed: unknown; preprocess: unknown }

/** One `validate` call; `loopMs` runs from the first image's progress to the last's (n − 1 images). */
async function val(workers: number): Promise<ValRun> {
  const t0 = performance.now();
  let first = 0, last = 0;
  const r = await validate({
    model: MODEL, data: DATA, threads: THREADS, workers,
    onProgress: (p) => { if (p.done === 1) first = performance.now(); if (p.done === p.total) last = performance.now(); },
  });
  const ms = performance.now() - t0;
  return { ms, loopMs: last - first, fixedMs: ms - (last - first), map5095: r.metrics!.map5095, speed: r.speed, preprocess: r.preprocess };
}

// The default path (validate's default `workers` for these threads) first, then the other one for comparison.
const W = defaultWorkers(THREADS);
const rounds: { bareMs: number; val: ValRun; valOther: ValRun }[] = [];
const perImage = (ms: number): string => `${(ms / tensors.length).toFixed(1)} ms/img`;
for (let i = 0; i < ROUNDS; i++) {
  const bareMs = await bareLoop();
  const v = await val(W);
  const o = await val(1 - W);
  rounds.push({ bareMs, val: v, valOther: o });
  console.log(`round ${i + 1}: bare ${perImage(bareMs)}, val (workers:${W}, default) ${perImage(v.ms)} ratio ${(bareMs / v.ms).toFixed(3)} [fixed ${v.fixedMs.toFixed(0)} ms], val workers:${1 - W} ${perImage(o.ms)} ratio ${(bareMs / o.ms).toFixed(3)} (mAP50-95 ${v.map5095.toFixed(5)} / ${o.map5095.toFixed(5)})`);
}
const n = tensors.length;
const bare = median(rounds.map((r) => r.bareMs));
const valMs = median(rounds.map((r) => r.val.ms));
const otherMs = median(rounds.map((r) => r.valOther.ms));
const loopRatio = median(rounds.map((r) => (r.bareMs * (n - 1) / n) / r.val.loopMs));
const result = {
  benchmark: 'val-throughput', model: path.basename(MODEL), data: 'coco128', images: n, imgsz: 640, threads: THREADS,
  workers: W, otherWorkers: 1 - W, rounds, medianBareMs: bare, medianValMs: valMs, medianValOtherMs: otherMs,
  medianFixedMs: median(rounds.map((r) => r.val.fixedMs)),
  bareImagesPerSecond: (n / bare) * 1000, valImagesPerSecond: (n / valMs) * 1000,
  ratio: bare / valMs, ratioOther: bare / otherMs, medianRoundRatio: median(rounds.map((r) => r.bareMs / r.val.ms)),
  /** Per-image loop only (first to last image, fixed costs excluded) against the bare loop. */
  medianLoopRatio: loopRatio,
  target: 0.9, cpus: os.cpus().length, loadavg: os.loadavg(), date: new Date().toISOString(),
};
console.log(`threads ${THREADS}, workers ${W} (default): val / bare throughput ratio ${result.ratio.toFixed(3)} (ratio of medians; median of round ratios ${result.medianRoundRatio.toFixed(3)}; target ≥ 0.90); workers ${1 - W}: ${result.ratioOther.toFixed(3)}; fixed costs ${result.medianFixedMs.toFixed(0)} ms, loop-only ratio ${loopRatio.toFixed(3)}; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
saveResult('val-throughput', result);
