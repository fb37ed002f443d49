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

describe('parse: defaults and exact messages', () => {
  const ann = { id: 1, image_id: 1, category_id: 3, bbox: [0, 0, 3, 4] };
  const ds = (over: Record<string, unknown>) => ({ ...valid, ...over });
  it('images: file_name defaults to "", width and height to 0; a non-number is named with its value', () => {
    expect(parseCocoDataset(ds({ images: [{ id: 2 }] })).images).toEqual([{ id: 2, file_name: '', width: 0, height: 0 }]);
    expect(parseCocoDataset(ds({ images: [{ id: 2, file_name: 7 }] })).images[0]!.file_name).toBe('');
    expect(() => parseCocoDataset(ds({ images: [{ id: 2, width: '640' }] }), 'gt.json')).toThrow('gt.json: images[0].width must be a finite number (got "640")');
    expect(() => parseCocoDataset(ds({ images: [{ id: 2, height: Number.NaN }] }), 'gt.json')).toThrow('gt.json: images[0].height must be a finite number (got null)');
    expect(() => parseCocoDataset(ds({ images: [{ id: Infinity }] }), 'gt.json')).toThrow('gt.json: images[0].id must be a finite number (got null)');
    expect(() => parseCocoDataset(ds({ images: [{}] }))).toThrow('annotations: images[0].id must be a finite number (got undefined)');
  });
  it('annotations: iscrowd is 1 for true or a non-zero number, else 0; a given area is kept (even 0)', () => {
    const crowd = (iscrowd: unknown) => parseCocoDataset(ds({ annotations: [{ ...ann, iscrowd }] })).annotations[0]!.iscrowd;
    expect([true, 1, 2, -1, false, 0, '1', null].map(crowd)).toEqual([1, 1, 1, 1, 0, 0, 0, 0]);
    expect(parseCocoDataset(ds({ annotations: [{ ...ann, area: 0 }] })).annotations[0]!.area).toBe(0);
    expect(() => parseCocoDataset(ds({ annotations: [{ ...ann, area: 'big' }] }), 'g')).toThrow('g: annotations[0].area must be a finite number (got "big")');
    expect(() => parseCocoDataset(ds({ annotations: [{ ...ann, category_id: undefined }] }), 'g')).toThrow('g: annotations[0].category_id must be a finite number');
    expect(() => parseCocoDataset(ds({ annotations: [{ ...ann, image_id: '1' }] }), 'g')).toThrow('g: annotations[0].image_id must be a finite number (got "1")');
    expect(() => parseCocoDataset(ds({ annotations: [{ ...ann, bbox: [0, 0, 3, Infinity] }] }), 'g')).toThrow('g: annotations[0].bbox must be 4 finite numbers [x, y, w, h] (got [0,0,3,null])');
    expect(() => parseCocoDataset(ds({ annotations: [{ ...ann, bbox: [0, 0, 3, '4'] }] }), 'g')).toThrow('(got [0,0,3,"4"])');
    expect(() => parseCocoDataset(ds({ annotations: [{ ...ann, bbox: [0, 0, 3, 4, 5] }] }), 'g')).toThrow('bbox must be 4 finite numbers');
    expect(() => parseCocoDataset(ds({ annotations: [{ ...ann, bbox: undefined }] }), 'g')).toThrow('g: annotations[0].bbox must be 4 finite numbers [x, y, w, h] (got undefined)');
  });
  it('categories: a missing name becomes the id, a non-string supercategory is left out', () => {
    const cats = parseCocoDataset(ds({ categories: [{ id: 4 }, { id: 5, name: 'x', supercategory: 3 }] })).categories;
    expect(cats).toEqual([{ id: 4, name: '4' }, { id: 5, name: 'x' }]);
    expect('supercategory' in cats[1]!).toBe(false);
  });
  it('names the element that is not an object and the json that is not a dataset', () => {
    expect(() => parseCocoDataset(ds({ images: [3] }), 'g')).toThrow('g: images[0] must be an object');
    expect(() => parseCocoDataset(ds({ annotations: [ann, [1]] }), 'g')).toThrow('g: annotations[1] must be an object');
    expect(() => parseCocoDataset(ds({ categories: [null] }), 'g')).toThrow('g: categories[0] must be an object');
    expect(() => parseCocoDataset(null, 'g')).toThrow('g: expected a COCO instances json object with "images", "annotations" and "categories"');
    expect(() => parseCocoDataset([], 'g')).toThrow('g: expected a COCO instances json object');
    expect(() => parseCocoDataset({ images: {}, annotations: [], categories: [] })).toThrow('annotations: missing or non-array key "images" (a COCO instances json has "images", "annotations" and "categories" arrays)');
    expect(() => parseCocoDataset({ images: [], annotations: [] }, 'g')).toThrow('missing or non-array key "categories"');
  });
  it('results: every field is checked, in objects and in columns, with the same message', () => {
    const good = { image_id: 1, category_id: 3, bbox: [1, 2, 3, 4], score: 0.5 };
    const bad: [Record<string, unknown>, string][] = [
      [{ image_id: '1' }, 'p: [0].image_id must be a finite number (got "1")'],
      [{ image_id: Infinity }, 'p: [0].image_id must be a finite number'],
      [{ category_id: undefined }, 'p: [0].category_id must be a finite number (got undefined)'],
      [{ category_id: Number.NaN }, 'p: [0].category_id must be a finite number'],
      [{ score: '0.5' }, 'p: [0].score must be a finite number (got "0.5")'],
      [{ score: -Infinity }, 'p: [0].score must be a finite number'],
      [{ bbox: [1, 2, 3] }, 'p: [0].bbox must be 4 finite numbers'],
      [{ bbox: 'x' }, 'p: [0].bbox must be 4 finite numbers [x, y, w, h] (got "x")'],
      ...[0, 1, 2, 3].map((k): [Record<string, unknown>, string] => [{ bbox: [1, 2, 3, 4].map((v, i) => (i === k ? Infinity : v)) }, 'p: [0].bbox must be 4 finite numbers']),
      ...[0, 1, 2, 3].map((k): [Record<string, unknown>, string] => [{ bbox: [1, 2, 3, 4].map((v, i) => (i === k ? String(v) : v)) }, 'p: [0].bbox must be 4 finite numbers']),
    ];
    for (const [over, message] of bad) {
      expect(() => parseCocoResults([{ ...good, ...over }], 'p')).toThrow(message);
      expect(() => parseCocoResultColumns([{ ...good, ...over }], 'p')).toThrow(message);
    }
    for (const v of [null, 3, [good]]) {
      expect(() => parseCocoResults([v], 'p')).toThrow('p: [0] must be an object');
      expect(() => parseCocoResultColumns([v], 'p')).toThrow('p: [0] must be an object');
    }
    expect(() => parseCocoResultColumns({}, 'p')).toThrow('p: expected a COCO results json array of {image_id, category_id, bbox, score}');
    expect(() => parseCocoResults([{ ...good, score: 'x' }])).toThrow('predictions: [0].score');
    expect(() => parseCocoResultColumns([{ ...good, score: 'x' }])).toThrow('predictions: [0].score');
  });
  it('columns keep every value in place', () => {
    const json = [{ image_id: 4, category_id: 9, bbox: [1.5, 2, 3, 4.25], score: 0.75 }, { image_id: 2, category_id: 1, bbox: [5, 6, 7, 8], score: 0 }];
    const cols = parseCocoResultColumns(json);
    expect(Array.from(cols.imageId)).toEqual([4, 2]);
    expect(Array.from(cols.categoryId)).toEqual([9, 1]);
    expect(Array.from(cols.score)).toEqual([0.75, 0]);
    expect(Array.from(cols.bbox)).toEqual([1.5, 2, 3, 4.25, 5, 6, 7, 8]);
    const t = toCocoResultColumns(parseCocoResults(json));
    expect([Array.from(t.imageId), Array.from(t.categoryId), Array.from(t.score), Array.from(t.bbox)]).toEqual([[4, 2], [9, 1], [0.75, 0], [1.5, 2, 3, 4.25, 5, 6, 7, 8]]);
  });
});
