import { describe, expect, it } from 'vitest';
import { labelPathFor, parseYoloLabels } from '../../../src/eval/dataset/yolo-labels.js';

const f = Math.fround;

describe('parseYoloLabels', () => {
  it('reads box rows as float32 cx cy w h', () => {
    const r = parseYoloLabels('0 0.5 0.5 0.2 0.4\n3 0.1 0.2 0.05 0.1\n', 80);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(Array.from(r.rows.classes)).toEqual([0, 3]);
    expect(Array.from(r.rows.boxesCxcywh)).toEqual([0.5, 0.5, 0.2, 0.4, 0.1, 0.2, 0.05, 0.1].map(f));
    expect(r.rows.duplicatesRemoved).toBe(0);
  });

  it('treats empty or blank text as a background image', () => {
    for (const t of ['', '\n\n', '   \n']) {
      const r = parseYoloLabels(t, 2);
      expect(r.ok && r.rows.classes.length).toBe(0);
    }
  });

  it('turns polygon rows into their bounding boxes, and then every row is a polygon (as Ultralytics)', () => {
    const r = parseYoloLabels('1 0.1 0.2 0.5 0.2 0.5 0.6 0.1 0.6\n0 0.2 0.2 0.4 0.8\n', 2);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.rows.fromPolygons).toBe(true);
    // polygon x 0.1..0.5, y 0.2..0.6 → cx 0.3, cy 0.4, w 0.4, h 0.4
    expect(r.rows.boxesCxcywh[0]).toBeCloseTo(0.3, 6);
    expect(r.rows.boxesCxcywh[1]).toBeCloseTo(0.4, 6);
    expect(r.rows.boxesCxcywh[2]).toBeCloseTo(0.4, 6);
    expect(r.rows.boxesCxcywh[3]).toBeCloseTo(0.4, 6);
    // the 5-value row is read as two points (0.2,0.2) and (0.4,0.8)
    expect(Array.from(r.rows.boxesCxcywh.subarray(4))).toEqual([f(f(f(0.2) + f(0.4)) / 2), f(f(f(0.2) + f(0.8)) / 2), f(f(0.4) - f(0.2)), f(f(0.8) - f(0.2))]);
  });

  it('removes exact duplicate rows with a count, rows then sorted as np.unique sorts them', () => {
    const r = parseYoloLabels('2 0.5 0.5 0.1 0.1\n0 0.3 0.3 0.1 0.1\n2 0.5 0.5 0.1 0.1\n', 3);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.rows.duplicatesRemoved).toBe(1);
    expect(Array.from(r.rows.classes)).toEqual([0, 2]);
  });

  it('rejects class ids ≥ nc, out-of-range and negative coordinates, wrong column counts and non-numbers', () => {
    const cases: [string, RegExp][] = [
      ['5 0.5 0.5 0.1 0.1', /class 5 exceeds dataset class count 3/],
      ['0 0.5 1.2 0.1 0.1', /out of bounds/],
      ['0 -0.1 0.5 0.1 0.1', /negative/],
      ['0 0.5 0.5 0.1', /5 columns/],
      ['0 0.5 0.5 0.1 0.1 0.2', /5 columns/],
      ['0 a 0.5 0.1 0.1', /not a number/],
      ['0 0.1 0.1 0.2 0.2 0.3 0.3 0.4', /even number/],
    ];
    for (const [text, re] of cases) {
      const r = parseYoloLabels(text, 3);
      expect(r.ok, text).toBe(false);
      if (!r.ok) expect(r.reason).toMatch(re);
    }
  });

  it('tolerates float noise just above 1', () => {
    expect(parseYoloLabels('0 0.5 0.5 1.0000001 0.1', 1).ok).toBe(true);
    expect(parseYoloLabels('0 0.5 0.5 1.001 0.1', 1).ok).toBe(false);
  });
});

describe('labelPathFor', () => {
  it('swaps the last /images/ for /labels/ and the extension for .txt', () => {
    expect(labelPathFor('/d/images/train/a.jpg')).toBe('/d/labels/train/a.txt');
    expect(labelPathFor('/images/x/images/b.png')).toBe('/images/x/labels/b.txt');
    expect(labelPathFor('/d/pics/c.jpeg')).toBe('/d/pics/c.txt');
  });
});
