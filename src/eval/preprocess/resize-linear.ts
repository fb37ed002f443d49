/**
 * Bilinear resize of 8-bit interleaved images with OpenCV's `cv2.resize(..., INTER_LINEAR)` arithmetic, so
 * that letterboxed tensors match Ultralytics' bit for bit (sharp's resize does not): half-pixel centres
 * (`src = (dst + 0.5) * scale - 0.5`, computed in float32), 11-bit fixed-point weights rounded half-to-even,
 * an exact horizontal pass into int32, and OpenCV's 8U vertical pass `((b0*(S0>>4))>>16 + (b1*(S1>>4))>>16 + 2)>>2`.
 * An exact 2× downscale in both directions takes OpenCV's INTER_AREA shortcut (2×2 mean, rounded), as it does.
 */

export interface Image8 {
  /** [height, width, channels] interleaved bytes. */
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

const COEF_SCALE = 2048;

/** Round half to even, like cvRound / lrint. */
function roundEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

interface AxisTaps {
  /** First source index (clamped) per destination index. */
  index: Int32Array;
  /** Weights of index and index+1, fixed point ×2048. */
  w0: Int32Array;
  w1: Int32Array;
}

/** Source taps for one axis. `clampFraction` mirrors OpenCV: x-axis fractions are zeroed at the borders. */
function axisTaps(srcSize: number, dstSize: number, scale: number, clampFraction: boolean): AxisTaps {
  const index = new Int32Array(dstSize);
  const w0 = new Int32Array(dstSize);
  const w1 = new Int32Array(dstSize);
  for (let d = 0; d < dstSize; d++) {
    let f = Math.fround((d + 0.5) * scale - 0.5);
    let s = Math.floor(f);
    f = Math.fround(f - s);
    if (clampFraction) {
      if (s < 0) { f = 0; s = 0; }
      if (s >= srcSize - 1) { f = 0; s = srcSize - 1; }
    }
    index[d] = s;
    w0[d] = roundEven(Math.fround(1 - f) * COEF_SCALE);
    w1[d] = roundEven(f * COEF_SCALE);
  }
  return { index, w0, w1 };
}

function resizeArea2x(src: Image8, width: number, height: number): Image8 {
  const { data, channels: cn } = src;
  const out = new Uint8Array(width * height * cn);
  const sstride = src.width * cn;
  for (let y = 0; y < height; y++) {
    const r0 = 2 * y * sstride, r1 = r0 + sstride;
    let o = y * width * cn;
    for (let x = 0; x < width; x++) {
      const c0 = 2 * x * cn;
      for (let c = 0; c < cn; c++) {
        const i = c0 + c;
        out[o++] = (data[r0 + i]! + data[r0 + i + cn]! + data[r1 + i]! + data[r1 + i + cn]! + 2) >> 2;
      }
    }
  }
  return { data: out, width, height, channels: cn };
}

/** Resize `src` to `width`×`height` exactly as `cv2.resize(src, (width, height), interpolation=cv2.INTER_LINEAR)`. */
export function resizeBilinearCv(src: Image8, width: number, height: number): Image8 {
  const { data, channels: cn } = src;
  if (width === src.width && height === src.height) return { data: data.slice(), width, height, channels: cn };
  // OpenCV derives the scale as 1 / (dst / src) in double precision.
  const scaleX = 1 / (width / src.width);
  const scaleY = 1 / (height / src.height);
  if (scaleX === 2 && scaleY === 2) return resizeArea2x(src, width, height);
  const xt = axisTaps(src.width, width, scaleX, true);
  const yt = axisTaps(src.height, height, scaleY, false);
  const rowLen = width * cn;
  // Horizontal pass per source row, cached by row index (each source row is used by at most a few dst rows).
  const rowCache = new Map<number, Int32Array>();
  const hrow = (sy: number): Int32Array => {
    let r = rowCache.get(sy);
    if (r) return r;
    r = new Int32Array(rowLen);
    const base = sy * src.width * cn;
    for (let x = 0; x < width; x++) {
      const s = base + xt.index[x]! * cn;
      const a0 = xt.w0[x]!, a1 = xt.w1[x]!;
      const o = x * cn;
      if (a1 === 0) for (let c = 0; c < cn; c++) r[o + c] = data[s + c]! * a0;
      else for (let c = 0; c < cn; c++) r[o + c] = data[s + c]! * a0 + data[s + c + cn]! * a1;
    }
    rowCache.set(sy, r);
    return r;
  };
  const out = new Uint8Array(rowLen * height);
  const maxRow = src.height - 1;
  for (let y = 0; y < height; y++) {
    const sy = yt.index[y]!;
    const s0 = hrow(Math.min(Math.max(sy, 0), maxRow));
    const s1 = hrow(Math.min(Math.max(sy + 1, 0), maxRow));
    const b0 = yt.w0[y]!, b1 = yt.w1[y]!;
    const o = y * rowLen;
    for (let i = 0; i < rowLen; i++) {
      const v = (((b0 * (s0[i]! >> 4)) >> 16) + ((b1 * (s1[i]! >> 4)) >> 16) + 2) >> 2;
      out[o + i] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
    // Rows below the current window are never needed again.
    for (const k of rowCache.keys()) if (k < sy) rowCache.delete(k);
  }
  return { data: out, width, height, channels: cn };
}
