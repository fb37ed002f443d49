/**
 * Calibration inputs: the first N images (sorted) of a dataset yaml's split or of a folder, letterboxed exactly
 * as validation does; undecodable images are skipped and replaced by the next ones; bad sources are errors.
 */
import { copyFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../src/core/dtype.js';
import { DatasetError } from '../../src/core/errors.js';
import {
  calibrationImagePaths, decodeImageRgb, letterbox, listImages, openCalibrationImages, resolveCalibrationImages, validationOverlap,
} from '../../src/eval/index.js';
import { REPO_ROOT, tempDir } from '../helpers/fixtures.js';

const DATA = path.join(REPO_ROOT, 'demo', 'data', 'data.yaml');
const VAL = path.join(REPO_ROOT, 'demo', 'data', 'images', 'val');

async function all(it: AsyncIterable<Readonly<Record<string, Tensor>>>): Promise<Array<Readonly<Record<string, Tensor>>>> {
  const out = [];
  for await (const f of it) out.push(f);
  return out;
}

describe('openCalibrationImages', () => {
  it('takes the first N images of the yaml split, letterboxed to the model input', async () => {
    const paths = await calibrationImagePaths(DATA);
    expect(paths).toEqual(await listImages([VAL], 'val'));
    const cal = await openCalibrationImages(DATA, { images: 3, imgsz: 64, inputName: 'images' });
    expect(cal.count).toBe(3);
    expect(cal.description).toBe(`3 images of ${DATA} (val split)`);
    const feeds = await all(cal.feeds());
    expect(feeds).toHaveLength(3);
    const first = feeds[0]!.images!;
    expect(first.dims).toEqual([1, 3, 64, 64]);
    expect(first.data).toEqual(letterbox(await decodeImageRgb(paths[0]!), 64).data);
    // A second pass yields the same inputs.
    expect((await all(cal.feeds()))[2]!.images!.data).toEqual(feeds[2]!.images!.data);
  });

  it('skips undecodable images in a folder and takes the next ones', async () => {
    const dir = await tempDir();
    const [a, b] = (await calibrationImagePaths(DATA)).slice(0, 2);
    await writeFile(path.join(dir, '0-broken.jpg'), 'not a jpeg');
    await copyFile(a!, path.join(dir, `1${path.extname(a!)}`));
    await copyFile(b!, path.join(dir, `2${path.extname(b!)}`));
    const cal = await openCalibrationImages(dir, { images: 2, imgsz: 32, inputName: 'x' });
    const feeds = await all(cal.feeds());
    expect(feeds).toHaveLength(2);
    expect(cal.skipped.map((s) => path.basename(s.path))).toEqual(['0-broken.jpg']);
    expect(feeds[0]!.x!.data).toEqual(letterbox(await decodeImageRgb(a!), 32).data);
  });

  it('rejects a missing source, a non-yaml file and a bad count', async () => {
    await expect(openCalibrationImages(path.join(REPO_ROOT, 'nope'), { imgsz: 32, inputName: 'x' })).rejects.toThrow(/no such file or folder/);
    await expect(openCalibrationImages(path.join(REPO_ROOT, 'package.json'), { imgsz: 32, inputName: 'x' })).rejects.toThrow(DatasetError);
    await expect(openCalibrationImages(DATA, { images: 0, imgsz: 32, inputName: 'x' })).rejects.toThrow(/positive integer/);
  });
});

describe('calibration split: train by default, never silently the images validation uses (#14 item 8)', () => {
  async function dataset(): Promise<{ dir: string; yaml: string; train: string[]; val: string[] }> {
    const dir = await tempDir();
    const imgs = (await listImages([VAL], 'val')).slice(0, 4);
    const { mkdir } = await import('node:fs/promises');
    for (const s of ['train', 'val']) await mkdir(path.join(dir, s));
    const train = [path.join(dir, 'train', 'a.png'), path.join(dir, 'train', 'b.png')];
    const val = [path.join(dir, 'val', 'c.png'), path.join(dir, 'val', 'd.png')];
    for (const [i, f] of [...train, ...val].entries()) await copyFile(imgs[i]!, f);
    const yaml = path.join(dir, 'data.yaml');
    await writeFile(yaml, 'train: train\nval: val\nnames: [a, b, c]\n');
    return { dir, yaml, train, val };
  }

  it('a yaml with a train split calibrates on it; --split-like override still possible; a folder has no split', async () => {
    const d = await dataset();
    expect(await resolveCalibrationImages(d.yaml)).toEqual({ paths: d.train, split: 'train', fallback: undefined });
    expect((await resolveCalibrationImages(d.yaml, 'val')).paths).toEqual(d.val);
    expect(await resolveCalibrationImages(path.join(d.dir, 'val'))).toEqual({ paths: d.val });
    const cal = await openCalibrationImages(d.yaml, { images: 1, imgsz: 32, inputName: 'x' });
    expect(cal.description).toBe(`1 image of ${d.yaml} (train split)`);
  });

  it('a yaml without a train split falls back to val and says so', async () => {
    const r = await resolveCalibrationImages(DATA);
    expect(r.split).toBe('val');
    expect(r.fallback).toBe(`${DATA} has no train split; calibrating on its val split`);
  });

  it('validationOverlap counts calibration images that validation also uses (by real path)', async () => {
    const d = await dataset();
    expect(await validationOverlap(d.train, d.yaml)).toBe(0);
    expect(await validationOverlap([d.train[0]!, path.join(d.dir, 'train', '..', 'val', 'd.png')], d.yaml)).toBe(1);
    expect(await validationOverlap(d.val, path.join(d.dir, 'val'))).toBe(2);
    expect(await validationOverlap(d.val, path.join(d.dir, 'instances.json'))).toBeUndefined();
  });
});
