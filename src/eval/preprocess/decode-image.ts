/**
 * Image decoding (the I/O edge of preprocessing): sharp, EXIF orientation applied (as cv2.imread does),
 * embedded ICC profiles ignored (OpenCV ignores them; converting them shifts pixels by up to 24/255), alpha
 * dropped, grey expanded to RGB, 8 bits per channel. Truncated or corrupt files are errors (sharp's
 * `failOn: 'warning'`), which the pipeline turns into skipped images.
 */
import type { OutputInfo } from 'sharp';
import { ImageDecodeError, MIN_IMAGE_SIDE } from './image-errors.js';
import type { Image8 } from './resize-linear.js';
import { errorMessage } from '../../core/errors.js';

// sharp (libvips) costs about half a second of start-up: load it on the first decode, not at import time.
let sharpModule: Promise<typeof import('sharp')> | undefined;
const loadSharp = () => (sharpModule ??= import('sharp'));

export { ImageDecodeError, MIN_IMAGE_SIDE } from './image-errors.js';

/** Decode an image file to interleaved RGB bytes. Throws ImageDecodeError with a one-line reason. */
export async function decodeImageRgb(file: string): Promise<Image8> {
  let result: { data: Buffer; info: OutputInfo };
  const sharp = (await loadSharp()).default;
  try {
    result = await sharp(file, { failOn: 'warning', ignoreIcc: true }).rotate().removeAlpha().toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  } catch (e) {
    const msg = errorMessage(e, { firstLine: true });
    throw new ImageDecodeError(`cannot decode image (${msg})`);
  }
  const { data, info } = result;
  if (info.width < MIN_IMAGE_SIDE || info.height < MIN_IMAGE_SIDE) throw new ImageDecodeError(`image size ${info.width}x${info.height} is under ${MIN_IMAGE_SIDE} pixels`);
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (info.channels === 3) return { data: bytes, width: info.width, height: info.height, channels: 3 };
  const n = info.width * info.height;
  const rgb = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const v = bytes[i * info.channels]!;
    if (info.channels === 1) { rgb[i * 3] = v; rgb[i * 3 + 1] = v; rgb[i * 3 + 2] = v; }
    else { rgb[i * 3] = v; rgb[i * 3 + 1] = bytes[i * info.channels + 1]!; rgb[i * 3 + 2] = bytes[i * info.channels + 2]!; }
  }
  return { data: rgb, width: info.width, height: info.height, channels: 3 };
}
