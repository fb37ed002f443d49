/** A synthetic ComparisonReport for renderer tests (no models, no timing). */
import { pairedRatioOfMedians, ratioVerdict, seededRandom, summarizeLatency } from '../../src/bench/index.js';
import { checkBudget, honestyNotes, parseMaxDrop, type ComparisonReport, type PrCurve } from '../../src/report/index.js';

function curve(scale: number): PrCurve {
  const recall = Array.from({ length: 1000 }, (_, i) => i / 999);
  return { recall, precision: recall.map((r) => scale * (1 - r ** 3)) };
}

export function syntheticReport(opts: {
  speedup?: number; zeroedOnly?: boolean; images?: number; budget?: string;
  /** Channels removed: every third layer keeps its shape, the others lose 4 output channels. */
  structured?: boolean;
  /** Number of classes (default 3: person, car, dog & cat). */
  classes?: number;
} = {}): ComparisonReport {
  const rand = seededRandom(3);
  const speedup = opts.speedup ?? 1;
  const base = Array.from({ length: 60 }, () => 50 + 10 * rand());
  const candidate = base.map((b) => b / speedup + 4 * (rand() - 0.5));
  const est = pairedRatioOfMedians(base, candidate);
  const side = (s: number[]) => ({ ...summarizeLatency(s), loadMs: 120, rssDeltaBytes: 40 * 2 ** 20 });
  const accuracy = {
    dataset: 'coco128.yaml <script>', images: opts.images ?? 128,
    base: { precision: 0.6, recall: 0.5, map50: 0.55, map5095: 0.4 },
    candidate: { precision: 0.58, recall: 0.49, map50: 0.54, map5095: 0.385 },
    perClass: (opts.classes ? Array.from({ length: opts.classes }, (_, i) => `class ${i}`) : ['person', 'car', 'dog & cat']).map((name, i) => ({
      classIndex: i, name, images: 10 + i, instances: 20 + i,
      base: { precision: 0.6, recall: 0.5, map50: 0.5 + i / 10, map5095: 0.3 + i / 10 },
      candidate: { precision: 0.6, recall: 0.5, map50: 0.48 + i / 10, map5095: 0.29 + i / 10 },
    })),
    prCurve: { base: curve(0.9), candidate: curve(0.85) },
  };
  const latency = {
    settings: 'threads 1, graph-opt all, batch 1, warm-up 3, 60 rounds interleaved', environment: 'node v20, linux x64, 2 CPUs',
    base: side(base), candidate: side(candidate), samplesMs: { base, candidate },
    comparison: { ...est, verdict: ratioVerdict(est) },
  };
  const zeroed = opts.zeroedOnly ?? true;
  const size = {
    base: { fileBytes: 4_500_000, params: 1_082_608, nonZeroParams: 1_082_600, macs: 2.1e9 },
    candidate: { fileBytes: zeroed ? 4_500_000 : 3_900_000, params: zeroed ? 1_082_608 : 950_000, nonZeroParams: 974_000, macs: zeroed ? 2.1e9 : 1.8e9 },
    onlyZeroedWeights: zeroed,
  };
  const layers = Array.from({ length: 12 }, (_, i) => ({
    id: `onnx::Conv_${i}`, modulePath: `model.${i}.conv`, category: ['backbone conv', 'neck conv', 'head (protected)'][i % 3]!,
    params: 1000 * (i + 1), baseNonZero: 1000 * (i + 1), candidateNonZero: i % 3 === 2 ? 1000 * (i + 1) : 900 * (i + 1),
    ...(opts.structured ? {
      baseDims: [16 + i, 8, 3, 3], candidateDims: [i % 3 === 2 ? 16 + i : 12 + i, 8, 3, 3],
      baseMacs: (16 + i) * 72 * 400, candidateMacs: (i % 3 === 2 ? 16 + i : 12 + i) * 72 * 400,
    } : {}),
  }));
  const budget = opts.budget ? checkBudget(parseMaxDrop(opts.budget), accuracy.base, accuracy.candidate) : null;
  return {
    schema: 'prunekit.comparison/1', createdAt: '2026-01-01T00:00:00.000Z', title: 'prunekit comparison',
    base: { label: 'base.onnx', path: '/m/base.onnx' }, candidate: { label: 'cand.onnx', path: '/m/cand.onnx' },
    accuracy, latency, size, sparsity: { categorySource: 'preset yolov8', layers }, budget,
    notes: honestyNotes({ accuracy, latency, size }),
  };
}
