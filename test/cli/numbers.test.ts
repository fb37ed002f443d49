/**
 * Issue #14 item 6 at the CLI: one number convention, one parameter count, the class source printed once, the
 * progress bar's time left. (The formatter's edge cases: test/core/format.test.ts.)
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoAssets } from '../../src/cli/demo.js';
import { bufferIO } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import { etaText } from '../../src/cli/progress.js';
import { constant, node, tinyConvNet, toBytes } from '../helpers/onnx-builder.js';
import { tempDir } from '../helpers/fixtures.js';

async function run(argv: string[]) {
  const io = bufferIO();
  const code = await runCli(argv, io);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
}

/** tinyConvNet plus a float Constant node (an anchor grid of 100 values) that is not a parameter. */
async function withAnchorConstant(dir: string): Promise<string> {
  const m = tinyConvNet();
  const g = m.graph!;
  g.node.push(constant('anchors', [1, 10], new Float32Array(10).fill(2), {}, '/model.3/anchors'));
  g.node.push(node('Mul', ['logits', 'anchors'], ['scaled'], {}, '/model.3/Mul'));
  g.output[0]!.name = 'scaled';
  const file = path.join(dir, 'anchors.onnx');
  await writeFile(file, toBytes(m));
  return file;
}

describe('parameter counts', () => {
  it('inspect "all params" and prune "parameters" count the same tensors (a decode constant is not a parameter)', async () => {
    const file = await withAnchorConstant(await tempDir());
    const i = await run(['inspect', file]);
    const p = await run(['prune', file, '--preset', 'yolov8', '--target', '0.1', '--dry-run']);
    expect(i.code, i.err).toBe(0);
    expect(p.code, p.err).toBe(0);
    const all = /all params +([\d,]+) float/.exec(i.out)?.[1];
    const pruneAll = /parameters: ([\d,]+) float \(all learned tensors/.exec(p.out)?.[1];
    // 216 + 8 + 72 + 32 + 2560 + 10 initializer values; the 10 anchor values are not counted.
    expect(all).toBe('2,898');
    expect(pruneAll).toBe(all);
  });
});

describe('class source', () => {
  it('names its kind once', async () => {
    const a = demoAssets();
    const p = await run(['prune', a.model, '--arch', a.arch, '--preset', 'yolov8', '--target', '0.1', '--dry-run']);
    expect(p.code, p.err).toBe(0);
    expect(p.out).toMatch(/^class source: yaml \S*tiny-detector\.yaml \(\d+ layers/m);
    expect(p.out).not.toMatch(/yaml: yaml/);
  });
});

describe('val, compare: fractions, separators, U+2212', () => {
  it('compare prints accuracy as fractions with signed changes, and the budget in the same unit', async () => {
    const a = demoAssets();
    const dir = await tempDir();
    const pruned = path.join(dir, 'p.onnx');
    expect((await run(['prune', a.model, '--arch', a.arch, '--preset', 'yolov8', '--target', '0.3', '-o', pruned])).code).toBe(0);
    const c = await run(['compare', a.model, pruned, '--data', a.data, '--no-bench', '--max-drop', 'map50=50%', '--md', path.join(dir, 'r.md')]);
    expect(c.code, c.err).toBe(0);
    expect(c.out).toMatch(/mAP50-95 [01]\.\d{3} → [01]\.\d{3}, (0\.000|[+−]0\.\d{3}) \((0\.0|[+−]\d+\.\d)%\)/);
    expect(c.out).toMatch(/budget map50=50%: drop −?[01]\.\d{3}, allowed 0\.\d{3} → holds/);
    expect(c.out).not.toMatch(/pts|(^|[ (])-\d|−0\.000|−0\.0%/m);
    const v = await run(['val', pruned, '--data', a.data]);
    expect(v.code, v.err).toBe(0);
    // Ultralytics' own table: %11.3g fractions.
    expect(v.out).toMatch(/^ +all +20 +\d+( +(0|0\.\d{1,3}|1)){4}$/m);
  });
});

describe('progress bar time left', () => {
  it('is empty while no unit has finished and never prints NF', () => {
    const phase = { t0: 0, done0: 0 };
    expect(etaText({ done: 0, total: 100 }, phase, 5000)).toBe('');
    expect(etaText({ done: 10, total: 100 }, phase, 5000)).toBe(' | 45s left');
    expect(etaText({ done: 100, total: 100 }, phase, 5000)).toBe('');
    expect(etaText({ done: 50, total: 100 }, { t0: 0, done0: 40 }, 1000)).toBe(' | 5s left');
  });
});
