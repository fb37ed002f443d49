/**
 * Label-free augmentations of a letterboxed NCHW image tensor that keep its shape, for calibration: views the
 * detector was trained on (Ultralytics: `fliplr` 0.5, `scale` ±0.5), so they are inputs of the same
 * distribution. Pure: new arrays.
 */
import { PAD_VALUE } from './letterbox.js';

/** `data` [N, C, H, W] mirrored along W: out[n, c, y, x] = data[n, c, y, W − 1 − x]. */
export function flipWidth(data: Float32Array, dims: readonly number[]): Float32Array {
  const w = dims[dims.length - 1];
  const count = dims.reduce((a, b) => a * b, 1);
  if (dims.length < 2 || w === undefined || count !== data.length) {
    throw new RangeError(`flipWidth: ${data.length} values do not match dims [${dims.join(',')}]`);
  }
  const out = new Float32Array(data.length);
  for (let row = 0; row < data.length; row += w) {
    for (let x = 0; x < w; x++) out[row + x] = data[row + w - 1 - x]!;
  }
  return out;
}

/**
 * A [1, 3, inner, inner] image placed in the middle of a [1, 3, size, size] canvas of the letterbox grey
 * (offset ⌊(size − inner)/2⌋ on both axes): the picture at inner/size of its scale, as a letterbox with more
 * padding.
 */
export function padCentred(data: Float32Array, inner: number, size: number): Float32Array {
  if (!(Number.isInteger(inner) && inner >= 1 && inner <= size) || data.length !== 3 * inner * inner) {
    throw new RangeError(`padCentred: ${data.length} values are not a [1,3,${inner},${inner}] image fitting in ${size}×${size}`);
  }
  const out = new Float32Array(3 * size * size).fill(PAD_VALUE / 255);
  const off = Math.floor((size - inner) / 2);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < inner; y++) {
      const src = (c * inner + y) * inner, dst = (c * size + y + off) * size + off;
      out.set(data.subarray(src, src + inner), dst);
    }
  }
  return out;
}
