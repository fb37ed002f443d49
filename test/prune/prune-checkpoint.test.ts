/** `.pt` → `.pt` pruning: only the zeroed weights' storages change; the report's counts are what the file holds. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { bufferIO } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import { countNonZero } from '../../src/graph/index.js';
import { readCheckpoint, readCheckpointTensor } from '../../src/io/pytorch/checkpoint.js';
import { selectModel, selectedStateDict } from '../../src/io/pytorch/modules.js';
import { entryBytes, readZip } from '../../src/io/pytorch/zip.js';
import { getPreset } from '../../src/prune/index.js';
import { pruneCheckpoint } from '../../src/prune/prune-checkpoint.js';
import { describeFixtures, fixture, tempDir } from '../helpers/fixtures.js';

function zeros(bytes: Uint8Array): { total: number; byKey: Map<string, number>; dtypes: Set<string> } {
  const ck = readCheckpoint(bytes, 'x.pt');
  const byKey = new Map<string, number>();
  const dtypes = new Set<string>();
  let total = 0;
  for (const e of selectedStateDict(selectModel(ck.root))) {
    const t = readCheckpointTensor(ck, e.ref);
    dtypes.add(t.dtype);
    if (t.dtype === 'int64') continue;
    const z = t.data.length - countNonZero(t);
    byKey.set(e.name, z);
    total += z;
  }
  return { total, byKey, dtypes };
}

describeFixtures('pruning a .pt checkpoint', () => {
  it('tokenc3-lsnet preset: data.pkl and non-storage entries byte-identical, zero count as reported', () => {
    const file = 'yolov13n-tokenc3-lsnet-random.pt';
    const input = new Uint8Array(readFileSync(fixture('models', file)));
    const { bytes, result } = pruneCheckpoint(input, { preset: getPreset('tokenc3-lsnet'), label: file });
    expect(result.totals.zeroed).toBeGreaterThan(100_000);
    const lsconv = result.layers.filter((l) => l.classChain.includes('LSConv'));
    expect(lsconv.length).toBeGreaterThan(40);
    expect(new Set(lsconv.map((l) => l.category))).toEqual(new Set(['TokenC3']));
    expect(result.layers.filter((l) => l.category === 'head').every((l) => l.protected)).toBe(true);

    const zin = readZip(input, file);
    const zout = readZip(bytes, 'out.pt');
    const ckpt = readCheckpoint(input, file);
    const sd = new Map(selectedStateDict(selectModel(ckpt.root)).map((e) => [e.name, e.ref]));
    const changedStorages = new Set(result.layers.filter((l) => l.zerosAfter > l.zerosBefore).map((l) => `${ckpt.archiveName}/data/${sd.get(l.id)!.storage.key}`));
    const differing: string[] = [];
    // One entry added (the provenance record), every original entry where it was.
    expect(zout.entries.map((e) => e.name)).toEqual([...zin.entries.map((e) => e.name), `${ckpt.archiveName}/prunekit`]);
    for (const e of zout.entries.slice(0, -1)) {
      expect(e.dataOffset).toBe(zin.byName.get(e.name)!.dataOffset);
      const same = Buffer.from(entryBytes(bytes, e, 'out.pt')).equals(Buffer.from(entryBytes(input, zin.byName.get(e.name)!, file)));
      if (!same) differing.push(e.name);
    }
    expect(differing.sort()).toEqual([...changedStorages].sort());
    expect(differing.some((n) => n.endsWith('data.pkl'))).toBe(false);

    const before = zeros(input);
    const after = zeros(bytes);
    expect(after.total - before.total).toBe(result.totals.zeroed);
    expect(after.dtypes).toEqual(before.dtypes);
    expect(after.dtypes.has('float16')).toBe(true);
    for (const l of result.layers) expect(after.byKey.get(l.id)).toBe(l.zerosAfter);
  });

  it('CLI: prune LeYOLONano.pt -o out.pt writes the checkpoint and reports like ONNX pruning', async () => {
    const dir = await tempDir();
    const out = path.join(dir, 'pruned.pt');
    const io = bufferIO();
    const code = await runCli(['prune', fixture('models', 'LeYOLONano.pt'), '-o', out, '--preset', 'yolov8', '--json', path.join(dir, 'r.json')], io);
    expect(code, io.text()).toBe(0);
    const text = io.text();
    expect(text).toMatch(/class source: pt LeYOLONano\.pt \(checkpoint key 'model' \('ema' is None\)/);
    expect(text).toMatch(/head: class Detect \(model\.\d+\) \(protected\)/);
    const report = JSON.parse(readFileSync(path.join(dir, 'r.json'), 'utf8')) as { totals: { zeroed: number } };
    const z = zeros(new Uint8Array(readFileSync(out))).total - zeros(new Uint8Array(readFileSync(fixture('models', 'LeYOLONano.pt')))).total;
    expect(z).toBe(report.totals.zeroed);
    expect(report.totals.zeroed).toBeGreaterThan(0);
    // No overwrite without --force; .pt pruning refuses ONNX-only flags.
    expect(await runCli(['prune', fixture('models', 'LeYOLONano.pt'), '-o', out], bufferIO())).toBe(2);
    const io2 = bufferIO();
    expect(await runCli(['prune', fixture('models', 'LeYOLONano.pt'), '-o', path.join(dir, 'b.pt'), '--structured'], io2)).toBe(2);
    expect(io2.text()).toMatch(/--structured works on ONNX models/);
  });
});

describeFixtures('pruning safetensors', () => {
  it('same weights as .pt, classes from --arch best.pt: the same cut; name rules without --arch', async () => {
    const { encodeSafetensors } = await import('../../src/io/safetensors/write.js');
    const { readSafetensors, safetensorsTensor } = await import('../../src/io/safetensors/format.js');
    const { pruneCheckpointFile } = await import('../../src/files/prune-checkpoint-file.js');
    const file = 'LeYOLONano.pt';
    const bytes = new Uint8Array(readFileSync(fixture('models', file)));
    const ck = readCheckpoint(bytes, file);
    const tensors = selectedStateDict(selectModel(ck.root)).map((e) => ({ name: e.name, tensor: readCheckpointTensor(ck, e.ref) }));
    const dir = await tempDir();
    const st = path.join(dir, 'LeYOLONano.safetensors');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(st, encodeSafetensors(tensors, { format: 'pt' }));

    const viaPt = pruneCheckpoint(bytes, { preset: getPreset('yolov8'), label: file }).result;
    const out = path.join(dir, 'pruned.safetensors');
    const viaSt = await pruneCheckpointFile(st, out, { preset: 'yolov8', arch: fixture('models', file) });
    expect(viaSt.totals.zeroed).toBe(viaPt.totals.zeroed);
    expect(viaSt.layers.map((l) => [l.id, l.category, l.zerosAfter])).toEqual(viaPt.layers.map((l) => [l.id, l.category, l.zerosAfter]));
    // Every weight zeroed in the .pt result is zero in the written safetensors, fp16 kept.
    const written = readSafetensors(new Uint8Array(readFileSync(out)));
    let zerosAfter = 0;
    for (const l of viaSt.layers) {
      const t = safetensorsTensor(written, l.id);
      expect(t.dtype).toBe('float16');
      zerosAfter += t.data.length - countNonZero(t);
    }
    expect(zerosAfter).toBe(viaSt.layers.reduce((a, l) => a + l.zerosAfter, 0));

    const byName = await pruneCheckpointFile(st, undefined, { preset: 'yolov8', dryRun: true });
    expect(byName.modelNote).toMatch(/no module classes/);
    expect(byName.totals.zeroed).toBeGreaterThan(0);
  });
});
