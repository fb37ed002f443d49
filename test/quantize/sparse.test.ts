import { describe, expect, it } from 'vitest';
import { parseOnnx, serializeOnnx } from '../../src/io/onnx/index.js';
import { breakEvenZeros, sparseStorage } from '../../src/quantize/sparse.js';
import { compareOutputs } from '../../src/runtime/index.js';
import { input, model, node, output, randomFloats, tensor, toOnnx } from '../helpers/onnx-builder.js';

/** `values` with all but `nonZero` elements (spread evenly) set to +0. */
function keep(values: Float32Array, nonZero: number): Float32Array {
  const out = new Float32Array(values.length);
  const step = values.length / nonZero;
  for (let k = 0; k < nonZero; k++) out[Math.floor(k * step)] = values[Math.floor(k * step)]!;
  return out;
}

/** Conv(3→16, 3×3) → Relu → Conv(16→8, 1×1) with weights of 432 and 128 elements and the given non-zero counts. */
function net(nz0: number, nz1: number, weightAsInput = false) {
  const w0 = keep(randomFloats(432, 1), nz0), w1 = keep(randomFloats(128, 2), nz1);
  return toOnnx(model(
    [node('Conv', ['images', 'w0', 'b0'], ['c0'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }), node('Relu', ['c0'], ['r0']), node('Conv', ['r0', 'w1'], ['out'], { kernel_shape: [1, 1] })],
    [tensor('w0', [16, 3, 3, 3], w0), tensor('b0', [16], randomFloats(16, 3)), tensor('w1', [8, 16, 1, 1], w1)],
    [input('images', [1, 3, 8, 8]), ...(weightAsInput ? [input('w0', [16, 3, 3, 3])] : [])],
    [output('out', [1, 8, 8, 8])],
  ));
}

describe('breakEvenZeros', () => {
  it('is the zero fraction where an 8-byte index per non-zero pays for the zeros', () => {
    expect(breakEvenZeros(4)).toBeCloseTo(2 / 3, 12);
    expect(breakEvenZeros(2)).toBeCloseTo(0.8, 12);
    expect(breakEvenZeros(1)).toBeCloseTo(8 / 9, 12);
  });
});

describe('sparseStorage', () => {
  it('stores only the tensors that get smaller, and onnxruntime computes exactly the same outputs', async () => {
    // w0: 432 elements, 40 non-zero (90.7% zeros) → smaller; w1: 128 elements, 64 non-zero (50%) → stays dense.
    const m = net(40, 64);
    const r = sparseStorage(m);
    const g = r.model.proto.graph!;
    expect(g.sparseInitializer.map((s) => s.values!.name)).toEqual(['w0']);
    expect(g.initializer.map((t) => t.name).sort()).toEqual(['b0', 'w1']);
    expect(r.tensors.map((t) => [t.name, t.nonZero, t.sparse])).toEqual([['w0', 40, true], ['w1', 64, false], ['b0', 16, false]]); // largest first
    expect(r.bytes.after).toBeLessThan(r.bytes.before);
    expect(serializeOnnx(r.model).length).toBeLessThan(serializeOnnx(m).length);
    const diff = await compareOutputs(serializeOnnx(m), serializeOnnx(r.model));
    expect(diff).toEqual([{ name: 'out', dims: [1, 8, 8, 8], maxAbsDiff: 0 }]);
    expect(m.proto.graph!.sparseInitializer).toEqual([]); // input untouched
  });

  it('keeps a tensor dense at the break-even point: 2/3 zeros cost as much in indices as they save', () => {
    // 432 elements, 144 non-zero: 144 × (4 + 8) = 432 × 4 bytes of payload, plus the sparse headers → larger.
    const at = sparseStorage(net(144, 128)).tensors.find((t) => t.name === 'w0')!;
    expect(at.sparse).toBe(false);
    expect(at.sparseBytes).toBeGreaterThan(at.denseBytes);
    // 8 fewer non-zeros save 8 × 12 = 96 bytes of payload, more than the headers cost.
    const below = sparseStorage(net(136, 128)).tensors.find((t) => t.name === 'w0')!;
    expect(below.sparse).toBe(true);
    expect(below.sparseBytes).toBeLessThan(below.denseBytes);
  });

  it('gives back the same model when nothing gets smaller, and never touches an initializer that is also a graph input', () => {
    const dense = net(300, 128);
    expect(sparseStorage(dense).model).toBe(dense);
    const overridable = net(10, 128, true);
    const r = sparseStorage(overridable);
    expect(r.model).toBe(overridable);
    expect(r.tensors.map((t) => t.name)).toEqual(['w1', 'b0']);
  });

  it('a sparse file parses back to the dense model (same tensors, same bytes)', () => {
    const m = net(40, 8);
    const back = parseOnnx(serializeOnnx(sparseStorage(m).model));
    const byName = (x: typeof m) => new Map(x.proto.graph!.initializer.map((t) => [t.name, Array.from(t.rawData)]));
    expect(byName(back)).toEqual(byName(m));
  });
});
