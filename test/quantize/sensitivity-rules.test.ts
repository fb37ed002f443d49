/**
 * sensitivity.ts's SQNR rule on hand-made outputs, with a recording stand-in for the runtime (the model bytes are
 * not run: each feed's "quantized" outputs are given here): per output and field, Σ f² over Σ (f − q)² summed over all
 * images, fields along dim 1 of a [1, F, N] output when F ≤ N (a square output too) and along dim 2 otherwise, one
 * field for any other rank; the mean over every field of every output, capped at 100 dB (100 for an exact field);
 * Infinity with nothing to compare. Sessions get the thread count and are released, also when a run fails.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Tensor } from '../../src/core/dtype.js';
import { input, model, node, output, toOnnx } from '../helpers/onnx-builder.js';

const log: string[] = [];
/** The outputs the stand-in session gives for feed k (its `k` input's one value). */
let outputsFor: (k: number) => Record<string, Tensor> = () => ({});
let failRun = false;

vi.mock('../../src/runtime/index.js', () => ({
  createSession: async (_bytes: Uint8Array, options: { threads?: number }) => {
    log.push(`load ${JSON.stringify(options)}`);
    return {
      inputs: [], outputs: [],
      run: async (f: Record<string, Tensor>) => {
        if (failRun) throw new Error('run failed');
        return outputsFor(f.k!.data[0] as number);
      },
      runPrepared: async () => {},
      release: async () => { log.push('release'); },
    };
  },
}));

const { bytesSqnr, referenceOutputs, SCORE_FLOOR } = await import('../../src/quantize/sensitivity.js');
const { SATURATION_BOUND } = await import('../../src/quantize/saturation.js');
const { sigmoid } = await import('../../src/core/scalar.js');
const { NMS_DEFAULTS } = await import('../../src/eval/nms/index.js');

const BYTES = Uint8Array.of(0);
const t = (dims: number[], ...v: number[]): Tensor => ({ dtype: 'float32', dims, data: Float32Array.from(v) });
const feeds = (n: number) => Array.from({ length: n }, (_, k) => ({ k: t([1], k) }));
const db = (s: number, e: number) => 10 * Math.log10(s / e);
const mean = (...v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

beforeEach(() => { log.length = 0; failRun = false; outputsFor = () => ({}); });

describe('bytesSqnr', () => {
  it('[1, F, N] with F < N: fields along dim 1', async () => {
    outputsFor = () => ({ o: t([1, 2, 3], 1, 2, 2, 4, 5, 5) });
    const ref = [{ o: t([1, 2, 3], 1, 2, 3, 4, 5, 6) }];
    expect(await bytesSqnr(BYTES, feeds(1), ref, 2)).toBeCloseTo(mean(db(14, 1), db(77, 1)), 12);
    expect(log).toEqual(['load {"threads":2}', 'release']);
  });
  it('[1, N, F] with N > F: fields along dim 2', async () => {
    outputsFor = () => ({ o: t([1, 3, 2], 1, 2, 3, 4, 4, 6) });
    const ref = [{ o: t([1, 3, 2], 1, 2, 3, 4, 5, 6) }];
    // field 0: 1, 3, 5 (error 1 on the 5); field 1: 2, 4, 6 (exact: 100 dB)
    expect(await bytesSqnr(BYTES, feeds(1), ref)).toBeCloseTo(mean(db(35, 1), 100), 12);
  });
  it('a batch [2, F, N]: the second item’s fields are the same F fields', async () => {
    outputsFor = () => ({ o: t([2, 2, 2], 1, 2, 3, 4, 1, 2, 3, 3) });
    const ref = [{ o: t([2, 2, 2], 1, 2, 3, 4, 1, 2, 3, 4) }];
    // field 0 = 1, 2, 1, 2 (exact); field 1 = 3, 4, 3, 4 (error 1 on the last)
    expect(await bytesSqnr(BYTES, feeds(1), ref)).toBeCloseTo(mean(100, db(50, 1)), 12);
  });
  it('a square [1, F, F] output counts its fields along dim 1', async () => {
    outputsFor = () => ({ o: t([1, 2, 2], 1, 1, 3, 4) });
    const ref = [{ o: t([1, 2, 2], 1, 2, 3, 4) }];
    // along dim 1: field 0 = 1, 2 (error 1), field 1 = 3, 4 (exact); along dim 2 it would be 1, 3 (exact) and 2, 4 (error 1)
    expect(await bytesSqnr(BYTES, feeds(1), ref)).toBeCloseTo(mean(db(5, 1), 100), 12);
  });
  it('any other rank is one field; the mean is over every field of every output', async () => {
    outputsFor = () => ({ a: t([1, 2, 1, 1], 1, 1), b: t([2], 3, 3), c: t([1, 2, 4], 1, 2, 3, 4, 5, 6, 7, 7) });
    const ref = [{ a: t([1, 2, 1, 1], 1, 2), b: t([2], 3, 5), c: t([1, 2, 4], 1, 2, 3, 4, 5, 6, 7, 8) }];
    expect(await bytesSqnr(BYTES, feeds(1), ref)).toBeCloseTo(mean(db(5, 1), db(34, 4), 100, db(174, 1)), 12);
  });
  it('sums signal and error over all images before taking the ratio', async () => {
    outputsFor = (k) => ({ o: k === 0 ? t([2], 2, 1) : t([2], 10, 10) });
    const ref = [{ o: t([2], 2, 2) }, { o: t([2], 10, 10) }];
    // one field: Σ f² = 4 + 4 + 100 + 100, Σ e² = 1 (not the mean of 10·log10(8) and 100 dB)
    expect(await bytesSqnr(BYTES, feeds(2), ref)).toBeCloseTo(db(208, 1), 12);
  });
  it('a field whose float values all lie in [0, 1] is a score: values under σ(−8) compare as σ(−8)', async () => {
    expect(SCORE_FLOOR).toBe(sigmoid(-SATURATION_BOUND));
    expect(SCORE_FLOOR).toBeLessThan(NMS_DEFAULTS.conf); // no threshold prunekit applies separates floored scores
    const F = SCORE_FLOOR;
    // both under the floor (a clipped background score against its float 1e-5): no error
    outputsFor = () => ({ o: t([2], 0.5, 0.0003) });
    expect(await bytesSqnr(BYTES, feeds(1), [{ o: t([2], 0.5, 0.00001) }])).toBe(100);
    // one above: the error is measured from the floor
    outputsFor = () => ({ o: t([2], 0.5, 0.0004) });
    expect(await bytesSqnr(BYTES, feeds(1), [{ o: t([2], 0.5, 0.00001) }])).toBeCloseTo(db(0.25 + Math.fround(0.00001) ** 2, (Math.fround(0.0004) - F) ** 2), 9);
    // the ends 0 and 1 are scores too
    outputsFor = () => ({ o: t([2], 1, 0.0003) });
    expect(await bytesSqnr(BYTES, feeds(1), [{ o: t([2], 1, 0) }])).toBe(100);
    // a value above 1 or below 0 makes the field not a score: compared as is
    for (const out of [1.5, -0.5]) {
      outputsFor = () => ({ o: t([3], out, 0.5, 0.0003) });
      expect(await bytesSqnr(BYTES, feeds(1), [{ o: t([3], out, 0.5, 0.00001) }])).toBeCloseTo(db(out ** 2 + 0.25 + Math.fround(0.00001) ** 2, (Math.fround(0.0003) - Math.fround(0.00001)) ** 2), 9);
    }
    // a floor of 0 (the prefix and sensitivity probes) compares every value as it is
    outputsFor = () => ({ o: t([2], 0.5, 0.0003) });
    expect(await bytesSqnr(BYTES, feeds(1), [{ o: t([2], 0.5, 0.00001) }], undefined, 0)).toBeCloseTo(db(0.25 + Math.fround(0.00001) ** 2, (Math.fround(0.0003) - Math.fround(0.00001)) ** 2), 9);
    // per field: a [1, 2, 2] output with a pixel field and a score field
    outputsFor = () => ({ o: t([1, 2, 2], 301, 0.0002, 0.9, 0.0003) });
    const pixelErr = 1 + (Math.fround(0.0002) - Math.fround(0.0001)) ** 2;
    expect(await bytesSqnr(BYTES, feeds(1), [{ o: t([1, 2, 2], 300, 0.0001, 0.9, 0.00001) }])).toBeCloseTo(mean(db(90000 + Math.fround(0.0001) ** 2, pixelErr), 100), 9);
  });
  it('caps a field at 100 dB; an exact field is 100 dB; nothing to compare is Infinity', async () => {
    outputsFor = () => ({ o: t([2], 1, Math.fround(1 + 2 ** -20)) });
    const ref = [{ o: t([2], 1, 1) }];
    expect(db(2, 2 ** -40)).toBeGreaterThan(100);
    expect(await bytesSqnr(BYTES, feeds(1), ref)).toBe(100);
    outputsFor = () => ({ o: t([2], 1, 1) });
    expect(await bytesSqnr(BYTES, feeds(1), ref)).toBe(100);
    expect(await bytesSqnr(BYTES, feeds(0), [])).toBe(Infinity);
    // a field that is zero in both models (no signal, no error) is exact: 100 dB, not 0/0
    outputsFor = () => ({ o: t([1, 2, 2], 0, 0, 1, 1) });
    expect(await bytesSqnr(BYTES, feeds(1), [{ o: t([1, 2, 2], 0, 0, 1, 2) }])).toBeCloseTo(mean(100, db(5, 1)), 12);
  });
  it('releases the session when a run fails', async () => {
    failRun = true;
    await expect(bytesSqnr(BYTES, feeds(1), [{ o: t([1], 1) }], 3)).rejects.toThrow('run failed');
    expect(log).toEqual(['load {"threads":3}', 'release']);
  });
});

describe('referenceOutputs', () => {
  const m = toOnnx(model([node('Identity', ['k'], ['o'])], [], [input('k', [1])], [output('o', [1])], 13));
  it('runs every feed in order with the thread count and releases the session', async () => {
    outputsFor = (k) => ({ o: t([1], 10 * k) });
    const out = await referenceOutputs(m, feeds(3), 2);
    expect(out.map((o) => o.o!.data[0])).toEqual([0, 10, 20]);
    expect(log).toEqual(['load {"threads":2}', 'release']);
  });
  it('releases the session when a run fails', async () => {
    failRun = true;
    await expect(referenceOutputs(m, feeds(1))).rejects.toThrow('run failed');
    expect(log).toEqual(['load {}', 'release']);
  });
});
