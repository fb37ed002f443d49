/**
 * Calibration inputs: the first N images (sorted) of a dataset yaml's split or of a folder, letterboxed exactly
 * as validation does; undecodable images are skipped and replaced by the next ones; bad sources are errors.
 */
import { copyFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../src/core/dtype.js';
import { DatasetError } from '../../src/core/errors.js';
import { calibrationImagePaths, decodeImageRgb, letterbox, listImages, openCalibrationImages } from '../../src/eval/index.js';
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
    expect(cal.description).toBe(`3 images of ${DATA}`);
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
