/**
 * N:M on a dense k×k conv groups M consecutive input channels at one kernel tap of one output channel (the layout
 * sparse tensor cores prune: KRSC), not M consecutive weights of the ONNX order [C, k_h, k_w] (which would mix the
 * taps of one channel). Stated on a 3×3 conv with C = 8: which weights are kept.
 */
import { describe, expect, it } from 'vitest';
import { nmMask, nmSkipReason, reductionOf } from '../../src/prune/nm.js';

const conv = (o: number, c: number, k: number) => ({ layout: 'conv' as const, dims: [o, c, k, k], groups: 1 });
/** Input channels of output `o` kept (mask 0) at each tap t of a [O, 8, 3, 3] mask. */
const keptChannels = (mask: Uint8Array, o: number) => Array.from({ length: 9 }, (_, t) => [0, 1, 2, 3, 4, 5, 6, 7].filter((c) => !mask[o * 72 + c * 9 + t]));

describe('N:M on k×k convs: M input channels at one tap', () => {
  it('reduction order of a [2, 8, 3, 3] conv: channel fastest, then tap; 8 lanes', () => {
    const r = reductionOf(conv(2, 8, 3))!;
    expect(r).toMatchObject({ size: 72, vectors: 2, lanes: 8 });
    // j = tap·8 + c ↦ flat (o·8 + c)·9 + tap.
    expect([0, 1, 2, 7, 8, 9, 15, 16, 71].map((j) => r.index(1, j))).toEqual([72, 81, 90, 135, 73, 82, 136, 74, 143]);
    expect(Array.from({ length: 72 }, (_, j) => r.index(0, j)).sort((a, b) => a - b)).toEqual(Array.from({ length: 72 }, (_, i) => i));
  });

  it('2:4 on a 3×3 conv with C = 8 keeps, at every tap, the 2 largest of channels 0–3 and of channels 4–7', () => {
    // Output 0: w = flat index + 1 (grows with the channel at every tap): channels 2, 3, 6, 7 stay at every tap.
    // Output 1: w = ±(8 − c)·(tap + 1) (shrinks with the channel): channels 0, 1, 4, 5 stay.
    // Output 2: all equal: ties zero the lowest channels first, so 2, 3, 6, 7 stay.
    const data = new Float32Array(3 * 72);
    for (let c = 0; c < 8; c++) {
      for (let t = 0; t < 9; t++) {
        data[c * 9 + t] = c * 9 + t + 1;
        data[72 + c * 9 + t] = (t % 2 ? -1 : 1) * (8 - c) * (t + 1);
        data[144 + c * 9 + t] = 0.5;
      }
    }
    const mask = nmMask({ dtype: 'float32', dims: [3, 8, 3, 3], data }, conv(3, 8, 3), { n: 2, m: 4 })!;
    expect(keptChannels(mask, 0)).toEqual(Array.from({ length: 9 }, () => [2, 3, 6, 7]));
    expect(keptChannels(mask, 1)).toEqual(Array.from({ length: 9 }, () => [0, 1, 4, 5]));
    expect(keptChannels(mask, 2)).toEqual(Array.from({ length: 9 }, () => [2, 3, 6, 7]));
    expect(mask.reduce((a, b) => a + b, 0)).toBe(108);
  });

  it('the runs follow the magnitudes of one tap, whatever the other taps hold', () => {
    // Output 0, tap 4 (the centre) large for channels 1 and 2 and 5 and 6; every other tap large for 0, 3, 4, 7.
    const data = new Float32Array(72);
    for (let c = 0; c < 8; c++) for (let t = 0; t < 9; t++) data[c * 9 + t] = (t === 4) === [1, 2, 5, 6].includes(c) ? 10 + c : 1 + c / 10;
    const kept = keptChannels(nmMask({ dtype: 'float32', dims: [1, 8, 3, 3], data }, conv(1, 8, 3), { n: 2, m: 4 })!, 0);
    expect(kept).toEqual(Array.from({ length: 9 }, (_, t) => (t === 4 ? [1, 2, 5, 6] : [0, 3, 4, 7])));
    // 1:4 keeps the largest channel of each run of 4 at each tap.
    const one = keptChannels(nmMask({ dtype: 'float32', dims: [1, 8, 3, 3], data }, conv(1, 8, 3), { n: 1, m: 4 })!, 0);
    expect(one).toEqual(Array.from({ length: 9 }, (_, t) => (t === 4 ? [2, 6] : [3, 7])));
  });

  it('a k×k conv whose input channels are not a multiple of M is skipped, even when C·k_h·k_w is', () => {
    const data = new Float32Array(8);
    // [1, 2, 2, 2]: 8 weights per row, but runs of 4 channels do not exist.
    expect(nmMask({ dtype: 'float32', dims: [1, 2, 2, 2], data }, conv(1, 2, 2), { n: 2, m: 4 })).toBeUndefined();
    expect(nmSkipReason(conv(1, 2, 2), { n: 2, m: 4 })).toBe('input channels per group (2) not a multiple of 4');
    expect(nmSkipReason(conv(1, 2, 2), { n: 1, m: 2 })).toBeUndefined();
    expect(nmMask({ dtype: 'float32', dims: [1, 2, 2, 2], data: Float32Array.of(1, 2, 3, 4, 8, 7, 6, 5) }, conv(1, 2, 2), { n: 1, m: 2 })).toEqual(Uint8Array.of(1, 1, 1, 1, 0, 0, 0, 0));
    // The messages of the other layouts and of a 1×1 conv name the reduction size; a grouped ConvTranspose has no axis.
    expect(nmSkipReason({ layout: 'conv', dims: [1, 6, 1, 1], groups: 1 }, { n: 2, m: 4 })).toBe('reduction size not a multiple of 4');
    expect(nmSkipReason({ layout: 'nk', dims: [3, 6], groups: 1 }, { n: 2, m: 4 })).toBe('reduction size not a multiple of 4');
    expect(nmSkipReason({ layout: 'nk', dims: [3, 8], groups: 1 }, { n: 2, m: 4 })).toBeUndefined();
    expect(nmSkipReason({ layout: 'convtranspose', dims: [4, 2, 2, 2], groups: 2 }, { n: 2, m: 4 })).toBe('no N:M reduction axis (grouped ConvTranspose)');
    expect(nmSkipReason(conv(1, 8, 3), { n: 2, m: 4 })).toBeUndefined();
  });
});
