import { describe, expect, it } from 'vitest';
import { toFloat32 } from '../../src/core/convert.js';
import type { Tensor } from '../../src/core/dtype.js';
import { indexGraph } from '../../src/graph/onnx-graph.js';
import { serializeOnnx, type OnnxModel } from '../../src/io/onnx/index.js';
import { buildQuantized, planQuantization, upgradeToOpset13, type NodeInfo } from '../../src/quantize/index.js';
import { searchFloatPrefix } from '../../src/quantize/prefix.js';
import { layerSensitivity, onlyLayer, probeSqnr, rankedLayers, referenceOutputs } from '../../src/quantize/sensitivity.js';
import { createSession } from '../../src/runtime/index.js';
import { initializer, input, model, node, output, randomFloats, toOnnx } from '../helpers/onnx-builder.js';
import { tinyDetector } from '../helpers/quant-models.js';

/**
 * x [1,3,4,4] → Conv 1×1 (3→4) → c → SiLU → a → Conv 1×1 (4→4) → h ┬ Reshape [1,4,16] → fields (4 fields along dim 1)
 *                                                                  └ Transpose [0,2,3,1] → Reshape [1,16,4] → rows (4 fields along dim 2)
 * plus a scalar-per-image output `tot` = ReduceSum(h) (one field).
 */
function net(): OnnxModel {
  return upgradeToOpset13(toOnnx(model(
    [
      node('Conv', ['x', 'w0', 'b0'], ['c'], { kernel_shape: [1, 1] }, 'conv0'),
      node('Sigmoid', ['c'], ['s'], {}, 'sig'), node('Mul', ['c', 's'], ['a'], {}, 'mul'),
      node('Conv', ['a', 'w1', 'b1'], ['h'], { kernel_shape: [1, 1] }, 'conv1'),
      node('Reshape', ['h', 'shapeF'], ['fields'], {}, 'rf'),
      node('Transpose', ['h'], ['ht'], { perm: [0, 2, 3, 1] }, 'tr'), node('Reshape', ['ht', 'shapeR'], ['rows'], {}, 'rr'),
      node('ReduceSum', ['h'], ['tot'], { keepdims: 0 }, 'sum'),
    ],
    [
      initializer('w0', [4, 3, 1, 1], randomFloats(12, 1)), initializer('b0', [4], randomFloats(4, 2)),
      initializer('w1', [4, 4, 1, 1], Float32Array.from(randomFloats(16, 3), (v, i) => v * (1 + 10 * (i % 4)))), initializer('b1', [4], Float32Array.of(0, 0.5, -3, 20)),
      initializer('shapeF', [3], BigInt64Array.of(1n, 4n, 16n)), initializer('shapeR', [3], BigInt64Array.of(1n, 16n, 4n)),
    ],
    [input('x', [1, 3, 4, 4])], [output('fields', [1, 4, 16]), output('rows', [1, 16, 4]), output('tot', [])], 13,
  )));
}

const feeds: Array<Record<string, Tensor>> = [0, 1].map((k) => ({ x: { dtype: 'float32', dims: [1, 3, 4, 4], data: randomFloats(48, 10 + k) } }));

/** Mean per-field SQNR (capped at 100 dB, 100 for an exact field) restated independently. */
async function referenceSqnr(float: OnnxModel, quant: OnnxModel): Promise<number> {
  const run = async (m: OnnxModel) => { const s = await createSession(serializeOnnx(m), { threads: 1 }); try { const out = []; for (const f of feeds) out.push(await s.run(f)); return out; } finally { await s.release(); } };
  const [fo, qo] = [await run(float), await run(quant)];
  const sums = new Map<string, Array<{ s: number; e: number }>>();
  fo.forEach((o, k) => {
    for (const name of ['fields', 'rows', 'tot']) {
      const f = toFloat32(o[name]!), q = toFloat32(qo[k]![name]!);
      const fieldOf = name === 'fields' ? (j: number) => Math.floor(j / 16) : name === 'rows' ? (j: number) => j % 4 : () => 0;
      const acc = sums.get(name) ?? Array.from({ length: name === 'tot' ? 1 : 4 }, () => ({ s: 0, e: 0 }));
      f.forEach((v, j) => { const a = acc[fieldOf(j)]!; a.s += v * v; a.e += (v - q[j]!) ** 2; });
      sums.set(name, acc);
    }
  });
  const dbs = [...sums.values()].flat().map(({ s, e }) => (e === 0 ? 100 : Math.min(100, 10 * Math.log10(s / e))));
  return dbs.reduce((a, b) => a + b, 0) / dbs.length;
}

describe('rankedLayers and onlyLayer', () => {
  const m = net();
  const g = indexGraph(m);
  const plan = planQuantization(m, {}, g);
  it('ranks the quantized layers that are not activations (SiLU, Sigmoid follow their layer)', () => {
    expect(rankedLayers(plan).map((i) => g.nodes[i]!.name)).toEqual(['conv0', 'conv1']);
    const excl = planQuantization(m, { exclude: ['conv1'] }, g);
    expect(rankedLayers(excl).map((i) => g.nodes[i]!.name)).toEqual(['conv0']);
  });
  it('onlyLayer keeps every other ranked kind float, leaves activations and unknown kinds to the base rule', () => {
    const base = { exclude: ['x'], keepFloat: (info: NodeInfo) => (info.node.name === 'mul' || info.kind === undefined ? 'base rule' : undefined) };
    const o = onlyLayer(0, base);
    expect(o.exclude).toEqual(['x']);
    const info = (index: number, kind: NodeInfo['kind'], name = `n${index}`): NodeInfo => ({ index, node: { ...g.nodes[0]!, name }, kind });
    expect(o.keepFloat!(info(0, 'conv1x1'))).toBeUndefined();
    expect(o.keepFloat!(info(3, 'conv1x1'))).toBe('sensitivity probe');
    expect(o.keepFloat!(info(3, 'add'))).toBe('sensitivity probe');
    expect(o.keepFloat!(info(2, 'silu', 'mul'))).toBe('base rule');
    expect(o.keepFloat!(info(1, 'sigmoid'))).toBeUndefined();
    expect(o.keepFloat!(info(5, undefined))).toBe('base rule');
    expect(onlyLayer(0, {}).keepFloat!(info(5, undefined))).toBeUndefined();
  });
});

describe('probeSqnr and layerSensitivity', () => {
  const m = net();
  const g = indexGraph(m);
  const plan = planQuantization(m, {}, g);
  const ranges = new Map(plan.tensors.map((t) => [t, { min: -6, max: 6 }]));
  it('probeSqnr is the mean over outputs and fields of the per-field SQNR (fields along dim 1 or 2 of [1, F, N])', async () => {
    const ref = await referenceOutputs(m, feeds);
    const db = await probeSqnr(m, g, {}, ranges, feeds, ref);
    const expected = await referenceSqnr(m, buildQuantized(m, planQuantization(m, {}, g), ranges, {}, g).model);
    expect(db).toBeCloseTo(expected, 6);
    // nothing quantized: every field is exact → 100 dB
    expect(await probeSqnr(m, g, { exclude: ['conv'] }, ranges, feeds, ref)).toBe(100);
  });
  it('layerSensitivity probes each ranked layer alone, reports progress, and sorts by SQNR, lowest first', async () => {
    const done: string[] = [];
    const r = await layerSensitivity(m, g, plan, {}, ranges, feeds, { onLayer: (d, t) => done.push(`${d}/${t}`) });
    expect(done).toEqual(['1/2', '2/2']);
    expect(r.map((s) => s.node).sort()).toEqual(['conv0', 'conv1']);
    expect(r[0]!.sqnrDb).toBeLessThanOrEqual(r[1]!.sqnrDb);
    const ref = await referenceOutputs(m, feeds);
    for (const s of r) {
      expect(s.kind).toBe('stem'); // ≤ 4 input channels
      expect(s.index).toBe(g.nodes.findIndex((n) => n.name === s.node));
      expect(s.sqnrDb).toBeCloseTo(await probeSqnr(m, g, onlyLayer(s.index, {}), ranges, feeds, ref), 9);
    }
  });
});

describe('searchFloatPrefix', () => {
  it('probes prefixes of the ranked layers in graph order and keeps the best SQNR less dbPerLayer per float layer', async () => {
    const m = upgradeToOpset13(toOnnx(tinyDetector()));
    const g = indexGraph(m);
    const plan = planQuantization(m, {}, g);
    const ranges = new Map(plan.tensors.map((t) => [t, { min: -3, max: 3 }]));
    const images = [{ images: { dtype: 'float32' as const, dims: [1, 3, 8, 8], data: randomFloats(192, 4) } }];
    const probes: number[] = [];
    // two ranked layers; maxFraction 1 probes k = 0 and 2 (all float: exact, 100 dB)
    const r = await searchFloatPrefix(m, g, plan, {}, ranges, images, { maxFraction: 1, dbPerLayer: 0, onProbe: (s) => probes.push(s.floatLayers) });
    expect(probes).toEqual([0, 2]);
    expect(r.steps[1]).toEqual({ floatLayers: 2, sqnrDb: 100 });
    expect(r.steps[0]!.sqnrDb).toBeLessThan(100);
    expect(r.layers).toEqual(rankedLayers(plan).sort((a, b) => a - b));
    // a generous gain keeps nothing float; the default fraction (a quarter of 2 layers) probes k = 0 only
    expect((await searchFloatPrefix(m, g, plan, {}, ranges, images, { maxFraction: 1, dbPerLayer: 200 })).layers).toEqual([]);
    const d = await searchFloatPrefix(m, g, plan, {}, ranges, images);
    expect(d.steps.map((s) => s.floatLayers)).toEqual([0]);
    // the base rule still applies to layers outside the prefix
    const kept = await searchFloatPrefix(m, g, plan, { keepFloat: (info) => (info.kind === 'conv1x1' ? 'base' : undefined) }, ranges, images, { maxFraction: 1, dbPerLayer: 0 });
    expect(kept.steps[0]!.sqnrDb).toBeGreaterThan(r.steps[0]!.sqnrDb);
  });
});
