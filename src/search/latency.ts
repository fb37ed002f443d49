/**
 * Latency bought by each unit, measured on this machine rather than read from MACs: one candidate per unit
 * (its deepest measured cut below the collapse) and the original, all timed in the same interleaved rounds
 * (bench/loop.ts), speed-up = paired ratio of medians. A unit's smaller cuts are credited in proportion to
 * the MACs they remove relative to the measured cut (within one unit MACs and time move together; across
 * units they do not, which is why each unit is timed).
 */
import { measureInterleaved, pairedRatioOfMedians, type LoopProgress, type RatioEstimate } from '../bench/index.js';
import { serializeOnnx, type OnnxModel } from '../io/onnx/bytes.js';
import type { Tensor } from '../core/dtype.js';
import { createSession, prepareFeeds, type RuntimeSession } from '../runtime/index.js';
import { effectivePoints, type UnitSensitivity } from './sensitivity.js';
import { buildCandidate, type BuildOptions } from './units.js';

export interface LatencyOptions {
  threads?: number;
  /** Measured rounds (default 20) after `warmup` rounds (default 3). */
  rounds?: number;
  warmup?: number;
  /** Largest proxy damage of a cut chosen for timing (default: any measured cut). */
  maxDamage?: number;
  build: BuildOptions;
  feeds: Record<string, Tensor>;
  onProgress?: (p: LoopProgress) => void;
}

export interface TimeOptions { threads?: number; rounds?: number; warmup?: number; feeds: Record<string, Tensor>; onProgress?: (p: LoopProgress) => void }

/**
 * Time `base` and `models` in one interleaved run (each its own session, same input): the per-round samples,
 * ms, `[base, ...models]`. Sessions are released afterwards.
 */
export async function timeSamples(base: Uint8Array, models: readonly Uint8Array[], options: TimeOptions): Promise<Float64Array[]> {
  const sessions: RuntimeSession[] = [];
  try {
    for (const bytes of [base, ...models]) sessions.push(await createSession(bytes, { threads: options.threads ?? 1 }));
    const feeds = prepareFeeds(options.feeds);
    const loop = await measureInterleaved(sessions.map((s) => ({ run: () => s.runPrepared(feeds) })), { runs: options.rounds ?? 20, warmup: options.warmup ?? 3, onProgress: options.onProgress });
    return loop.samplesMs.map((x) => Float64Array.from(x));
  } finally {
    for (const s of sessions) await s.release();
  }
}

/** Time `models` against `base` in one interleaved run: per model the paired ratio of medians base/model (> 1 = faster) with its 95% CI. */
export async function timeAgainst(base: Uint8Array, models: readonly Uint8Array[], options: TimeOptions): Promise<RatioEstimate[]> {
  const samples = await timeSamples(base, models, options);
  return models.map((_, i) => pairedRatioOfMedians(samples[0]!, samples[i + 1]!));
}

/** Time each unit's deepest cut against the original; fills `latency` and every point's `latencyGain` (new objects). */
export async function measureUnitLatency(model: OnnxModel, original: Uint8Array, table: readonly UnitSensitivity[], options: LatencyOptions): Promise<UnitSensitivity[]> {
  const picks = table.map((u) => {
    const pts = effectivePoints(u).filter((p) => options.maxDamage === undefined || (p.damage ?? 0) <= options.maxDamage);
    return pts[pts.length - 1];
  });
  const timed = picks.flatMap((p, k) => (p ? [k] : []));
  const bytes = timed.map((k) => serializeOnnx(buildCandidate(model, [table[k]!.unit], new Map([[table[k]!.unit.id, picks[k]!.ratio]]), options.build).model));
  const estimates = await timeAgainst(original, bytes, options);
  const result = table.map((u) => ({ ...u, points: u.points.map((p) => ({ ...p })) }));
  timed.forEach((k, i) => {
    const est = estimates[i]!;
    const u = result[k]!;
    const pick = picks[k]!;
    u.latency = { ratio: pick.ratio, speedup: est.ratio, ciLow: est.ciLow, ciHigh: est.ciHigh };
    const gain = 1 - 1 / est.ratio;
    for (const p of u.points) if (p.status === 'measured') p.latencyGain = pick.macsRemoved > 0 ? gain * (p.macsRemoved / pick.macsRemoved) : 0;
  });
  return result;
}
