/**
 * entropyRanges (imported directly, so StrykerJS credits these tests to entropy-calibration.ts): each measured
 * tensor's range is entropyRange of the histogram of all its values over all images, with the caller's levels and
 * mode; graph inputs are histogrammed from the feeds; derived tensors follow their source; progress counts against
 * the source's count; the result holds exactly the asked tensors as { min, max }.
 */
import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../src/core/dtype.js';
import { DatasetError } from '../../src/core/errors.js';
import { sigmoid } from '../../src/core/scalar.js';
import { entropyRanges } from '../../src/quantize/entropy-calibration.js';
import { entropyRange, HistogramAccumulator, type EntropyOptions } from '../../src/quantize/entropy.js';
import { input, model, node, output, toOnnx } from '../helpers/onnx-builder.js';

const N = 4001;
/** x → Relu → y → Sigmoid → s; y → Neg → out */
const net = () => toOnnx(model([node('Relu', ['x'], ['y']), node('Sigmoid', ['y'], ['s']), node('Neg', ['y'], ['out'])], [], [input('x', [1, N])], [output('out', [1, N]), output('s', [1, N])], 13));
const source = (count: number, ...images: Float32Array[]) => ({
  count, description: 'the hand-made test tensors',
  async *feeds(): AsyncGenerator<Record<string, Tensor>> { for (const v of images) yield { x: { dtype: 'float32', dims: [1, N], data: v } }; },
});
/** Two images with a long right tail and a negative part (Relu cuts it for y). */
const a = Float32Array.from({ length: N }, (_, i) => (i === 7 ? 90 : -Math.log((i + 0.5) / N) - 1.5));
const b = Float32Array.from({ length: N }, (_, i) => Math.sin(i * 0.37) * 3 + (i % 11 === 0 ? 12 : 0));
/** The reference: entropyRange of one histogram of every image's values of a tensor (computed here from the inputs). */
function expected(images: Float32Array[], f: (x: number) => number, options: EntropyOptions): { min: number; max: number } {
  const h = new HistogramAccumulator();
  for (const v of images) h.add(Float32Array.from(v, f));
  const r = entropyRange(h.result(), options);
  return { min: r.min, max: r.max };
}

describe('entropyRanges', () => {
  it('a graph input and an activation: the entropy range of all their values over all images', async () => {
    const r = await entropyRanges(net(), ['x', 'y', 'out'], source(2, a, b));
    expect(r.images).toBe(2);
    expect([...r.ranges.keys()].sort()).toEqual(['out', 'x', 'y']);
    expect(r.ranges.get('x')).toEqual(expected([a, b], (x) => x, {}));
    expect(r.ranges.get('y')).toEqual(expected([a, b], (x) => Math.max(x, 0), {}));
    expect(r.ranges.get('out')).toEqual(expected([a, b], (x) => -Math.max(x, 0), {}));
  });
  it("passes the caller's levels and mode to the window search", async () => {
    for (const options of [{ levels: 16 }, { mode: 'abs' as const }, { levels: 8, mode: 'abs' as const }]) {
      const r = await entropyRanges(net(), ['x', 'y'], source(2, a, b), options);
      expect(r.ranges.get('x')).toEqual(expected([a, b], (x) => x, options));
      expect(r.ranges.get('y')).toEqual(expected([a, b], (x) => Math.max(x, 0), options));
    }
    const plain = await entropyRanges(net(), ['x'], source(2, a, b));
    const coarse = await entropyRanges(net(), ['x'], source(2, a, b), { levels: 8 });
    const abs = await entropyRanges(net(), ['x'], source(2, a, b), { mode: 'abs' });
    expect(coarse.ranges.get('x')).not.toEqual(plain.ranges.get('x'));
    expect(abs.ranges.get('x')).not.toEqual(plain.ranges.get('x'));
  });
  it('a derived tensor (Sigmoid) follows its source and is not measured', async () => {
    const r = await entropyRanges(net(), ['s', 'y'], source(1, a));
    const y = r.ranges.get('y')!;
    expect(r.ranges.get('s')).toEqual({ min: sigmoid(y.min), max: sigmoid(y.max) });
    expect([...r.ranges.keys()].sort()).toEqual(['s', 'y']);
  });
  it('a Concat is histogrammed itself, not given the union of its inputs\' windows (a union is exact for MinMax only)', async () => {
    // x → Relu → y, x → Neg → z, Concat(y, z) → c
    const cat = toOnnx(model([node('Relu', ['x'], ['y']), node('Neg', ['x'], ['z']), node('Concat', ['y', 'z'], ['c'], { axis: 1 })], [], [input('x', [1, N])], [output('c', [1, 2 * N])], 13));
    const r = await entropyRanges(cat, ['y', 'z', 'c'], source(2, a, b));
    const both = (v: Float32Array) => Float32Array.from([...Float32Array.from(v, (x) => Math.max(x, 0)), ...Float32Array.from(v, (x) => -x)]);
    expect(r.ranges.get('c')).toEqual(expected([both(a), both(b)], (x) => x, {}));
    const y = r.ranges.get('y')!, z = r.ranges.get('z')!;
    expect(r.ranges.get('c')).not.toEqual({ min: Math.min(y.min, z.min), max: Math.max(y.max, z.max) });
  });
  it('only graph inputs measured: histogrammed from the feeds with no model run', async () => {
    const r = await entropyRanges(net(), ['x'], source(3, a, b));
    expect(r.images).toBe(2);
    expect(r.ranges).toEqual(new Map([['x', expected([a, b], (x) => x, {})]]));
    await expect(entropyRanges(net(), ['x'], source(0))).rejects.toThrow(DatasetError);
  });
  it('reports progress against the source count', async () => {
    const seen: Array<{ done: number; total: number }> = [];
    await entropyRanges(net(), ['y'], source(5, a, b), { threads: 1, onProgress: (p) => seen.push({ done: p.done, total: p.total }) });
    expect(seen.at(-1)).toEqual({ done: 2, total: 5 });
  });
  it('refuses a source without images, naming it', async () => {
    const err = await entropyRanges(net(), ['y'], source(0)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect((err as Error).message).toBe('calibration: the hand-made test tensors yielded no usable image; pass a dataset yaml or folder with decodable images');
  });
});
