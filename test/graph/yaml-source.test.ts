import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ModelFormatError } from '../../src/core/index.js';
import { indexGraph, listLayers, modulePathFromNodeName } from '../../src/graph/index.js';
import { checkYamlAgainstModel, classSourceFromMetadata, parseModelYaml, yamlClassSource, type ModelPaths } from '../../src/graph/yaml-source.js';
import { loadOnnx } from '../../src/files/onnx-file.js';
import { describeFixtures, fixture } from '../helpers/fixtures.js';

const YAML = `
nc: 80
scales: { n: [0.5, 0.25, 1024], s: [0.5, 0.5, 1024] }
backbone:
  - [-1, 1, Conv, [64, 3, 2]]
  - [-1, 1, Conv, [128, 3, 2]]
  - [-1, 2, TokenC3, [256, False]]
  - [-1, 1, DSConv, [256, 3, 2]]
  - [-1, 1, nn.Upsample, [None, 2, "nearest"]]
  - [-1, 1, Conv, [64, 3, 2]]
  - [-1, 1, Conv, [64, 3, 2]]
  - [-1, 1, Conv, [64, 3, 2]]
  - [-1, 1, Conv, [64, 3, 2]]
  - [-1, 1, Conv, [64, 3, 2]]
head:
  - [[-1, 2], 1, Concat, [1]]
  - [[9, 10], 1, Detect, [nc]]
`;

describe('parseModelYaml / yamlClassSource', () => {
  const spec = parseModelYaml(YAML, 'm.yaml');
  const src = yamlClassSource(spec, 'm.yaml');
  it('maps backbone then head rows to model.<i>', () => {
    expect(spec.layers).toHaveLength(12);
    expect(spec.scales).toEqual(['n', 's']);
    expect(spec.layers[4]).toMatchObject({ module: 'nn.Upsample', className: 'Upsample', section: 'backbone' });
    expect(spec.layers[11]).toMatchObject({ className: 'Detect', section: 'head', from: [9, 10] });
  });
  it('gives the top-level class for a path and below; model.1 is not model.10', () => {
    expect(src.classChain('model.2.cv1.large_branch.0')).toEqual(['TokenC3']);
    expect(src.classChain('model.1')).toEqual(['Conv']);
    expect(src.classChain('model.10.x')).toEqual(['Concat']);
    expect(src.classChain('model.12.conv')).toBeUndefined();
    expect(src.classChain('backbone.0')).toBeUndefined();
    expect(src.kind).toBe('yaml');
    expect(src.description).toContain('12 layers');
  });
  it('rejects files that are not model yamls', () => {
    expect(() => parseModelYaml('a: [1', 'x.yaml')).toThrow(ModelFormatError);
    expect(() => parseModelYaml('nc: 80\n', 'x.yaml')).toThrow(/'backbone' must be a list/);
    expect(() => parseModelYaml('backbone: [[-1, 1, 3, []]]\nhead: []\n', 'x.yaml')).toThrow(/layer 0\): module is not a class name/);
    expect(() => parseModelYaml('backbone: [[-1, x, Conv, []]]\nhead: []\n', 'x.yaml')).toThrow(/repeats is not an integer/);
  });
  it('checks the yaml against the model structure', () => {
    const ok: ModelPaths = { nodePaths: ['model.0.conv', 'model.11.cv2.0', 'model.4'], weightPaths: ['model.0.conv', 'model.3.dw', 'model.3.pw'] };
    expect(() => checkYamlAgainstModel(spec, ok, 'm.yaml')).not.toThrow();
    expect(() => checkYamlAgainstModel(spec, { ...ok, nodePaths: ['model.0.conv', 'model.12.x'] }, 'm.yaml')).toThrow(/the yaml has 12 layers \(model.0-model.11\), the model's last layer is model.12/);
    expect(() => checkYamlAgainstModel(spec, { ...ok, nodePaths: ['model.0.conv', 'model.9.x'] }, 'm.yaml')).toThrow(/last layer is model.9/);
    expect(() => checkYamlAgainstModel(spec, { ...ok, weightPaths: ['model.4.conv'] }, 'm.yaml')).toThrow(/model.4 holds weights .* the yaml says nn.Upsample/);
    expect(() => checkYamlAgainstModel(spec, { ...ok, weightPaths: ['model.3.conv'] }, 'm.yaml')).toThrow(/model.3 has 'conv' weights, which a DSConv does not have/);
    expect(() => checkYamlAgainstModel(spec, { nodePaths: ['Conv_0'], weightPaths: [] }, 'm.yaml')).toThrow(/no model.<i> module paths/);
  });
  it('finds a model yaml stored in ONNX metadata', () => {
    const { source: s, problems } = classSourceFromMetadata({ names: "{0: 'a'}", yaml: YAML });
    expect(s?.kind).toBe('onnx-metadata');
    expect(s?.classChain('model.2.m')).toEqual(['TokenC3']);
    expect(problems).toEqual([]);
  });

  it('reports a metadata entry that mentions backbone and head but is not a model yaml, instead of dropping it silently', () => {
    expect(classSourceFromMetadata({ description: 'backbone and head' })).toEqual({
      source: undefined, problems: ["'metadata 'description'': not an Ultralytics model yaml (expected a mapping with 'backbone' and 'head' lists)"],
    });
    const broken = classSourceFromMetadata({ yaml: 'backbone: [[-1, 1, Conv\nhead: []' });
    expect(broken.source).toBeUndefined();
    expect(broken.problems).toEqual([expect.stringMatching(/^metadata 'yaml': not valid YAML \(/)]);
    // A valid entry after a broken one is still found; the broken one is still reported.
    const both = classSourceFromMetadata({ a: 'backbone: [oops head', yaml: YAML });
    expect(both.source?.kind).toBe('onnx-metadata');
    expect(both.problems).toHaveLength(1);
  });
});

describeFixtures('fixture yamls against their models', () => {
  const cases = [
    ['yolov13_lsnet.yaml', 'yolov13n-tokenc3-lsnet-random.onnx'],
    ['yolov13.yaml', 'yolov13n-random.onnx'],
  ] as const;
  async function paths(model: string): Promise<ModelPaths> {
    const m = await loadOnnx(fixture('models', model));
    const g = indexGraph(m);
    return { nodePaths: g.nodes.map((n) => modulePathFromNodeName(n.name)).filter((p): p is string => !!p), weightPaths: listLayers(m, g).map((l) => l.modulePath) };
  }
  for (const [yaml, model] of cases) {
    it(`${yaml} matches ${model} (33 layers, Detect last)`, async () => {
      const spec = parseModelYaml(readFileSync(fixture('configs', yaml), 'utf8'), yaml);
      expect(spec.layers).toHaveLength(33);
      expect(spec.layers[32]!.className).toBe('Detect');
      expect(spec.layers[11]!.className).toBe('DownsampleConv');
      const p = await paths(model);
      expect(() => checkYamlAgainstModel(spec, p, yaml)).not.toThrow();
    });
  }
  it('the yolov13 yaml does not match LeYOLONano', async () => {
    const spec = parseModelYaml(readFileSync(fixture('configs', 'yolov13.yaml'), 'utf8'), 'yolov13.yaml');
    const p = await paths('LeYOLONano-640.onnx');
    expect(() => checkYamlAgainstModel(spec, p, 'yolov13.yaml')).toThrow(ModelFormatError);
    expect(() => checkYamlAgainstModel(spec, p, 'yolov13.yaml')).toThrow(/does not match/);
  });
});
