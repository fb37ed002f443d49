import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { benchLabels, benchmarkModels } from '../../src/bench/benchmark.js';
import { FileError, UsageError } from '../../src/core/errors.js';
import { formatBenchText } from '../../src/report/index.js';
import { tinyConvNet, toBytes } from '../helpers/onnx-builder.js';
import { tempDir } from '../helpers/fixtures.js';

describe('benchmarkModels (tiny hand-built model, no fixtures)', () => {
  it('measures interleaved, summarises each model and compares with the first', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'tiny.onnx');
    await writeFile(file, toBytes(tinyConvNet()));
    const progress: string[] = [];
    const r = await benchmarkModels([{ path: file }, { path: file }, { path: file, label: 'third' }], {
      warmup: 2, runs: 12, threads: 1, onProgress: (p) => progress.push(`${p.label}:${p.done}/${p.total}`),
    });
    expect(r.models.map((m) => m.label)).toEqual(['tiny.onnx', 'tiny.onnx #2', 'third']);
    expect(r.rounds).toBe(12);
    for (const m of r.models) {
      expect(m.samplesMs).toHaveLength(12);
      expect(m.inputs).toEqual([{ name: 'images', dtype: 'float32', dims: [1, 3, 32, 32] }]);
      expect(m.latency.runs).toBe(12);
    }
    expect(r.comparisons.map((c) => [c.base, c.candidate])).toEqual([['tiny.onnx', 'tiny.onnx #2'], ['tiny.onnx', 'third']]);
    expect(r.comparisons[0]!.verdict).toMatch(/95% CI/);
    expect(r.config).toMatchObject({ threads: 1, warmup: 2, runs: 12, seconds: null, batch: 1 });
    expect(progress).toContain('warm-up:2/2');
    expect(progress.at(-1)).toBe('runs:12/12');
  });

  it('without --threads runs every core and says how many (never "threads default")', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'tiny.onnx');
    await writeFile(file, toBytes(tinyConvNet()));
    const r = await benchmarkModels([{ path: file }], { warmup: 0, runs: 2 });
    expect(r.config.threads).toBe(availableParallelism());
    const text = formatBenchText(r);
    expect(text).toContain(`threads ${availableParallelism()},`);
    expect(text).not.toMatch(/threads default/);
  });

  it('rejects missing files and bad settings', async () => {
    await expect(benchmarkModels([{ path: '/nonexistent/m.onnx' }], { runs: 2 })).rejects.toThrow(FileError);
    await expect(benchmarkModels([], {})).rejects.toThrow(UsageError);
    await expect(benchmarkModels([{ path: 'x' }], { threads: 0 })).rejects.toThrow(/--threads 0/);
  });

  it('labels duplicates', () => {
    expect(benchLabels([{ path: '/a/m.onnx' }, { path: '/b/m.onnx' }, { path: 'n.onnx' }])).toEqual(['m.onnx', 'm.onnx #2', 'n.onnx']);
  });
});
