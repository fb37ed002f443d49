import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { bufferIO } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import { mergeSettings, parsePipelineConfig } from '../../src/cli/run.js';
import type { ComparisonReport } from '../../src/report/index.js';
import { describeFixtures, fixture, tempDir } from '../helpers/fixtures.js';

describe('pipeline.yaml', () => {
  it('reads settings, resolves paths against the yaml folder, and lets flags win', () => {
    const cfg = parsePipelineConfig('model: m.onnx\ndata: d/coco8.yaml\npreset: yolov8\ntarget: 0.1\nout: runs/a\nmax-drop: map50=2%\nbench: { threads: 1, runs: 50 }\n', '/cfg/pipeline.yaml');
    expect(cfg).toEqual({
      model: '/cfg/m.onnx', data: '/cfg/d/coco8.yaml', preset: 'yolov8', target: '0.1', out: '/cfg/runs/a', maxDrop: 'map50=2%',
      bench: { threads: '1', runs: '50' },
    });
    const merged = mergeSettings(cfg, { preset: 'uniform', model: undefined, bench: { runs: '5', threads: undefined } });
    expect(merged.preset).toBe('uniform');
    expect(merged.model).toBe('/cfg/m.onnx');
    expect(merged.bench).toEqual({ threads: '1', runs: '5' });
  });

  it('rejects unknown keys and bad values with the file name', () => {
    expect(() => parsePipelineConfig('modle: x', 'p.yaml')).toThrow(/p\.yaml: unknown key 'modle'/);
    expect(() => parsePipelineConfig('bench: { run: 3 }', 'p.yaml')).toThrow(/unknown key 'bench\.run'/);
    expect(() => parsePipelineConfig('- a\n- b', 'p.yaml')).toThrow(UsageError);
    expect(() => parsePipelineConfig('force: yes please', 'p.yaml')).toThrow(/'force' must be true or false/);
  });
});

describe('prunekit run: usage errors', () => {
  it('exits 2 when required settings are missing', async () => {
    for (const [argv, msg] of [
      [['run', '--data', 'd.yaml', '--preset', 'yolov8', '-o', 'x'], /give the model/],
      [['run', 'm.onnx', '--preset', 'yolov8', '-o', 'x'], /give the dataset/],
      [['run', 'm.onnx', '--data', 'd.yaml', '--preset', 'yolov8'], /give the output folder/],
      [['run', 'm.onnx', '--config', 'missing-pipeline.yaml'], /missing-pipeline\.yaml: pipeline config not found/],
    ] as [string[], RegExp][]) {
      const io = bufferIO();
      expect(await runCli(argv, io)).toBe(2);
      expect(io.stderr.join('\n')).toMatch(msg);
    }
  });
});

describeFixtures('prunekit run on LeYOLONano-640 + coco8', () => {
  it('prunes, validates, benches and reports from a pipeline.yaml (budget holds → exit 0)', async () => {
    const dir = await tempDir('prunekit-run-');
    const cfg = path.join(dir, 'pipeline.yaml');
    await writeFile(cfg, [
      `model: ${fixture('models', 'LeYOLONano-640.onnx')}`, `data: ${fixture('datasets', 'coco8', 'coco8.yaml')}`,
      'preset: yolov8', 'target: 0.10', 'out: out', 'max-drop: map50=60%', 'bench: { threads: 1, warmup: 1, runs: 3 }', '',
    ].join('\n'));
    const io = bufferIO();
    expect(await runCli(['run', '--config', cfg], io), io.text()).toBe(0);
    const out = path.join(dir, 'out');
    for (const f of ['LeYOLONano-640.pruned.onnx', 'report.html', 'report.md', 'report.json']) expect(existsSync(path.join(out, f)), f).toBe(true);
    const r = JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')) as ComparisonReport;
    expect(r.budget?.ok).toBe(true);
    expect(r.latency?.samplesMs.candidate).toHaveLength(3);
    expect(r.sparsity?.categorySource).toBe('pruning plan, preset yolov8');
    expect(new Set(r.sparsity?.layers.map((l) => l.category))).toContain('head');
    expect(r.size.onlyZeroedWeights).toBe(true);
  });

  it('stops before the benchmark with a clear message and exit 1 when the budget breaks', async () => {
    const dir = await tempDir('prunekit-run-');
    const io = bufferIO();
    const code = await runCli([
      'run', fixture('models', 'LeYOLONano-640.onnx'), '--data', fixture('datasets', 'coco8', 'coco8.yaml'), '--preset', 'yolov8',
      '--target', '0.10', '-o', dir, '--max-drop', 'map50=0.1pt',
    ], io);
    expect(code).toBe(1);
    expect(io.stdout.join('\n')).toMatch(/stopped: the accuracy budget is broken, so the benchmark was skipped/);
    expect(io.stderr.join('\n')).toMatch(/accuracy budget broken: map50=0\.1pt/);
    const r = JSON.parse(await readFile(path.join(dir, 'report.json'), 'utf8')) as ComparisonReport;
    expect(r.latency).toBeNull();
    expect(r.budget?.ok).toBe(false);
  });
});
