/**
 * Live self-check of the bench verdict (was a wall-clock assertion in test/cli/bench.test.ts, issue 16):
 * the same model benchmarked against itself, 10 times with different seeds (3 warm-up, 20 paired rounds,
 * THREADS intra-op threads), should say "no significant difference" in at least 9 of 10. Records each run's
 * verdict, ratio, interval and the raw paired samples, so that test/bench/verdict.test.ts can check the
 * verdict logic on real samples without timing anything.
 *
 * Usage: flock /tmp/prunekit-bench.lock npx tsx bench/self-check.ts [MODEL.onnx] [THREADS]
 *        → bench/results/self-check-t<THREADS>.json
 */
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchmarkModels } from '../src/bench/index.js';
import { saveResult } from './lib/results.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const model = process.argv[2] || path.resolve(here, '..', '..', 'shared', 'fixtures', 'models', 'LeYOLONano-640.onnx');
const threads = Number(process.argv[3] ?? 1);

const runs = [];
for (let i = 0; i < 10; i++) {
  const seed = 100 + i;
  const r = await benchmarkModels([{ path: model }, { path: model }], { warmup: 3, runs: 20, threads, seed });
  const c = r.comparisons[0]!;
  console.log(`seed ${seed}: ${c.verdict}`);
  runs.push({
    seed, bootstrapSeed: seed, verdict: c.verdict, ratio: c.ratio, ciLow: c.ciLow, ciHigh: c.ciHigh, significant: c.significant,
    baseMs: r.models[0]!.samplesMs, candidateMs: r.models[1]!.samplesMs,
  });
}
const same = runs.filter((r) => !r.significant).length;
console.log(`${same}/10 "no significant difference" (want >= 9)`);
saveResult(`self-check-t${threads}`, {
  model: path.basename(model), threads, warmup: 3, rounds: 20, loadavgAfter: loadavg(), noSignificantDifference: same, runs,
});
