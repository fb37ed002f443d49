import { describe, expect, it } from 'vitest';
import type { BenchResult } from '../../src/bench/index.js';
import type { DetectionMetrics } from '../../src/eval/index.js';
import { accuracySection, assembleReport, latencySection, parseMaxDrop } from '../../src/report/index.js';
import { syntheticReport } from './synthetic.js';

function metrics(shift: number, classes: number[]): DetectionMetrics {
  return {
    precision: 0.6 - shift, recall: 0.5, map50: 0.55 - shift, map5095: 0.4 - shift, bestConfidence: 0.3,
    perClass: classes.map((k) => ({ classIndex: k, name: `c${k}`, images: 2, instances: 3, precision: 0.5, recall: 0.5, map50: 0.5 - shift, map5095: 0.3 })),
    prCurve: { recall: Float64Array.from([0, 0.5, 1]), precision: Float64Array.from([1, 0.8, 0]) },
  };
}

describe('accuracySection', () => {
  it('joins per-class rows by class index (missing side counts as 0) and copies curves into plain arrays', () => {
    const a = accuracySection('coco8.yaml', 4, metrics(0, [0, 2]), metrics(0.1, [2, 5]));
    expect(a.perClass.map((c) => c.classIndex)).toEqual([0, 2, 5]);
    expect(a.perClass[0]!.candidate.map50).toBe(0);
    expect(a.perClass[1]!.candidate.map50).toBeCloseTo(0.4, 12);
    expect(a.perClass[2]!.base.map50).toBe(0);
    expect(Array.isArray(a.prCurve.base.recall)).toBe(true);
    expect(JSON.parse(JSON.stringify(a))).toEqual(a);
  });
});

describe('latencySection and assembleReport', () => {
  it('takes base and candidate from a two-model bench and checks the budget only with accuracy', () => {
    const s = syntheticReport();
    const lat = s.latency!;
    const bench: BenchResult = {
      schema: 'prunekit.bench/1',
      config: { threads: 1, graphOptimization: 'all', warmup: 3, runs: 60, seconds: null, batch: 1, seed: 1, resamples: 2000 },
      environment: { node: 'v20', platform: 'linux', arch: 'x64', cpus: 2, cpuModel: 'CPU ' },
      models: (['base', 'candidate'] as const).map((k) => ({
        label: k, path: `/${k}.onnx`, fileBytes: 1, inputs: [], loadMs: 1, rssDeltaBytes: 0, latency: lat[k], samplesMs: lat.samplesMs[k],
      })),
      comparisons: [{ base: 'base', candidate: 'candidate', ...lat.comparison }],
      rounds: 60, firstInRound: [30, 30], processPeakRssBytes: 1, wallMs: 1,
    };
    const l = latencySection(bench);
    expect(l.settings).toMatch(/threads 1, graph-opt all, batch 1, warm-up 3, 60 rounds interleaved/);
    expect(l.environment).toBe('CPU × 2, linux x64, node v20');
    expect(l.samplesMs.base).toEqual(lat.samplesMs.base);
    expect(() => latencySection({ ...bench, models: bench.models.slice(0, 1), comparisons: [] })).toThrow(RangeError);

    const common = { base: s.base, candidate: s.candidate, createdAt: s.createdAt, latency: l, size: s.size, sparsity: null, budget: parseMaxDrop('map50=1%') };
    expect(assembleReport({ ...common, accuracy: null }).budget).toBeNull();
    const r = assembleReport({ ...common, accuracy: s.accuracy });
    expect(r.budget?.ok).toBe(false);
    expect(r.title).toBe('prunekit: cand.onnx vs base.onnx');
    expect(r.notes.length).toBeGreaterThan(0);
  });
});
