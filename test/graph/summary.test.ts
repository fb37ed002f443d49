import { describe, expect, it } from 'vitest';
import { INSPECT_SCHEMA_VERSION, inspectOnnx } from '../../src/graph/index.js';
import { parseOnnx } from '../../src/io/onnx/index.js';
import { constant, initializer, input, model, node, output, randomFloats, tinyConvNet, toBytes, toOnnx } from '../helpers/onnx-builder.js';

describe('inspectOnnx', () => {
  it('is plain JSON (no Maps or bigints) and survives a JSON round trip unchanged', () => {
    const m = tinyConvNet();
    m.metadataProps = model([], [], [], [], 13, { metadata: { names: "{0: 'cat', 1: 'dog'}", stride: '32', imgsz: '[32, 32]', task: 'detect' } }).metadataProps;
    const report = inspectOnnx(parseOnnx(toBytes(m), { path: 'tiny.onnx' }));
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
    expect(report.schemaVersion).toBe(INSPECT_SCHEMA_VERSION);
    expect(report.file).toEqual({ path: 'tiny.onnx', bytes: toBytes(m).length, gzipBytes: null }); // gzip: computed at the CLI edge
    expect(report.precision).toEqual({ kind: 'float32', label: 'float32' });
    expect(report.metadata).toMatchObject({ names: { 0: 'cat', 1: 'dog' }, nc: 2, stride: 32, imgsz: [32, 32], task: 'detect' });
    expect(report.opsets).toEqual([{ domain: 'ai.onnx', version: 13 }]);
    expect(report.totals).toMatchObject({
      layers: 4, layersByOp: { Conv: 3, Gemm: 1 }, weightParams: 2880, nonZeroWeights: 2880, zeroWeights: 0,
      floatParams: 2880 + 8 + 10, weightBytes: 2880 * 4, nodes: 6,
    });
  });

  it('counts weights in Constant nodes and a bias shared through Identity once', () => {
    const m = toOnnx(model(
      [
        constant('W', [2, 2, 1, 1], randomFloats(4)),
        node('Identity', ['b'], ['b2']),
        node('Conv', ['x', 'W', 'b'], ['h'], {}, '/model.0/conv/Conv'),
        node('Conv', ['h', 'V', 'b2'], ['y'], {}, '/model.1/conv/Conv'),
      ],
      [initializer('V', [2, 2, 1, 1], randomFloats(4, 2)), initializer('b', [2], new Float32Array([0, 1]))],
      [input('x', [1, 2, 3, 3])], [output('y', [1, 2, 3, 3])],
    ));
    const r = inspectOnnx(m);
    expect(r.layers.map((l) => [l.id, l.biasId])).toEqual([['W', 'b'], ['V', 'b']]);
    expect(r.totals.floatParams).toBe(4 + 4 + 2);
    expect(r.totals.macs).toBe(2 * (2 * 9 * 2));
  });
});
