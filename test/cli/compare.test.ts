import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bufferIO } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import { REPORT_SECTIONS, type ComparisonReport } from '../../src/report/index.js';
import { describeFixtures, fixture, tempDir } from '../helpers/fixtures.js';
import { haveChromium, openInChromium } from '../report/chromium.js';

const MODEL = fixture('models', 'LeYOLONano-640.onnx');
const COCO8 = fixture('datasets', 'coco8', 'coco8.yaml');
const COCO128 = fixture('datasets', 'coco128', 'coco128.yaml');

describe('prunekit compare: usage errors', () => {
  it('exits 2 for a bad budget, a budget without data and missing files', async () => {
    const cases: [string[], RegExp][] = [
      [['compare', 'a.onnx', 'b.onnx', '--data', 'd.yaml', '--max-drop', 'map75=2%'], /--max-drop item 'map75=2%'/],
      [['compare', 'a.onnx', 'b.onnx', '--max-drop', 'map50=2%'], /--max-drop needs --data/],
      [['compare', 'a.onnx', 'b.onnx', '--no-bench'], /'a\.onnx': model file not found/],
    ];
    for (const [argv, msg] of cases) {
      const io = bufferIO();
      expect(await runCli(argv, io), argv.join(' ')).toBe(2);
      expect(io.stderr.join('\n')).toMatch(msg);
    }
  });
});

describeFixtures('prunekit compare LeYOLONano-640 vs prune --preset yolov8 --target 0.10', () => {
  let dir = '';
  let pruned = '';
  beforeAll(async () => {
    dir = await tempDir('prunekit-compare-');
    pruned = path.join(dir, 'LeYOLONano-640.pruned.onnx');
    const io = bufferIO();
    const code = await runCli(['prune', MODEL, '--preset', 'yolov8', '--target', '0.10', '-o', pruned], io);
    if (code !== 0) throw new Error(`prune failed (${code}): ${io.text()}`);
  });

  it('--max-drop: exit 0 when the budget holds, 1 when it breaks (coco8, no bench)', async () => {
    const holds = bufferIO();
    expect(await runCli(['compare', MODEL, pruned, '--data', COCO8, '--no-bench', '--max-drop', 'map50=60%,map50-95=0.5'], holds)).toBe(0);
    expect(holds.stdout.join('\n')).toMatch(/Accuracy budget holds/);
    expect(holds.stdout.join('\n')).toMatch(/Latency not measured/);

    const json = path.join(dir, 'broken.json');
    const breaks = bufferIO();
    expect(await runCli(['compare', MODEL, pruned, '--data', COCO8, '--no-bench', '--max-drop', 'map50=0.1pt', '--json', json], breaks)).toBe(1);
    expect(breaks.stderr.join('\n')).toMatch(/accuracy budget broken: map50=0\.1pt/);
    const r = JSON.parse(await readFile(json, 'utf8')) as ComparisonReport;
    expect(r.budget?.ok).toBe(false);
    expect(r.budget?.checks[0]?.drop).toBeCloseTo(r.accuracy!.base.map50 - r.accuracy!.candidate.map50, 12);
    expect(r.budget?.checks[0]?.drop).toBeGreaterThan(0.001);
  });

  it('coco128: writes JSON, Markdown and an HTML report that Chromium renders with every section', async () => {
    const html = path.join(dir, 'report.html');
    const md = path.join(dir, 'report.md');
    const json = path.join(dir, 'report.json');
    const io = bufferIO();
    const code = await runCli(
      ['compare', MODEL, pruned, '--data', COCO128, '--warmup', '2', '--runs', '10', '--threads', '1', '--report', html, '--md', md, '--json', json],
      io,
    );
    expect(code, io.text()).toBe(0);
    const r = JSON.parse(await readFile(json, 'utf8')) as ComparisonReport;
    expect(r.accuracy?.images).toBe(128);
    expect(r.accuracy?.perClass.length).toBeGreaterThan(50);
    expect(r.accuracy?.prCurve.base.recall).toHaveLength(1000);
    expect(r.size.onlyZeroedWeights).toBe(true);
    expect(r.size.base.params).toBe(1_082_608);
    expect(r.size.candidate.nonZeroParams).toBeLessThan(r.size.base.nonZeroParams!);
    expect(r.size.base.fileBytes).toBeGreaterThan(4_000_000);
    expect(r.sparsity?.layers).toHaveLength(101);
    expect(r.latency?.samplesMs.base).toHaveLength(10);
    expect(r.latency?.comparison.verdict).toMatch(/95% CI/);
    expect(r.notes.join(' ')).toMatch(/only by weights set to zero|only by zeroed weights/);
    expect(await readFile(md, 'utf8')).toMatch(/## Per-class AP/);
    if (!haveChromium()) return;
    const res = await openInChromium(html, dir);
    console.log(`[compare] report ${html}\n[compare] screenshot ${res.screenshot}`);
    expect(res.errors).toEqual([]);
    for (const id of REPORT_SECTIONS) expect(res.sections[id], id).toBeGreaterThan(40);
  }, 400_000);
});
