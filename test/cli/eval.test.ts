import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bufferIO } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import { describeFixtures, fixture, tempDir } from '../helpers/fixtures.js';

const STAT_KEYS = ['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100', 'ARs', 'ARm', 'ARl'];

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = bufferIO();
  const code = await runCli(argv, io);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
}

describe('prunekit eval: bad input', () => {
  let dir: string;
  const gt = { images: [{ id: 1, file_name: 'a.jpg', width: 100, height: 100 }], annotations: [{ id: 1, image_id: 1, category_id: 1, bbox: [0, 0, 10, 10], area: 100, iscrowd: 0 }], categories: [{ id: 1, name: 'a' }] };
  beforeAll(async () => {
    dir = await tempDir('prunekit-eval-');
    await writeFile(path.join(dir, 'gt.json'), JSON.stringify(gt));
    await writeFile(path.join(dir, 'notjson.json'), '{ oops');
    await writeFile(path.join(dir, 'nokeys.json'), JSON.stringify({ images: [] }));
    await writeFile(path.join(dir, 'unknown-image.json'), JSON.stringify([{ image_id: 7, category_id: 1, bbox: [0, 0, 10, 10], score: 0.9 }]));
    await writeFile(path.join(dir, 'ok.json'), JSON.stringify([{ image_id: 1, category_id: 1, bbox: [0, 0, 10, 10], score: 0.9 }]));
  });
  const p = (f: string): string => path.join(dir, f);

  it('missing file → exit 2 naming the file', async () => {
    const r = await run(['eval', '--annotations', p('absent.json'), '--predictions', p('ok.json')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error: annotations .*absent\.json: cannot read \(no such file\)/);
  });

  it('not JSON → exit 2', async () => {
    const r = await run(['eval', '--annotations', p('gt.json'), '--predictions', p('notjson.json')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/notjson\.json: not valid JSON/);
  });

  it('missing keys → exit 2 naming the key', async () => {
    const r = await run(['eval', '--annotations', p('nokeys.json'), '--predictions', p('ok.json')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/missing or non-array key "annotations"/);
  });

  it('predictions for an unknown image id → exit 2', async () => {
    const r = await run(['eval', '--annotations', p('gt.json'), '--predictions', p('unknown-image.json')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/image_id 7 is not an image of the annotations/);
  });

  it('missing flags and bad --max-dets → exit 2', async () => {
    expect((await run(['eval', '--predictions', p('ok.json')])).code).toBe(2);
    const r = await run(['eval', '--annotations', p('gt.json'), '--predictions', p('ok.json'), '--max-dets', '1,10']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--max-dets/);
  });

  it('a perfect detection prints 1.000 and -1.000 for empty area ranges', async () => {
    const r = await run(['eval', '--annotations', p('gt.json'), '--predictions', p('ok.json')]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(' Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 1.000');
    expect(r.out).toContain(' Average Recall     (AR) @[ IoU=0.50:0.95 | area= large | maxDets=100 ] = -1.000');
  });
});

describeFixtures('prunekit eval on the coco128 reference predictions (acceptance)', () => {
  it('all 12 stats and per-category AP within ±0.0001 of pycocotools 2.0.11', async () => {
    const dir = await tempDir('prunekit-eval-');
    const out = path.join(dir, 'coco.json');
    const r = await run([
      'eval',
      '--annotations', fixture('datasets', 'coco128', 'annotations', 'instances_train2017.json'),
      '--predictions', fixture('reference', 'LeYOLONano-640.coco128.predictions.json'),
      '--json', out,
    ]);
    expect(r.code).toBe(0);
    expect(r.out.split('\n')).toHaveLength(12);
    const ref = JSON.parse(readFileSync(fixture('reference', 'LeYOLONano-640.coco128.pycocotools.json'), 'utf8')) as {
      stats: number[]; per_category: { category_id: number; n_gt: number; AP50: number; 'AP50-95': number }[];
    };
    const got = JSON.parse(readFileSync(out, 'utf8')) as Record<string, number> & { perCategory: { categoryId: number; nGt: number; AP: number; AP50: number }[] };
    expect(Object.keys(got).slice(0, 12)).toEqual(STAT_KEYS);
    STAT_KEYS.forEach((k, i) => expect(Math.abs(got[k]! - ref.stats[i]!)).toBeLessThan(1e-4));
    // The printed line carries the same value at 3 decimals.
    expect(r.out.split('\n')[0]).toMatch(new RegExp(`= ${ref.stats[0]!.toFixed(3)}$`));
    expect(got.perCategory).toHaveLength(ref.per_category.length);
    for (const rc of ref.per_category) {
      const c = got.perCategory.find((x) => x.categoryId === rc.category_id)!;
      expect(c.nGt).toBe(rc.n_gt);
      expect(Math.abs(c.AP - rc['AP50-95'])).toBeLessThan(1e-4);
      expect(Math.abs(c.AP50 - rc.AP50)).toBeLessThan(1e-4);
    }
  });
});
