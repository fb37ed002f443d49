/**
 * Gated noise (runtime/perturb.ts): a closed gate leaves the outputs bit-identical, an open one adds noise whose
 * energy relative to EACH channel's energy is the requested one (a whole-tensor scale would drown the small
 * channel), only the open gate's tensor moves, and the forward count is images × (requests + 1). Both ReduceMean
 * forms (axes attribute before opset 18, input from 18).
 */
import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../src/core/dtype.js';
import { collectPerturbedOutputs } from '../../src/runtime/index.js';
import { initializer, model, node, randomFloats, toOnnx, valueInfo } from '../helpers/onnx-builder.js';

const S = 64;
/** x [1,2,S,S] → Conv 1×1 (identity) = y → Relu-free copy: out1 = y; Conv 1×1 (identity) on y = z → out2 = z. */
function twoLayers(opset: number) {
  const eye = Float32Array.from([1, 0, 0, 1]);
  return toOnnx(model(
    [node('Conv', ['x', 'w1'], ['y'], { kernel_shape: [1, 1] }), node('Conv', ['y', 'w2'], ['z'], { kernel_shape: [1, 1] }), node('Identity', ['z'], ['out'])],
    [initializer('w1', [2, 2, 1, 1], eye), initializer('w2', [2, 2, 1, 1], eye)],
    [valueInfo('x', [1, 2, S, S])], [valueInfo('out', [1, 2, S, S])], opset,
  ));
}

/** Channel 0 ~ 100× channel 1. */
function input(seed: number): Record<string, Tensor> {
  const data = randomFloats(2 * S * S, seed).map((v, i) => (i < S * S ? 100 * (v + 2) : v + 2));
  return { x: { dtype: 'float32', dims: [1, 2, S, S], data } };
}

async function* feeds(n: number) { for (let i = 0; i < n; i++) yield input(10 + i); }

describe.each([13, 18])('collectPerturbedOutputs (opset %i)', (opset) => {
  it('closed gates change nothing; an open gate adds the relative energy per channel', async () => {
    const seen: Array<{ key: string | undefined; out: Float32Array; index: number }> = [];
    const run = await collectPerturbedOutputs(twoLayers(opset), [{ key: 'a', tensor: 'y', rank: 4, relative: 0.01 }, { key: 'b', tensor: 'z', rank: 4, relative: 0.04 }], feeds(2), (key, out, index) => {
      seen.push({ key, out: (out.out!.data as Float32Array).slice(), index });
    }, { threads: 1 });
    expect(run.images).toBe(2);
    expect(seen.map((s) => `${s.key ?? '-'}${s.index}`)).toEqual(['-0', 'a0', 'b0', '-1', 'a1', 'b1']);
    for (const [k, s] of seen.entries()) {
      const x = input(10 + s.index).x!.data as Float32Array;
      if (s.key === undefined) { expect(Array.from(s.out)).toEqual(Array.from(x)); continue; }
      const want = s.key === 'a' ? 0.01 : 0.04;
      for (let c = 0; c < 2; c++) {
        let num = 0, den = 0;
        for (let i = c * S * S; i < (c + 1) * S * S; i++) { num += (s.out[i]! - x[i]!) ** 2; den += x[i]! ** 2; }
        expect(num / den, `forward ${k} channel ${c}`).toBeGreaterThan(want * 0.9);
        expect(num / den, `forward ${k} channel ${c}`).toBeLessThan(want * 1.1);
      }
    }
  });
});
