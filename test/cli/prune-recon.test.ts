/**
 * `prunekit prune --calib` without --structured: calibrated unstructured pruning of the demo detector writes a
 * model with the requested sparsity, prints the reconstruction line and per-layer errors (--layers, --json);
 * data criteria without calibration, calibration of a checkpoint or of a model that does not take images exit 2.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bufferIO } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import { REPO_ROOT, tempDir } from '../helpers/fixtures.js';
import { initializer, model, node, randomFloats, toBytes, valueInfo } from '../helpers/onnx-builder.js';

const MODEL = path.join(REPO_ROOT, 'demo', 'tiny-detector.onnx');
const DATA = path.join(REPO_ROOT, 'demo', 'data', 'data.yaml');

describe('prunekit prune --calib (unstructured)', () => {
  it('reconstructs with the exact target and reports per-layer errors', async () => {
    const dir = await tempDir();
    const json = path.join(dir, 'r.json');
    const io = bufferIO();
    const code = await runCli(['prune', MODEL, '-o', path.join(dir, 'p.onnx'), '--target', '0.3', '--calib', DATA, '--calib-images', '3', '--calib-blocks', '2', '--criterion', 'wanda', '--layers', '--json', json], io);
    expect(code, io.text()).toBe(0);
    expect(io.text()).toMatch(/reconstruction: \d+ layers refit sequentially in 2 blocks from 3 images of .*data\.yaml/);
    expect(io.text()).toMatch(/mean relative output error [\d.]+% with the mask alone → [\d.]+% refit/);
    expect(io.text()).toMatch(/refit\s+error mask\s+error refit/);
    expect(io.text()).toMatch(/achieved: 30\.00\d\d%/);
    expect(io.text()).toMatch(/criterion: wanda/);
    const r = JSON.parse(await readFile(json, 'utf8')) as { reconstruction: { images: number; blocks: number }; layers: Array<{ protected: boolean; reconstruction?: { method: string; errorBefore: number; errorAfter: number } }> };
    expect(r.reconstruction).toMatchObject({ images: 3, blocks: 2 });
    const refit = r.layers.filter((l) => l.reconstruction?.method === 'exact');
    expect(refit.length).toBeGreaterThan(10);
    for (const l of refit) expect(l.reconstruction!.errorAfter).toBeLessThanOrEqual(l.reconstruction!.errorBefore + 1e-9);
    expect(r.layers.filter((l) => l.protected).every((l) => l.reconstruction === undefined)).toBe(true);
  }, 120_000);

  it('--exact-obs: the exact target, ExactOBS named in the criterion line', async () => {
    const dir = await tempDir();
    const io = bufferIO();
    const code = await runCli(['prune', MODEL, '-o', path.join(dir, 'p.onnx'), '--target', '0.1', '--calib', DATA, '--calib-images', '1', '--exact-obs'], io);
    expect(code, io.text()).toBe(0);
    // The same exact count as without --exact-obs (12,043 of 120,432 prunable weights: 9.9998%).
    expect(io.text()).toMatch(/zeroed 12,043\)/);
    expect(io.text()).toMatch(/achieved: 9\.9998%/);
    expect(io.text()).toMatch(/criterion: obs, ExactOBS/);
  }, 120_000);

  it('--admm: the exact target, ADMM named in the criterion line', async () => {
    const dir = await tempDir();
    const io = bufferIO();
    const code = await runCli(['prune', MODEL, '-o', path.join(dir, 'p.onnx'), '--target', '0.1', '--calib', DATA, '--calib-images', '1', '--admm'], io);
    expect(code, io.text()).toBe(0);
    expect(io.text()).toMatch(/zeroed 12,043\)/);
    expect(io.text()).toMatch(/criterion: ADMM/);
  }, 120_000);

  it('refuses what calibration cannot do (exit 2, one line)', async () => {
    const dir = await tempDir();
    const flat = path.join(dir, 'flat.onnx');
    await writeFile(flat, toBytes(model(
      [node('Gemm', ['x', 'w'], ['y'], { transB: 1 })], [initializer('w', [4, 10], randomFloats(40, 1))],
      [valueInfo('x', [1, 10])], [valueInfo('y', [1, 4])],
    )));
    for (const [args, msg] of [
      [[MODEL, '--dry-run', '--criterion', 'obs'], /--criterion obs scores weights from calibration data; add --calib/],
      [[MODEL, '--dry-run', '--calib-blocks', '3'], /--calib-blocks needs --calib/],
      [[MODEL, '--dry-run', '--exact-obs'], /--exact-obs needs --calib/],
      [[MODEL, '--dry-run', '--calib', DATA, '--exact-obs', '--criterion', 'wanda'], /--exact-obs works with --criterion obs, not wanda/],
      [[MODEL, '--dry-run', '--admm'], /--admm needs --calib/],
      [[MODEL, '--dry-run', '--calib', DATA, '--admm', '--exact-obs'], /give one of --admm and --exact-obs/],
      [[MODEL, '--dry-run', '--calib', DATA, '--calib-blocks', '0'], /--calib-blocks 0: expected an integer ≥ 1/],
      [[path.join(dir, 'm.pt'), '--dry-run', '--calib', DATA], /--calib runs the model in onnxruntime; prune the ONNX export/],
      [[flat, '--dry-run', '--calib', DATA], /takes 'x' \[1,10\], not an image/],
    ] as const) {
      const io = bufferIO();
      expect(await runCli(['prune', ...args], io), io.text()).toBe(2);
      expect(io.stderr.join('\n')).toMatch(msg);
      expect(io.stderr.length).toBe(1);
    }
  });
});
