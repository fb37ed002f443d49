import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readCheckpoint } from '../../src/io/pytorch/checkpoint.js';
import { classChainOf, classCounts, classSourceFromCheckpointBytes, classSourceFromModuleTree, moduleTreeFromCheckpoint, moduleTreeTsv } from '../../src/graph/module-tree.js';
import { PickleWriter, checkpointZip } from '../io/pytorch/builders.js';
import { describeFixtures, fixture } from '../helpers/fixtures.js';
import { REFERENCE_CHECKPOINTS, referenceModules } from '../io/pytorch/reference.js';

function treeOf(file: string) {
  return moduleTreeFromCheckpoint(readCheckpoint(readFileSync(fixture('models', file)), file));
}

describeFixtures('module tree of fixture checkpoints', () => {
  for (const { file, ref } of REFERENCE_CHECKPOINTS) {
    it(`${file} equals ${ref}.modules.tsv line for line`, () => {
      const lines = moduleTreeTsv(treeOf(file)).trimEnd().split('\n');
      expect(lines).toEqual(referenceModules(ref));
    });
  }

  it('says which object was used: model when ema is None or absent', () => {
    const le = treeOf('LeYOLONano.pt');
    expect(le.source).toBe('model');
    expect(le.note).toMatch(/'ema' is None/);
    expect(le.hasClasses).toBe(true);
    // README: LeYOLONano has 1,120,480 parameters.
    expect(le.modules.reduce((a, m) => a + m.ownParams, 0)).toBe(1_120_480);
  });

  it('class chains of the TokenC3 + LSNet model, containers left out', () => {
    const tree = treeOf('yolov13n-tokenc3-lsnet-random.pt');
    expect(classChainOf(tree, 'model.2.cv1.large_branch.0')).toEqual(['TokenC3', 'LSConv', 'Conv2d']);
    expect(classChainOf(tree, 'model.2.cv2.conv')).toEqual(['TokenC3', 'Conv', 'Conv2d']);
    expect(classChainOf(tree, 'model.0.conv')).toEqual(['Conv', 'Conv2d']);
    // A node inside a module's forward (not a module itself) gets its enclosing module's chain.
    expect(classChainOf(tree, 'model.2.cv1.large_branch.0.Conv_output')).toEqual(['TokenC3', 'LSConv', 'Conv2d']);
    expect(classChainOf(tree, 'nothing.here')).toBeUndefined();
    const source = classSourceFromModuleTree(tree, 'yolov13n-tokenc3-lsnet-random.pt');
    expect(source.kind).toBe('pt');
    expect(source.description).toMatch(/yolov13n-tokenc3-lsnet-random\.pt.*970 modules, 33 layers/);
    expect(source.classChain('model.32.cv2.0.0.conv')?.[0]).toBe('Detect');
    const counts = classCounts(tree);
    expect(counts.find((c) => c.qualifiedClass === 'ultralytics.nn.modules.block.TokenC3')?.count).toBe(8);
  });

  it('yolov13n: HyperACE chain and AAttn under A2C2f', () => {
    const tree = treeOf('yolov13n-random.pt');
    expect(classChainOf(tree, 'model.9.m.0.m.0.cv1.dw')).toEqual(['HyperACE', 'DSC3k', 'DSBottleneck', 'DSConv', 'Conv2d']);
    const attn = tree.modules.find((m) => m.className === 'AAttn');
    expect(attn).toBeDefined();
    expect(classChainOf(tree, attn!.path)).toContain('A2C2f');
  });
});

describeFixtures('ONNX scope paths resolve to checkpoint module paths', () => {
  it('Sequential children named twice by torch.onnx resolve to the real module', async () => {
    const { resolveModulePath } = await import('../../src/graph/module-tree.js');
    const tree = treeOf('yolov13n-tokenc3-lsnet-random.pt');
    expect(resolveModulePath(tree, 'model.2.cv1.large_branch.large_branch.0')).toEqual({ path: 'model.2.cv1.large_branch.0', exact: true });
    expect(resolveModulePath(tree, 'model.2.ls_bottlenecks.0.dllm.weight_gen.weight_gen.1')).toEqual({ path: 'model.2.ls_bottlenecks.0.dllm.weight_gen.1', exact: true });
    expect(resolveModulePath(tree, 'model.2.cv2.conv')).toEqual({ path: 'model.2.cv2.conv', exact: true });
    expect(resolveModulePath(tree, 'model.2.cv2.MatMul_thing')).toEqual({ path: 'model.2.cv2', exact: false });
    expect(classChainOf(tree, 'model.2.cv1.large_branch.large_branch.0')).toEqual(['TokenC3', 'LSConv', 'Conv2d']);
  });
});

describe('model selection and trees of synthetic checkpoints', () => {
  /** Push a module record `cls` with the given child modules and one float parameter `w` (storage key). */
  function module(w: PickleWriter, cls: string, key: string | undefined, children: Array<{ name: string; push: () => void }> = []): void {
    w.global('torch.nn.modules.conv', cls).emptyTuple().newobj().emptyDict().mark();
    w.str('_parameters').global('collections', 'OrderedDict').emptyTuple().reduce();
    if (key) w.mark().str('weight').tensor({ storageClass: 'FloatStorage', key, storageNumel: 2, offset: 0, size: [2], stride: [1], parameter: true }).setitems();
    w.str('_buffers').global('collections', 'OrderedDict').emptyTuple().reduce();
    w.str('_modules').global('collections', 'OrderedDict').emptyTuple().reduce();
    if (children.length) {
      w.mark();
      for (const c of children) { w.str(c.name); c.push(); }
      w.setitems();
    }
    w.setitems().build();
  }
  const storages = [{ key: '0', data: new Uint8Array(8) }, { key: '1', data: new Uint8Array(8) }];

  it("prefers 'ema' over 'model' and says so", () => {
    const w = new PickleWriter().proto(2).emptyDict().mark();
    w.str('model');
    module(w, 'Sequential', undefined, [{ name: '0', push: () => module(w, 'Conv2d', '0') }]);
    w.str('ema');
    module(w, 'Sequential', undefined, [{ name: '0', push: () => module(w, 'Conv2d', '1') }, { name: '1', push: () => module(w, 'Conv2d', '1') }]);
    w.setitems().stop();
    const tree = moduleTreeFromCheckpoint(readCheckpoint(checkpointZip(w.bytes(), storages), 'ema.pt'));
    expect(tree.source).toBe('ema');
    expect(tree.note).toMatch(/'ema' \(preferred over 'model'/);
    expect(moduleTreeTsv(tree)).toBe('<root>\ttorch.nn.modules.conv.Sequential\t0\n0\ttorch.nn.modules.conv.Conv2d\t2\n1\ttorch.nn.modules.conv.Conv2d\t2\n');
  });

  it('a bare module pickle and a plain state_dict', () => {
    const w = new PickleWriter().proto(2);
    module(w, 'Conv2d', '0');
    const bare = moduleTreeFromCheckpoint(readCheckpoint(checkpointZip(w.stop().bytes(), storages), 'bare.pt'));
    expect(bare.source).toBe('module');
    expect(bare.modules).toHaveLength(1);
    const sd = new PickleWriter().proto(2).global('collections', 'OrderedDict').emptyTuple().reduce().mark();
    sd.str('backbone.conv.weight').tensor({ storageClass: 'FloatStorage', key: '0', storageNumel: 2, offset: 0, size: [2], stride: [1] }).setitems().stop();
    const tree = moduleTreeFromCheckpoint(readCheckpoint(checkpointZip(sd.bytes(), storages), 'sd.pt'));
    expect(tree.source).toBe('state_dict');
    expect(tree.hasClasses).toBe(false);
    expect(tree.note).toMatch(/no module classes/);
    expect(tree.modules.map((m) => m.path)).toEqual(['', 'backbone', 'backbone.conv']);
    expect(classChainOf(tree, 'backbone.conv')).toBeUndefined();
    expect(() => classSourceFromCheckpointBytes(checkpointZip(sd.bytes(), storages), 'sd.pt')).toThrow(/sd\.pt.*no module classes/);
  });
});
