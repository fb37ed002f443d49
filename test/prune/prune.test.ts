import { createHash } from 'node:crypto';
import { copyFile, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FileError, floatToHalf, halfToFloat } from '../../src/core/index.js';
import { indexGraph, layerIndexOf } from '../../src/graph/index.js';
import { concatChunks, getTensor, metadataEntryBytes, serializeWithMetadata, type OnnxModel } from '../../src/io/onnx/index.js';
import { loadOnnx } from '../../src/files/onnx-file.js';
import { unstructuredProvenance } from '../../src/prune/provenance.js';
import { loadClassSource } from '../../src/files/class-source-file.js';
import { pruneFile } from '../../src/files/prune-file.js';
import { pruneModel } from '../../src/prune/prune.js';
import { getPreset } from '../../src/prune/presets.js';
import type { PruneResult } from '../../src/prune/result.js';
import { verifyModel } from '../../src/prune/verify.js';
import { rawDataOffset } from '../../src/files/prune-write.js';
import { describeFixtures, fixture, tempDir } from '../helpers/fixtures.js';
import { initializer, input, model, node, output, randomFloats, toOnnx } from '../helpers/onnx-builder.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Category per top-level index, asserting each index has exactly one category. */
function categoriesByIndex(r: PruneResult): Map<number, string> {
  const out = new Map<number, string>();
  for (const l of r.layers) {
    const i = layerIndexOf(l.modulePath)!;
    const prev = out.get(i);
    if (prev !== undefined && prev !== l.category) throw new Error(`model.${i} has categories ${prev} and ${l.category}`);
    out.set(i, l.category);
  }
  return out;
}

function expectExactRatios(r: PruneResult) {
  for (const l of r.layers) {
    if (l.protected) { expect(l.zerosAfter).toBe(l.zerosBefore); continue; }
    expect(l.zerosAfter).toBe(Math.max(l.zerosBefore, Math.round(l.presetRatio * l.params)));
  }
}

describeFixtures('prune acceptance: yolov13n + TokenC3 + LSNet', () => {
  let m: OnnxModel;
  const preset = getPreset('tokenc3-lsnet');
  beforeAll(async () => { m = await loadOnnx(fixture('models', 'yolov13n-tokenc3-lsnet-random.onnx')); });

  it('categorises by the yaml classes and applies the table exactly', async () => {
    const arch = await loadClassSource(fixture('configs', 'yolov13_lsnet.yaml'));
    const before = sha(m.source!);
    const { model: out, result: r } = pruneModel(m, { preset, classSources: [arch] });
    const cat = categoriesByIndex(r);
    for (const i of [2, 4, 6, 8, 17, 21, 26, 30]) expect(cat.get(i), `model.${i}`).toBe('TokenC3');
    expect(cat.get(9)).toBe('HyperACE');
    for (const i of [5, 7]) expect(cat.get(i)).toBe('DSC');
    for (const i of [0, 1, 3, 22, 24, 28]) expect(cat.get(i)).toBe('Conv');
    expect(cat.get(11)).toBe('Conv'); // DownsampleConv: listed in the plain Conv category (22%)
    expect(cat.get(32)).toBe('head');
    expect(r.layers.filter((l) => l.modulePath.startsWith('model.9.')).every((l) => l.presetRatio === 0.04)).toBe(true);
    const head = r.layers.filter((l) => layerIndexOf(l.modulePath) === 32);
    expect(head.length).toBeGreaterThan(10);
    expect(head.every((l) => l.protected && l.zerosAfter === l.zerosBefore)).toBe(true);
    expectExactRatios(r);
    // Head weights are byte-identical in the output; the input model is untouched.
    for (const l of head) expect(sha(new Uint8Array(getTensor(out, l.id).data.buffer))).toBe(sha(new Uint8Array(getTensor(m, l.id).data.buffer)));
    expect(sha(m.source!)).toBe(before);
    expect(r.plan.classSources[0]!.kind).toBe('yaml');
  });

  it('--target 0.10 reaches 10.00% over prunable weights (±0.01 pp), head untouched', async () => {
    const arch = await loadClassSource(fixture('configs', 'yolov13_lsnet.yaml'));
    const { result: r } = pruneModel(m, { preset, classSources: [arch], target: 0.1 });
    expect(Math.abs(r.totals.achieved - 0.1)).toBeLessThanOrEqual(1e-4);
    expect(r.totals.sparsityPrunable).toBe(r.totals.achieved);
    expect(r.layers.filter((l) => l.protected).every((l) => l.zerosAfter === l.zerosBefore)).toBe(true);
    expect(r.factor).toBeGreaterThan(1);
  });

  it('global scope with lamp also hits the target exactly', async () => {
    const arch = await loadClassSource(fixture('configs', 'yolov13_lsnet.yaml'));
    const { result: r } = pruneModel(m, { preset, classSources: [arch], target: 0.2, scope: 'global', criterion: 'lamp', dryRun: true });
    expect(Math.abs(r.totals.achieved - 0.2)).toBeLessThanOrEqual(1e-4);
    expect(r.categories.find((c) => c.category === 'head')!.zerosAfter).toBe(r.categories.find((c) => c.category === 'head')!.zerosBefore);
  });
});

describeFixtures('prune acceptance: yolov13n', () => {
  it('--preset yolov13 with configs/yolov13.yaml: categories, head, target 10%', async () => {
    const m = await loadOnnx(fixture('models', 'yolov13n-random.onnx'));
    const arch = await loadClassSource(fixture('configs', 'yolov13.yaml'));
    const { result: r } = pruneModel(m, { preset: getPreset('yolov13'), classSources: [arch] });
    const cat = categoriesByIndex(r);
    for (const i of [2, 4, 17, 21, 26, 30]) expect(cat.get(i)).toBe('DSC3k2');
    for (const i of [6, 8]) expect(cat.get(i)).toBe('A2C2f');
    for (const i of [5, 7]) expect(cat.get(i)).toBe('DSConv');
    expect(cat.get(9)).toBe('HyperACE');
    for (const i of [0, 1, 3, 11, 22, 24, 28]) expect(cat.get(i)).toBe('Conv');
    expect(cat.get(32)).toBe('head');
    expectExactRatios(r);
    const t = pruneModel(m, { preset: getPreset('yolov13'), classSources: [arch], target: 0.1 }).result;
    expect(Math.abs(t.totals.achieved - 0.1)).toBeLessThanOrEqual(1e-4);
    expect(t.layers.filter((l) => layerIndexOf(l.modulePath) === 32).every((l) => l.zerosAfter === l.zerosBefore)).toBe(true);
  });
});

describeFixtures('prune files: LeYOLONano', () => {
  const src = fixture('models', 'LeYOLONano-640.onnx');

  it('writes a model that loads and runs in onnxruntime, the input\'s size plus its provenance record; input unchanged', async () => {
    const dir = await tempDir();
    const copy = path.join(dir, 'in.onnx');
    await copyFile(src, copy);
    const before = sha(await readFile(copy));
    const out = path.join(dir, 'out.onnx');
    const r = await pruneFile(copy, out, { preset: 'uniform', target: 0.3 });
    expect(sha(await readFile(copy))).toBe(before);
    expect(r.files.output!.bytes).toBe((await stat(out)).size);
    expect(Math.abs(r.totals.achieved - 0.3)).toBeLessThanOrEqual(1e-4);
    expect(r.plan.head.method).toBe('output-subgraph');
    const v = await verifyModel(out, { original: copy });
    expect(v.outputs[0]!.dims).toEqual([1, 84, 8400]);
    expect(v.outputs[0]!.cosine).toBeGreaterThan(0.5);
    expect(v.outputs[0]!.maxAbsDiff).toBeGreaterThan(0);
    // The streamed file equals the in-memory (patch) path with the record appended, and only bytes inside pruned
    // weights changed.
    const written = await readFile(out);
    const loaded = await loadOnnx(copy);
    const mem = pruneModel(loaded, { preset: getPreset('uniform'), target: 0.3 });
    const record = unstructuredProvenance(loaded, mem.result)!;
    expect(written.length).toBe((await stat(copy)).size + metadataEntryBytes(record.key, record.value).length);
    expect(sha(written)).toBe(sha(concatChunks(serializeWithMetadata(mem.model, [record]))));
    const original = await readFile(copy);
    const g = indexGraph(r.model);
    const ranges = r.layers.filter((l) => l.zerosAfter > l.zerosBefore).map((l) => {
      const off = rawDataOffset(r.model, g.constants.get(l.id)!.proto)!;
      return [off, off + g.constants.get(l.id)!.proto.rawData.length] as const;
    });
    let changed = 0;
    for (let i = 0; i < original.length; i++) {
      if (original[i] === written[i]) continue;
      changed++;
      if (!ranges.some(([a, b]) => i >= a && i < b)) throw new Error(`byte ${i} changed outside the pruned weights`);
    }
    expect(changed).toBeGreaterThan(0);
  });

  it('ratio 0 writes a byte-identical model; no overwrite without force; never the input', async () => {
    const dir = await tempDir();
    const cfg = path.join(dir, 'zero.yaml');
    await writeFile(cfg, 'extends: uniform\nratios: { all: 0 }\n');
    const out = path.join(dir, 'out.onnx');
    await pruneFile(src, out, { config: cfg });
    expect(sha(await readFile(out))).toBe(sha(await readFile(src)));
    await expect(pruneFile(src, out, { config: cfg })).rejects.toThrow(/already exists; pass --force/);
    // A forced overwrite really replaces the bytes: a 50% prune over the ratio-0 file gives that prune's bytes.
    const half = path.join(dir, 'half.yaml');
    await writeFile(half, 'extends: uniform\nratios: { all: 0.5 }\n');
    const fresh = path.join(dir, 'fresh.onnx');
    await pruneFile(src, fresh, { config: half });
    const forced = await pruneFile(src, out, { config: half, force: true });
    expect(forced.totals.zeroed).toBeGreaterThan(0);
    expect(sha(await readFile(out))).toBe(sha(await readFile(fresh)));
    expect(sha(await readFile(out))).not.toBe(sha(await readFile(src)));
    expect(forced.files.output).toEqual({ path: out, bytes: (await readFile(out)).length });
    await expect(pruneFile(src, src, { config: cfg, force: true })).rejects.toThrow(FileError);
  });

  it('N:M 2:4 keeps two of every four along the reduction axis and reports skipped layers', async () => {
    const m = await loadOnnx(src);
    const { model: out, result: r } = pruneModel(m, { preset: getPreset('uniform'), nm: { n: 2, m: 4 } });
    expect(r.skipped.length).toBeGreaterThan(0);
    expect(r.skipped.every((s) => /not a multiple of 4/.test(s.reason))).toBe(true);
    const done = r.layers.filter((l) => !l.protected && !l.skipped);
    expect(done.length).toBeGreaterThan(10);
    for (const l of done.slice(0, 5)) {
      const w = getTensor(out, l.id).data as Float32Array;
      const row = l.params / l.dims[0]!;
      for (let o = 0; o < l.dims[0]!; o++) for (let g = 0; g < row; g += 4) {
        let nz = 0;
        for (let j = 0; j < 4; j++) if (w[o * row + g + j] !== 0) nz++;
        expect(nz).toBeLessThanOrEqual(2);
      }
    }
  });
});

describe('prune: fp16 weights and the no-source path', () => {
  it('prunes float16 weights exactly and writes float16', () => {
    const w = Uint16Array.from(randomFloats(64, 9), floatToHalf);
    const m = toOnnx(model(
      [node('Conv', ['x', 'model.0.conv.weight'], ['y'], {}, '/model.0/conv/Conv'), node('Conv', ['y', 'model.1.conv.weight'], ['z'], {}, '/model.1/conv/Conv')],
      [initializer('model.0.conv.weight', [8, 8, 1, 1], w), initializer('model.1.conv.weight', [2, 8, 1, 1], Uint16Array.from(randomFloats(16, 3), floatToHalf))],
      [input('x', [1, 8, 4, 4], 10)], [output('z', [1, 2, 4, 4], 10)],
    ));
    const { model: out, result: r } = pruneModel(m, { preset: { ...getPreset('uniform'), default: { name: 'all', ratio: 0.25 } } });
    const t = getTensor(out, 'model.0.conv.weight');
    expect(t.dtype).toBe('float16');
    const vals = Array.from(t.data as Uint16Array, halfToFloat);
    expect(vals.filter((v) => v === 0)).toHaveLength(16);
    const kept = Array.from(w, halfToFloat).map(Math.abs).sort((a, b) => a - b).slice(16);
    expect(vals.filter((v) => v !== 0).map(Math.abs).sort((a, b) => a - b)).toEqual(kept);
    expect(r.layers[1]!.protected).toBe(true); // model.1 produces the output: the head
  });
});
