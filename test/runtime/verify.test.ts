import { describe, expect, it } from 'vitest';
import { ModelFormatError } from '../../src/core/errors.js';
import { createSession, verifyRuns } from '../../src/runtime/index.js';
import { describeFixtures, fixture } from '../helpers/fixtures.js';
import { input, model, node, output, tinyConvNet, toBytes } from '../helpers/onnx-builder.js';

describe('verifyRuns on hand-built models', () => {
  it('runs model bytes once and reports output dims', async () => {
    const r = await verifyRuns(toBytes(tinyConvNet()));
    expect(r.inputs).toEqual([{ name: 'images', dims: [1, 3, 32, 32], dtype: 'float32' }]);
    expect(r.outputs).toEqual([{ name: 'logits', dims: [1, 10], dtype: 'float32', finite: true }]);
  });

  it('fixes dynamic dims from imgsz and batch', async () => {
    const bytes = toBytes(model([node('Relu', ['x'], ['y'])], [], [input('x', ['n', 3, 'h', 'w'])], [output('y', ['n', 3, 'h', 'w'])]));
    const r = await verifyRuns(bytes, { imgsz: { height: 8, width: 12 }, batch: 2 });
    expect(r.outputs[0]!.dims).toEqual([2, 3, 8, 12]);
  });

  it('bytes onnxruntime cannot load are a ModelFormatError', async () => {
    await expect(verifyRuns(new Uint8Array([1, 2, 3, 4]))).rejects.toBeInstanceOf(ModelFormatError);
  });
});

describeFixtures('runtime seam on LeYOLONano-640.onnx', () => {
  it('createSession reports the I/O specs and one run gives output0 [1,84,8400]', async () => {
    const session = await createSession(fixture('models', 'LeYOLONano-640.onnx'), { threads: 1, graphOptimization: 'basic' });
    try {
      expect(session.inputs).toEqual([{ name: 'images', dtype: 'float32', shape: [1, 3, 640, 640] }]);
      const out = await session.run({ images: { dtype: 'float32', dims: [1, 3, 640, 640], data: new Float32Array(3 * 640 * 640).fill(0.5) } });
      expect(out.output0!.dims).toEqual([1, 84, 8400]);
    } finally {
      await session.release();
    }
  });

  it('verifyRuns on the file path', async () => {
    const r = await verifyRuns(fixture('models', 'LeYOLONano-640.onnx'));
    expect(r.outputs).toEqual([{ name: 'output0', dims: [1, 84, 8400], dtype: 'float32', finite: true }]);
  });
});
