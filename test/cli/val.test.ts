import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bufferIO } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import { g3 } from '../../src/cli/val.js';
import { describeFixtures, fixture, tempDir } from '../helpers/fixtures.js';
import { writeSplit } from '../eval/helpers/tiny-dataset.js';

const MODEL = fixture('models', 'LeYOLONano-640.onnx');
const COCO8 = fixture('datasets', 'coco8', 'coco8.yaml');

describe('g3 (printf %.3g)', () => {
  it('formats like Ultralytics\' table', () => {
    expect([g3(0.60341), g3(0.95), g3(0.91524), g3(1), g3(0), g3(0.0001234)]).toEqual(['0.603', '0.95', '0.915', '1', '0', '0.000123']);
  });
});

describeFixtures('prunekit val', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir('prunekit-cli-val-');
  });

  it('prints the Ultralytics table, speeds, and writes --json and --save-predictions', async () => {
    const io = bufferIO();
    const json = path.join(dir, 'out', 'metrics.json');
    const preds = path.join(dir, 'preds.json');
    const code = await runCli(['val', MODEL, '--data', COCO8, '--threads', '2', '--per-class', '--json', json, '--save-predictions', preds], io);
    expect(code, io.text()).toBe(0);
    const out = io.stdout.join('\n');
    expect(out).toContain('                 Class     Images  Instances      Box(P          R      mAP50  mAP50-95)');
    expect(out).toContain('                   all          4         17      0.603       0.95      0.915      0.577');
    expect(out).toMatch(/^ +person +3 +10 /m);
    expect(out).toMatch(/Speed: [\d.]+ms preprocess, [\d.]+ms inference, [\d.]+ms postprocess per image/);
    const j = JSON.parse(await readFile(json, 'utf8')) as Record<string, unknown>;
    expect(Math.abs((j['metrics/mAP50-95(B)'] as number) - 0.57663)).toBeLessThan(0.002);
    for (const k of ['metrics/precision(B)', 'metrics/recall(B)', 'metrics/mAP50(B)']) expect(typeof j[k]).toBe('number');
    expect(j).toMatchObject({ images: 4, instances: 17, metric: 'ultralytics', layout: 'v8', imgsz: 640, skipped: [] });
    const p = JSON.parse(await readFile(preds, 'utf8')) as { image_id: number; category_id: number; bbox: number[]; score: number }[];
    expect(p.length).toBeGreaterThan(0);
    expect(p[0]).toMatchObject({ image_id: expect.any(Number), category_id: expect.any(Number) });
    expect(p[0]!.bbox.length).toBe(4);
  });

  it('--metric coco on a COCO json prints the 12 pycocotools stats', async () => {
    const full = JSON.parse(await readFile(fixture('datasets', 'coco128', 'annotations', 'instances_train2017.json'), 'utf8')) as { images: { id: number }[]; annotations: { image_id: number }[] };
    const ids = new Set(full.images.slice(0, 3).map((i) => i.id));
    const json = path.join(dir, 'instances_three.json');
    await writeFile(json, JSON.stringify({ ...full, images: full.images.filter((i) => ids.has(i.id)), annotations: full.annotations.filter((a) => ids.has(a.image_id)) }));
    const io = bufferIO();
    const code = await runCli(['val', MODEL, '--data', json, '--images', fixture('datasets', 'coco128', 'images', 'train2017'), '--metric', 'coco', '--threads', '2', '--json', path.join(dir, 'c.json')], io);
    expect(code, io.text()).toBe(0);
    expect(io.stdout.join('\n')).toMatch(/Average Precision {2}\(AP\) @\[ IoU=0\.50:0\.95 \| area= {3}all \| maxDets=100 \] = \d\.\d{3}/);
    expect(io.stdout.filter((l) => l.includes('Average')).length).toBe(12);
    const j = JSON.parse(await readFile(path.join(dir, 'c.json'), 'utf8')) as Record<string, unknown>;
    expect(j['metrics/precision(B)']).toBeNull();
    expect(j['metrics/mAP50-95(B)']).toBe((j.coco as { AP: number }).AP);
  });

  it('lists skipped images in the summary and warns on stderr', async () => {
    const root = path.join(dir, 'ds');
    const good = await readFile(fixture('datasets', 'coco8', 'images', 'val', '000000000042.jpg'));
    await writeSplit(root, 'val', [{ name: 'ok.jpg', bytes: good, labels: '' }, { name: 'broken.jpg', bytes: good.subarray(0, 500), labels: '' }]);
    const yaml = (await readFile(COCO8, 'utf8')).replace('val: images/val', `val: ${path.join(root, 'images', 'val')}`);
    await writeFile(path.join(root, 'data.yaml'), yaml);
    const io = bufferIO();
    expect(await runCli(['val', MODEL, '--data', path.join(root, 'data.yaml'), '--threads', '2'], io)).toBe(0);
    expect(io.stdout.join('\n')).toMatch(/Skipped 1 image\(s\):\n {2}.*broken\.jpg: cannot decode image/);
    expect(io.stderr.join('\n')).toMatch(/warning: 1 image\(s\) skipped/);
  });

  it('maps bad input to one error line and exit code 2', async () => {
    const cases: [string[], RegExp][] = [
      [['val', MODEL], /error: val needs --data/],
      [['val', MODEL, '--data', path.join(dir, 'nope.yaml')], /error: dataset yaml not found/],
      [['val', MODEL, '--data', COCO8, '--metric', 'map'], /error: --metric map: expected ultralytics or coco/],
      [['val', MODEL, '--data', COCO8, '--layout', 'v9'], /error: --layout v9: expected one of v8, v5, e2e/],
      [['val', MODEL, '--data', COCO8, '--conf', '2'], /error: --conf 2 is outside \[0, 1\]; expected a fraction \(e.g. 0.1 or 10%\) in \[0, 1\]/],
      [['val', MODEL, '--data', COCO8, '--layout', 'e2e'], /error: output 'output0' has shape \[1,84,8400\]: layout e2e needs 6 columns; supported layouts/],
      [['val', path.join(dir, 'missing.onnx'), '--data', COCO8], /error: .*missing\.onnx/],
      [['val', MODEL, '--data', path.join(dir, 'data.txt')], /error: .*unknown dataset file type/],
    ];
    for (const [argv, re] of cases) {
      const io = bufferIO();
      expect(await runCli(argv, io), argv.join(' ')).toBe(2);
      expect(io.stderr.join('\n')).toMatch(re);
    }
  });
});
