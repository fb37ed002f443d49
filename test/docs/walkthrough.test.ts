/**
 * The README's "your own model and data" walkthrough, run as written on the fixtures: best.onnx is LeYOLO-Nano,
 * data.yaml is coco8. The only change to the command lines is a shorter latency measurement for `compare`
 * (`--warmup 2 --runs 10`), which keeps the test fast and does not change what is checked.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { bufferIO } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import { describeFixtures, fixture, REPO_ROOT, tempDir } from '../helpers/fixtures.js';
import { codeBlocks, prunekitCommands } from './markdown.js';

const MODEL = fixture('models', 'LeYOLONano-640.onnx');
const DATA = fixture('datasets', 'coco8', 'coco8.yaml');

/** The walkthrough's command lines, as words after `prunekit`. */
function walkthrough(): string[][] {
  const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const section = /<!-- walkthrough -->([\s\S]*?)<!-- \/walkthrough -->/.exec(readme)?.[1] ?? '';
  return codeBlocks(section).flatMap((b) => prunekitCommands(b.body));
}

it('the README walkthrough is inspect, val, prune, compare in that order', () => {
  expect(walkthrough().map((w) => w[0])).toEqual(['inspect', 'val', 'prune', 'compare']);
});

describeFixtures('README walkthrough on LeYOLONano-640 + coco8', () => {
  let dir = '';
  const runs = new Map<string, { code: number; io: ReturnType<typeof bufferIO> }>();
  beforeAll(async () => {
    dir = await tempDir('prunekit-walkthrough-');
    const files: Record<string, string> = { 'best.onnx': MODEL, 'data.yaml': DATA };
    for (const words of walkthrough()) {
      const argv = words.map((w) => files[w] ?? (/\.(onnx|html|md|json)$/.test(w) ? path.join(dir, w) : w));
      if (argv[0] === 'compare') argv.push('--warmup', '2', '--runs', '10');
      const io = bufferIO();
      runs.set(argv[0] ?? '', { code: await runCli(argv, io), io });
    }
  }, 600_000);

  it('inspect describes the model', () => {
    const r = runs.get('inspect');
    expect(r?.code).toBe(0);
    expect(r?.io.stdout.join('\n')).toMatch(/classes\s+80/);
    expect(r?.io.stdout.join('\n')).toMatch(/layers\s+101 \(Conv 101\)/);
  });

  it('val prints the all-classes row for coco8', () => {
    const r = runs.get('val');
    expect(r?.code).toBe(0);
    expect(r?.io.stdout.join('\n')).toMatch(/^\s+all\s+4\s+\d+\s/m);
  });

  it('prune writes a smaller model, calibrated from the dataset', () => {
    const r = runs.get('prune');
    expect(r?.code, r?.io.text()).toBe(0);
    expect(r?.io.text()).toMatch(/reconstruction: \d+ consumer convs refit/);
    expect(statSync(path.join(dir, 'best-small.onnx')).size).toBeLessThan(statSync(MODEL).size);
  });

  it('compare reports the budget verdict (exit 0 holds, 1 broken) and writes both reports', () => {
    const r = runs.get('compare');
    expect([0, 1], r?.io.text()).toContain(r?.code);
    expect(r?.io.text()).toMatch(r?.code === 0 ? /Accuracy budget holds/ : /accuracy budget broken: map50=5%/);
    expect(existsSync(path.join(dir, 'report.html'))).toBe(true);
    expect(readFileSync(path.join(dir, 'report.md'), 'utf8')).toMatch(/mAP50/);
  });
});
