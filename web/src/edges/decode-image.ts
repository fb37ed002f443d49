/**
 * Browser twin of the image decoder (src/eval/preprocess/decode-image.ts, sharp in Node): the browser decodes
 * (createImageBitmap, EXIF orientation applied as sharp's rotate() does, no colour-space conversion), an
 * OffscreenCanvas gives the RGBA pixels, and the alpha is dropped. Letterboxing is then the core's.
 */
import { errorMessage } from '../../../src/core/errors.js';
import { ImageDecodeError, MIN_IMAGE_SIDE } from '../../../src/eval/preprocess/image-errors.js';
import type { Image8 } from '../../../src/eval/preprocess/resize-linear.js';
import type { DroppedFile } from '../protocol.js';

/** Decode a browser Blob to interleaved RGB bytes; ImageDecodeError with a one-line reason otherwise. */
export async function decodeBlobRgb(blob: Blob): Promise<Image8> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, { imageOrientation: 'from-image', colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch (e) {
    throw new ImageDecodeError(`cannot decode image (${errorMessage(e)})`);
  }
  const { width, height } = bitmap;
  if (width < MIN_IMAGE_SIDE || height < MIN_IMAGE_SIDE) throw new ImageDecodeError(`image size ${width}x${height} is under ${MIN_IMAGE_SIDE} pixels`);
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true, colorSpace: 'srgb' });
  if (!ctx) throw new ImageDecodeError('cannot decode image (no 2D canvas in this browser)');
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  const rgba = ctx.getImageData(0, 0, width, height, { colorSpace: 'srgb' }).data;
  const n = width * height;
  const rgb = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    rgb[i * 3] = rgba[i * 4]!;
    rgb[i * 3 + 1] = rgba[i * 4 + 1]!;
    rgb[i * 3 + 2] = rgba[i * 4 + 2]!;
  }
  return { data: rgb, width, height, channels: 3 };
}

/** Decode the dropped file at `path`. */
export function decodeDropped(files: readonly DroppedFile[], path: string): Promise<Image8> {
  const f = files.find((d) => d.path === path);
  if (!f) return Promise.reject(new ImageDecodeError(`image ${path} was not dropped`));
  return decodeBlobRgb(f.file);
}
