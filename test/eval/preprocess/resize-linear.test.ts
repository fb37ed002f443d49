import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resizeBilinearCv, type Image8 } from '../../../src/eval/preprocess/resize-linear.js';

const gray = (width: number, height: number, values: number[]): Image8 => ({ data: Uint8Array.from(values), width, height, channels: 1 });

/** Plain float bilinear with OpenCV's half-pixel centres and border clamping (the reference for ±1 agreement). */
function floatBilinear(src: Image8, w: number, h: number): number[] {
  const out: number[] = [];
  const sx = src.width / w, sy = src.height / h;
  const at = (x: number, y: number, c: number): number => src.data[(Math.min(Math.max(y, 0), src.height - 1) * src.width + Math.min(Math.max(x, 0), src.width - 1)) * src.channels + c]!;
  for (let y = 0; y < h; y++) {
    const fy = (y + 0.5) * sy - 0.5, y0 = Math.floor(fy), ty = fy - y0;
    for (let x = 0; x < w; x++) {
      const fx = (x + 0.5) * sx - 0.5;
      let x0 = Math.floor(fx);
      let tx = fx - x0;
      if (x0 < 0) { x0 = 0; tx = 0; }
      if (x0 >= src.width - 1) { x0 = src.width - 1; tx = 0; }
      for (let c = 0; c < src.channels; c++) {
        const top = at(x0, y0, c) * (1 - tx) + at(x0 + 1, y0, c) * tx;
        const bot = at(x0, y0 + 1, c) * (1 - tx) + at(x0 + 1, y0 + 1, c) * tx;
        out.push(top * (1 - ty) + bot * ty);
      }
    }
  }
  return out;
}

describe('resizeBilinearCv (OpenCV INTER_LINEAR, 8-bit fixed point)', () => {
  it('upscales a row with half-pixel centres and clamped borders (hand-computed)', () => {
    // dst x=1 samples src 0.25 → weights 1536/512 of 2048: (100·512·128·… ) → ((2048·3200)>>16 + 2)>>2 = 25
    expect(Array.from(resizeBilinearCv(gray(2, 1, [0, 100]), 4, 1).data)).toEqual([0, 25, 75, 100]);
  });

  it('upscales a column the same way (rows clamped, fractions not)', () => {
    expect(Array.from(resizeBilinearCv(gray(1, 2, [0, 100]), 1, 4).data)).toEqual([0, 25, 75, 100]);
  });

  it('downscales 3 → 2 (scale 1.5): samples at 0.25 and 1.75', () => {
    expect(Array.from(resizeBilinearCv(gray(3, 1, [0, 100, 200]), 2, 1).data)).toEqual([25, 175]);
  });

  it('truncates in the vertical pass as OpenCV does: column [0, 5] → 5 rows gives 4 where float bilinear gives 4.5', () => {
    // row 3 samples 0.9: weights 205/1843; S1 = 5·2048 → (1843·(10240>>4))>>16 = 17 → (17 + 2)>>2 = 4
    expect(Array.from(resizeBilinearCv(gray(1, 2, [0, 5]), 1, 5).data)).toEqual([0, 1, 3, 4, 5]);
  });

  it('takes the 2×2 mean for an exact 2× downscale (OpenCV switches to INTER_AREA)', () => {
    expect(Array.from(resizeBilinearCv(gray(4, 2, [0, 4, 8, 12, 2, 6, 10, 15]), 2, 1).data)).toEqual([3, 11]);
  });

  it('keeps channels interleaved and independent', () => {
    const rgb: Image8 = { data: Uint8Array.from([0, 10, 200, 100, 30, 0]), width: 2, height: 1, channels: 3 };
    expect(Array.from(resizeBilinearCv(rgb, 4, 1).data)).toEqual([0, 10, 200, 25, 15, 150, 75, 25, 50, 100, 30, 0]);
  });

  it('returns a copy for the identity size', () => {
    const src = gray(2, 2, [1, 2, 3, 4]);
    const out = resizeBilinearCv(src, 2, 2);
    expect(Array.from(out.data)).toEqual([1, 2, 3, 4]);
    expect(out.data).not.toBe(src.data);
  });

  it('agrees with float bilinear within 1 level and stays within the source range (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 13 }), fc.integer({ min: 1, max: 13 }),
        fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 81, maxLength: 81 }),
        (sw, sh, dw, dh, pool) => {
          const src = gray(sw, sh, pool.slice(0, sw * sh));
          if (dw * 2 === sw && dh * 2 === sh) return;
          const got = Array.from(resizeBilinearCv(src, dw, dh).data);
          const ref = floatBilinear(src, dw, dh);
          const lo = Math.min(...src.data), hi = Math.max(...src.data);
          got.forEach((v, i) => {
            expect(Math.abs(v - ref[i]!)).toBeLessThanOrEqual(1);
            expect(v).toBeGreaterThanOrEqual(lo);
            expect(v).toBeLessThanOrEqual(hi);
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});
