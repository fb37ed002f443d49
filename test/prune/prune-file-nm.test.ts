import path from 'node:path';
import { expect, it } from 'vitest';
import { listLayers, loadOnnx, getTensor, tensorRefs } from '../../src/index.js';
import { parseNm } from '../../src/prune/index.js';
import { pruneFile } from '../../src/files/prune-file.js';
import { describeFixtures, fixture, tempDir } from '../helpers/fixtures.js';

// N:M through the file path (streamed write), not only the pure pruneModel: the written model must hold the pattern.
describeFixtures('pruneFile with --nm', () => {
  it('writes a model in which every group of 4 input channels at one kernel tap has at least 2 zeros', async () => {
    const out = path.join(await tempDir(), 'nm.onnx');
    const result = await pruneFile(fixture('models', 'LeYOLONano-640.onnx'), out, { nm: parseNm('2:4') });
    expect(result.files.output?.path).toBe(out);
    const model = await loadOnnx(out);
    const refs = tensorRefs(model);
    const rows = new Map(result.layers.map((r) => [r.id, r]));
    let checked = 0;
    for (const layer of listLayers(model)) {
      const row = rows.get(layer.id)!;
      if (row.protected || row.skipped || layer.layout !== 'conv') continue;
      const w = getTensor(model, layer.id, refs).data as Float32Array;
      // [O, C, taps]: the run of input channels c…c+3 at tap t of output o (the 3×3 convs have 9 taps).
      const inC = layer.dims[1]!, taps = w.length / (layer.dims[0]! * inC);
      expect(inC % 4).toBe(0);
      for (let o = 0; o < layer.dims[0]!; o++) {
        for (let t = 0; t < taps; t++) {
          for (let c = 0; c < inC; c += 4) {
            let zeros = 0;
            for (let j = 0; j < 4; j++) if (w[(o * inC + c + j) * taps + t] === 0) zeros++;
            expect(zeros).toBeGreaterThanOrEqual(2);
          }
        }
      }
      expect(layer.params - layer.nonZero).toBe(row.zerosAfter);
      checked++;
    }
    expect(checked).toBeGreaterThan(50);
  });
});
