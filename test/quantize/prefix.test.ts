import { describe, expect, it } from 'vitest';
import { chooseFloatPrefix, DB_PER_LAYER, prefixSizes } from '../../src/quantize/prefix.js';

describe('prefixSizes', () => {
  it('0 to a quarter of the layers in steps of 2 (LeYOLO-Nano: 116 ranked layers → 0 … 28)', () => {
    expect(prefixSizes(116)).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28]);
    expect(prefixSizes(8)).toEqual([0, 2]);
    expect(prefixSizes(3)).toEqual([0]);
    expect(prefixSizes(20, 0.5, 5)).toEqual([0, 5, 10]);
  });
});

describe('chooseFloatPrefix', () => {
  const steps = [{ floatLayers: 0, sqnrDb: 6.4 }, { floatLayers: 12, sqnrDb: 11.0 }, { floatLayers: 14, sqnrDb: 13 }, { floatLayers: 30, sqnrDb: 14 }];
  it('the highest SQNR − dbPerLayer · floatLayers: each float layer must buy dbPerLayer dB', () => {
    expect(DB_PER_LAYER).toBe(0.25);
    expect(chooseFloatPrefix(steps)).toBe(14); // 6.4, 8, 9.5, 6.5
    expect(chooseFloatPrefix(steps, 0)).toBe(30); // SQNR alone
    expect(chooseFloatPrefix(steps, 7)).toBe(0);
    // 14 → 30 gains 1 dB for 16 layers: 1/16 dB per layer is the tie (the shorter wins), a hair less takes 30
    expect(chooseFloatPrefix(steps, 1 / 16)).toBe(14);
    expect(chooseFloatPrefix(steps, 1 / 16 - 2 ** -20)).toBe(30);
    expect(chooseFloatPrefix(steps, 1 / 16 + 2 ** -20)).toBe(14);
    // 10 → 12 gains 2 dB for 2 layers: 1 dB per layer is the tie
    const two = [{ floatLayers: 12, sqnrDb: 22 }, { floatLayers: 10, sqnrDb: 20 }];
    expect(chooseFloatPrefix(two, 1)).toBe(10);
    expect(chooseFloatPrefix(two, 1 - 2 ** -20)).toBe(12);
  });
  it('ties go to the shorter prefix in any order; a lone probe is chosen; no probes → 0', () => {
    const tie = [{ floatLayers: 4, sqnrDb: 11 }, { floatLayers: 2, sqnrDb: 10.5 }, { floatLayers: 6, sqnrDb: 11.5 }];
    expect(chooseFloatPrefix(tie)).toBe(2);
    expect(chooseFloatPrefix([...tie].reverse())).toBe(2);
    expect(chooseFloatPrefix([{ floatLayers: 6, sqnrDb: -3 }])).toBe(6);
    expect(chooseFloatPrefix([{ floatLayers: 0, sqnrDb: 42 }, { floatLayers: 2, sqnrDb: 42.5 }])).toBe(0);
    expect(chooseFloatPrefix([])).toBe(0);
  });
  it('the measured curves: LeYOLO-Nano keeps 13 (14 is never a candidate: it mixes /model.6/Add), yolov5n_ppe 2', () => {
    const ley = [[0, 6.4], [12, 11.6], [13, 12.8], [16, 12.5], [28, 13.1]].map(([floatLayers, sqnrDb]) => ({ floatLayers: floatLayers!, sqnrDb: sqnrDb! }));
    expect(chooseFloatPrefix(ley)).toBe(13);
    const v5 = [[0, 35.3], [2, 37.9], [4, 37.4], [6, 37.5], [8, 38.4], [10, 38.8], [12, 38.9], [14, 39.4], [16, 40.1]].map(([floatLayers, sqnrDb]) => ({ floatLayers: floatLayers!, sqnrDb: sqnrDb! }));
    expect(chooseFloatPrefix(v5)).toBe(2);
    expect(chooseFloatPrefix(v5, 0)).toBe(16);
  });
});
