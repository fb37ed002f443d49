/**
 * Rules of weight-asym.ts the first tests left open: the clip search really clips (a channel whose values sit on
 * the grid of a 5% narrower range, with one value beyond it), at either end; ties among equal residuals in the
 * downward direction go by index too; a channel along a middle axis is quantized from its own strided values.
 */
import { describe, expect, it } from 'vitest';
import { asymmetricParams } from '../../src/quantize/params.js';
import { ASYM_CLIPS, asymChannelParams, asymCode, asymError, preserveSum, quantizeWeightsAsymmetric } from '../../src/quantize/weight-asym.js';

const unit = { scale: 1, zeroPoint: 0, dtype: 'int8' as const };

describe('asymChannelParams: the clip search', () => {
  // 2560 values on the int8 grid of [0, 0.95] and one value 1: clipping the top to 0.95 costs 0.05² for the 1 and
  // nothing for the others; the full range [0, 1] rounds every grid value
  const grid = asymmetricParams(0, 0.95, 'int8');
  const values = Float32Array.from({ length: 2561 }, (_, i) => (i === 0 ? 1 : (i % 256) * grid.scale));
  it('clips the top end when that lowers the squared error', () => {
    const full = asymmetricParams(0, 1, 'int8');
    expect(asymError(values, grid)).toBeCloseTo(0.05 ** 2, 6);
    expect(asymError(values, full)).toBeGreaterThan(0.003);
    expect(asymChannelParams(values)).toEqual(grid);
    for (const b of ASYM_CLIPS) expect(asymError(values, grid)).toBeLessThanOrEqual(asymError(values, asymmetricParams(0, b, 'int8'))); // the bottom end is 0: its clips change nothing
  });
  it('and the bottom end, mirrored', () => {
    const neg = values.map((v) => -v);
    expect(asymChannelParams(neg)).toEqual(asymmetricParams(-0.95, 0, 'int8'));
    // with only the unclipped pair to try, the full range stays
    expect(asymChannelParams(neg, [1])).toEqual(asymmetricParams(-1, 0, 'int8'));
  });
});

describe('preserveSum: ties', () => {
  it('downward too, equal residuals move by index', () => {
    expect([...preserveSum(Float32Array.of(-0.45, -0.45, -0.45, -0.45), Int8Array.of(0, 0, 0, 0), unit)]).toEqual([-1, -1, 0, 0]);
    const many = Float32Array.from({ length: 12 }, (_, i) => (i % 3 === 0 ? -0.3 : -0.45)); // sum −4.8 → 5 moves
    expect([...preserveSum(many, new Int8Array(12), unit)]).toEqual([0, -1, -1, 0, -1, -1, 0, -1, 0, 0, 0, 0]);
  });
});

describe('quantizeWeightsAsymmetric along a middle axis', () => {
  it('each channel of [2, 3, 2] along axis 1 is its own 4 strided values, quantized and sum-rounded on their own', () => {
    const w = Float32Array.from({ length: 12 }, (_, i) => Math.sin(i * 1.3) * (1 + i));
    w[0] = -20; // channel 0's range comes from the first outer block: a channel read one block off is told apart
    const q = quantizeWeightsAsymmetric(w, [2, 3, 2], 1);
    for (let c = 0; c < 3; c++) {
      const idx = [0, 1].flatMap((o) => [0, 1].map((k) => (o * 3 + c) * 2 + k));
      const v = Float32Array.from(idx, (i) => w[i]!);
      const p = asymChannelParams(v);
      expect([q.scales[c], q.zeroPoints[c]]).toEqual([p.scale, p.zeroPoint]);
      const expected = preserveSum(v, Int8Array.from(v, (x) => asymCode(x, p)), p);
      expect(idx.map((i) => q.data[i])).toEqual([...expected]);
    }
  });
});
