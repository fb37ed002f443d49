import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { COCO80_TO_91 } from '../../../src/eval/coco/category-map.js';
import { openCocoDataset } from '../../../src/eval/dataset/index.js';
import { describeFixtures, fixture, tempDir } from '../../helpers/fixtures.js';
import { jpeg } from '../helpers/tiny-dataset.js';

let root: string;
let json: string;

const COCO_JSON = {
  images: [
    { id: 7, file_name: 'a.jpg', width: 64, height: 48 },
    { id: 9, file_name: 'b.jpg', width: 64, height: 48 },
    { id: 11, file_name: 'missing.jpg', width: 64, height: 48 },
  ],
  annotations: [
    { id: 1, image_id: 7, category_id: 18, bbox: [10, 5, 20, 10], area: 150, iscrowd: 0 },
    { id: 2, image_id: 7, category_id: 1, bbox: [0, 0, 30, 40], area: 900, iscrowd: 1 },
    { id: 3, image_id: 9, category_id: 90, bbox: [1, 2, 3, 4], area: 12, iscrowd: 0 },
  ],
  categories: [{ id: 1, name: 'person' }, { id: 18, name: 'dog' }, { id: 90, name: 'toothbrush' }],
};

beforeAll(async () => {
  root = await tempDir('prunekit-coco-ds-');
  await mkdir(path.join(root, 'annotations'), { recursive: true });
  await mkdir(path.join(root, 'images', 'val2017'), { recursive: true });
  for (const f of ['a.jpg', 'b.jpg']) await writeFile(path.join(root, 'images', 'val2017', f), await jpeg(64, 48));
  json = path.join(root, 'annotations', 'instances_val2017.json');
  await writeFile(json, JSON.stringify(COCO_JSON));
});

const COCO80_NAMES = Array.from({ length: 80 }, (_, i) => `c${i}`);

describe('openCocoDataset', () => {
  it('finds ../images/<name>, keeps crowd flags and areas, skips listed images that are missing', async () => {
    const ds = await openCocoDataset(json);
    expect(ds.images.map((i) => i.imageId)).toEqual(['7', '9']);
    expect(ds.skipped.length).toBe(1);
    expect(ds.skipped[0]!.reason).toMatch(/id 11 not found/);
    const a = ds.images[0]!.labels;
    expect(a.kind).toBe('pixels');
    if (a.kind !== 'pixels') return;
    expect(Array.from(a.boxesXyxy)).toEqual([10, 5, 30, 15, 0, 0, 30, 40]);
    expect(Array.from(a.crowd)).toEqual([0, 1]);
    expect(Array.from(a.areas)).toEqual([150, 900]);
    // no model names: categories in id order are the classes
    expect(ds.names).toEqual(['person', 'dog', 'toothbrush']);
    expect(Array.from(a.classes)).toEqual([1, 0]);
  });

  it('maps categories onto model classes by name', async () => {
    const ds = await openCocoDataset(json, { modelNames: ['dog', 'person', 'toothbrush', 'cat'] });
    expect(Array.from(ds.images[0]!.labels.classes)).toEqual([0, 1]);
    expect(ds.categoryIds).toEqual([18, 1, 90, -1]);
  });

  it('falls back to the COCO 80↔91 map for 80-class models with other names', async () => {
    const ds = await openCocoDataset(json, { modelNames: COCO80_NAMES });
    expect(Array.from(ds.images[0]!.labels.classes)).toEqual([16, 0]);
    expect(Array.from(ds.images[1]!.labels.classes)).toEqual([79]);
    expect(ds.categoryIds).toEqual([...COCO80_TO_91]);
  });

  it('maps partially by name with a warning, dropping the other categories', async () => {
    const ds = await openCocoDataset(json, { modelNames: ['dog', 'cat'] });
    expect(ds.warnings.join()).toMatch(/2 COCO categories match no model class/);
    expect(Array.from(ds.images[0]!.labels.classes)).toEqual([0]);
    expect(ds.images[1]!.labels.classes.length).toBe(0);
  });

  it('names a missing image folder, a missing json, and a json without images', async () => {
    await expect(openCocoDataset(json, { images: path.join(root, 'nope') })).rejects.toThrow(/--images .*nope: image folder not found/);
    await expect(openCocoDataset(path.join(root, 'x.json'))).rejects.toThrow(/not found/);
    const lone = path.join(root, 'lone.json');
    await writeFile(lone, JSON.stringify({ images: [], annotations: [], categories: [] }));
    await expect(openCocoDataset(lone, { images: root })).rejects.toThrow(/"images" list is empty/);
    const guessless = path.join(root, 'images', 'instances_other.json');
    await writeFile(guessless, JSON.stringify(COCO_JSON));
    await expect(openCocoDataset(guessless)).rejects.toThrow(/pass --images DIR/);
  });
});

describeFixtures('openCocoDataset on coco128', () => {
  it('reads the 128 images and 939 annotations (10 crowd) of instances_train2017.json', async () => {
    const ds = await openCocoDataset(fixture('datasets', 'coco128', 'annotations', 'instances_train2017.json'), { modelNames: COCO80_NAMES });
    expect(ds.images.length).toBe(128);
    const n = ds.images.reduce((s, i) => s + i.labels.classes.length, 0);
    const crowd = ds.images.reduce((s, i) => s + (i.labels.kind === 'pixels' ? i.labels.crowd.reduce((a, b) => a + b, 0) : 0), 0);
    expect(n).toBe(939);
    expect(crowd).toBe(10);
  });
});
