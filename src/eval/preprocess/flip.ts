/**
 * Horizontal flip of an NCHW image tensor (mirror along the last axis), the label-free augmentation detectors
 * are trained with (Ultralytics `fliplr` 0.5), so a flipped calibration image is an input of the same
 * distribution. Pure: returns a new array.
 */

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
