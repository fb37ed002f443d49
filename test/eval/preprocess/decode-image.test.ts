import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeImageRgb, ImageDecodeError } from '../../../src/eval/preprocess/decode-image.js';
import { tempDir } from '../../helpers/fixtures.js';

let dir: string;
beforeAll(async () => {
  dir = await tempDir('prunekit-decode-');
});

describe('decodeImageRgb', () => {
  it('applies EXIF orientation (6 = rotate 90° clockwise)', async () => {
    const file = path.join(dir, 'rot.jpg');
    // 40 wide, 20 tall, left half red, right half blue; orientation 6 shows it 20 wide, 40 tall, red on top.
    const raw = new Uint8Array(40 * 20 * 3);
    for (let y = 0; y < 20; y++) for (let x = 0; x < 40; x++) raw.set(x < 20 ? [255, 0, 0] : [0, 0, 255], (y * 40 + x) * 3);
    await sharp(raw, { raw: { width: 40, height: 20, channels: 3 } }).withMetadata({ orientation: 6 }).jpeg({ quality: 100 }).toFile(file);
    const img = await decodeImageRgb(file);
    expect([img.width, img.height, img.channels]).toEqual([20, 40, 3]);
    expect(img.data[0]).toBeGreaterThan(200);
    expect(img.data[2]).toBeLessThan(50);
    const last = (39 * 20 + 10) * 3;
    expect(img.data[last + 2]).toBeGreaterThan(200);
  });

  it('expands grey images to RGB and drops alpha', async () => {
    const g = path.join(dir, 'grey.png');
    await sharp({ create: { width: 12, height: 12, channels: 3, background: { r: 77, g: 77, b: 77 } } }).greyscale().png().toFile(g);
    const img = await decodeImageRgb(g);
    expect(img.channels).toBe(3);
    expect(Array.from(img.data.subarray(0, 3))).toEqual([77, 77, 77]);
    const a = path.join(dir, 'alpha.png');
    await sharp({ create: { width: 12, height: 12, channels: 4, background: { r: 10, g: 20, b: 30, alpha: 0.5 } } }).png().toFile(a);
    const rgba = await decodeImageRgb(a);
    expect(rgba.data.length).toBe(12 * 12 * 3);
    expect(Array.from(rgba.data.subarray(0, 3))).toEqual([10, 20, 30]);
  });

  it('rejects truncated and non-image files, and images under 10 px', async () => {
    const good = await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 1, g: 2, b: 3 } } }).jpeg().toBuffer();
    const cut = path.join(dir, 'cut.jpg');
    await writeFile(cut, good.subarray(0, Math.floor(good.length / 2)));
    await expect(decodeImageRgb(cut)).rejects.toBeInstanceOf(ImageDecodeError);
    const junk = path.join(dir, 'junk.jpg');
    await writeFile(junk, 'not an image');
    await expect(decodeImageRgb(junk)).rejects.toThrow(/cannot decode image/);
    const tiny = path.join(dir, 'tiny.png');
    await sharp({ create: { width: 9, height: 30, channels: 3, background: { r: 0, g: 0, b: 0 } } }).png().toFile(tiny);
    await expect(decodeImageRgb(tiny)).rejects.toThrow(/under 10 pixels/);
  });
});
