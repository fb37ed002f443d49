/**
 * The latency harness's own cost per run, against LeYOLONano-640's median latency (target < 2%).
 *
 * Two parts of overhead, both JS side and outside `session.run`:
 *  - inside the timed region: two `process.hrtime.bigint()` calls and the `await` of the runner's promise —
 *    measured with a no-op runner through the very same loop ({@link measureInterleaved});
 *  - outside it (not in the samples but in the wall time): order shuffle, sample push, progress callback —
 *    measured as (wall time − Σ samples) / runs for the real model.
 *
 * Usage: npx tsx bench/bench-overhead.ts [MODEL.onnx]   → bench/results/bench-overhead.json
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureInterleaved } from '../src/bench/loop.js';
import { syntheticFeeds } from '../src/bench/inputs.js';
import { median } from '../src/bench/stats.js';
import { createSession, prepareFeeds } from '../src/runtime/index.js';
import { saveResult } from './lib/results.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const model = process.argv[2] ?? path.resolve(here, '..', '..', 'shared', 'fixtures', 'models', 'LeYOLONano-640.onnx');

async function main(): Promise<void> {
  let progressCalls = 0;
  const onProgress = (): void => void progressCalls++;

  // 1. No-op runners: everything the harness does per run, with nothing to run.
  const noop = { run: async (): Promise<void> => undefined };
  const n = await measureInterleaved([noop, noop], { warmup: 2000, runs: 20000, onProgress });
  const noopTimedUs = median(n.samplesMs[0]!) * 1000;
  const noopWallPerRunUs = (n.wallMs / (n.rounds * 2)) * 1000;

  // 2. The real model, same loop (two sessions so the loop interleaves, as `bench A B` does).
  // Spinning off, as `bench` creates its sessions: the idle one must not take cores from the timed one.
  const s1 = await createSession(model, { allowSpinning: false });
  const s2 = await createSession(model, { allowSpinning: false });
  const feeds = prepareFeeds(syntheticFeeds(s1.inputs));
  const runners = [{ run: () => s1.runPrepared(feeds) }, { run: () => s2.runPrepared(feeds) }];
  const m = await measureInterleaved(runners, { warmup: 10, runs: 60, onProgress });
  await s1.release();
  await s2.release();
  const all = m.samplesMs.flat();
  const modelMedianMs = median(all);
  const sum = all.reduce((a, b) => a + b, 0);
  const untimedPerRunUs = ((m.wallMs - sum) / all.length) * 1000;

  const overheadPerRunUs = noopTimedUs + Math.max(0, untimedPerRunUs);
  const result = {
    model,
    noop: { runs: n.rounds * 2, timedMedianUs: noopTimedUs, wallPerRunUs: noopWallPerRunUs },
    modelRun: { runs: all.length, medianMs: modelMedianMs, untimedPerRunUs },
    overheadPerRunUs,
    overheadPercentOfMedian: (overheadPerRunUs / 1000 / modelMedianMs) * 100,
    noopWallPercentOfMedian: (noopWallPerRunUs / 1000 / modelMedianMs) * 100,
    targetPercent: 2,
  };
  saveResult('bench-overhead', result, { print: true });
}

await main();
