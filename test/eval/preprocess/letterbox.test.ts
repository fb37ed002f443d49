import { describe, expect, it } from 'vitest';
import { labelsToOriginal, letterbox, letterboxGeometry, scaleBoxesToOriginal } from '../../../src/eval/preprocess/letterbox.js';
import type { Image8 } from '../../../src/eval/preprocess/resize-linear.js';

function solid(width: number, height: number, rgb: [number, number, number]): Image8 {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(rgb, i * 3);
  return { data, width, height, channels: 3 };
}

describe('letterboxGeometry (Ultralytics load_image + LetterBox(scaleup=False))', () => {
  it('640x480 needs no resize: 80 px grey above and below', () => {
    expect(letterboxGeometry(640, 480, 640)).toMatchObject({ resizedWidth: 640, resizedHeight: 480, padLeft: 0, padTop: 80, gain: 1 });
  });

  it('500x333 → long side 640, short side ceil(426.24) = 427, odd padding 106 top / 107 bottom', () => {
    const g = letterboxGeometry(500, 333, 640);
    expect(g).toMatchObject({ resizedWidth: 640, resizedHeight: 427, padLeft: 0, padTop: 106 });
    expect(g.gain).toBe(427 / 333);
  });

  it('portrait 427x640 pads left; 1280x960 halves; a square fills the input', () => {
    expect(letterboxGeometry(427, 640, 640)).toMatchObject({ resizedWidth: 427, padLeft: 106, padTop: 0 });
    expect(letterboxGeometry(1280, 960, 640)).toMatchObject({ resizedWidth: 640, resizedHeight: 480, padTop: 80, gain: 0.5 });
    expect(letterboxGeometry(300, 300, 320)).toMatchObject({ resizedWidth: 320, resizedHeight: 320, padLeft: 0, padTop: 0 });
  });
});

describe('letterbox', () => {
  it('writes RGB planes /255 with grey 114 padding', () => {
    const { data, geometry } = letterbox(solid(32, 16, [255, 51, 0]), 32);
    expect(geometry.padTop).toBe(8);
    const plane = 32 * 32;
    expect(data.length).toBe(3 * plane);
    const grey = Math.fround(114 / 255);
    expect([data[0], data[plane], data[2 * plane]]).toEqual([grey, grey, grey]);
    const inside = 8 * 32 + 5;
    expect([data[inside], data[plane + inside], data[2 * plane + inside]]).toEqual([1, Math.fround(51 / 255), 0]);
    expect(data[(32 - 8) * 32]).toBe(grey);
    expect(data[(32 - 9) * 32]).toBe(1);
  });

  it('fills a given output buffer completely (reuse leaves no stale pixels)', () => {
    const out = new Float32Array(3 * 16 * 16).fill(7);
    const r = letterbox(solid(16, 8, [0, 0, 0]), 16, out);
    expect(r.data).toBe(out);
    expect(out.every((v) => v === 0 || v === Math.fround(114 / 255))).toBe(true);
    expect(() => letterbox(solid(16, 8, [0, 0, 0]), 32, out)).toThrow(/expected 3072/);
  });

  it('does not modify its input', () => {
    const img = solid(20, 10, [1, 2, 3]);
    const copy = img.data.slice();
    letterbox(img, 40);
    expect(img.data).toEqual(copy);
  });
});

describe('scaleBoxesToOriginal / labelsToOriginal', () => {
  it('removes the padding, divides by the height gain, clips to the image', () => {
    const g = letterboxGeometry(640, 480, 640);
    const out = scaleBoxesToOriginal(Float32Array.from([10, 90, 100, 200, -5, 70, 700, 600]), g);
    expect(Array.from(out)).toEqual([10, 10, 100, 120, 0, 0, 640, 480]);
  });

  it('uses the height ratio for x too (Ultralytics ratio_pad), so x can differ from the width ratio', () => {
    const g = letterboxGeometry(500, 333, 640);
    const out = scaleBoxesToOriginal(Float32Array.from([0, 106, 640, 533]), g);
    expect(out[0]).toBe(0);
    expect(out[1]).toBe(0);
    expect(out[2]).toBeCloseTo((640 * 333) / 427, 3); // 499.1, not 500
    expect(out[3]).toBeCloseTo(333, 3);
    const gt = labelsToOriginal(Float32Array.from([0.5, 0.5, 1, 1]), g);
    expect(gt[2]).toBeCloseTo((640 * 333) / 427, 4);
    expect(gt[3]).toBeCloseTo(333, 4);
  });

  it('round-trips boxes when the letterbox is a pure shift', () => {
    const g = letterboxGeometry(480, 640, 640);
    const orig = [12.5, 30, 200.25, 600];
    const net = Float32Array.from([orig[0]! + g.padLeft, orig[1]!, orig[2]! + g.padLeft, orig[3]!]);
    expect(Array.from(scaleBoxesToOriginal(net, g))).toEqual(orig);
  });
});
