/**
 * `prunekit prune --calib … --calib-augment flip`: the calibration feeds every image and its mirror, and the
 * console and JSON say how many inputs from how many images; bad uses exit 2 with one line.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bufferIO } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import { inputsText } from '../../src/cli/prune-calibration.js';
import { REPO_ROOT, tempDir } from '../helpers/fixtures.js';

const MODEL = path.join(REPO_ROOT, 'demo', 'tiny-detector.onnx');
const DATA = path.join(REPO_ROOT, 'demo', 'data', 'data.yaml');

describe('prunekit prune --calib-augment flip', () => {
  it('calibrates on 2N inputs from N images and says so (console and JSON), same exact count', async () => {
    const dir = await tempDir();
    const json = path.join(dir, 'r.json');
    const io = bufferIO();
    const code = await runCli(['prune', MODEL, '-o', path.join(dir, 'p.onnx'), '--target', '0.1', '--calib', DATA, '--calib-images', '2', '--calib-augment', 'flip', '--calib-blocks', '2', '--json', json], io);
    expect(code, io.text()).toBe(0);
    expect(io.text()).toMatch(/refit sequentially in 2 blocks from 4 inputs \(2 images of .*data\.yaml \(val split\) \+ their horizontal flips\) \([\d,]+ positions per image/);
    // The same exact count as without augmentation (prune-recon.test.ts: 12,043 of 120,432 prunable weights).
    expect(io.text()).toMatch(/zeroed 12,043\)/);
    const r = JSON.parse(await readFile(json, 'utf8')) as { reconstruction: { images: number; description: string } };
    expect(r.reconstruction.images).toBe(4);
    expect(r.reconstruction.description).toMatch(/^2 images of .* \+ their horizontal flips$/);
  }, 120_000);

  it('refuses --calib-augment without --calib and an unknown augmentation (exit 2, one line)', async () => {
    for (const [args, msg] of [
      [['--dry-run', '--calib-augment', 'flip'], /--calib-augment needs --calib/],
      [['--dry-run', '--calib', DATA, '--calib-augment', 'rotate'], /--calib-augment rotate: expected flip, scale or a comma-separated list/],
    ] as const) {
      const io = bufferIO();
      expect(await runCli(['prune', MODEL, ...args], io), io.text()).toBe(2);
      expect(io.stderr.join('\n')).toMatch(msg);
      expect(io.stderr.length).toBe(1);
    }
  });

  it('names inputs as images unless an augmentation feeds more inputs than images', () => {
    expect(inputsText(32, '32 images of coco128.yaml (train split)')).toBe('32 images of coco128.yaml (train split)');
    expect(inputsText(1, '1 image of a/')).toBe('1 images of a/');
    expect(inputsText(64, '32 images of coco128.yaml (train split) + their horizontal flips')).toBe('64 inputs (32 images of coco128.yaml (train split) + their horizontal flips)');
    expect(inputsText(31, '32 images of x')).toBe('31 inputs (32 images of x)');
  });
});
