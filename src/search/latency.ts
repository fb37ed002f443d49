/**
 * Latency bought by each unit, measured on this machine rather than read from MACs: one candidate per unit
 * (its deepest measured cut below the collapse) and the original, all timed in the same interleaved rounds
 * (bench/loop.ts), speed-up = paired ratio of medians. A unit's smaller cuts are credited in proportion to
 * the MACs they remove relative to the measured cut (within one unit MACs and time move together; across
 * units they do not, which is why each unit is timed).
 */
import { measureInterleaved, pairedRatioOfMedians, type LoopProgress } from '../bench/index.js';
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

/** Time each unit's deepest cut against the original; fills `latency` and every point's `latencyGain` (new objects). */
export async function measureUnitLatency(model: OnnxModel, original: Uint8Array, table: readonly UnitSensitivity[], options: LatencyOptions): Promise<UnitSensitivity[]> {
  const picks = table.map((u) => {
    const pts = effectivePoints(u).filter((p) => options.maxDamage === undefined || (p.damage ?? 0) <= options.maxDamage);
    return pts[pts.length - 1];
  });
  const sessions: RuntimeSession[] = [];
  try {
    const open = async (bytes: Uint8Array) => {
      const s = await createSession(bytes, { threads: options.threads ?? 1 });
      sessions.push(s);
      return s;
    };
    const feeds = prepareFeedsOnce(options.feeds);
    const base = await open(original);
    const timed: { unit: number; session: RuntimeSession }[] = [];
    for (const [k, p] of picks.entries()) {
      if (!p) continue;
      const built = buildCandidate(model, [table[k]!.unit], new Map([[table[k]!.unit.id, p.ratio]]), options.build);
      timed.push({ unit: k, session: await open(serializeOnnx(built.model)) });
    }
    const runners = [base, ...timed.map((t) => t.session)].map((s) => ({ run: () => s.runPrepared(feeds()) }));
    const loop = await measureInterleaved(runners, { runs: options.rounds ?? 20, warmup: options.warmup ?? 3, onProgress: options.onProgress });
    const result = table.map((u) => ({ ...u, points: u.points.map((p) => ({ ...p })) }));
    timed.forEach((t, i) => {
      const est = pairedRatioOfMedians(loop.samplesMs[0]!, loop.samplesMs[i + 1]!);
      const u = result[t.unit]!;
      const pick = picks[t.unit]!;
      u.latency = { ratio: pick.ratio, speedup: est.ratio, ciLow: est.ciLow, ciHigh: est.ciHigh };
      const gain = 1 - 1 / est.ratio;
      for (const p of u.points) if (p.status === 'measured') p.latencyGain = pick.macsRemoved > 0 ? gain * (p.macsRemoved / pick.macsRemoved) : 0;
    });
    return result;
  } finally {
    for (const s of sessions) await s.release();
  }
}

function prepareFeedsOnce(feeds: Record<string, Tensor>) {
  let prepared: ReturnType<typeof prepareFeeds> | undefined;
  return () => (prepared ??= prepareFeeds(feeds));
}
