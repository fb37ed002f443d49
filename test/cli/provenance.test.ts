/**
 * A pruned model records how it was made, and `inspect` shows it (issue #14 item 11): ONNX `metadata_props`,
 * a `.pt` zip entry, safetensors `__metadata__`. The record is written by the pure prunes, so the library's
 * in-memory result (what the web page downloads) and the CLI's file are the same bytes.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoAssets } from '../../src/cli/demo.js';
import { bufferIO } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import { parseOnnx } from '../../src/io/onnx/index.js';
import { readCheckpoint, readCheckpointTensor } from '../../src/io/pytorch/checkpoint.js';
import { selectModel, selectedStateDict } from '../../src/io/pytorch/modules.js';
import { readCheckpointProvenance } from '../../src/io/pytorch/provenance.js';
import { readSafetensors } from '../../src/io/safetensors/format.js';
import { encodeSafetensors } from '../../src/io/safetensors/write.js';
import { pruneOnnxBytes } from '../../src/prune/prune-stream.js';
import { getPreset } from '../../src/prune/presets.js';
import { describeFixtures, fixture, tempDir } from '../helpers/fixtures.js';

async function run(argv: string[]) {
  const io = bufferIO();
  const code = await runCli(argv, io);
  expect(code, io.text()).toBe(0);
  return io.stdout.join('\n');
}

const json = <T>(s: string): T => JSON.parse(s) as T;

describe('provenance in ONNX metadata_props', () => {
  it('every edit adds one record (prunekit, prunekit.2, …) with the exact settings and result; the original metadata stays; inspect shows them', async () => {
    const dir = await tempDir();
    const a = demoAssets();
    const [u1, u2, s3] = ['u1.onnx', 'u2.onnx', 's3.onnx'].map((f) => path.join(dir, f)) as [string, string, string];
    const j1 = path.join(dir, 'u1.json');
    await run(['prune', a.model, '--target', '10%', '--preset', 'yolov8', '--arch', a.arch, '-o', u1, '--json', j1]);
    await run(['prune', u1, '--target', '0.2', '-o', u2]);
    await run(['prune', u2, '--structured', '--channel-ratio', '0.2', '-o', s3]);
    const original = parseOnnx(new Uint8Array(await readFile(a.model))).proto.metadataProps;
    const props = parseOnnx(new Uint8Array(await readFile(s3))).proto.metadataProps;
    expect(props.slice(0, original.length).map((p) => [p.key, p.value])).toEqual(original.map((p) => [p.key, p.value]));
    expect(props.slice(original.length).map((p) => p.key)).toEqual(['prunekit', 'prunekit.2', 'prunekit.3']);
    // The first record, exactly: settings as given, result from the prune's own totals.
    const t = json<{ totals: { zeroed: number; prunableParams: number; sparsityPrunable: number } }>(await readFile(j1, 'utf8')).totals;
    expect(json<unknown>(props[original.length]!.value)).toEqual({
      tool: 'prunekit', version: '0.1.0', command: 'prune', mode: 'unstructured', preset: 'yolov8', criterion: 'l1', scope: 'layer', target: 0.1,
      result: { zeroed: t.zeroed, prunableParams: t.prunableParams, sparsityPrunable: t.sparsityPrunable },
    });
    const third = json<{ mode: string; policy: string; roundTo: number; result: { params: { before: number; after: number } } }>(props[original.length + 2]!.value);
    expect([third.mode, third.policy, third.roundTo]).toEqual(['structured', 'ratio 0.2 of every prunable group', 16]);
    expect(third.result.params.after).toBeLessThan(third.result.params.before);

    const text = await run(['inspect', s3]);
    expect(text).toMatch(/^prunekit +prune unstructured \(preset yolov8, criterion l1, scope layer, target 0\.1\) by prunekit 0\.1\.0; zeroed [\d,]+, prunableParams [\d,]+, sparsityPrunable 0\.1000$/m);
    expect(text).toMatch(/^prunekit +prune structured \(policy ratio 0\.2 of every prunable group, roundTo 16\) by prunekit 0\.1\.0; params [\d,]+ → [\d,]+, macs [\d,]+ → [\d,]+/m);
    const inspected = json<{ provenance: Array<{ key: string; record: { mode: string } }> }>(await run(['inspect', s3, '--json', '-']));
    expect(inspected.provenance.map((p) => [p.key, p.record.mode])).toEqual([['prunekit', 'unstructured'], ['prunekit.2', 'unstructured'], ['prunekit.3', 'structured']]);
    expect(json<{ provenance: unknown[] }>(await run(['inspect', a.model, '--json', '-'])).provenance).toEqual([]);
  }, 60_000);

  it('the in-memory prune (the web page) writes the CLI file, record included; nothing changed → the input bytes, no record', async () => {
    const dir = await tempDir();
    const a = demoAssets();
    const out = path.join(dir, 'p.onnx');
    await run(['prune', a.model, '--target', '0.3', '-o', out]);
    const source = new Uint8Array(await readFile(a.model));
    const mem = pruneOnnxBytes(parseOnnx(source), { preset: getPreset('uniform'), target: 0.3 });
    expect(Buffer.compare(Buffer.from(mem.bytes), await readFile(out))).toBe(0);
    expect(mem.bytes.length).toBeGreaterThan(source.length);
    // Target 0 on a model without zeros: no weight changes, so the file is the input, byte for byte.
    const same = path.join(dir, 'same.onnx');
    await run(['prune', a.model, '--target', '0', '-o', same]);
    expect(Buffer.compare(await readFile(same), Buffer.from(source))).toBe(0);
    expect(Buffer.compare(Buffer.from(pruneOnnxBytes(parseOnnx(source), { preset: getPreset('uniform'), target: 0 }).bytes), Buffer.from(source))).toBe(0);
  }, 60_000);
});

describeFixtures('provenance in checkpoints', () => {
  const PT = fixture('models', 'yolov5n_ppe.pt');

  it('.pt: a zip entry <archive>/prunekit (then prunekit.2) with the exact record; every other entry unchanged; inspect shows it', async () => {
    const dir = await tempDir();
    const [a, b, j] = ['a.pt', 'b.pt', 'a.json'].map((f) => path.join(dir, f)) as [string, string, string];
    await run(['prune', PT, '--preset', 'yolov8', '--target', '0.1', '-o', a, '--json', j]);
    await run(['prune', a, '--target', '0.2', '-o', b]);
    const src = readCheckpoint(new Uint8Array(await readFile(PT)), 'src');
    const ck = readCheckpoint(new Uint8Array(await readFile(b)), 'b.pt');
    const t = json<{ totals: { zeroed: number; prunableParams: number; sparsityPrunable: number } }>(await readFile(j, 'utf8')).totals;
    const records = readCheckpointProvenance(ck);
    expect(records.map((r) => r.key)).toEqual(['prunekit', 'prunekit.2']);
    expect(records[0]!.record).toEqual({
      tool: 'prunekit', version: '0.1.0', command: 'prune', mode: 'unstructured', preset: 'yolov8', criterion: 'l1', scope: 'layer', target: 0.1,
      result: { zeroed: t.zeroed, prunableParams: t.prunableParams, sparsityPrunable: t.sparsityPrunable },
    });
    expect(records[1]!.record).toMatchObject({ preset: 'uniform', target: 0.2 });
    // The original entries keep their names, offsets and sizes (storages stay 64-byte aligned); two entries added.
    expect(ck.zip.entries.slice(0, src.zip.entries.length).map((e) => [e.name, e.dataOffset, e.size])).toEqual(src.zip.entries.map((e) => [e.name, e.dataOffset, e.size]));
    expect(ck.zip.entries.slice(src.zip.entries.length).map((e) => [e.name, e.dataOffset % 64])).toEqual([['archive/prunekit', 0], ['archive/prunekit.2', 0]]);
    expect(await run(['inspect', b])).toMatch(/^prunekit: prune unstructured \(preset yolov8, criterion l1, scope layer, target 0\.1\) by prunekit 0\.1\.0; zeroed [\d,]+/m);
    const inspected = json<{ provenance: Array<{ key: string }> }>(await run(['inspect', b, '--json', '-']));
    expect(inspected.provenance.map((p) => p.key)).toEqual(['prunekit', 'prunekit.2']);
    // Nothing to cut → the input file unchanged, no record.
    const same = path.join(dir, 'same.pt');
    await run(['prune', PT, '--target', '0', '-o', same]);
    expect(Buffer.compare(await readFile(same), await readFile(PT))).toBe(0);
  }, 120_000);

  it('safetensors: the record in __metadata__ (existing metadata kept), tensors and data unchanged but for the zeros', async () => {
    const dir = await tempDir();
    const bytes = new Uint8Array(await readFile(PT));
    const ck = readCheckpoint(bytes, 'yolov5n_ppe.pt');
    const tensors = selectedStateDict(selectModel(ck.root)).map((e) => ({ name: e.name, tensor: readCheckpointTensor(ck, e.ref) }));
    const st = path.join(dir, 'm.safetensors');
    await writeFile(st, encodeSafetensors(tensors, { format: 'pt' }));
    const out = path.join(dir, 'p.safetensors');
    await run(['prune', st, '--target', '0.25', '-o', out]);
    const before = readSafetensors(new Uint8Array(await readFile(st)));
    const after = readSafetensors(new Uint8Array(await readFile(out)));
    expect(Object.keys(after.metadata ?? {})).toEqual(['format', 'prunekit']);
    expect(after.metadata!.format).toBe('pt');
    expect(json<unknown>(after.metadata!.prunekit!)).toMatchObject({ tool: 'prunekit', mode: 'unstructured', preset: 'uniform', target: 0.25 });
    expect(after.entries.map((e) => [e.name, e.begin, e.end])).toEqual(before.entries.map((e) => [e.name, e.begin, e.end]));
    expect((after.dataOffset - 8) % 8).toBe(0);
    expect(await run(['inspect', out])).toMatch(/^ {2}prunekit: prune unstructured \(preset uniform, criterion l1, scope layer, target 0\.25\) by prunekit/m);
  }, 60_000);
});
