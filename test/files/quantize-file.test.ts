import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../src/core/dtype.js';
import { readProvenance } from '../../src/io/onnx/index.js';
import { loadOnnx } from '../../src/files/index.js';
import { quantizeModelFile } from '../../src/files/quantize-file.js';
import { randomFloats, toBytes } from '../helpers/onnx-builder.js';
import { tempDir } from '../helpers/fixtures.js';
import { tinyDetector } from '../helpers/quant-models.js';

const images = (n: number) => ({
  count: n, description: `${n} random images`,
  async *feeds(): AsyncGenerator<Record<string, Tensor>> { for (let k = 0; k < n; k++) yield { images: { dtype: 'float32', dims: [1, 3, 8, 8], data: randomFloats(192, 10 + k) } }; },
});

describe('quantizeModelFile placement auto', () => {
  it('measures candidates that quantize the same nodes once, and records the choice in provenance', async () => {
    const dir = await tempDir();
    const src = path.join(dir, 'd.onnx');
    await writeFile(src, toBytes(tinyDetector()));
    const seen: string[][] = [];
    const measure = async (c: ReadonlyArray<{ label: string }>) => { seen.push(c.map((x) => x.label)); return c.map((_, i) => 1.5 - i * 0.25); };
    // the stem kept float by --exclude: "stem float" is the same model as "all layers integer"
    const a = await quantizeModelFile(src, path.join(dir, 'a.onnx'), images(3), { placement: 'auto', measure, floatPrefix: false, exclude: ['/model.0/conv/Conv'] });
    expect(seen).toEqual([['all layers integer']]);
    expect(a.placement.candidates).toEqual([{ label: 'all layers integer', speedup: 1.5 }, { label: 'stem float', speedup: 1.5 }]);
    expect(a.placement.chosen).toBe('all layers integer');
    // distinct candidates: both measured, the faster (here the first) kept
    const b = await quantizeModelFile(src, path.join(dir, 'b.onnx'), images(3), { placement: 'auto', measure, floatPrefix: false });
    expect(seen[1]).toEqual(['all layers integer', 'stem float']);
    expect(b.placement.candidates.map((c) => c.speedup)).toEqual([1.5, 1.25]);
    const rec = readProvenance((await loadOnnx(path.join(dir, 'b.onnx'))).proto)[0]!.record as { placement: string; exclude?: string[]; floatPrefix: number };
    expect(rec).toMatchObject({ placement: 'all layers integer', floatPrefix: 0 });
    expect(rec.exclude).toBeUndefined();
  });
});
