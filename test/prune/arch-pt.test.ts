/** `--arch best.pt`: the checkpoint's module tree as the class source for pruning the ONNX export. */
import { expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { loadClassSource } from '../../src/files/class-source-file.js';
import { pruneFile } from '../../src/files/prune-file.js';
import { describeFixtures, fixture } from '../helpers/fixtures.js';

describeFixtures('--arch with a .pt checkpoint', () => {
  it('loads the module tree as a pt class source', async () => {
    const source = await loadClassSource(fixture('models', 'yolov13n-random.pt'));
    expect(source.kind).toBe('pt');
    expect(source.classChain('model.6.m.0.0.attn.qkv.conv')).toContain('AAttn');
  });

  it('tokenc3-lsnet: every layer gets its class chain from the .pt; LSConv convs land in TokenC3', async () => {
    const result = await pruneFile(fixture('models', 'yolov13n-tokenc3-lsnet-random.onnx'), undefined, {
      preset: 'tokenc3-lsnet', arch: fixture('models', 'yolov13n-tokenc3-lsnet-random.pt'), dryRun: true,
    });
    const entries = result.plan.entries;
    expect(entries.length).toBeGreaterThan(280);
    expect(entries.filter((e) => e.classSource !== 'pt').map((e) => e.layer.modulePath)).toEqual([]);
    const lsconv = entries.filter((e) => e.classChain.includes('LSConv'));
    expect(lsconv.length).toBeGreaterThan(40);
    for (const e of lsconv) {
      expect(e.category).toBe('TokenC3');
      expect(e.classChain.slice(0, 2)).toEqual(['TokenC3', 'LSConv']);
      expect(e.classChain[e.classChain.length - 1]).toBe('Conv2d');
    }
    expect(result.plan.classSources[0]?.description).toMatch(/yolov13n-tokenc3-lsnet-random\.pt/);
  });

  it('missing or unsupported --arch files are typed errors', async () => {
    await expect(loadClassSource('missing.pt')).rejects.toThrow(/missing\.pt/);
    await expect(loadClassSource('model.bin')).rejects.toThrow(UsageError);
  });
});
