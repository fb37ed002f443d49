import { describe, expect, it } from 'vitest';
import { stageLines, stageNotes, type StageRow } from '../../src/cli/run-stages.js';

const row = (stage: string, over: Partial<StageRow> = {}): StageRow => ({
  stage, file: `/x/${stage}.onnx`, bytes: 2048, gzipBytes: 1024, map50: 0.5, map5095: 0.25, speedup: { ratio: 1.234, ciLow: 1.1, ciHigh: 1.35 }, ...over,
});

describe('stageLines', () => {
  it('aligns the columns and gives each stage its speed with the interval; the original is 1.00×', () => {
    const lines = stageLines([row('original'), row('pruned + INT8', { map50: undefined, speedup: undefined })]);
    expect(lines).toEqual([
      'stage          file                size     gzip     mAP50  mAP50-95  speed vs original',
      'original       original.onnx       2.0 KiB  1.0 KiB  0.500  0.250     1.00×',
      'pruned + INT8  pruned + INT8.onnx  2.0 KiB  1.0 KiB  –      0.250     not measured',
    ]);
    expect(stageLines([row('original'), row('int8')])[2]).toMatch(/1\.23× \(1\.10–1\.35\)$/);
  });
  it('notes every stage after the original', () => {
    expect(stageNotes([row('original'), row('int8')])).toEqual(['stage int8: int8.onnx, 2.0 KiB (gzip 1.0 KiB), mAP50 0.500, mAP50-95 0.250, 1.23× the original\'s speed']);
  });
});
