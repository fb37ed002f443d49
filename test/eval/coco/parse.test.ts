import { describe, expect, it } from 'vitest';
import { DatasetError } from '../../../src/core/errors.js';
import { COCO80_TO_91, coco91ToCoco80, parseCocoDataset, parseCocoResultColumns, parseCocoResults, toCocoResultColumns } from '../../../src/eval/coco/index.js';

const valid = {
  images: [{ id: 1, file_name: 'a.jpg', width: 640, height: 480 }],
  annotations: [{ id: 5, image_id: 1, category_id: 3, bbox: [1, 2, 3, 4], area: 9.5, iscrowd: 0 }],
  categories: [{ id: 3, name: 'car', supercategory: 'vehicle' }],
};

describe('parseCocoDataset', () => {
  it('keeps the fields COCOeval needs', () => {
    const d = parseCocoDataset(valid, 'gt.json');
    expect(d.images[0]).toEqual({ id: 1, file_name: 'a.jpg', width: 640, height: 480 });
    expect(d.annotations[0]).toEqual({ id: 5, image_id: 1, category_id: 3, bbox: [1, 2, 3, 4], area: 9.5, iscrowd: 0 });
    expect(d.categories[0]).toEqual({ id: 3, name: 'car', supercategory: 'vehicle' });
  });

  it('defaults a missing area to w*h and a missing iscrowd to 0', () => {
    const d = parseCocoDataset({ ...valid, annotations: [{ id: 1, image_id: 1, category_id: 3, bbox: [0, 0, 3, 4] }] });
    expect(d.annotations[0]!.area).toBe(12);
    expect(d.annotations[0]!.iscrowd).toBe(0);
  });

  it('names the file and key of what is missing or malformed', () => {
    expect(() => parseCocoDataset([], 'gt.json')).toThrow(DatasetError);
    expect(() => parseCocoDataset({ images: [], categories: [] }, 'gt.json')).toThrow(/gt.json: missing or non-array key "annotations"/);
    expect(() => parseCocoDataset({ ...valid, annotations: [{ id: 1, image_id: 1, category_id: 3, bbox: [0, 0, 3] }] }, 'gt.json'))
      .toThrow(/gt.json: annotations\[0\]\.bbox must be 4 finite numbers/);
    expect(() => parseCocoDataset({ ...valid, images: [{ file_name: 'x.jpg' }] }, 'gt.json')).toThrow(/images\[0\]\.id/);
  });
});

describe('parseCocoResults', () => {
  it('accepts a results array and rejects anything else', () => {
    expect(parseCocoResults([{ image_id: 1, category_id: 3, bbox: [1, 2, 3, 4], score: 0.5, extra: 1 }])).toEqual([
      { image_id: 1, category_id: 3, bbox: [1, 2, 3, 4], score: 0.5 },
    ]);
    expect(() => parseCocoResults({ annotations: [] }, 'p.json')).toThrow(/p.json: expected a COCO results json array/);
    expect(() => parseCocoResults([{ image_id: 1, category_id: 3, bbox: [1, 2, 3, 4] }], 'p.json')).toThrow(/p.json: \[0\]\.score/);
  });
});

describe('parseCocoResultColumns', () => {
  it('validates straight into columns, equal to the columns of the parsed objects', () => {
    const json = [{ image_id: 1, category_id: 3, bbox: [1, 2, 3, 4], score: 0.5 }, { image_id: 2, category_id: 1, bbox: [5, 6, 7, 8], score: 0.25 }];
    const cols = parseCocoResultColumns(json);
    expect(cols).toEqual(toCocoResultColumns(parseCocoResults(json)));
    expect(Array.from(cols.bbox)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('reports the index and key of a bad entry', () => {
    expect(() => parseCocoResultColumns([{ image_id: 1, category_id: 3, bbox: [1, 2, 3, 4], score: 0.5 }, { image_id: 1, category_id: 3, bbox: [1, 2, 3, 4] }], 'p.json'))
      .toThrow(/p.json: \[1\]\.score/);
    expect(() => parseCocoResultColumns([{ image_id: 1, category_id: 3, bbox: [1, 2, 'x', 4], score: 0.5 }], 'p.json')).toThrow(/\[0\]\.bbox/);
    expect(() => parseCocoResultColumns({}, 'p.json')).toThrow(DatasetError);
  });
});

describe('COCO80_TO_91', () => {
  it('maps the 80 model classes onto the 91-id scheme, strictly increasing, with an inverse', () => {
    expect(COCO80_TO_91).toHaveLength(80);
    expect(COCO80_TO_91[0]).toBe(1);
    expect(COCO80_TO_91[11]).toBe(13); // stop sign: id 12 is unused
    expect(COCO80_TO_91[79]).toBe(90);
    for (let i = 1; i < 80; i++) expect(COCO80_TO_91[i]!).toBeGreaterThan(COCO80_TO_91[i - 1]!);
    expect(coco91ToCoco80(90)).toBe(79);
    expect(coco91ToCoco80(12)).toBe(-1);
  });
});
