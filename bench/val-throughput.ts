/**
 * End-to-end `validate` throughput on coco128 at 640 against bare onnxruntime loops over the same images (same
 * model and threads). Target (issue 14 item 13): val ≥ 0.90× a bare onnxruntime loop.
 *
 * What each side includes, so the comparison is stated:
 * - `bare` (the strict baseline, as before): `session.run` over tensors decoded and letterboxed beforehand; session
 *   creation and one warm-up run happen before the clock starts. Inference only.
 * - `bare script`: the same plus session creation and the warm-up run on the clock (a bare script's whole cost
 *   once its images are in memory).
 * - `bare over files`: session creation + warm-up + for each image file: sharp decode, letterbox, `session.run`,
 *   one after the other (no NMS, no metrics): the simplest loop that reads the same images.
 * - `val`: the whole `validate` call of the built library (dist/, as `prunekit val` runs it; under tsx its worker
 *   threads would first load the TypeScript loader): model metadata, dataset, session creation, warm-up, decode,
 *   letterbox, inference, NMS, metrics. Its `loopMs` runs from the first image's progress to the last's.
 * Variants of val in the same rounds: the library's defaults (`validate` without `workers`), and the other two
 * of: `workers: 1` (a decode + letterbox worker and an NMS worker), `workers: 0` (decode, letterbox and NMS on the
 * main thread, decode on libuv's pool), `pre main, post worker` (decode on the main thread, NMS in a worker:
 * `workers: 0, postprocessWorkers: 1`). All must give the same mAP (checked).
 * Rounds alternate every side so machine load drifts hit all; medians are compared.
 *
 * Usage: npm run build && flock /tmp/prunekit-bench.lock npx tsx bench/val-throughput.ts [threads=2] [rounds=3]
 *   → bench/results/val-throughput.json (threads 2) or val-throughput-t<threads>.json
 */
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { openYoloDataset } from '../src/eval/dataset/index.js';
import { decodeImageRgb, letterbox } from '../src/eval/preprocess/index.js';
import { createSession } from '../src/runtime/index.js';
import { REPO_ROOT } from '../test/helpers/fixtures-path.js';
import { bareLoopMs, DATA, median, MODEL, preparedTensors } from './lib/coco128-loop.js';
import { saveResult } from './lib/results.js';

const THREADS = Number(process.argv[2] ?? 2);
const ROUNDS = Number(process.argv[3] ?? 3);
type ValidateModule = typeof import('../src/eval/validate.js');
const { validate, defaultWorkers, defaultPostprocessWorkers } = await import(pathToFileURL(path.join(REPO_ROOT, 'dist', 'eval', 'validate.js')).href) as ValidateModule;

const tensors = await preparedTensors();
const files = (await openYoloDataset(DATA, 'val')).images.map((im) => im.path);
const feeds = (data: Float32Array) => ({ images: { dtype: 'float32' as const, dims: [1, 3, 640, 640], data } });

/** Session creation + warm-up + the loop over prepared tensors, all on the clock. */
async function bareScriptMs(): Promise<number> {
  const t0 = performance.now();
  const session = await createSession(MODEL, { threads: THREADS });
  await session.run(feeds(tensors[0]!));
  for (const data of tensors) await session.run(feeds(data));
  const ms = performance.now() - t0;
  await session.release();
  return ms;
}

/** Session creation + warm-up + per image file: decode, letterbox, run (sequential). */
async function bareFilesMs(): Promise<number> {
  const t0 = performance.now();
  const session = await createSession(MODEL, { threads: THREADS });
  await session.run(feeds(tensors[0]!));
  const buffer = new Float32Array(3 * 640 * 640);
  for (const file of files) await session.run(feeds(letterbox(await decodeImageRgb(file), 640, buffer).data));
  const ms = performance.now() - t0;
  await session.release();
  return ms;
}

interface ValRun { ms: number; fixedMs: number; loopMs: number; map5095: number; speed: unknown; preprocess: unknown; postprocess: unknown }

/** One `validate` call (`workers`/`postprocessWorkers` undefined: the library's defaults). */
async function val(workers?: number, postprocessWorkers?: number): Promise<ValRun> {
  const t0 = performance.now();
  let first = 0, last = 0;
  const r = await validate({
    model: MODEL, data: DATA, threads: THREADS, workers, postprocessWorkers,
    onProgress: (p) => { if (p.done === 1) first = performance.now(); if (p.done === p.total) last = performance.now(); },
  });
  const ms = performance.now() - t0;
  return { ms, loopMs: last - first, fixedMs: ms - (last - first), map5095: r.metrics!.map5095, speed: r.speed, preprocess: r.preprocess, postprocess: r.postprocess };
}

const W = defaultWorkers(THREADS), P = defaultPostprocessWorkers();
const DEFAULT = `default (workers ${W}, postprocessWorkers ${P})`;
/** The defaults and the two other ways of placing the work, at this thread count. */
const VARIANTS: Record<string, () => Promise<ValRun>> = {
  [DEFAULT]: () => val(),
  ...(W === 1 || P === 0 ? { 'pre main, post worker': () => val(0, 1) } : {}),
  ...(W === 0 ? { 'workers 1 (pre worker, post worker)': () => val(1, 1) } : {}),
  ...(W === 1 || P === 1 ? { 'workers 0 (all on the main thread)': () => val(0, 0) } : {}),
};
interface Round { bareMs: number; bareScriptMs: number; bareFilesMs: number; val: Record<string, ValRun> }
const rounds: Round[] = [];
const perImage = (ms: number): string => `${(ms / tensors.length).toFixed(1)} ms/img`;
for (let i = 0; i < ROUNDS; i++) {
  const bareMs = await bareLoopMs(tensors, { threads: THREADS });
  const script = await bareScriptMs();
  const filesMs = await bareFilesMs();
  const v: Record<string, ValRun> = {};
  for (const [name, run] of Object.entries(VARIANTS)) v[name] = await run();
  rounds.push({ bareMs, bareScriptMs: script, bareFilesMs: filesMs, val: v });
  console.log(`round ${i + 1}: bare ${perImage(bareMs)}, bare script ${perImage(script)}, bare over files ${perImage(filesMs)}; `
    + Object.entries(v).map(([k, r]) => `val ${k} ${perImage(r.ms)} [fixed ${r.fixedMs.toFixed(0)} ms, mAP50-95 ${r.map5095.toFixed(5)}]`).join('; '));
}
const maps = new Set(rounds.flatMap((r) => Object.values(r.val).map((v) => v.map5095)));
if (maps.size !== 1) throw new Error(`validate variants disagree on mAP50-95: ${[...maps].join(', ')}`);
const n = tensors.length;
const med = (f: (r: Round) => number) => median(rounds.map(f));
const bare = med((r) => r.bareMs), bareScript = med((r) => r.bareScriptMs), bareFiles = med((r) => r.bareFilesMs);
const variants = Object.fromEntries(Object.keys(VARIANTS).map((k) => {
  const ms = med((r) => r.val[k]!.ms);
  return [k, {
    medianMs: ms, medianFixedMs: med((r) => r.val[k]!.fixedMs), medianLoopMs: med((r) => r.val[k]!.loopMs),
    ratioVsBare: bare / ms, ratioVsBareScript: bareScript / ms, ratioVsBareFiles: bareFiles / ms,
    /** Per-image loop only (first to last image, fixed costs excluded) against the strict bare loop. */
    loopRatioVsBare: med((r) => (r.bareMs * (n - 1) / n) / r.val[k]!.loopMs),
  }];
}));
const def = variants[DEFAULT]!;
const result = {
  benchmark: 'val-throughput', model: path.basename(MODEL), data: 'coco128', images: n, imgsz: 640, threads: THREADS,
  workers: W, postprocessWorkers: P, map5095: [...maps][0], rounds,
  medianBareMs: bare, medianBareScriptMs: bareScript, medianBareFilesMs: bareFiles,
  variants,
  /** The default path against the strict baseline (the figure), and against the two fuller baselines. */
  ratio: def.ratioVsBare, ratioVsBareScript: def.ratioVsBareScript, ratioVsBareFiles: def.ratioVsBareFiles,
  medianLoopRatio: def.loopRatioVsBare, medianFixedMs: def.medianFixedMs,
  target: 0.9, cpus: os.cpus().length, loadavg: os.loadavg(), date: new Date().toISOString(),
};
console.log(`threads ${THREADS}: bare ${perImage(bare)}, bare script ${perImage(bareScript)}, bare over files ${perImage(bareFiles)}`);
for (const [k, v] of Object.entries(variants)) {
  console.log(`  val ${k}: ${perImage(v.medianMs)}; ratio vs bare ${v.ratioVsBare.toFixed(3)}, vs bare script ${v.ratioVsBareScript.toFixed(3)}, vs bare over files ${v.ratioVsBareFiles.toFixed(3)}; loop only ${v.loopRatioVsBare.toFixed(3)}; fixed ${v.medianFixedMs.toFixed(0)} ms`);
}
console.log(`target ≥ 0.90; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
saveResult(THREADS === 2 ? 'val-throughput' : `val-throughput-t${THREADS}`, result);
