/**
 * `sensitivity` end to end (Node edge): read the search images once, run the original once (reference
 * outputs), one calibration pass, scan every unit's ladder, time each unit's deepest cut.
 */
import { serializeOnnx, type OnnxModel } from '../io/onnx/index.js';
import { loadOnnx } from '../files/onnx-file.js';
import type { TraceOptions } from '../graph/deps/index.js';
import { collectCalibration, type CalibrationInfo, type CalibrationSource } from '../prune/structured/index.js';
import { referenceOf, type Reference } from './evaluate.js';
import type { ImageSet } from './images.js';
import { measureUnitLatency } from './latency.js';
import { DEFAULT_COLLAPSE, DEFAULT_RATIOS, scanSensitivity, type UnitSensitivity } from './sensitivity.js';
import { groupUnits, type BuildOptions } from './units.js';

export type Phase = 'reference' | 'calibration' | 'scan' | 'latency' | 'verify' | 'final';
export type PhaseProgress = (phase: Phase, p: { done: number; total: number; label?: string }) => void;

export interface SensitivityOptions extends TraceOptions {
  model: string;
  /** Search images (proxy, calibration unless `calibration` is given, verification). */
  search: ImageSet;
  /** The scan scores candidates on the first this many search images (default 32; verification uses them all). */
  proxyImages?: number;
  ratios?: readonly number[];
  collapse?: number;
  roundTo?: number;
  /** Calibration: 'search' (the first `calibImages` search images, default), a source, or none. */
  calibration?: 'search' | CalibrationSource | 'none';
  calibImages?: number;
  workers?: number;
  threads?: number;
  latencyRounds?: number;
  /** Skip timing (objective macs/size). */
  skipLatency?: boolean;
  onProgress?: PhaseProgress;
  /** Wraps every latency measurement (e.g. to hold a machine-wide benchmark lock); default: runs it as is. */
  timing?: <T>(measure: () => Promise<T>) => Promise<T>;
}

export interface SensitivityRun {
  model: OnnxModel;
  original: Uint8Array;
  /** The original on every search image (verification). */
  reference: Reference;
  /** The original on the scan's images (the first `proxyImages`). */
  proxyReference: Reference;
  build: BuildOptions;
  calibration: CalibrationInfo | undefined;
  /** Description of the calibration images (for reproducing the choice with `prune --calib`). */
  calibrationImages: string[] | undefined;
  table: UnitSensitivity[];
  ratios: readonly number[];
  evaluations: number;
  seconds: { reference: number; calibration: number; scan: number; latency: number; total: number };
}

/** A calibration source over the first `n` images of a set (already letterboxed). */
export function setSource(set: ImageSet, n: number): CalibrationSource {
  const images = set.images.slice(0, n);
  return {
    count: images.length,
    description: `${images.length} images of ${set.description}`,
    async *feeds() {
      for (const im of images) yield { [set.inputName]: { dtype: 'float32', dims: [1, 3, set.imgsz, set.imgsz], data: im.input } };
    },
  };
}

export const DEFAULT_PROXY_IMAGES = 32;

export async function runSensitivity(options: SensitivityOptions): Promise<SensitivityRun> {
  const t0 = performance.now();
  const phase = (p: Phase) => (q: { done: number; total: number; label?: string }) => options.onProgress?.(p, q);
  const model = await loadOnnx(options.model);
  const original = model.source ?? serializeOnnx(model);
  const threads = options.threads ?? 1;
  const reference = await referenceOf(original, options.search, { threads });
  const n = Math.min(options.proxyImages ?? DEFAULT_PROXY_IMAGES, options.search.images.length);
  const proxyReference = n === options.search.images.length ? reference
    : await referenceOf(original, { ...options.search, images: options.search.images.slice(0, n), description: `${options.search.description} (first ${n})` }, { threads });
  const t1 = performance.now();
  const trace: TraceOptions = { headPath: options.headPath, ignore: options.ignore, keepHeadInputs: options.keepHeadInputs };
  const calSource = options.calibration === 'none' ? undefined
    : options.calibration === undefined || options.calibration === 'search' ? setSource(options.search, options.calibImages ?? 32) : options.calibration;
  const cal = calSource ? await collectCalibration(model, trace, calSource, { threads, onProgress: phase('calibration') }) : undefined;
  const calibrationImages = calSource && (options.calibration === undefined || options.calibration === 'search')
    ? options.search.images.slice(0, calSource.count).map((im) => im.path) : undefined;
  const t2 = performance.now();
  const build: BuildOptions = { ...trace, roundTo: options.roundTo ?? 16, calibration: cal?.stats };
  const units = groupUnits(model, trace);
  const ratios = options.ratios ?? DEFAULT_RATIOS;
  const scan = await scanSensitivity(model, units, proxyReference, {
    ratios, collapse: options.collapse ?? DEFAULT_COLLAPSE, workers: options.workers, threads, build, onProgress: phase('scan'),
  });
  const t3 = performance.now();
  const first = options.search.images[0]!;
  const timing = options.timing ?? ((f) => f());
  const table = options.skipLatency ? scan.units : await timing(() => measureUnitLatency(model, original, scan.units, {
    threads, rounds: options.latencyRounds, build, onProgress: phase('latency'),
    maxDamage: options.collapse ?? DEFAULT_COLLAPSE,
    feeds: { [options.search.inputName]: { dtype: 'float32', dims: [1, 3, options.search.imgsz, options.search.imgsz], data: first.input } },
  }));
  const t4 = performance.now();
  return {
    model, original, reference, proxyReference, build, calibration: cal?.info, calibrationImages, table, ratios, evaluations: scan.evaluations,
    seconds: { reference: (t1 - t0) / 1000, calibration: (t2 - t1) / 1000, scan: (t3 - t2) / 1000, latency: (t4 - t3) / 1000, total: (t4 - t0) / 1000 },
  };
}
