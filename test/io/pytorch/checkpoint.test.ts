import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { toFloat32 } from '../../../src/core/convert.js';
import { ModelFormatError } from '../../../src/core/errors.js';
import { readCheckpoint, readCheckpointTensor } from '../../../src/io/pytorch/checkpoint.js';
import { selectModel, selectedStateDict } from '../../../src/io/pytorch/modules.js';
import { describeFixtures, fixture } from '../../helpers/fixtures.js';
import { REFERENCE_CHECKPOINTS, referenceTensors } from './reference.js';

function stats(data: Float32Array): { sum: number; absSum: number; nonzero: number } {
  let sum = 0;
  let absSum = 0;
  let nonzero = 0;
  for (const x of data) {
    sum += x;
    absSum += Math.abs(x);
    if (x !== 0) nonzero++;
  }
  return { sum, absSum, nonzero };
}

function close(actual: number, expected: number): boolean {
  // The reference prints 9 significant digits: allow that rounding plus 1e-6 relative.
  return Math.abs(actual - expected) <= 1e-6 * Math.max(Math.abs(expected), Math.abs(actual)) + 1e-9;
}

describeFixtures('pytorch checkpoint tensors vs PyTorch reference', () => {
  for (const { file, ref } of REFERENCE_CHECKPOINTS) {
    it(`${file}: every state_dict entry matches ${ref}.tensors.tsv`, () => {
      const ckpt = readCheckpoint(readFileSync(fixture('models', file)), file);
      const sd = selectedStateDict(selectModel(ckpt.root, file), file);
      const expected = referenceTensors(ref);
      expect(sd.map((e) => e.name)).toEqual(expected.map((r) => r.key));
      const mismatches: string[] = [];
      sd.forEach((entry, i) => {
        const r = expected[i]!;
        const t = readCheckpointTensor(ckpt, entry.ref);
        const s = stats(toFloat32(t));
        const shape = t.dims.length === 0 ? 'scalar' : t.dims.join('x');
        if (t.dtype !== r.dtype || shape !== r.shape || t.data.length !== r.numel || s.nonzero !== r.nonzero || !close(s.sum, r.sum) || !close(s.absSum, r.absSum)) {
          mismatches.push(`${r.key}: got ${t.dtype} ${shape} sum ${s.sum} abs ${s.absSum} nz ${s.nonzero}; want ${r.dtype} ${r.shape} ${r.sum} ${r.absSum} ${r.nonzero}`);
        }
      });
      expect(mismatches).toEqual([]);
    });
  }

  it('yolov5n_ppe.pt (YOLOv5 v7.0 models.yolo.Model) reads: model, tree and all tensors', () => {
    const ckpt = readCheckpoint(readFileSync(fixture('models', 'yolov5n_ppe.pt')), 'yolov5n_ppe.pt');
    const sel = selectModel(ckpt.root, 'yolov5n_ppe.pt');
    expect(sel.source).toBe('model');
    expect(sel.module?.global?.qualifiedName).toBe('models.yolo.Model');
    const sd = selectedStateDict(sel);
    expect(sd.length).toBeGreaterThan(300);
    const weights = sd.filter((e) => e.name.endsWith('conv.weight'));
    expect(weights.length).toBeGreaterThan(50);
    for (const e of sd) expect(readCheckpointTensor(ckpt, e.ref).data.length).toBe(e.ref.shape.reduce((a, b) => a * b, 1));
  });

  it('corrupt-truncated-yolov5n.pt: ModelFormatError saying the file is truncated', () => {
    const bytes = readFileSync(fixture('models', 'corrupt-truncated-yolov5n.pt'));
    expect(() => readCheckpoint(bytes, 'corrupt-truncated-yolov5n.pt')).toThrow(ModelFormatError);
    expect(() => readCheckpoint(bytes, 'corrupt-truncated-yolov5n.pt')).toThrow(/corrupt-truncated-yolov5n\.pt: file is truncated.*no central directory/);
  });
});

it('legacy (pre-1.6, non-zip) checkpoints get a clear error', () => {
  // The legacy format starts with a pickled magic number (LONG1 0x1950a86a20f9469cfc6c).
  const legacy = Uint8Array.from([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e]);
  expect(() => readCheckpoint(legacy, 'old.pt')).toThrow(/old\.pt: legacy \.pt format.*re-save with torch ≥ 1\.6/);
  expect(() => readCheckpoint(Uint8Array.from([1, 2, 3]), 'x.pt')).toThrow(ModelFormatError);
});
