import { existsSync } from 'node:fs';
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoAssets } from '../../src/cli/demo.js';
import { bufferIO } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import { parsePipelineConfig } from '../../src/cli/run.js';
import { loadOnnx } from '../../src/files/onnx-file.js';
import type { ComparisonReport } from '../../src/report/index.js';
import { tempDir } from '../helpers/fixtures.js';

async function calibFolder(dir: string): Promise<string> {
  const calib = path.join(dir, 'calib');
  await cp(path.join(path.dirname(demoAssets().data), 'images', 'val'), calib, { recursive: true });
  return calib;
}

describe('prunekit run --int8: prune → INT8 → each stage against the original', () => {
  it('writes the pruned and the INT8 model, both stages\' reports and the stage table', async () => {
    const a = demoAssets();
    const dir = await tempDir('prunekit-run-int8-');
    const calib = await calibFolder(dir);
    const out = path.join(dir, 'out');
    const io = bufferIO();
    const code = await runCli([
      'run', a.model, '--data', a.data, '--preset', 'yolov8', '--arch', a.arch, '--structured', '--target', '20%', '--calib', calib,
      '--calib-images', '4', '--int8', '-o', out, '--runs', '3', '--warmup', '1', '--threads', '1',
    ], io);
    expect(code, io.text()).toBe(0);
    const text = io.stdout.join('\n');
    expect(text).toMatch(/\[1\/4\] prune .*\(structured, preset yolov8, target 20%, calibrated on .*calib\)/);
    expect(text).toMatch(/\[2\/4\] quantize the pruned model to INT8, calibrated on .*calib → .*tiny-detector\.pruned\.int8\.onnx/);
    expect(text).toMatch(/calibration: percentile over 4 images/);
    expect(text).toMatch(/fusion: (\d+) of \1 quantized convs run as integer kernels/);
    // The stage table: header, original, pruned, pruned + INT8, in this order.
    const table = text.slice(text.indexOf('stages (')).split('\n').slice(1, 5).map((l) => l.trim().split(/\s{2,}/)[0]);
    expect(table).toEqual(['stage', 'original', 'pruned', 'pruned + INT8']);
    expect(text).toMatch(/ original +tiny-detector\.onnx +\d+\.\d KiB +\d+\.\d KiB +0\.\d{3} +0\.\d{3} +1\.00×/);
    const stem = path.join(out, 'tiny-detector');
    for (const f of [`${stem}.pruned.onnx`, `${stem}.pruned.int8.onnx`, ...['', '.pruned'].flatMap((i) => ['html', 'md', 'json'].map((e) => path.join(out, `report${i}.${e}`)))]) expect(existsSync(f), f).toBe(true);
    const final = JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')) as ComparisonReport;
    const stage = JSON.parse(await readFile(path.join(out, 'report.pruned.json'), 'utf8')) as ComparisonReport;
    expect(final.candidate.path).toBe(`${stem}.pruned.int8.onnx`);
    expect(stage.candidate.path).toBe(`${stem}.pruned.onnx`);
    expect(final.notes.filter((n) => n.startsWith('stage '))).toHaveLength(2);
    expect(final.size.candidate.fileBytes).toBeLessThan(stage.size.candidate.fileBytes * 0.7);
    const ops = new Set((await loadOnnx(`${stem}.pruned.int8.onnx`)).proto.graph!.node.map((n) => n.opType));
    expect(ops.has('QuantizeLinear') && ops.has('DequantizeLinear')).toBe(true);
  }, 240_000);

  it('checks every output before any work: an existing INT8 model stops the run (exit 2), nothing pruned', async () => {
    const a = demoAssets();
    const dir = await tempDir('prunekit-run-int8-');
    await writeFile(path.join(dir, 'tiny-detector.pruned.int8.onnx'), 'old');
    const io = bufferIO();
    expect(await runCli(['run', a.model, '--data', a.data, '--preset', 'yolov8', '--int8', '-o', dir], io)).toBe(2);
    expect(io.stderr.join('\n')).toMatch(/INT8 model .*tiny-detector\.pruned\.int8\.onnx: already exists; pass --force/);
    expect(existsSync(path.join(dir, 'tiny-detector.pruned.onnx'))).toBe(false);
    expect(await readFile(path.join(dir, 'tiny-detector.pruned.int8.onnx'), 'utf8')).toBe('old');
  });

  it('pipeline.yaml takes int8: true|false', () => {
    expect(parsePipelineConfig('int8: true\n', '/p/pipeline.yaml').int8).toBe(true);
    expect(() => parsePipelineConfig('int8: yes please\n', 'p.yaml')).toThrow(/'int8' must be true or false/);
  });
});
