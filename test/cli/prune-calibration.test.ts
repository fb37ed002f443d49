/**
 * `prunekit prune --structured --calib`: the demo detector (in the repository) calibrated on its own images
 * reports the reconstruction and writes it to --json; flag errors exit 2 with one line.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bufferIO } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import { REPO_ROOT, tempDir } from '../helpers/fixtures.js';

const MODEL = path.join(REPO_ROOT, 'demo', 'tiny-detector.onnx');
const DATA = path.join(REPO_ROOT, 'demo', 'data', 'data.yaml');

describe('prunekit prune --structured --calib', () => {
  it('refits the consumer convs from calibration images and reports it', async () => {
    const dir = await tempDir();
    const json = path.join(dir, 'r.json');
    const io = bufferIO();
    const code = await runCli(['prune', MODEL, '--structured', '--channel-ratio', '0.2', '--round-to', '1', '--calib', DATA, '--calib-images', '3', '--dry-run', '--json', json], io);
    expect(code, io.text()).toBe(0);
    expect(io.text()).toMatch(/reconstruction: \d+ consumer convs refit \(\d+ removed input slices predicted from kept channels of \d+ tensors\) from 3 images of .*data\.yaml \(val split\) \(calibration pass [\d.]+ s\); none fell back to bias compensation/);
    expect(io.text()).not.toMatch(/bias compensation: \d+/);
    // The demo yaml has only a val split: calibration says it falls back to it, and that validation on it is optimistic.
    expect(io.stderr).toEqual([
      `note: ${DATA} has no train split; calibrating on its val split`,
      `warning: 3 of the 3 calibration images are also validation images of ${DATA} (val split): accuracy measured on them after calibration is optimistic; calibrate on other images (the train split, or a folder)`,
    ]);
    const r = JSON.parse(await readFile(json, 'utf8')) as { calibration: { images: number; tensors: number }; report: { reconstruction: { consumers: number; images: number } } };
    expect(r.calibration.images).toBe(3);
    expect(r.calibration.tensors).toBeGreaterThan(0);
    expect(r.report.reconstruction.images).toBe(3);
    expect(r.report.reconstruction.consumers).toBeGreaterThan(0);
  });

  it('rejects --calib-images without --calib, a bad count and a missing calibration source (exit 2)', async () => {
    for (const [args, msg] of [
      [['--calib-images', '4'], /--calib-images needs --calib/],
      [['--calib', DATA, '--calib-images', '0'], /--calib-images 0: expected an integer ≥ 1/],
      [['--calib', path.join(REPO_ROOT, 'no-such-folder')], /--calib .*no-such-folder: no such file or folder/],
    ] as const) {
      const io = bufferIO();
      const code = await runCli(['prune', MODEL, '--structured', '--channel-ratio', '0.2', '--dry-run', ...args], io);
      expect(code, io.text()).toBe(2);
      expect(io.stderr.join('\n')).toMatch(msg);
    }
  });
});

describe('--calib data.yaml takes the train split (#14 item 8)', () => {
  it('a yaml with train and val: calibration on train, no overlap warning', async () => {
    const dir = await tempDir();
    const yaml = path.join(dir, 'data.yaml');
    const images = path.join(REPO_ROOT, 'demo', 'data', 'images', 'val');
    const { readdir, mkdir, copyFile, writeFile } = await import('node:fs/promises');
    const files = (await readdir(images)).sort();
    for (const [split, part] of [['train', files.slice(0, 4)], ['val', files.slice(4, 8)]] as const) {
      await mkdir(path.join(dir, split));
      for (const f of part) await copyFile(path.join(images, f), path.join(dir, split, f));
    }
    await writeFile(yaml, 'train: train\nval: val\nnames: [circle, square, triangle]\n');
    const io = bufferIO();
    const code = await runCli(['prune', MODEL, '--structured', '--channel-ratio', '0.2', '--calib', yaml, '--calib-images', '3', '--dry-run'], io);
    expect(code, io.text()).toBe(0);
    expect(io.stderr).toEqual([]);
    expect(io.text()).toMatch(/from 3 images of .*data\.yaml \(train split\)/);
  });
});
