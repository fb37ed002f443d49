/**
 * The measuring loop: the only place in prunekit that reads a clock for latency.
 *
 * Rounds are interleaved: each round runs every runner once, in an order shuffled by a seeded PRNG, so machine
 * drift (thermal, frequency, background load) and order effects (cache warmth from the previous model) hit all
 * models alike. Warm-up rounds run the same way and are discarded.
 */
import { seededRandom } from './stats.js';

/** Something to time: one inference with prepared inputs. */
export interface TimedRunner {
  run(): Promise<void>;
}

/** Progress of the loop: `done` of `total` rounds (or milliseconds in time-budget mode). */
export interface LoopProgress { done: number; total: number; label?: string }

export interface LoopOptions {
  /** Warm-up rounds, discarded (default 20). */
  warmup?: number;
  /** Measured rounds (default 200). Ignored when `seconds` is set. */
  runs?: number;
  /** Time budget in seconds for the measured rounds instead of a count (at least 2 rounds run). */
  seconds?: number;
  /** Seed of the order shuffle (default 1). */
  seed?: number;
  /** Shuffle the order inside each round (default true); false runs A B A B … in the given order. */
  shuffle?: boolean;
  onProgress?: (p: LoopProgress) => void;
}

export interface LoopResult {
  /** Latency in ms per runner, indexed [runner][round]; round r of every runner is paired. */
  samplesMs: number[][];
  rounds: number;
  /** How many rounds each runner ran first in (shows the shuffle did its job). */
  firstInRound: number[];
  /** Wall time of the measured rounds, including the harness, in ms. */
  wallMs: number;
}

function shuffled(order: number[], rand: () => number): void {
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
}

/** Run warm-up then measured rounds over `runners`, interleaved. */
/** A monotonic clock in ns: process.hrtime in Node; performance.now() (µs-resolution when cross-origin isolated) in a browser. */
const hrtime = (globalThis as { process?: { hrtime?: { bigint?: () => bigint } } }).process?.hrtime?.bigint;
const nowNs: () => bigint = hrtime ? () => hrtime() : () => BigInt(Math.round(performance.now() * 1e6));

export async function measureInterleaved(runners: readonly TimedRunner[], options: LoopOptions = {}): Promise<LoopResult> {
  const warmup = options.warmup ?? 20;
  const seconds = options.seconds;
  const runs = options.runs ?? 200;
  const rand = seededRandom(options.seed ?? 1);
  const shuffle = options.shuffle ?? true;
  const m = runners.length;
  const order = runners.map((_, i) => i);
  const samplesMs: number[][] = runners.map(() => []);
  const firstInRound: number[] = runners.map(() => 0);
  const report = options.onProgress;

  for (let w = 0; w < warmup; w++) {
    if (shuffle) shuffled(order, rand);
    for (const i of order) await runners[i]!.run();
    report?.({ done: w + 1, total: warmup, label: 'warm-up' });
  }

  const budgetNs = seconds !== undefined ? BigInt(Math.round(seconds * 1e9)) : undefined;
  const start = nowNs();
  let rounds = 0;
  while (true) {
    if (budgetNs === undefined ? rounds >= runs : rounds >= 2 && nowNs() - start >= budgetNs) break;
    if (shuffle) shuffled(order, rand);
    firstInRound[order[0]!]! += 1;
    for (let k = 0; k < m; k++) {
      const i = order[k]!;
      const runner = runners[i]!;
      const t0 = nowNs();
      await runner.run();
      const t1 = nowNs();
      samplesMs[i]!.push(Number(t1 - t0) / 1e6);
    }
    rounds++;
    if (report) {
      if (budgetNs === undefined) report({ done: rounds, total: runs, label: 'runs' });
      else {
        const elapsedMs = Number(nowNs() - start) / 1e6;
        report({ done: Math.min(Math.round(elapsedMs), seconds! * 1000), total: seconds! * 1000, label: 'ms' });
      }
    }
  }
  const wallMs = Number(nowNs() - start) / 1e6;
  return { samplesMs, rounds, firstInRound, wallMs };
}
