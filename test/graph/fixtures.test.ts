/**
 * Inventory of the fixture models against independent counts: tools/count_layers.py (Debian python3-onnx,
 * onnx.shape_inference for MACs) and the `.pt` module trees in ../shared/fixtures/reference/*.modules.tsv.
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { indexGraph, inspectOnnx, listLayers, resolveIdentity } from '../../src/graph/index.js';
import { loadOnnx } from '../../src/files/onnx-file.js';
import { describeFixtures, fixture } from '../helpers/fixtures.js';

/**
 * Numbers printed by `/usr/bin/python3 tools/count_layers.py <model>`. onnx 1.12's shape inference cannot
 * resolve every shape of the two yolov13 models (it agrees on every layer it resolves: 74 of 180 and 136 of 290); their MACs come from
 * `npx tsx tools/macs-ort.ts`, which reads the shapes onnxruntime actually produces.
 */
const EXPECTED = {
  'LeYOLONano-640.onnx': { byOp: { Conv: 101 }, params: 1_082_608, nonZero: 1_082_606, floatParams: 1_096_000, macs: 1_232_448_000 },
  'yolov5n_ppe-640.onnx': { byOp: { Conv: 60 }, params: 1_757_056, nonZero: 1_757_056, floatParams: 1_761_871, macs: 2_066_329_600 },
  'yolov13n-random.onnx': { byOp: { Conv: 172, Gemm: 2, MatMul: 6 }, params: 2_464_464, nonZero: 2_464_461, floatParams: 2_467_393, macs: 3_130_037_504 },
  'yolov13n-tokenc3-lsnet-random.onnx': { byOp: { Conv: 282, Gemm: 2, MatMul: 6 }, params: 6_867_122, nonZero: 6_867_101, floatParams: 6_870_754, macs: 10_277_244_748 },
} as const;

function moduleTree(name: string): Map<string, string> {
  const text = readFileSync(fixture('reference', `${name}.modules.tsv`), 'utf8');
  return new Map(text.trim().split('\n').map((line) => {
    const [path = '', cls = ''] = line.split('\t');
    return [path, cls];
  }));
}

describeFixtures('layer inventory of the fixture models', () => {
  for (const [file, want] of Object.entries(EXPECTED)) {
    it(`${file}: layers per op, weight params, non-zeros, float params${want.macs ? ', MACs' : ''}`, async () => {
      const report = inspectOnnx(await loadOnnx(fixture('models', file)));
      expect(report.totals.layersByOp).toEqual(want.byOp);
      expect(report.totals.weightParams).toBe(want.params);
      expect(report.totals.nonZeroWeights).toBe(want.nonZero);
      expect(report.totals.floatParams).toBe(want.floatParams);
      expect(report.totals.layersWithoutMacs).toBe(0);
      expect(report.shapeProblems).toEqual([]);
      if (want.macs) expect(report.totals.macs).toBe(want.macs);
    });
  }

  for (const [file, tree] of [['LeYOLONano-640.onnx', 'LeYOLONano'], ['yolov13n-random.onnx', 'yolov13n'], ['yolov13n-tokenc3-lsnet-random.onnx', 'yolov13n-tokenc3-lsnet']] as const) {
    it(`${file}: every layer's module path is a Conv2d/Linear module of ${tree}.modules.tsv`, async () => {
      const modules = moduleTree(tree);
      const layers = listLayers(await loadOnnx(fixture('models', file)), undefined, { macs: false });
      const wrong = layers
        .map((l) => ({ path: l.modulePath, op: l.opType, cls: modules.get(l.modulePath) }))
        .filter((l) => !/\.(Conv2d|Linear)$/.test(l.cls ?? '') || (l.op === 'Conv') !== l.cls!.endsWith('.Conv2d'));
      expect(wrong).toEqual([]);
      expect(new Set(layers.map((l) => l.modulePath)).size).toBe(layers.length);
    });
  }

  it('yolov13n-random: tensors shared through Identity resolve to one initializer and count once', async () => {
    const m = await loadOnnx(fixture('models', 'yolov13n-random.onnx'));
    const g = indexGraph(m);
    const layers = listLayers(m, g, { macs: false });
    const identities = g.nodes.filter((n) => n.opType === 'Identity').length;
    expect(identities).toBe(136);
    const users = new Map<string, number>();
    for (const l of layers) if (l.biasId) users.set(l.biasId, (users.get(l.biasId) ?? 0) + 1);
    const shared = [...users].filter(([, n]) => n > 1);
    expect(shared.length).toBeGreaterThan(0);
    for (const [name] of shared) expect(resolveIdentity(g, name)).toBe(name);
    // Counting per use would exceed the distinct float initializers (checked above as floatParams).
    const perUse = layers.reduce((a, l) => a + l.params + (l.biasId ? Number(g.constants.get(l.biasId)!.proto.dims.reduce((x, y) => x * y, 1n)) : 0), 0);
    expect(perUse).toBeGreaterThan(inspectOnnx(m).totals.weightParams);
  });
});
