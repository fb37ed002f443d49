/**
 * Side-by-side latency benchmark of ONNX models on onnxruntime CPU sessions, all in this process.
 *
 * Sessions are created one after another (load time and resident-memory growth are measured per model), each
 * gets synthetic fixed-seed inputs from its own input spec, then all are timed in interleaved rounds
 * ({@link measureInterleaved}). Every model after the first is compared with the first by the paired bootstrap
 * of the ratio of medians ({@link pairedRatioOfMedians}).
 */
import { statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileError, UsageError } from '../core/index.js';
import { modelPrecision } from '../graph/precision.js';
import { loadOnnx } from '../files/onnx-file.js';
import { defaultThreads, type GraphOptimization } from '../runtime/index.js';
import type { InputShapeOptions } from './inputs.js';
import type { LoopProgress } from './loop.js';
import { benchmarkSources, type BenchSource } from './measure.js';
import type { LatencySummary, RatioEstimate } from './stats.js';

export interface BenchModelSpec {
  /** Path of the .onnx file. */
  path: string;
  /** Display name (default: file name, numbered when two are the same). */
  label?: string;
}

export interface BenchOptions extends InputShapeOptions {
  /** Intra-op threads per session (default: every core, {@link defaultThreads}). */
  threads?: number;
  /**
   * Let idle intra-op threads spin (default false): only to measure what spinning costs; with it, the session
   * that just ran takes cores from the one timed next.
   */
  allowSpinning?: boolean;
  graphOptimization?: GraphOptimization;
  /** Warm-up rounds (default 20). */
  warmup?: number;
  /** Measured rounds (default 200); ignored when `seconds` is set. */
  runs?: number;
  /** Measure for this many seconds instead of a fixed number of rounds. */
  seconds?: number;
  /** Seed of the round order and of the bootstrap (default 1). */
  seed?: number;
  /** Bootstrap resamples (default 2000). */
  resamples?: number;
  onProgress?: (p: LoopProgress) => void;
}

export interface ModelBench {
  label: string;
  path: string;
  fileBytes: number;
  /** What the model computes in: `float32`, `int8 QDQ`, … (absent when the file could not be parsed here). */
  precision?: string;
  inputs: { name: string; dtype: string; dims: number[] }[];
  /** Session creation time (parse + graph optimisation + allocation), ms. */
  loadMs: number;
  /**
   * Growth of the process resident set while this model's session was created and ran one first inference
   * (bytes). Sessions load one after another, so the growth belongs to this model; it is approximate (the
   * allocator may reuse freed pages or keep them) and can be negative.
   */
  rssDeltaBytes: number;
  latency: LatencySummary;
  /** Raw latencies (ms) by round, paired with the other models' samples of the same round. */
  samplesMs: number[];
}

export interface BenchComparison extends RatioEstimate {
  base: string;
  candidate: string;
  /** e.g. `1.31× faster (95% CI 1.27–1.35)` or `no significant difference (95% CI 0.98–1.03)`. */
  verdict: string;
}

export interface BenchResult {
  schema: 'prunekit.bench/1';
  config: {
    /** Intra-op threads each session ran with (the default resolved to a number). */
    threads: number; graphOptimization: GraphOptimization; warmup: number; runs: number | null;
    seconds: number | null; batch: number; seed: number; resamples: number;
  };
  environment: { node: string; platform: string; arch: string; cpus: number; cpuModel: string };
  models: ModelBench[];
  /** Every model after the first against the first. */
  comparisons: BenchComparison[];
  rounds: number;
  /** Times each model ran first in a round. */
  firstInRound: number[];
  /** Peak resident set of the whole process at the end (bytes): shared by all sessions, not per model. */
  processPeakRssBytes: number;
  /** Wall time of the measured rounds, ms. */
  wallMs: number;
}

/** Display labels: file names, made unique with `#2`, `#3` … when the same name appears twice. */
export function benchLabels(models: readonly BenchModelSpec[]): string[] {
  const seen = new Map<string, number>();
  return models.map((m) => {
    const base = m.label ?? path.basename(m.path);
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base} #${n}`;
  });
}

function validate(models: readonly BenchModelSpec[], o: BenchOptions): void {
  if (models.length === 0) throw new UsageError('bench: give at least one model');
  const positive = (name: string, v: number | undefined, allowZero = false): void => {
    if (v !== undefined && (!Number.isFinite(v) || v < 0 || (!allowZero && v === 0))) throw new UsageError(`--${name} ${v}: expected a ${allowZero ? 'non-negative' : 'positive'} number`);
  };
  positive('threads', o.threads);
  positive('warmup', o.warmup, true);
  positive('runs', o.runs);
  positive('seconds', o.seconds);
  positive('batch', o.batch);
  if (o.runs !== undefined && o.runs < 2) throw new UsageError(`--runs ${o.runs}: need at least 2 runs for an interval`);
}

/** Benchmark `models` side by side. The first model is the baseline of the comparisons. */
export async function benchmarkModels(models: readonly BenchModelSpec[], options: BenchOptions = {}): Promise<BenchResult> {
  validate(models, options);
  const labels = benchLabels(models);
  const sources: BenchSource[] = models.map((spec, i) => {
    const st = statSync(spec.path, { throwIfNoEntry: false });
    if (!st || !st.isFile()) throw new FileError(`${spec.path}: model file not found (give the path of an .onnx file)`, spec.path);
    return { label: labels[i]!, path: spec.path, source: spec.path, fileBytes: st.size };
  });
  const cpus = os.cpus();
  const result = await benchmarkSources(sources, { ...options, threads: options.threads ?? defaultThreads() }, {
    rssBytes: () => process.memoryUsage.rss(),
    peakRssBytes: () => process.resourceUsage().maxRSS * 1024,
    environment: { node: process.version, platform: process.platform, arch: process.arch, cpus: cpus.length, cpuModel: cpus[0]?.model ?? 'unknown' },
  });
  // Precision read after the timing (parsing a large model allocates; it must not disturb the measurement).
  for (const m of result.models) m.precision = await precisionOf(m.path);
  return result;
}

async function precisionOf(file: string): Promise<string | undefined> {
  try {
    return modelPrecision(await loadOnnx(file)).label;
  } catch {
    return undefined; // onnxruntime ran it; a model our parser rejects still gets its latency
  }
}
