/** The page's checkpoint helpers: output names, and the checks of an ONNX twin against the dropped checkpoint. */
import { describe, expect, it } from 'vitest';
import type { InspectReport } from '../../src/graph/summary.js';
import { prunedName, pruneHeldWeights, twinWarnings } from '../../web/src/checkpoint-job.js';
import { getPreset } from '../../src/prune/presets.js';

const report = (zeroWeights: number) => ({ totals: { zeroWeights } }) as unknown as InspectReport;
const ckpt = { name: 'best.pt', bytes: new Uint8Array(0), names: ['helmet', 'vest'] };

describe('checkpoint job helpers', () => {
  it('prunedName keeps the extension (only the last one)', () => {
    expect(prunedName('best.pt')).toBe('best-pruned.pt');
    expect(prunedName('model.v2.safetensors')).toBe('model.v2-pruned.safetensors');
    expect(prunedName('weights')).toBe('weights-pruned');
  });

  it('twinWarnings: class names must match exactly (order too); the compressed twin needs at least half the zeros', () => {
    expect(twinWarnings(ckpt, { name: 'a.onnx', names: ['helmet', 'vest'], report: report(0) }, undefined)).toEqual([]);
    expect(twinWarnings(ckpt, { name: 'a.onnx', names: undefined, report: report(0) }, undefined)).toEqual([]);
    const swapped = twinWarnings(ckpt, { name: 'a.onnx', names: ['vest', 'helmet'], report: report(0) }, undefined);
    expect(swapped).toEqual(['a.onnx has 2 classes (vest, helmet), best.pt has 2 (helmet, vest): is it the export of this checkpoint?']);
    expect(twinWarnings(ckpt, { name: 'c.onnx', names: undefined, report: report(50) }, 100)).toEqual([]);
    expect(twinWarnings(ckpt, { name: 'c.onnx', names: undefined, report: report(49) }, 100)).toEqual([
      "c.onnx holds 49 zero weights, less than half of the compressed checkpoint's 100: is it the export of the compressed checkpoint?",
    ]);
  });

  it('pruneHeldWeights refuses structured pruning and INT8 with the way out', () => {
    const preset = getPreset('yolov8');
    expect(() => pruneHeldWeights(ckpt, { mode: 'structured', preset }, () => {})).toThrow(/best\.pt: structured pruning works on ONNX models; drop the ONNX export/);
    expect(() => pruneHeldWeights(ckpt, { mode: 'int8', preset }, () => {})).toThrow(/best\.pt: INT8 quantization works on ONNX models/);
  });
});
