import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BenchResult } from '../../src/bench/index.js';
import { pairedRatioOfMedians, ratioVerdict } from '../../src/bench/stats.js';
import { bufferIO } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import { describeFixtures, fixture, tempDir } from '../helpers/fixtures.js';

const MODEL = fixture('models', 'LeYOLONano-640.onnx');

describe('prunekit bench: usage errors', () => {
  it('exits 2 with one line for bad flags and missing files', async () => {
    const cases: [string[], RegExp][] = [
      [['bench', 'nope.onnx', '--runs', '5'], /nope\.onnx: model file not found/],
      [['bench', 'a.onnx', '--runs', '5', '--seconds', '2'], /either --runs or --seconds/],
      [['bench', 'a.onnx', '--graph-opt', 'fast'], /--graph-opt fast/],
      [['bench', 'a.onnx', '--runs', 'ten'], /--runs ten: expected an integer/],
      [['bench', 'a.onnx', '--runs', '1'], /at least 2 runs/],
    ];
    for (const [argv, msg] of cases) {
      const io = bufferIO();
      expect(await runCli(argv, io)).toBe(2);
      expect(io.stderr.join('\n')).toMatch(msg);
    }
  });
});

describeFixtures('prunekit bench on LeYOLONano-640', () => {
  it('writes every statistic and the raw paired samples to --json', async () => {
    const dir = await tempDir();
    const json = path.join(dir, 'bench.json');
    const io = bufferIO();
    const code = await runCli(['bench', MODEL, MODEL, '--warmup', '1', '--runs', '4', '--threads', '1', '--json', json], io);
    expect(code).toBe(0);
    const r = JSON.parse(await readFile(json, 'utf8')) as BenchResult;
    expect(r.models.map((m) => m.label)).toEqual(['LeYOLONano-640.onnx', 'LeYOLONano-640.onnx #2']);
    for (const m of r.models) {
      expect(m.samplesMs).toHaveLength(4);
      expect(m.inputs).toEqual([{ name: 'images', dtype: 'float32', dims: [1, 3, 640, 640] }]);
      expect(m.latency.minMs).toBeLessThanOrEqual(m.latency.medianMs);
      expect(m.latency.medianMs).toBeLessThanOrEqual(m.latency.p90Ms);
      expect(m.loadMs).toBeGreaterThan(0);
      expect(m.fileBytes).toBeGreaterThan(1_000_000);
    }
    expect(r.comparisons).toHaveLength(1);
    // The verdict is the paired bootstrap of exactly the samples written (seed = --seed, default 1). Whether it
    // says "no significant difference" is timing: see test/bench/verdict.test.ts (recorded samples) and bench/self-check.ts.
    const [base, cand] = r.models as [BenchResult['models'][number], BenchResult['models'][number]];
    expect(r.comparisons[0]!.verdict).toBe(ratioVerdict(pairedRatioOfMedians(base.samplesMs, cand.samplesMs, { seed: r.config.seed, resamples: r.config.resamples })));
    expect(r.processPeakRssBytes).toBeGreaterThan(0);
    expect(io.stdout.join('\n')).toContain(`LeYOLONano-640.onnx #2 vs LeYOLONano-640.onnx: ${r.comparisons[0]!.verdict}`);
  });
});
