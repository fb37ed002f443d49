import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../src/core/dtype.js';
import { readProvenance, serializeOnnx } from '../../src/io/onnx/index.js';
import { loadOnnx } from '../../src/files/index.js';
import { quantizeModelFile } from '../../src/files/quantize-file.js';
import { quantizeModel } from '../../src/quantize/model.js';
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

describe('quantizeModel (the in-memory entry point)', () => {
  it('is what quantizeModelFile writes; variant() keeps the named layers float on top and nothing else changes', async () => {
    const dir = await tempDir();
    const src = path.join(dir, 'd.onnx');
    await writeFile(src, toBytes(tinyDetector()));
    const q = await quantizeModel(await loadOnnx(src), images(3), { floatPrefix: false });
    const f = await quantizeModelFile(src, path.join(dir, 'f.onnx'), images(3), { floatPrefix: false });
    expect(q.layers).toEqual(f.layers);
    expect(q.units.length).toBeGreaterThan(1);
    const dqOf = (m: ReturnType<typeof q.variant>) => new Set(m.proto.graph!.node.filter((n) => n.opType === 'DequantizeLinear').map((n) => n.output[0]));
    const convs = (m: ReturnType<typeof q.variant>) => m.proto.graph!.node.filter((n) => n.opType === 'Conv');
    const integer = (m: ReturnType<typeof q.variant>) => convs(m).filter((n) => dqOf(m).has(n.input[1])).map((n) => n.name);
    const all = integer(q.model);
    const first = q.units[0]!;
    expect(all).toContain(first);
    const v = q.variant(new Set([first]));
    expect(integer(v)).toEqual(all.filter((n) => n !== first));
    expect(serializeOnnx(q.variant(new Set(['no such layer'])))).toEqual(q.bytes);
    const s = await q.sensitivity([{ images: { dtype: 'float32', dims: [1, 3, 8, 8], data: randomFloats(192, 3) } }]);
    expect(s.map((x) => x.node).sort()).toEqual([...q.units].sort());
  });
});
