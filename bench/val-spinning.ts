/**
 * Does intra-op spinning help or hurt `validate`? Alternating rounds on coco128 (LeYOLONano-640, 640): a bare
 * `session.run` loop over prepared tensors and the whole `validate` call, each with spinning on and off, at
 * THREADS threads (validate's default workers for that count). Medians of ms per image.
 *
 * Usage: flock /tmp/prunekit-bench.lock npx tsx bench/val-spinning.ts [threads=2] [rounds=3]
 *        → bench/results/val-spinning-t<threads>.json
 */
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { openYoloDataset } from '../src/eval/dataset/index.js';
import { decodeImageRgb, letterbox } from '../src/eval/preprocess/index.js';
import { validate } from '../src/eval/validate.js';
import { createSession } from '../src/runtime/index.js';
import { FIXTURES } from '../test/helpers/fixtures-path.js';
import { saveResult } from './lib/results.js';

const MODEL = path.join(FIXTURES, 'models', 'LeYOLONano-640.onnx');
const DATA = path.join(FIXTURES, 'datasets', 'coco128', 'coco128.yaml');
const THREADS = Number(process.argv[2] ?? 2);
const ROUNDS = Number(process.argv[3] ?? 3);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const ds = await openYoloDataset(DATA, 'val');
const tensors: Float32Array[] = [];
for (const im of ds.images) tensors.push(letterbox(await decodeImageRgb(im.path), 640).data);
const n = tensors.length;

async function bare(allowSpinning: boolean): Promise<number> {
  const session = await createSession(MODEL, { threads: THREADS, allowSpinning });
  await session.run({ images: { dtype: 'float32', dims: [1, 3, 640, 640], data: tensors[0]! } });
  const t0 = performance.now();
  for (const data of tensors) await session.run({ images: { dtype: 'float32', dims: [1, 3, 640, 640], data } });
  const ms = performance.now() - t0;
  await session.release();
  return ms / n;
}

async function val(allowSpinning: boolean): Promise<number> {
  const t0 = performance.now();
  await validate({ model: MODEL, data: DATA, threads: THREADS, allowSpinning });
  return (performance.now() - t0) / n;
}

const runs = { bareOn: [] as number[], bareOff: [] as number[], valOn: [] as number[], valOff: [] as number[] };
for (let r = 0; r < ROUNDS; r++) {
  const steps: [keyof typeof runs, () => Promise<number>][] = [
    ['bareOn', () => bare(true)], ['bareOff', () => bare(false)], ['valOn', () => val(true)], ['valOff', () => val(false)],
  ];
  if (r % 2 === 1) steps.reverse();
  for (const [k, f] of steps) runs[k].push(await f());
  console.log(`round ${r + 1}: ${Object.entries(runs).map(([k, v]) => `${k} ${v.at(-1)!.toFixed(1)}`).join(', ')} ms/img`);
}
const med = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, median(v)]));
saveResult(`val-spinning-t${THREADS}`, {
  command: `npx tsx bench/val-spinning.ts ${THREADS} ${ROUNDS}`, images: n, threads: THREADS, msPerImage: runs, medianMsPerImage: med,
  ratios: { valOnVsBareOn: med.bareOn! / med.valOn!, valOffVsBareOn: med.bareOn! / med.valOff!, valOffVsBareOff: med.bareOff! / med.valOff! },
  loadavg: os.loadavg(), date: new Date().toISOString(),
}, { print: true });
