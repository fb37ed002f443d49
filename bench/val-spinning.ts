/**
 * Does intra-op spinning help or hurt `validate`? Alternating rounds on coco128 (LeYOLONano-640, 640): a bare
 * `session.run` loop over prepared tensors and the whole `validate` call, each with spinning on and off, at
 * THREADS threads (validate's default workers for that count). Medians of ms per image.
 *
 * Usage: flock /tmp/prunekit-bench.lock npx tsx bench/val-spinning.ts [threads=2] [rounds=3]
 *        → bench/results/val-spinning-t<threads>.json
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { validate } from '../src/eval/validate.js';
import { bareLoopMs, DATA, median, MODEL, preparedTensors } from './lib/coco128-loop.js';
import { saveResult } from './lib/results.js';

const THREADS = Number(process.argv[2] ?? 2);
const ROUNDS = Number(process.argv[3] ?? 3);

const tensors = await preparedTensors();
const n = tensors.length;

async function bare(allowSpinning: boolean): Promise<number> {
  return (await bareLoopMs(tensors, { threads: THREADS, allowSpinning })) / n;
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
