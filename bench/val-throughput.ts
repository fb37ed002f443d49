/**
 * End-to-end `validate` throughput on coco128 at 640 against a bare loop of `session.run` over tensors made
 * beforehand (same model, threads and images). Target: val ≥ 0.90× the bare loop.
 * Rounds alternate baseline / val (preprocessing worker) / val with `workers: 0` (in-thread preprocessing, for
 * comparison) so machine load drifts hit all; medians are compared. The ratio is the worker path's.
 * The val time is the whole `validate` call: model metadata, session creation, warm-up, dataset, decode,
 * letterbox, inference, NMS, metrics.
 *
 * Usage: npx tsx bench/val-throughput.ts [threads=2] [rounds=3]   → bench/results/val-throughput.json
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { openYoloDataset } from '../src/eval/dataset/index.js';
import { decodeImageRgb, letterbox } from '../src/eval/preprocess/index.js';
import { validate } from '../src/eval/validate.js';
import { createSession } from '../src/runtime/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const FIX = process.env.PRUNEKIT_FIXTURES ?? path.resolve(here, '..', '..', 'shared', 'fixtures');
const MODEL = path.join(FIX, 'models', 'LeYOLONano-640.onnx');
const DATA = path.join(FIX, 'datasets', 'coco128', 'coco128.yaml');
const THREADS = Number(process.argv[2] ?? 2);
const ROUNDS = Number(process.argv[3] ?? 3);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const ds = await openYoloDataset(DATA, 'val');
const tensors: Float32Array[] = [];
for (const im of ds.images) tensors.push(letterbox(await decodeImageRgb(im.path), 640).data);

async function bareLoop(): Promise<number> {
  const session = await createSession(MODEL, { threads: THREADS });
  await session.run({ images: { dtype: 'float32', dims: [1, 3, 640, 640], data: tensors[0]! } });
  const t0 = performance.now();
  for (const data of tensors) await session.run({ images: { dtype: 'float32', dims: [1, 3, 640, 640], data } });
  const ms = performance.now() - t0;
  await session.release();
  return ms;
}

async function val(workers: number): Promise<{ ms: number; map5095: number; speed: unknown; preprocess: unknown }> {
  const t0 = performance.now();
  const r = await validate({ model: MODEL, data: DATA, threads: THREADS, workers });
  return { ms: performance.now() - t0, map5095: r.metrics!.map5095, speed: r.speed, preprocess: r.preprocess };
}

const rounds: { bareMs: number; valMs: number; valInThreadMs: number; speed: unknown; preprocess: unknown }[] = [];
const perImage = (ms: number): string => `${(ms / tensors.length).toFixed(1)} ms/img`;
for (let i = 0; i < ROUNDS; i++) {
  const bareMs = await bareLoop();
  const v = await val(1);
  const v0 = await val(0);
  rounds.push({ bareMs, valMs: v.ms, valInThreadMs: v0.ms, speed: v.speed, preprocess: v.preprocess });
  console.log(`round ${i + 1}: bare ${perImage(bareMs)}, val ${perImage(v.ms)} (ratio ${(bareMs / v.ms).toFixed(3)}), val workers:0 ${perImage(v0.ms)} (ratio ${(bareMs / v0.ms).toFixed(3)}) (mAP50-95 ${v.map5095.toFixed(5)} / ${v0.map5095.toFixed(5)})`);
}
const bare = median(rounds.map((r) => r.bareMs));
const valMs = median(rounds.map((r) => r.valMs));
const valInThreadMs = median(rounds.map((r) => r.valInThreadMs));
const result = {
  benchmark: 'val-throughput', model: path.basename(MODEL), data: 'coco128', images: tensors.length, imgsz: 640, threads: THREADS,
  rounds, medianBareMs: bare, medianValMs: valMs, medianValInThreadMs: valInThreadMs, ratioInThread: bare / valInThreadMs,
  bareImagesPerSecond: (tensors.length / bare) * 1000, valImagesPerSecond: (tensors.length / valMs) * 1000,
  ratio: bare / valMs, medianRoundRatio: median(rounds.map((r) => r.bareMs / r.valMs)), target: 0.9, cpus: os.cpus().length, loadavg: os.loadavg(), date: new Date().toISOString(),
};
console.log(`threads ${THREADS}: val / bare throughput ratio: ${result.ratio.toFixed(3)} (workers:0 ${result.ratioInThread.toFixed(3)}) (ratio of medians; median of round ratios ${result.medianRoundRatio.toFixed(3)}; target ≥ 0.90); load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
mkdirSync(path.join(here, 'results'), { recursive: true });
writeFileSync(path.join(here, 'results', 'val-throughput.json'), JSON.stringify(result, null, 2) + '\n');
