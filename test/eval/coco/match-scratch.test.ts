/**
 * matchCategory keeps per-image buffers that start small (16 detections, 16 ground truths) and grow. Images with
 * more detections or ground truths than that must be matched like any other: every detection's area is checked
 * against the range, and every ignored ground truth (here a crowd listed after 18 regular ones) stays ignored.
 */
import { describe, expect, it } from 'vitest';
import { cocoEvaluate, type CocoDataset, type CocoResult } from '../../../src/eval/coco/index.js';
import { referenceCocoEval } from './reference-cocoeval.js';

type Box = [number, number, number, number];
const data = (gts: { box: Box; crowd?: boolean }[]): CocoDataset => ({
  images: [{ id: 1, file_name: '1.jpg', width: 640, height: 640 }],
  categories: [{ id: 1, name: 'a' }],
  annotations: gts.map((g, i) => ({ id: i + 1, image_id: 1, category_id: 1, bbox: g.box, area: g.box[2] * g.box[3], iscrowd: g.crowd ? 1 : 0 })),
});
const det = (box: Box, score: number): CocoResult => ({ image_id: 1, category_id: 1, bbox: box, score });

describe('images with more than 16 detections or ground truths', () => {
  it('20 small false positives before the one large true positive are all outside "large"', () => {
    const d = data([{ box: [0, 0, 100, 100] }]);
    const results = [...Array.from({ length: 20 }, (_, i) => det([200 + 6 * i, 300, 5, 5], 0.9 - i / 100)), det([0, 0, 100, 100], 0.1)];
    const s = cocoEvaluate({ dataset: d, results }).stats;
    expect(s.APl).toBeCloseTo(1, 14); // the small ones are ignored there
    expect(s.AP).toBeCloseTo(1 / 21, 14); // in "all" they rank first: precision 1/21 at recall 1
    Object.values(s).forEach((v, i) => expect(v).toBeCloseTo(referenceCocoEval(d, results)[i]!, 14));
  });

  it('a crowd listed after 18 ground truths still makes the detection inside it ignored', () => {
    const grid: Box[] = Array.from({ length: 18 }, (_, i) => [(i % 6) * 50, Math.floor(i / 6) * 50, 10, 10]);
    const d = data([...grid.map((box) => ({ box })), { box: [0, 300, 100, 100], crowd: true }]);
    const results = [det([10, 310, 20, 20], 0.99), ...grid.map((box, i) => det(box, 0.9 - i / 100))];
    const s = cocoEvaluate({ dataset: d, results }).stats;
    expect(s.AR100).toBe(1); // 18 of 18: the crowd detection is no true positive
    expect(s.AP).toBeCloseTo(1, 14);
    Object.values(s).forEach((v, i) => expect(v).toBeCloseTo(referenceCocoEval(d, results)[i]!, 14));
  });
});
