/**
 * One rule for every command's outputs (issue #14 items 1-3): every output path is checked before any work,
 * missing parent folders are created, nothing is overwritten without --force, and a target already reached
 * writes the model unchanged.
 */
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoAssets } from '../../src/cli/demo.js';
import { bufferIO } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import { tinyConvNet, toBytes } from '../helpers/onnx-builder.js';
import { describeFixtures, fixture, tempDir } from '../helpers/fixtures.js';

async function run(argv: string[]) {
  const io = bufferIO();
  const t0 = Date.now();
  const code = await runCli(argv, io);
  return { code, err: io.stderr.join('\n'), out: io.stdout.join('\n'), ms: Date.now() - t0 };
}

async function setup() {
  const dir = await tempDir();
  const model = path.join(dir, 'tiny.onnx');
  await writeFile(model, toBytes(tinyConvNet()));
  const existing = path.join(dir, 'existing.txt');
  await writeFile(existing, 'keep me');
  return { dir, model, existing };
}

describe('every output path is checked before any work starts', () => {
  it('compare --report under a file: a clear error, before the models or the dataset are even opened', async () => {
    const { dir, model } = await setup();
    // The dataset does not exist: were the outputs checked after the work, the error would be about it.
    const r = await run(['compare', model, model, '--data', path.join(dir, 'nope.yaml'), '--report', path.join(model, 'r.html')]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`error: --report ${path.join(model, 'r.html')}: '${model}' is a file, so no folder can be created inside it; choose another path`);
  });

  it('compare --md /proc/nope/r.md fails at once (it used to spin in mkdir)', async () => {
    const { dir, model } = await setup();
    const r = await run(['compare', model, model, '--data', path.join(dir, 'nope.yaml'), '--md', '/proc/nope/r.md']);
    expect(r.code).toBe(2);
    expect(r.err).toBe("error: --md /proc/nope/r.md: cannot create files in '/proc' (not writable); choose another path");
    expect(r.ms).toBeLessThan(10_000);
  });

  it('prune --structured --calib … -o existing: refused before calibration (the calibration folder does not even exist)', async () => {
    const { dir, model, existing } = await setup();
    const r = await run(['prune', model, '--structured', '--channel-ratio', '0.5', '--calib', path.join(dir, 'no-images'), '-o', existing]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`error: -o ${existing}: already exists; pass --force to overwrite it`);
    expect(await readFile(existing, 'utf8')).toBe('keep me');
  });

  it.each([
    ['val', (m: string, d: string, out: string) => ['val', m, '--data', path.join(d, 'nope.yaml'), '--json', out]],
    ['val --save-predictions', (m: string, d: string, out: string) => ['val', m, '--data', path.join(d, 'nope.yaml'), '--save-predictions', out]],
    ['bench', (m: string, _d: string, out: string) => ['bench', m, '--runs', '2', '--json', out]],
    ['eval', (_m: string, d: string, out: string) => ['eval', '--annotations', path.join(d, 'a.json'), '--predictions', path.join(d, 'p.json'), '--json', out]],
    ['inspect', (m: string, _d: string, out: string) => ['inspect', m, '--json', out]],
    ['compare', (m: string, d: string, out: string) => ['compare', m, m, '--data', path.join(d, 'nope.yaml'), '--json', out]],
    ['prune', (m: string, d: string, out: string) => ['prune', m, '-o', path.join(d, 'o.onnx'), '--json', out]],
  ])('%s: an existing output is refused without --force, before any work', async (_name, argv) => {
    const { dir, model, existing } = await setup();
    const r = await run(argv(model, dir, existing));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/already exists; pass --force to overwrite it$/);
    expect(await readFile(existing, 'utf8')).toBe('keep me');
    expect(await readdir(dir)).toEqual(['existing.txt', 'tiny.onnx']); // nothing else written (no o.onnx)
  });

  it('run -o DIR with the reports of an earlier run: refused before pruning', async () => {
    const { dir, model } = await setup();
    const out = path.join(dir, 'run');
    await mkdir(out);
    await writeFile(path.join(out, 'report.md'), 'old');
    const r = await run(['run', model, '--data', path.join(dir, 'nope.yaml'), '--preset', 'uniform', '-o', out]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`error: --md ${path.join(out, 'report.md')}: already exists; pass --force to overwrite it`);
    expect(await readdir(out)).toEqual(['report.md']);
  });

  it('a folder given where a file is expected, and an output that is an input', async () => {
    const { dir, model } = await setup();
    let r = await run(['inspect', model, '--json', dir]);
    expect(r.err).toMatch(/^error: --json .*: is a folder; give a file path/);
    r = await run(['inspect', model, '--json', model, '--force']);
    expect(r.err).toBe(`error: --json ${model}: that is an input of this run; choose another path`);
    expect(r.code).toBe(2);
  });
});

describe('one rule: parents created, overwrite only with --force, atomic', () => {
  it('prune -o missing/dir/x.onnx creates the folders (unstructured and structured alike)', async () => {
    const { dir, model } = await setup();
    for (const extra of [[], ['--structured', '--channel-ratio', '0.5']]) {
      const out = path.join(dir, 'new', extra.length ? 's' : 'u', 'x.onnx');
      const json = path.join(dir, 'json', extra.length ? 's' : 'u', 'r.json');
      const r = await run(['prune', model, '-o', out, '--json', json, '--no-verify', ...extra]);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect((await stat(out)).size).toBeGreaterThan(0);
      expect(JSON.parse(await readFile(json, 'utf8'))).toHaveProperty('files');
    }
  });

  it('inspect --json: refused, then replaced with --force (the new bytes, no temp files left)', async () => {
    const { dir, model, existing } = await setup();
    expect((await run(['inspect', model, '--json', existing])).code).toBe(2);
    const r = await run(['inspect', model, '--json', existing, '--force']);
    expect(r.code).toBe(0);
    const written = JSON.parse(await readFile(existing, 'utf8')) as { format: string; layers: unknown[] };
    expect(written.format).toBe('onnx');
    expect(written.layers.length).toBe(4);
    expect(await readdir(dir)).toEqual(['existing.txt', 'tiny.onnx']);
  });

  it('compare --report/--md/--json: refused without --force, replaced with it', async () => {
    const { dir } = await setup();
    const a = demoAssets();
    const files = ['r.html', 'r.md', 'r.json'].map((f) => path.join(dir, 'reports', f));
    const argv = ['compare', a.model, a.model, '--data', a.data, '--no-bench', '--report', files[0]!, '--md', files[1]!, '--json', files[2]!];
    expect((await run(argv)).code).toBe(0);
    for (const f of files) await writeFile(f, 'old');
    const refused = await run(argv);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/--report .*r\.html: already exists; pass --force/);
    for (const f of files) expect(await readFile(f, 'utf8')).toBe('old');
    const forced = await run([...argv, '--force']);
    expect(forced.code).toBe(0);
    expect(await readFile(files[0]!, 'utf8')).toMatch(/^<!doctype html>/i);
    expect(await readFile(files[1]!, 'utf8')).toMatch(/^# /);
    expect(JSON.parse(await readFile(files[2]!, 'utf8'))).toHaveProperty('accuracy');
  }, 60_000);
});

describe('a target at or below the current sparsity (item 3)', () => {
  it('writes the model byte-identical with a note in exact counts', async () => {
    const { dir, model } = await setup();
    const once = path.join(dir, 'once.onnx');
    expect((await run(['prune', model, '--target', '0.2', '-o', once, '--no-verify'])).code).toBe(0);
    for (const target of ['0', '0.1', '0.2']) {
      const again = path.join(dir, `again-${target}.onnx`);
      const r = await run(['prune', once, '--preset', 'uniform', '--target', target, '-o', again, '--no-verify']);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(new RegExp(`note: --target ${target} asks for \\d+ zeros over [\\d,]+ prunable weights, which already hold [\\d,]+: nothing was pruned, the weights are unchanged`));
      expect(r.out).not.toMatch(/(^|[^\d.])0\.0000/); // no rounded "at least 0.0000"
      expect(Buffer.compare(await readFile(again), await readFile(once))).toBe(0);
    }
    const more = await run(['prune', once, '--target', '0.3', '-o', path.join(dir, 'more.onnx'), '--no-verify']);
    expect(more.out).not.toMatch(/nothing was pruned/);
    expect(Buffer.compare(await readFile(path.join(dir, 'more.onnx')), await readFile(once))).not.toBe(0);
  });
});

describeFixtures('a target already reached on a .pt checkpoint (item 3)', () => {
  it('writes the checkpoint byte-identical with the note', async () => {
    const dir = await tempDir();
    const once = path.join(dir, 'once.pt');
    expect((await run(['prune', fixture('models', 'yolov5n_ppe.pt'), '--target', '0.1', '-o', once])).code).toBe(0);
    const again = path.join(dir, 'again.pt');
    const r = await run(['prune', once, '--target', '0.05', '-o', again]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/note: --target 0.05 asks for [\d,]+ zeros over [\d,]+ prunable weights, which already hold [\d,]+: nothing was pruned/);
    expect(Buffer.compare(await readFile(again), await readFile(once))).toBe(0);
  }, 60_000);
});
