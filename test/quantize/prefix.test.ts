import { describe, expect, it } from 'vitest';
import { chooseFloatPrefix, prefixSizes } from '../../src/quantize/prefix.js';

describe('prefixSizes', () => {
  it('0 to a quarter of the layers in steps of 2 (LeYOLO-Nano: 116 ranked layers → 0 … 28)', () => {
    expect(prefixSizes(116)).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28]);
    expect(prefixSizes(8)).toEqual([0, 2]);
    expect(prefixSizes(3)).toEqual([0]);
    expect(prefixSizes(20, 0.5, 5)).toEqual([0, 5, 10]);
  });
});

describe('chooseFloatPrefix', () => {
  it('the smallest prefix within gainDb of the best probe', () => {
    const steps = [{ floatLayers: 0, sqnrDb: 6.4 }, { floatLayers: 12, sqnrDb: 11.0 }, { floatLayers: 14, sqnrDb: 13 }, { floatLayers: 28, sqnrDb: 13.25 }];
    expect(chooseFloatPrefix(steps, 1)).toBe(14);
    expect(chooseFloatPrefix(steps, 0.125)).toBe(28); // 13 is 0.25 dB short
    expect(chooseFloatPrefix(steps, 0.25)).toBe(14); // boundary: exactly gainDb short counts
    expect(chooseFloatPrefix(steps, 7)).toBe(0);
  });
  it('a model that quantizes well keeps nothing float; no probes → 0', () => {
    expect(chooseFloatPrefix([{ floatLayers: 0, sqnrDb: 42 }, { floatLayers: 2, sqnrDb: 42.5 }])).toBe(0);
    expect(chooseFloatPrefix([])).toBe(0);
  });
});
