import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DatasetError } from '../../../src/core/errors.js';
import { openYoloDataset } from '../../../src/eval/dataset/index.js';
import { tempDir } from '../../helpers/fixtures.js';
import { writeSplit } from '../helpers/tiny-dataset.js';

let root: string;

beforeAll(async () => {
  root = await tempDir('prunekit-yolo-ds-');
  await writeSplit(root, 'val', [
    { name: 'a.jpg', labels: '0 0.5 0.5 0.2 0.2\n1 0.3 0.3 0.1 0.1\n' },
    { name: 'b.jpg', labels: '1 0.5 0.5 0.2 0.2\n1 0.5 0.5 0.2 0.2\n' },
    { name: 'c.jpg' },
    { name: 'd.jpg', labels: '7 0.5 0.5 0.2 0.2\n' },
    { name: 'e.jpg', labels: '0 0.5 1.5 0.2 0.2\n' },
  ]);
  await writeSplit(root, 'extra', [{ name: '000000000042.png', labels: '' }]);
  await writeFile(path.join(root, 'notes.txt'), 'not an image list entry');
});

async function yaml(name: string, text: string, dir = root): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, text);
  return file;
}

describe('openYoloDataset', () => {
  it('resolves folders against the yaml folder when there is no path key, checks labels, warns on duplicates', async () => {
    const ds = await openYoloDataset(await yaml('d1.yaml', 'val: images/val\nnames: [cat, dog]\n'));
    expect(ds.kind).toBe('yolo');
    expect(ds.names).toEqual(['cat', 'dog']);
    expect(ds.images.map((i) => i.imageId)).toEqual(['a', 'b', 'c']);
    const [a, b, c] = ds.images;
    expect(a!.labels.kind === 'normalized' && Array.from(a!.labels.classes)).toEqual([0, 1]);
    expect(b!.labels.classes.length).toBe(1);
    expect(c!.labels.classes.length).toBe(0);
    expect(ds.warnings.join('\n')).toMatch(/b\.jpg: 1 duplicate labels removed/);
    expect(ds.skipped.map((s) => path.basename(s.path))).toEqual(['d.jpg', 'e.jpg']);
    expect(ds.skipped[0]!.reason).toMatch(/class 7 exceeds dataset class count 2/);
    expect(ds.skipped[1]!.reason).toMatch(/out of bounds/);
  });

  it('accepts a relative path key, names as a dict, a list of folders and numeric stems', async () => {
    const sub = path.join(root, 'cfg');
    await mkdir(sub, { recursive: true });
    const file = await yaml('d2.yaml', 'path: ..\nval: [images/val, images/extra]\nnames: {0: cat, 1: dog}\nnc: 2\n', sub);
    const ds = await openYoloDataset(file);
    expect(ds.images.length).toBe(4);
    const png = ds.images.find((i) => i.imageId === '000000000042')!;
    expect(png.cocoImageId).toBe(42);
  });

  it('reads a .txt image list with ./ entries relative to the list', async () => {
    await writeFile(path.join(root, 'list.txt'), './images/val/a.jpg\n./images/val/c.jpg\n');
    const ds = await openYoloDataset(await yaml('d3.yaml', 'val: list.txt\nnames: [cat, dog]\n'));
    expect(ds.images.map((i) => i.imageId)).toEqual(['a', 'c']);
  });

  it('names the missing key, the missing folder, the names/nc conflict', async () => {
    await expect(openYoloDataset(await yaml('e1.yaml', 'train: images/val\nnames: [a]\n'))).rejects.toThrow(/missing key 'val'/);
    await expect(openYoloDataset(await yaml('e2.yaml', 'val: images/nope\nnames: [a]\n'))).rejects.toThrow(/'val'.*images\/nope does not exist/);
    await expect(openYoloDataset(await yaml('e3.yaml', 'val: images/val\nnames: [a, b]\nnc: 3\n'))).rejects.toThrow(/'nc' is 3 but 'names' lists 2/);
    await expect(openYoloDataset(await yaml('e4.yaml', 'val: images/val\n'))).rejects.toThrow(/missing key 'names'/);
    await expect(openYoloDataset(path.join(root, 'absent.yaml'))).rejects.toBeInstanceOf(DatasetError);
  });

  it('uses nc alone as class_i names', async () => {
    const ds = await openYoloDataset(await yaml('d4.yaml', 'val: images/val\nnc: 2\n'));
    expect(ds.names).toEqual(['class_0', 'class_1']);
  });

  it('errors on an empty dataset: no images, or every image rejected', async () => {
    const empty = path.join(root, 'empty');
    await mkdir(empty, { recursive: true });
    await expect(openYoloDataset(await yaml('e5.yaml', 'val: empty\nnames: [a]\n'))).rejects.toThrow(/no images found/);
    // every image rejected for its labels:
    const bad = path.join(root, 'bad');
    await writeSplit(bad, 'val', [{ name: 'x.jpg', labels: '3 0.5 0.5 0.1 0.1' }]);
    await expect(openYoloDataset(await yaml('e6.yaml', 'val: images/val\nnames: [a]\n', bad))).rejects.toThrow(/no usable images/);
  });
});
