/**
 * `openCalibrationImages(…, { augment: 'flip' })`: every image is followed by its left-right mirror (2N inputs,
 * N images, said in the description), the mirror is exactly the hand-flipped letterboxed image, and a layer's
 * statistics on it (computed in onnxruntime) are those of the original with the kernel taps mirrored.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../src/core/dtype.js';
import { calibrationImagePaths, decodeImageRgb, letterbox, openCalibrationImages } from '../../src/eval/index.js';
import { collectLayerHessians } from '../../src/runtime/index.js';
import { REPO_ROOT } from '../helpers/fixtures.js';
import { tinyConvNet, toOnnx } from '../helpers/onnx-builder.js';

const DATA = path.join(REPO_ROOT, 'demo', 'data', 'data.yaml');

async function all(it: AsyncIterable<Readonly<Record<string, Tensor>>>): Promise<Float32Array[]> {
  const out = [];
  for await (const f of it) out.push(f.images!.data as Float32Array);
  return out;
}

/** Hand flip of [3, s, s]: x ↦ s − 1 − x. */
function handFlip(data: Float32Array, side: number): Float32Array {
  return Float32Array.from(data, (_, i) => {
    const x = i % side, rest = i - x;
    return data[rest + side - 1 - x]!;
  });
}

describe('calibration augmentation: flip', () => {
  it('feeds each image then its mirror: 2N inputs from N images, said in the description', async () => {
    const paths = await calibrationImagePaths(DATA);
    const cal = await openCalibrationImages(DATA, { images: 3, imgsz: 48, inputName: 'images', augment: 'flip' });
    expect(cal).toMatchObject({ count: 6, images: 3, augment: ['flip'] });
    expect(cal.description).toBe(`3 images of ${DATA} (val split) + their horizontal flips`);
    const feeds = await all(cal.feeds());
    expect(feeds).toHaveLength(6);
    for (let i = 0; i < 3; i++) {
      const want = letterbox(await decodeImageRgb(paths[i]!), 48).data;
      expect(feeds[2 * i]).toEqual(want);
      expect(feeds[2 * i + 1]).toEqual(handFlip(want, 48));
      expect(feeds[2 * i + 1]).not.toEqual(want);
    }
    // Without augmentation: the N images alone, count = images.
    const plain = await openCalibrationImages(DATA, { images: 3, imgsz: 48, inputName: 'images' });
    expect(plain).toMatchObject({ count: 3, images: 3, augment: [] });
    expect(await all(plain.feeds())).toEqual([feeds[0], feeds[2], feeds[4]]);
  });

  it('flip and scale: N·3 inputs, each image followed by its mirror and its 3/4-scale copy in the grey canvas', async () => {
    const paths = await calibrationImagePaths(DATA);
    const cal = await openCalibrationImages(DATA, { images: 2, imgsz: 48, inputName: 'images', augment: ['flip', 'scale', 'flip'] });
    expect(cal).toMatchObject({ count: 6, images: 2, augment: ['flip', 'scale'] });
    expect(cal.description).toBe(`2 images of ${DATA} (val split) + their horizontal flips + copies at 0.75× scale`);
    const feeds = await all(cal.feeds());
    expect(feeds).toHaveLength(6);
    for (let i = 0; i < 2; i++) {
      const img = await decodeImageRgb(paths[i]!);
      expect(feeds[3 * i]).toEqual(letterbox(img, 48).data);
      expect(feeds[3 * i + 1]).toEqual(handFlip(letterbox(img, 48).data, 48));
      const small = letterbox(img, 36).data; // 0.75 × 48
      const scaled = feeds[3 * i + 2]!;
      expect(scaled).toHaveLength(3 * 48 * 48);
      // The 36×36 letterbox sits at offset 6 on both axes; outside it the letterbox grey.
      for (let c = 0; c < 3; c++) for (const [y, x] of [[0, 0], [6, 6], [20, 30], [41, 41], [42, 42], [5, 20]] as const) {
        const inside = y >= 6 && y < 42 && x >= 6 && x < 42;
        expect(scaled[(c * 48 + y) * 48 + x]).toBe(inside ? small[(c * 36 + y - 6) * 36 + x - 6] : Math.fround(114 / 255));
      }
      expect(scaled.every((v) => Math.fround(Math.round(v * 255) / 255) === v)).toBe(true); // still k/255: cached as bytes
    }
  });

  it('rejects an unknown augmentation', async () => {
    await expect(openCalibrationImages(DATA, { imgsz: 32, inputName: 'x', augment: 'rotate' as 'flip' })).rejects.toThrow(/--calib-augment rotate: expected flip, scale/);
  });

  it('a mirrored image gives the original statistics with the kernel taps mirrored (3×3 conv, stride 1, pad 1)', async () => {
    const cal = await openCalibrationImages(DATA, { images: 1, imgsz: 32, inputName: 'images', augment: 'flip' });
    const got: Array<{ mean: Float32Array; gram: Float32Array; count: number }> = [];
    await collectLayerHessians(toOnnx(tinyConvNet()), [{ key: 'k', input: 'images', channels: 3, kernel: [3, 3], group: 1, pads: [1, 1, 1, 1] }], cal.feeds(), (_, s) => {
      got.push({ mean: Float32Array.from(s.mean), gram: Float32Array.from(s.gram), count: s.count });
    }, { threads: 1 });
    expect(got).toHaveLength(2);
    const [a, b] = got as [typeof got[0], typeof got[0]];
    expect(b.count).toBe(a.count);
    const d = 27;
    // Row (c, ky, kx) of the mirror's unfolded input is row (c, ky, 2 − kx) of the original's.
    const mirror = (q: number) => q - (q % 3) + 2 - (q % 3);
    let moved = 0;
    for (let p = 0; p < d; p++) {
      expect(b.mean[p]).toBeCloseTo(a.mean[mirror(p)]!, 5);
      for (let q = 0; q < d; q++) {
        const want = a.gram[mirror(p) * d + mirror(q)]!;
        expect(Math.abs(b.gram[p * d + q]! - want)).toBeLessThan(1e-4 * (1 + Math.abs(want)));
        if (Math.abs(a.gram[p * d + q]! - want) > 1e-2 * (1 + Math.abs(want))) moved++;
      }
    }
    expect(moved).toBeGreaterThan(0); // the mirror really permutes the statistics (a vertical flip would not match)
  });
});
