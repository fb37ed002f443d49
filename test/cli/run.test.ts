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

describe('prunekit run --structured --calib (#14 item 9)', () => {
  it('prunes channels calibrated on images apart from validation, validates, benches and reports', async () => {
    const { demoAssets } = await import('../../src/cli/demo.js');
    const { cp } = await import('node:fs/promises');
    const a = demoAssets();
    const dir = await tempDir('prunekit-run-structured-');
    const calib = path.join(dir, 'calib');
    await cp(path.join(path.dirname(a.data), 'images', 'val'), calib, { recursive: true });
    const out = path.join(dir, 'out');
    const io = bufferIO();
    const code = await runCli([
      'run', a.model, '--data', a.data, '--preset', 'yolov8', '--arch', a.arch, '--structured', '--target', '20%', '--calib', calib,
      '--calib-images', '4', '-o', out, '--runs', '5', '--warmup', '1', '--threads', '1',
    ], io);
    expect(code, io.text()).toBe(0);
    const text = io.stdout.join('\n');
    expect(text).toMatch(/\[1\/3\] prune .*tiny-detector\.onnx \(structured, preset yolov8, target 20%, calibrated on .*calib\)/);
    expect(text).toMatch(/params [\d,]+ → [\d,]+ \(−\d+\.\d%\), MACs [\d,]+ → [\d,]+ \(−\d+\.\d%\)/);
    // A copy of the validation images: same bytes but other paths, so no overlap by path (the check is by path).
    const report = JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')) as { title: string; size: { candidate: { params: number }; base: { params: number } } };
    expect(report.title).toMatch(/pruned structured \(target: remove 0\.2 of params, calibrated on 4 images of .*calib\)/);
    expect(report.size.candidate.params).toBeLessThan(report.size.base.params * 0.9);
  }, 120_000);

  it('warns when the calibration images are the validation images', async () => {
    const { demoAssets } = await import('../../src/cli/demo.js');
    const a = demoAssets();
    const dir = await tempDir('prunekit-run-structured-');
    const io = bufferIO();
    const code = await runCli([
      'run', a.model, '--data', a.data, '--preset', 'uniform', '--structured', '--calib', a.data, '--calib-images', '2', '-o', path.join(dir, 'o'), '--runs', '3', '--warmup', '1', '--threads', '1',
    ], io);
    expect([0, 1]).toContain(code);
    expect(io.stderr.join('\n')).toMatch(/warning: 2 of the 2 calibration images are also validation images of .*data\.yaml/);
  }, 120_000);
});
