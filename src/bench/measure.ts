/**
 * The measuring loop of a side-by-side latency benchmark: sessions are created one after another (load time
 * and resident-memory growth measured per model), each gets synthetic fixed-seed inputs from its own input
 * spec, then all are timed in interleaved rounds ({@link measureInterleaved}). Every model after the first is
 * compared with the first by the paired bootstrap of the ratio of medians ({@link pairedRatioOfMedians}).
 * Files and the process are the caller's (benchmark.ts in Node, the web page in a browser).
 */
import type { Tensor } from '../core/dtype.js';
import { createSession, defaultThreads, prepareFeeds, type RuntimeSession } from '../runtime/session.js';
import type { BenchComparison, BenchOptions, BenchResult, ModelBench } from './benchmark.js';
import { syntheticFeeds } from './inputs.js';
import { measureInterleaved } from './loop.js';
import { pairedRatioOfMedians, ratioVerdict, summarizeLatency } from './stats.js';

/** A model to measure: its display label, a path (Node) or bytes, and its file size. */
export interface BenchSource { label: string; path: string; source: string | Uint8Array; fileBytes: number }

/** What the measuring process reports about itself (Node: process and os; a browser: what it knows). */
export interface BenchHost {
  /** Resident set now, bytes (0 when unknown). */
  rssBytes(): number;
  /** Peak resident set of the process, bytes (0 when unknown). */
  peakRssBytes(): number;
  environment: BenchResult['environment'];
}

/**
 * Benchmark `models` side by side in this process (the loop shared by `prunekit bench` and the web page). The
 * first model is the baseline of the comparisons. Options are checked by the caller.
 */
export async function benchmarkSources(models: readonly BenchSource[], options: BenchOptions, host: BenchHost): Promise<BenchResult> {
  const graphOptimization = options.graphOptimization ?? 'all';
  const threads = options.threads ?? defaultThreads();
  const seed = options.seed ?? 1;
  const resamples = options.resamples ?? 2000;
  const sessions: RuntimeSession[] = [];
  try {
    const loaded: { spec: BenchSource; loadMs: number; rssDeltaBytes: number; feeds: Record<string, Tensor> }[] = [];
    for (const spec of models) {
      const rssBefore = host.rssBytes();
      const t0 = performance.now();
      // Spinning off: a session that just ran would otherwise keep its threads busy-waiting and take cores from
      // the one being timed next (bench/spinning.ts measures it).
      const session = await createSession(spec.source, { threads, graphOptimization, allowSpinning: options.allowSpinning ?? false });
      const loadMs = performance.now() - t0;
      sessions.push(session);
      const feeds = syntheticFeeds(session.inputs, options);
      const prepared = prepareFeeds(feeds);
      await session.runPrepared(prepared);
      loaded.push({ spec, loadMs, rssDeltaBytes: host.rssBytes() - rssBefore, feeds });
    }
    const runners = sessions.map((s, i) => {
      const prepared = prepareFeeds(loaded[i]!.feeds);
      return { run: () => s.runPrepared(prepared) };
    });
    const loop = await measureInterleaved(runners, {
      warmup: options.warmup, runs: options.runs, seconds: options.seconds, seed, onProgress: options.onProgress,
    });
    const batch = options.batch ?? 1;
    const results: ModelBench[] = loaded.map((l, i) => {
      const samplesMs = loop.samplesMs[i]!;
      return {
        label: l.spec.label,
        path: l.spec.path,
        fileBytes: l.spec.fileBytes,
        inputs: Object.entries(l.feeds).map(([name, t]) => ({ name, dtype: t.dtype, dims: [...t.dims] })),
        loadMs: l.loadMs,
        rssDeltaBytes: l.rssDeltaBytes,
        latency: summarizeLatency(samplesMs, batch),
        samplesMs,
      };
    });
    const base = results[0]!;
    const comparisons = results.slice(1).map((cand, k): BenchComparison => {
      const est = pairedRatioOfMedians(base.samplesMs, cand.samplesMs, { resamples, seed: seed + k });
      return { base: base.label, candidate: cand.label, ...est, verdict: ratioVerdict(est) };
    });
    return {
      schema: 'prunekit.bench/1',
      config: {
        threads, graphOptimization, warmup: options.warmup ?? 20,
        runs: options.seconds !== undefined ? null : (options.runs ?? 200), seconds: options.seconds ?? null,
        batch, seed, resamples,
      },
      environment: host.environment,
      models: results,
      comparisons,
      rounds: loop.rounds,
      firstInRound: loop.firstInRound,
      processPeakRssBytes: host.peakRssBytes(),
      wallMs: loop.wallMs,
    };
  } finally {
    for (const s of sessions) await s.release();
  }
}
