import { describe, expect, it } from 'vitest';
import type { ImageDetections, ImageLabels } from '../../src/eval/contract.js';
import { map50Of, OutputError, pseudoLabels, PSEUDO_LABEL_CONF, ranks, spearman } from '../../src/search/proxy.js';

const det = (imageId: string, rows: Array<[number, number, number, number, number, number]>): ImageDetections => ({
  imageId,
  boxesXyxy: Float32Array.from(rows.flatMap((r) => r.slice(0, 4))),
  scores: Float32Array.from(rows.map((r) => r[4])),
  classes: Int32Array.from(rows.map((r) => r[5])),
});
const like: ImageLabels[] = [{ imageId: 'a', boxesXyxy: new Float32Array(), classes: new Int32Array(), width: 100, height: 80 }];

describe('pseudoLabels', () => {
  it('keeps detections with score ≥ 0.25 (the boundary included) and the image size of the labels', () => {
    const d = det('a', [[0, 0, 10, 10, PSEUDO_LABEL_CONF, 1], [5, 5, 20, 20, Math.fround(0.2499), 2], [1, 2, 3, 4, 0.9, 0]]);
    const [p] = pseudoLabels([d], like);
    expect(Array.from(p!.classes)).toEqual([1, 0]);
    expect(Array.from(p!.boxesXyxy)).toEqual([0, 0, 10, 10, 1, 2, 3, 4]);
    expect([p!.width, p!.height]).toEqual([100, 80]);
  });
});

describe('agreement (mAP50 against pseudo labels)', () => {
  const original = det('a', [[10, 10, 50, 50, 0.9, 0], [60, 10, 90, 40, 0.8, 1]]);
  const names = ['x', 'y'];
  const pseudo = pseudoLabels([original], like);
  it('is (close to) 1 for the original itself and falls when a confident box is lost or changes class', () => {
    const self = map50Of(pseudo, [original], names).map50;
    expect(self).toBeGreaterThan(0.99);
    const lost = map50Of(pseudo, [det('a', [[10, 10, 50, 50, 0.9, 0]])], names).map50;
    const swapped = map50Of(pseudo, [det('a', [[10, 10, 50, 50, 0.9, 0], [60, 10, 90, 40, 0.8, 0]])], names).map50;
    expect(lost).toBeLessThan(self - 0.4);
    expect(swapped).toBeLessThan(self - 0.4);
    // A box that moves a little (IoU > 0.5) still agrees.
    expect(map50Of(pseudo, [det('a', [[12, 10, 52, 50, 0.9, 0], [60, 10, 90, 40, 0.8, 1]])], names).map50).toBeCloseTo(self, 6);
  });
});

describe('OutputError', () => {
  it('is the relative L2 distance over all images', () => {
    const e = new OutputError();
    e.add(Float32Array.of(3, 4), Float32Array.of(3, 4));
    e.add(Float32Array.of(0, 0), Float32Array.of(0, 5));
    expect(e.value()).toBeCloseTo(1, 12); // sqrt(25 / 25)
    const f = new OutputError();
    f.add(Float32Array.of(1, 0), Float32Array.of(1, 0.1));
    expect(f.value()).toBeCloseTo(0.1, 6);
    expect(() => f.add(Float32Array.of(1), Float32Array.of(1, 2))).toThrow(RangeError);
  });
});

describe('ranks and spearman', () => {
  it('averages tied ranks', () => {
    expect(ranks([10, 20, 20, 5])).toEqual([2, 3.5, 3.5, 1]);
  });
  it('is 1 for any increasing relation, -1 for a decreasing one, NaN when constant', () => {
    expect(spearman([1, 2, 3, 4], [1, 8, 27, 64])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    expect(spearman([1, 1, 1], [1, 2, 3])).toBeNaN();
  });
  it('matches the textbook value with ties', () => {
    // Pearson on ranks: a = [1, 2.5, 2.5, 4], b = [1, 2, 3, 4] → 0.9486833
    expect(spearman([1, 2, 2, 3], [10, 20, 30, 40])).toBeCloseTo(0.9486833, 6);
  });
});
