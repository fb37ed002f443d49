/**
 * Layer Hessians computed inside onnxruntime: the per-group mean and centred Gram of a conv's unfolded input
 * (im2col through one-hot depthwise kernels) equal a direct float64 im2col of the same input, for strided,
 * padded, dilated, grouped and depthwise convs, graph inputs and intermediate tensors.
 */
import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../src/core/dtype.js';
import { collectActivations, collectLayerHessians, REFERENCE_SUFFIX, withReference, type HessianRequest } from '../../src/runtime/index.js';
import { withTensorValues } from '../../src/io/onnx/index.js';
import { initializer, model, node, randomFloats, tinyConvNet, toOnnx, valueInfo } from '../helpers/onnx-builder.js';

async function* inputs(n: number, c = 3, side = 32): AsyncGenerator<Record<string, Tensor>> {
  for (let i = 0; i < n; i++) yield { images: { dtype: 'float32', dims: [1, c, side, side], data: randomFloats(c * side * side, 40 + i) } };
}

/** Direct im2col statistics of x [C, H, W] for a 2-D conv request: per group mean [D] and centred Gram [D×D]. */
function reference(x: Float32Array, c: number, hgt: number, wid: number, r: HessianRequest): { mean: Float64Array; gram: Float64Array; count: number } {
  const [kh, kw] = r.kernel as [number, number];
  const [sh, sw] = (r.strides ?? [1, 1]) as [number, number];
  const [dh, dw] = (r.dilations ?? [1, 1]) as [number, number];
  const [pt, pl, pb, pr] = (r.pads ?? [0, 0, 0, 0]) as [number, number, number, number];
  const oh = Math.floor((hgt + pt + pb - dh * (kh - 1) - 1) / sh) + 1, ow = Math.floor((wid + pl + pr - dw * (kw - 1) - 1) / sw) + 1;
  const cg = c / r.group, d = cg * kh * kw, p = oh * ow;
  const mean = new Float64Array(r.group * d), gram = new Float64Array(r.group * d * d);
  for (let g = 0; g < r.group; g++) {
    const cols: Float64Array[] = [];
    for (let y = 0; y < oh; y++) for (let xo = 0; xo < ow; xo++) {
      const u = new Float64Array(d);
      for (let ci = 0; ci < cg; ci++) for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) {
        const iy = y * sh - pt + a * dh, ix = xo * sw - pl + b * dw;
        u[(ci * kh + a) * kw + b] = iy >= 0 && iy < hgt && ix >= 0 && ix < wid ? x[((g * cg + ci) * hgt + iy) * wid + ix]! : 0;
      }
      cols.push(u);
    }
    for (let i = 0; i < d; i++) mean[g * d + i] = cols.reduce((s, u) => s + u[i]!, 0) / p;
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
      gram[(g * d + i) * d + j] = cols.reduce((s, u) => s + (u[i]! - mean[g * d + i]!) * (u[j]! - mean[g * d + j]!), 0);
    }
  }
  return { mean, gram, count: p };
}

async function check(m: ReturnType<typeof toOnnx>, tensor: string, dims: [number, number, number], requests: HessianRequest[], feeds: () => AsyncGenerator<Record<string, Tensor>>, geometry = (r: HessianRequest) => r): Promise<void> {
  const acts: Float32Array[] = [];
  if (tensor === 'images') for await (const f of feeds()) acts.push(f.images!.data as Float32Array);
  else await collectActivations(m, [tensor], feeds(), (_, v) => acts.push(Float32Array.from(v.data as Float32Array)), { threads: 1 });
  const got = new Map<string, Array<{ count: number; mean: Float32Array; gram: Float32Array }>>();
  const run = await collectLayerHessians(m, requests, feeds(), (key, s) => {
    if (!got.has(key)) got.set(key, []);
    got.get(key)!.push({ count: s.count, mean: Float32Array.from(s.mean), gram: Float32Array.from(s.gram) });
  }, { threads: 1 });
  expect(run.images).toBe(acts.length);
  for (const r of requests) {
    acts.forEach((x, img) => {
      const want = reference(x, ...dims, geometry(r));
      const have = got.get(r.key)![img]!;
      expect(have.count).toBe(want.count);
      expect(have.mean.length).toBe(want.mean.length);
      expect(have.gram.length).toBe(want.gram.length);
      want.mean.forEach((v, i) => expect(Math.abs(have.mean[i]! - v)).toBeLessThan(1e-5));
      want.gram.forEach((v, i) => expect(Math.abs(have.gram[i]! - v)).toBeLessThan(1e-4 * (1 + Math.abs(v))));
    });
  }
}

describe('collectLayerHessians', () => {
  it('unfolds a strided padded 3×3 conv on the graph input, and a plain 1×1 view', async () => {
    const m = toOnnx(tinyConvNet());
    await check(m, 'images', [3, 32, 32], [
      { key: 'c0', input: 'images', channels: 3, kernel: [3, 3], group: 1, strides: [2, 2], pads: [1, 1, 1, 1] },
      { key: 'one', input: 'images', channels: 3, kernel: [1, 1], group: 1 },
    ], () => inputs(2));
  });

  it('unfolds a depthwise conv and a strided 1×1 conv of intermediate tensors', async () => {
    const m = toOnnx(tinyConvNet());
    await check(m, 'r0', [8, 16, 16], [{ key: 'dw', input: 'r0', channels: 8, kernel: [3, 3], group: 8, pads: [1, 1, 1, 1] }], () => inputs(2));
    await check(m, 'c1', [8, 16, 16], [{ key: 's2', input: 'c1', channels: 8, kernel: [1, 1], group: 1, strides: [2, 2] }], () => inputs(1));
  });

  it('unfolds a grouped, dilated, asymmetrically padded conv', async () => {
    const m = toOnnx(model(
      [node('Conv', ['images', 'w'], ['y'], { kernel_shape: [3, 2], group: 2, dilations: [2, 1], pads: [2, 0, 1, 1] }), node('Relu', ['y'], ['out'])],
      [initializer('w', [6, 2, 3, 2], randomFloats(72, 9))],
      [valueInfo('images', [1, 4, 12, 12])], [valueInfo('out', [1, 6, 'h', 'w'])],
    ));
    await check(m, 'images', [4, 12, 12], [{ key: 'g', input: 'images', channels: 4, kernel: [3, 2], group: 2, dilations: [2, 1], pads: [2, 0, 1, 1] }], () => inputs(2, 4, 12));
  });

  it('subsamples output positions: exactly the layer positions (i·f, j·f), as a conv with f× the strides would unfold', async () => {
    const m = toOnnx(tinyConvNet());
    const requests: HessianRequest[] = [
      { key: 'dw3', input: 'r0', channels: 8, kernel: [3, 3], group: 8, pads: [1, 1, 1, 1], subsample: 3 },
      { key: 'pw2', input: 'r0', channels: 8, kernel: [1, 1], group: 1, subsample: 2 },
      { key: 's2x2', input: 'r0', channels: 8, kernel: [1, 1], group: 1, strides: [2, 2], subsample: 2 },
    ];
    await check(m, 'r0', [8, 16, 16], requests, () => inputs(2), (r) => ({ ...r, strides: (r.strides ?? [1, 1]).map((st) => st * r.subsample!), subsample: undefined }));
    const counts = new Map<string, number>();
    await collectLayerHessians(m, requests, inputs(1), (key, st) => counts.set(key, st.count), { threads: 1 });
    expect(Object.fromEntries(counts)).toEqual({ dw3: 36, pw2: 64, s2x2: 16 });
  });

  it('refuses a tensor the graph does not have', async () => {
    await expect(collectLayerHessians(toOnnx(tinyConvNet()), [{ key: 'x', input: 'nope', channels: 3, kernel: [1, 1], group: 1 }], inputs(1), () => undefined)).rejects.toThrow(/neither a graph input nor computed/);
  });
});

describe('withReference', () => {
  it('runs the original network beside a changed one: <name>__pkref is the original value', async () => {
    const original = toOnnx(tinyConvNet());
    const changedW = new Float32Array(216).fill(0.01);
    const current = withTensorValues(original, new Map([['model.0.conv.weight', { dtype: 'float32' as const, dims: [8, 3, 3, 3], data: changedW }]]));
    const both = withReference(current, original, new Set(['model.0.conv.weight']));
    const got: Record<string, Float32Array> = {};
    await collectActivations(both, ['c1', `c1${REFERENCE_SUFFIX}`], inputs(1), (n, v) => { got[n] = Float32Array.from(v.data as Float32Array); }, { threads: 1 });
    const want: Record<string, Float32Array> = {};
    await collectActivations(original, ['c1'], inputs(1), (n, v) => { want.orig = Float32Array.from(v.data as Float32Array); }, { threads: 1 });
    await collectActivations(current, ['c1'], inputs(1), (n, v) => { want.cur = Float32Array.from(v.data as Float32Array); }, { threads: 1 });
    expect(Array.from(got[`c1${REFERENCE_SUFFIX}`]!)).toEqual(Array.from(want.orig!));
    expect(Array.from(got.c1!)).toEqual(Array.from(want.cur!));
    expect(Array.from(got.c1!)).not.toEqual(Array.from(want.orig!));
  });

  it('gives the cross-Gram of the current and original unfolded inputs', async () => {
    const original = toOnnx(tinyConvNet());
    const both = withReference(original, original, new Set());
    let stats: { mean: Float32Array; gram: Float32Array; refMean?: Float32Array; cross?: Float32Array } | undefined;
    await collectLayerHessians(both, [{ key: 'dw', input: 'r0', reference: `r0${REFERENCE_SUFFIX}`, channels: 8, kernel: [3, 3], group: 8, pads: [1, 1, 1, 1] }], inputs(1), (_, s) => {
      stats = { mean: Float32Array.from(s.mean), gram: Float32Array.from(s.gram), refMean: Float32Array.from(s.refMean!), cross: Float32Array.from(s.cross!) };
    }, { threads: 1 });
    // Identical networks: the reference statistics equal the input's own.
    expect(Array.from(stats!.refMean!)).toEqual(Array.from(stats!.mean));
    stats!.gram.forEach((v, i) => expect(stats!.cross![i]).toBeCloseTo(v, 4));
  });
});
