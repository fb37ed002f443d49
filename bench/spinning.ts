/**
 * Does an idle onnxruntime session spin, and what does it cost the session being timed? (issue 14)
 *
 * 1. Idle burn: after one run of a 2-thread session, the process CPU time used during the next 50 ms of doing
 *    nothing, with intra-op spinning allowed (onnxruntime's default) and off (`allowSpinning: false`, i.e.
 *    `session.intra_op.allow_spinning = 0`). Shows the option reaches onnxruntime through the Node binding.
 * 2. Interleaved latency: two sessions of the same model at THREADS threads, timed A B A B … by prunekit's loop,
 *    spinning on vs off, next to a single session alone (on and off). The three configurations run in alternating blocks, so
 *    background load hits them alike.
 *
 * Usage: flock /tmp/prunekit-bench.lock npx tsx bench/spinning.ts [MODEL.onnx] [THREADS] [BLOCKS]
 *        → bench/results/spinning-t<THREADS>.json
 */
import { loadavg } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { syntheticFeeds } from '../src/bench/inputs.js';
import { measureInterleaved } from '../src/bench/loop.js';
import { median } from '../src/bench/stats.js';
import { createSession, prepareFeeds, type RuntimeSession } from '../src/runtime/index.js';
import { saveResult } from './lib/results.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const model = process.argv[2] ?? path.resolve(here, '..', '..', 'shared', 'fixtures', 'models', 'yolov5n_ppe-640.onnx');
const threads = Number(process.argv[3] ?? 2);
const blocks = Number(process.argv[4] ?? 6);
const RUNS_PER_BLOCK = 30;

async function idleBurnMs(allowSpinning: boolean): Promise<number[]> {
  const s = await createSession(model, { threads, allowSpinning });
  const feeds = prepareFeeds(syntheticFeeds(s.inputs));
  for (let i = 0; i < 3; i++) await s.runPrepared(feeds);
  const burns: number[] = [];
  for (let i = 0; i < 10; i++) {
    await s.runPrepared(feeds);
    const before = process.cpuUsage();
    await sleep(50);
    const d = process.cpuUsage(before);
    burns.push((d.user + d.system) / 1000);
  }
  await s.release();
  return burns;
}

const CONFIGS = ['two sessions, spinning on', 'two sessions, spinning off', 'one session, spinning on', 'one session, spinning off'] as const;
type Config = (typeof CONFIGS)[number];

async function block(config: Config): Promise<number[]> {
  const allowSpinning = config.endsWith('on');
  const sessions: RuntimeSession[] = [await createSession(model, { threads, allowSpinning })];
  if (config.startsWith('two')) sessions.push(await createSession(model, { threads, allowSpinning }));
  const feeds = prepareFeeds(syntheticFeeds(sessions[0]!.inputs));
  const runners = sessions.map((s) => ({ run: () => s.runPrepared(feeds) }));
  const r = await measureInterleaved(runners, { warmup: 5, runs: RUNS_PER_BLOCK, shuffle: false });
  for (const s of sessions) await s.release();
  return r.samplesMs.flat();
}

async function main(): Promise<void> {
  const load = [loadavg()];
  const idle = { spinningOn: await idleBurnMs(true), spinningOff: await idleBurnMs(false) };
  const samples = new Map<Config, number[]>(CONFIGS.map((c) => [c, []]));
  for (let b = 0; b < blocks; b++) {
    const order = b % 2 === 0 ? CONFIGS : [...CONFIGS].reverse();
    for (const c of order) samples.get(c)!.push(...(await block(c)));
  }
  load.push(loadavg());
  const medians = Object.fromEntries(CONFIGS.map((c) => [c, median(samples.get(c)!)]));
  const result = {
    command: `npx tsx bench/spinning.ts ${path.basename(model)} ${threads} ${blocks}`,
    model: path.basename(model),
    threads,
    idleCpuMsPer50ms: {
      spinningOn: { median: median(idle.spinningOn), samples: idle.spinningOn },
      spinningOff: { median: median(idle.spinningOff), samples: idle.spinningOff },
    },
    medianMs: medians,
    samplesMs: Object.fromEntries(samples),
    loadAverage: load,
  };
  console.log(JSON.stringify({ idleCpuMsPer50ms: { on: median(idle.spinningOn), off: median(idle.spinningOff) }, medianMs: medians, load }, null, 2));
  saveResult(`spinning-t${threads}`, result);
}

await main();
