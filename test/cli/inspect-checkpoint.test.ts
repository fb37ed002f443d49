/** `prunekit inspect` on .pt and .safetensors files (the inspect command dispatches to inspect-checkpoint.ts). */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import { bufferIO } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import { encodeSafetensors } from '../../src/io/safetensors/write.js';
import { describeFixtures, fixture, tempDir } from '../helpers/fixtures.js';
import { REFERENCE_CHECKPOINTS, referenceModules } from '../io/pytorch/reference.js';

describeFixtures('inspect best.pt', () => {
  it('prints keys, Ultralytics metadata, model source, module counts per class, parameters', async () => {
    const io = bufferIO();
    expect(await runCli(['inspect', fixture('models', 'LeYOLONano.pt')], io)).toBe(0);
    const text = io.text();
    expect(text).toMatch(/LeYOLONano\.pt: PyTorch checkpoint \(zip, archive 'best', format v3\)/);
    expect(text).toMatch(/ema: None/);
    expect(text).toMatch(/ultralytics: version 8\.1\.4, date 2024-04-20T20:47:35\.422469, epoch -1/);
    expect(text).toMatch(/names \(80\): 0:person 1:bicycle/);
    expect(text).toMatch(/model: checkpoint key 'model' \('ema' is None\) — ultralytics\.nn\.tasks\.DetectionModel/);
    expect(text).toMatch(/parameters: 1,120,480, buffers/);
    expect(text).toMatch(/\s101\s+torch\.nn\.modules\.conv\.Conv2d/);
    expect(text).not.toMatch(/WARNING/);
  });

  it('--layers prints the module tree; --json - prints the summary', async () => {
    const io = bufferIO();
    expect(await runCli(['inspect', fixture('models', 'yolov13n-tokenc3-lsnet-random.pt'), '--layers'], io)).toBe(0);
    expect(io.text()).toMatch(/model\.2\.cv1\s+ultralytics\.nn\.modules\.block\.LSConv/);
    const j = bufferIO();
    expect(await runCli(['inspect', fixture('models', 'yolov5n_ppe.pt'), '--json', '-'], j)).toBe(0);
    const summary = JSON.parse(j.stdout.join('\n')) as { model: { rootClass: string }; ultralytics: { names: Record<string, string> } };
    expect(summary.model.rootClass).toBe('models.yolo.Model');
    expect(summary.ultralytics.names).toEqual({ 0: 'helmet', 1: 'vest' });
  });

  it('a truncated checkpoint: one-line error, exit 2', async () => {
    const io = bufferIO();
    expect(await runCli(['inspect', fixture('models', 'corrupt-truncated-yolov5n.pt')], io)).toBe(2);
    expect(io.stderr.join('\n')).toMatch(/^error: corrupt-truncated-yolov5n\.pt: file is truncated/);
  });
});

it('inspect x.safetensors', async () => {
  const dir = await tempDir();
  const file = path.join(dir, 'x.safetensors');
  await writeFile(file, encodeSafetensors([{ name: 'model.0.conv.weight', tensor: { dtype: 'float32', dims: [2, 2], data: new Float32Array(4) } }], { format: 'pt' }));
  const io = bufferIO();
  expect(await runCli(['inspect', file], io)).toBe(0);
  expect(io.text()).toMatch(/x\.safetensors: safetensors, .*1 tensors, 4 values \(float32 4\)/);
});

describeFixtures('inspect best.pt --json: the module tree (#14 item 11)', () => {
  it('lists every module with path, class and own parameter counts, as the text --layers does', async () => {
    const file = fixture('models', 'yolov5n_ppe.pt');
    const io = bufferIO();
    expect(await runCli(['inspect', file, '--json', '-'], io)).toBe(0);
    const j = JSON.parse(io.stdout.join('\n')) as { moduleTree: { source: string; hasClasses: boolean; modules: Array<{ path: string; class: string; className: string; ownParams: number; ownBuffers: number }> } };
    const t = j.moduleTree;
    expect(t.source).toBe('model');
    expect(t.hasClasses).toBe(true);
    expect(t.modules[0]).toEqual({ path: '', class: 'models.yolo.Model', className: 'Model', ownParams: 0, ownBuffers: 0 });
    const conv = t.modules.find((m) => m.path === 'model.0.conv')!;
    expect(conv.class).toBe('torch.nn.modules.conv.Conv2d');
    expect(conv.ownParams).toBe(16 * 3 * 6 * 6);
    const text = bufferIO();
    expect(await runCli(['inspect', file, '--layers'], text)).toBe(0);
    const lines = text.stdout.join('\n').split('\n');
    const rows = lines.slice(lines.indexOf('module tree:') + 1);
    expect(rows.length).toBe(t.modules.length);
  });
});

describeFixtures('inspect of each reference checkpoint: the module tree and class table as PyTorch sees them', () => {
  type Summary = {
    model: { modules: number; perClass: Array<{ qualifiedClass: string; count: number; params: number }> };
    parameters: { total: number };
    moduleTree: { modules: Array<{ path: string; class: string; ownParams: number }> };
  };
  for (const { file, ref } of REFERENCE_CHECKPOINTS) {
    it(file, async () => {
      const io = bufferIO();
      expect(await runCli(['inspect', fixture('models', file), '--json', '-'], io)).toBe(0);
      const s = JSON.parse(io.stdout.join('\n')) as Summary;
      const rows = s.moduleTree.modules.map((m) => `${m.path || '<root>'}\t${m.class}\t${m.ownParams}`);
      expect(rows).toEqual(referenceModules(ref));
      expect(s.model.modules).toBe(rows.length);
      expect(s.parameters.total).toBe(s.moduleTree.modules.reduce((a, m) => a + m.ownParams, 0));
      // Most frequent class first, ties in English alphabetical order (as localeCompare sorts them in English).
      const counts = new Map<string, number>();
      for (const m of s.moduleTree.modules) counts.set(m.class, (counts.get(m.class) ?? 0) + 1);
      const expected = [...counts].sort(([a, n], [b, k]) => k - n || a.localeCompare(b, 'en')).map(([c, n]) => `${n} ${c}`);
      expect(s.model.perClass.map((c) => `${c.count} ${c.qualifiedClass}`)).toEqual(expected);
    });
  }
});
