/**
 * Ultralytics' validation preprocessing for a square input (ONNX models, batch 1), and its inverse:
 * 1. `BaseDataset.load_image`: resize the long side to `imgsz` (other side `ceil`, capped at imgsz) with
 *    INTER_LINEAR, unless it already is;
 * 2. `LetterBox(scaleup=False, center=True)`: pad to imgsz×imgsz with grey 114, left/top = round(d - 0.1),
 *    right/bottom = round(d + 0.1) for half-paddings d;
 * 3. RGB, /255, CHW float32.
 * Boxes go back with `scale_boxes`: subtract (left, top), divide by the *height* ratio h_resized / h0 (what
 * Ultralytics' ratio_pad carries), clip to the original image.
 */
import { resizeBilinearCv, type Image8 } from './resize-linear.js';

export const PAD_VALUE = 114;

export interface LetterboxGeometry {
  /** Original (EXIF-oriented) image size, px. */
  originalWidth: number;
  originalHeight: number;
  /** Size after the long-side resize, px. */
  resizedWidth: number;
  resizedHeight: number;
  /** Padding added on the left and top, px. */
  padLeft: number;
  padTop: number;
  /** Square network input side, px. */
  size: number;
  /** Ultralytics' inverse gain: resizedHeight / originalHeight. */
  gain: number;
}

/** The geometry of letterboxing a `width`×`height` image into `size`×`size`. */
export function letterboxGeometry(width: number, height: number, size: number): LetterboxGeometry {
  const r = size / Math.max(height, width);
  let rw = width, rh = height;
  if (r !== 1) {
    rw = Math.min(Math.ceil(width * r), size);
    rh = Math.min(Math.ceil(height * r), size);
  }
  // LetterBox with scaleup=False on the resized image: the long side already equals size, so no second resize.
  const r2 = Math.min(size / rh, size / rw, 1);
  const uw = Math.round(rw * r2), uh = Math.round(rh * r2);
  const dw = (size - uw) / 2, dh = (size - uh) / 2;
  return {
    originalWidth: width, originalHeight: height, resizedWidth: uw, resizedHeight: uh,
    padLeft: Math.round(dw - 0.1) + 0, padTop: Math.round(dh - 0.1) + 0, size, gain: rh / height, // + 0: no -0
  };
}

const INV255 = Float32Array.from({ length: 256 }, (_, v) => v / 255);

/**
 * Letterbox an RGB image into a [1,3,size,size] float32 tensor (values /255). Returns the tensor data and
 * the geometry for mapping boxes back. `out` (3·size² floats) is filled and returned instead of a new array,
 * to spare a 5 MB allocation per image.
 */
export function letterbox(image: Image8, size: number, out?: Float32Array): { data: Float32Array; geometry: LetterboxGeometry } {
  if (image.channels !== 3) throw new RangeError(`letterbox expects 3 channels, got ${image.channels}`);
  const g = letterboxGeometry(image.width, image.height, size);
  const resized = g.resizedWidth === image.width && g.resizedHeight === image.height ? image : resizeBilinearCv(image, g.resizedWidth, g.resizedHeight);
  const plane = size * size;
  if (out && out.length !== 3 * plane) throw new RangeError(`letterbox: out has ${out.length} floats, expected ${3 * plane}`);
  const data = out ?? new Float32Array(3 * plane);
  const grey = INV255[PAD_VALUE]!;
  const src = resized.data;
  const w = resized.width, h = resized.height;
  const right = g.padLeft + w;
  // Grey outside the image (top and bottom bands, left and right margins), then one pass over the pixels
  // writing the three planes (measured faster than a pass per channel).
  for (let c = 0; c < 3; c++) {
    const base = c * plane;
    data.fill(grey, base, base + g.padTop * size);
    data.fill(grey, base + (g.padTop + h) * size, base + plane);
    if (g.padLeft > 0 || right < size) {
      for (let y = 0; y < h; y++) {
        const row = base + (y + g.padTop) * size;
        data.fill(grey, row, row + g.padLeft);
        data.fill(grey, row + right, row + size);
      }
    }
  }
  const p2 = 2 * plane;
  for (let y = 0; y < h; y++) {
    let s = y * w * 3;
    let o = (y + g.padTop) * size + g.padLeft;
    for (let x = 0; x < w; x++, s += 3, o++) {
      data[o] = INV255[src[s]!]!;
      data[o + plane] = INV255[src[s + 1]!]!;
      data[o + p2] = INV255[src[s + 2]!]!;
    }
  }
  return { data, geometry: g };
}

/**
 * Map [K,4] x1y1x2y2 boxes from network-input pixels to original pixels (Ultralytics `scale_boxes` + clip,
 * in float32 like torch). Returns a new array.
 */
export function scaleBoxesToOriginal(boxesXyxy: Float32Array, g: LetterboxGeometry): Float32Array {
  const out = new Float32Array(boxesXyxy.length);
  const f = Math.fround;
  const gain = f(g.gain);
  for (let i = 0; i < boxesXyxy.length; i += 4) {
    const x1 = f(f(boxesXyxy[i]! - g.padLeft) / gain);
    const y1 = f(f(boxesXyxy[i + 1]! - g.padTop) / gain);
    const x2 = f(f(boxesXyxy[i + 2]! - g.padLeft) / gain);
    const y2 = f(f(boxesXyxy[i + 3]! - g.padTop) / gain);
    out[i] = Math.min(Math.max(x1, 0), g.originalWidth);
    out[i + 1] = Math.min(Math.max(y1, 0), g.originalHeight);
    out[i + 2] = Math.min(Math.max(x2, 0), g.originalWidth);
    out[i + 3] = Math.min(Math.max(y2, 0), g.originalHeight);
  }
  return out;
}

/**
 * Ground truth in original pixels the way Ultralytics' validator derives it from normalised labels: boxes go
 * through the letterboxed frame and back with `scale_boxes`, so x is scaled by resizedWidth / gain (not the
 * original width) — identical unless the long-side resize rounded the short side up.
 */
export function labelsToOriginal(boxesCxcywh: Float32Array, g: LetterboxGeometry): Float32Array {
  const out = new Float32Array(boxesCxcywh.length);
  const sx = g.resizedWidth / g.gain, sy = g.resizedHeight / g.gain;
  for (let i = 0; i < boxesCxcywh.length; i += 4) {
    const cx = boxesCxcywh[i]!, cy = boxesCxcywh[i + 1]!, hw = boxesCxcywh[i + 2]! / 2, hh = boxesCxcywh[i + 3]! / 2;
    out[i] = Math.min(Math.max((cx - hw) * sx, 0), g.originalWidth);
    out[i + 1] = Math.min(Math.max((cy - hh) * sy, 0), g.originalHeight);
    out[i + 2] = Math.min(Math.max((cx + hw) * sx, 0), g.originalWidth);
    out[i + 3] = Math.min(Math.max((cy + hh) * sy, 0), g.originalHeight);
  }
  return out;
}
