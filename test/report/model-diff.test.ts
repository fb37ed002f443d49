import { describe, expect, it } from 'vitest';
import { listLayers } from '../../src/graph/index.js';
import { getTensor, withTensorValues } from '../../src/io/onnx/index.js';
import { channelsChanged, differsOnlyByZeros, opKind, sizeOf, sparsityLayers } from '../../src/report/model-diff.js';
import { node, tinyConvNet, toOnnx } from '../helpers/onnx-builder.js';

function zeroed(name: string, every: number) {
  const base = toOnnx(tinyConvNet());
  const t = getTensor(base, name);
  const data = Float32Array.from(t.data as Float32Array, (v, i) => (i % every === 0 ? 0 : v));
  return { base, candidate: withTensorValues(base, new Map([[name, { ...t, data }]])) };
}

describe('differsOnlyByZeros', () => {
  it('is true for a copy and for weights set to zero', () => {
    const { base, candidate } = zeroed('model.0.conv.weight', 3);
    expect(differsOnlyByZeros(base, toOnnx(tinyConvNet()))).toBe(true);
    expect(differsOnlyByZeros(base, candidate)).toBe(true);
  });

  it('is false when a value changed to something else than zero, or the graph differs', () => {
    const base = toOnnx(tinyConvNet());
    const t = getTensor(base, 'model.2.conv.weight');
    const data = Float32Array.from(t.data as Float32Array, (v, i) => (i === 5 ? v + 1 : v));
    expect(differsOnlyByZeros(base, withTensorValues(base, new Map([['model.2.conv.weight', { ...t, data }]])))).toBe(false);
    const other = tinyConvNet();
    other.graph!.node.push(node('Relu', ['logits'], ['out2']));
    expect(differsOnlyByZeros(base, toOnnx(other))).toBe(false);
  });
});

describe('size and sparsity rows', () => {
  it('sums params and non-zeros of the inventory and groups by plan category or op kind', () => {
    const { base, candidate } = zeroed('model.0.conv.weight', 2);
    const lb = listLayers(base);
    const lc = listLayers(candidate);
    const sb = sizeOf(1000, lb);
    const sc = sizeOf(1000, lc);
    expect(sb.params).toBe(216 + 72 + 32 + 2560);
    expect(sb.nonZeroParams).toBe(sb.params);
    expect(sc.nonZeroParams).toBe(sb.params! - 108);
    expect(lb.map(opKind)).toEqual(['Conv 3×3', 'Conv depthwise', 'Conv 1×1', 'Gemm']);
    const rows = sparsityLayers(lb, lc, (id) => (id === 'model.3.linear.weight' ? 'head' : undefined));
    expect(rows.map((r) => r.category)).toEqual(['Conv 3×3', 'Conv depthwise', 'Conv 1×1', 'head']);
    expect(rows[0]).toMatchObject({ id: 'model.0.conv.weight', modulePath: 'model.0.conv', params: 216, baseNonZero: 216, candidateNonZero: 108 });
    // Zeroed, not cut: shapes equal, so the report keeps the sparsity view.
    expect(rows[0]).toMatchObject({ baseDims: [8, 3, 3, 3], candidateDims: [8, 3, 3, 3], baseMacs: lb[0]!.macs, candidateMacs: lc[0]!.macs });
    expect(channelsChanged(rows)).toBe(false);
    expect(rows[0]!.reconstruction).toBeUndefined();
    const note = { method: 'exact', errorBefore: 0.2, errorAfter: 0.01, damp: 0.01 };
    const withNotes = sparsityLayers(lb, lc, () => undefined, (id) => (id === 'model.0.conv.weight' ? note : undefined));
    expect(withNotes[0]!.reconstruction).toEqual({ method: 'exact', errorBefore: 0.2, errorAfter: 0.01 });
    expect(withNotes[1]!.reconstruction).toBeUndefined();
  });

  it('a layer that lost channels carries both shapes and both MAC counts', () => {
    const lb = listLayers(toOnnx(tinyConvNet()));
    const cut = lb.map((l, i) => (i === 2 ? { ...l, dims: [2, 8, 1, 1], params: 16, nonZero: 16, macs: (l.macs ?? 0) / 2 } : l));
    const rows = sparsityLayers(lb, cut);
    expect(rows[2]).toMatchObject({ baseDims: [4, 8, 1, 1], candidateDims: [2, 8, 1, 1], baseMacs: lb[2]!.macs, candidateMacs: lb[2]!.macs! / 2 });
    expect(rows[2]!.baseNonZero).toBe(16); // shapes differ: the base count is not comparable, as before
    expect(channelsChanged(rows)).toBe(true);
    expect(channelsChanged(rows.filter((_, i) => i !== 2))).toBe(false);
  });
});
