/**
 * The sensitivity scan: every unit cut alone at a ladder of ratios, each candidate scored on the search images
 * against the original (see evaluate.ts). Candidates are built on the main thread while earlier ones run in
 * onnxruntime (its own threads), `workers` evaluations at a time; a unit's ladder stops at the first ratio whose
 * proxy damage passes `collapse` (bigger cuts of that unit cannot fit any useful budget), and a ratio that
 * keeps as many channels as the previous one (round-to) is not evaluated twice.
 */
import { serializeOnnx, type OnnxModel } from '../io/onnx/bytes.js';
import { relativeDrop, scoreModel, type Reference, type Score } from './evaluate.js';
import { spearman } from './proxy.js';
import { buildCandidate, type BuildOptions, type GroupUnit } from './units.js';

export type PointStatus = 'measured' | 'same-as-previous' | 'no-cut' | 'skipped-after-collapse';

export interface LadderPoint {
  ratio: number;
  status: PointStatus;
  channelsAfter: number;
  /** Fractions of the original model's MACs and weight params this cut removes. */
  macsRemoved: number;
  paramsRemoved: number;
  /** Candidate score on the search images (measured points). */
  score?: Score;
  /** Proxy damage: relative drop of the agreement mAP50 from the original's. */
  damage?: number;
  /** Relative drop of real mAP50 on the search images. */
  map50Drop?: number;
  /** Fraction of the original's latency this cut saves (measured at one ratio per unit, see latency.ts). */
  latencyGain?: number;
}

export interface UnitSensitivity {
  unit: GroupUnit;
  points: LadderPoint[];
  /** Latency measured at this unit's deepest usable cut (see latency.ts). */
  latency?: { ratio: number; speedup: number; ciLow: number; ciHigh: number };
}

export interface ScanProgress { done: number; total: number; label?: string }

export interface ScanOptions {
  /** Ratios tried per unit, ascending. */
  ratios: readonly number[];
  /** Proxy damage at which a unit's ladder stops (default 0.3). */
  collapse?: number;
  /** Evaluations in flight at once (default 1). */
  workers?: number;
  /** onnxruntime intra-op threads per evaluation (default 1). */
  threads?: number;
  build: BuildOptions;
  onProgress?: (p: ScanProgress) => void;
}

export const DEFAULT_RATIOS: readonly number[] = [0.125, 0.25, 0.375, 0.5, 0.625, 0.75];
export const DEFAULT_COLLAPSE = 0.3;

export interface ScanResult { units: UnitSensitivity[]; evaluations: number; seconds: number }

export async function scanSensitivity(model: OnnxModel, units: readonly GroupUnit[], ref: Reference, options: ScanOptions): Promise<ScanResult> {
  const t0 = performance.now();
  const ratios = [...options.ratios].sort((a, b) => a - b);
  const collapse = options.collapse ?? DEFAULT_COLLAPSE;
  const total = units.length * ratios.length;
  let done = 0, evaluations = 0;
  const tick = (label: string) => options.onProgress?.({ done: ++done, total, label });
  const out: UnitSensitivity[] = units.map((unit) => ({ unit, points: [] }));
  let next = 0;
  const base = ref.score;
  async function scanUnit(k: number): Promise<void> {
    const unit = units[k]!;
    let previous = unit.channels;
    let collapsed = false;
    for (const ratio of ratios) {
      const built = buildCandidate(model, units, new Map([[unit.id, ratio]]), options.build);
      const rep = built.report;
      const g = rep.groups.find((x) => x.id === unit.group)!;
      const point: LadderPoint = {
        ratio, status: 'measured', channelsAfter: g.channelsAfter,
        macsRemoved: 1 - rep.macs.after / rep.macs.before, paramsRemoved: 1 - rep.params.after / rep.params.before,
      };
      if (collapsed) point.status = 'skipped-after-collapse';
      else if (g.channelsAfter === unit.channels) point.status = 'no-cut';
      else if (g.channelsAfter === previous) point.status = 'same-as-previous';
      else {
        const score = await scoreModel(serializeOnnx(built.model), ref, { threads: options.threads });
        evaluations++;
        point.score = { map50: score.map50, map5095: score.map5095, agreement: score.agreement, outputError: score.outputError };
        point.damage = relativeDrop(base.agreement, score.agreement);
        point.map50Drop = relativeDrop(base.map50, score.map50);
        if (point.damage > collapse) collapsed = true;
      }
      previous = g.channelsAfter;
      out[k]!.points.push(point);
      tick(`${unit.root} @${ratio}`);
    }
  }
  const worker = async () => {
    while (next < units.length) await scanUnit(next++);
  };
  await Promise.all(Array.from({ length: Math.max(1, options.workers ?? 1) }, worker));
  return { units: out, evaluations, seconds: (performance.now() - t0) / 1000 };
}

/** The point a later ratio repeats (same channels) resolves to the measured one before it. */
export function effectivePoints(u: UnitSensitivity): LadderPoint[] {
  return u.points.filter((p) => p.status === 'measured');
}

/** Spearman correlation of each proxy with the real mAP50 drop over every measured point of a table. */
export function tableRankCorrelation(table: readonly UnitSensitivity[]): { agreementVsMap50: number; outputErrorVsMap50: number; points: number } {
  const pts = table.flatMap(effectivePoints).filter((p) => p.score !== undefined);
  const drop = pts.map((p) => p.map50Drop!);
  return {
    agreementVsMap50: spearman(pts.map((p) => p.damage!), drop),
    outputErrorVsMap50: spearman(pts.map((p) => p.score!.outputError), drop),
    points: pts.length,
  };
}
