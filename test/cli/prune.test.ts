import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { bufferIO } from '../../src/cli/io.js';
import { DT, initializer, input, model, node, output, tinyConvNet, toBytes } from '../helpers/onnx-builder.js';
import { describeFixtures, fixture, tempDir } from '../helpers/fixtures.js';

async function tiny(dir: string): Promise<string> {
  const file = path.join(dir, 'tiny.onnx');
  await writeFile(file, toBytes(tinyConvNet()));
  return file;
}

async function run(argv: string[]) {
  const io = bufferIO();
  const code = await runCli(argv, io);
  return { code, io, err: io.stderr.join('\n'), out: io.stdout.join('\n') };
}

describe('prunekit prune: bad input → one-line error, exit 2', () => {
  it.each([
    [['--target', '1'], /--target 1 is outside \[0, 1\)/],
    [['--target', '-0.1'], /--target -0.1 is outside \[0, 1\)/],
    [['--target', 'abc'], /--target abc: expected a fraction \(e.g. 0.1 or 10%\) in \[0, 1\)/],
    [['--preset', 'yolov99'], /unknown preset 'yolov99'/],
    [['--criterion', 'l3'], /unknown criterion 'l3'/],
    [['--scope', 'all'], /--scope all: expected layer or global/],
    [['--nm', '4:2'], /--nm 4:2: expected N:M/],
    [['--arch', 'model.cfg'], /--arch model.cfg: unsupported architecture file/],
  ])('%j', async (flags, re) => {
    const dir = await tempDir();
    const r = await run(['prune', await tiny(dir), '-o', path.join(dir, 'o.onnx'), ...flags]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error: /);
    expect(r.err).toMatch(re);
    await expect(stat(path.join(dir, 'o.onnx'))).rejects.toThrow();
  });

  it('malformed and invalid configs', async () => {
    const dir = await tempDir();
    const m = await tiny(dir);
    const bad = path.join(dir, 'bad.yaml');
    await writeFile(bad, 'categories: [ {name: a\n');
    let r = await run(['prune', m, '-o', path.join(dir, 'o.onnx'), '--config', bad]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/bad.yaml: malformed config/);
    const wrong = path.join(dir, 'wrong.json');
    await writeFile(wrong, JSON.stringify({ extends: 'uniform', ratios: { all: 1.5 } }));
    r = await run(['prune', m, '-o', path.join(dir, 'o.onnx'), '--config', wrong]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/wrong.json: ratios.all: ratio 1.5 is outside \[0, 1\)/);
  });

  it('a yaml that does not match the model', async () => {
    const dir = await tempDir();
    const y = path.join(dir, 'm.yaml');
    await writeFile(y, 'backbone:\n  - [-1, 1, Conv, [8, 3, 2]]\n  - [-1, 1, Conv, [8, 3, 1]]\nhead:\n  - [-1, 1, Detect, [1]]\n');
    const r = await run(['prune', await tiny(dir), '-o', path.join(dir, 'o.onnx'), '--arch', y]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/yaml '.*m.yaml' does not match '.*tiny.onnx': the yaml has 3 layers \(model.0-model.2\), the model's last layer is model.3/);
  });

  it('a model with no prunable float weights (int8)', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'int8.onnx');
    await writeFile(file, toBytes(model(
      [node('ConvInteger', ['x', 'w'], ['y'], {}, '/model.0/conv/ConvInteger'), node('Conv', ['xf', 'wq'], ['z'], {}, '/model.1/conv/Conv')],
      [initializer('w', [2, 1, 1, 1], Int8Array.from([1, 2])), initializer('wq', [2, 1, 1, 1], Int8Array.from([3, 4]), { dataType: DT.int8 })],
      [input('x', [1, 1, 2, 2], DT.uint8), input('xf', [1, 1, 2, 2])], [output('y', [1, 2, 2, 2], DT.int32), output('z', [1, 2, 2, 2])],
    )));
    const r = await run(['prune', file, '-o', path.join(dir, 'o.onnx')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/already quantized \(contains ConvInteger\); prune the float model instead/);
  });

  it('missing -o, missing model, existing output without --force', async () => {
    const dir = await tempDir();
    const m = await tiny(dir);
    expect((await run(['prune', m])).err).toMatch(/missing -o\/--output/);
    expect((await run(['prune', path.join(dir, 'nope.onnx'), '-o', path.join(dir, 'o.onnx')])).err).toMatch(/file not found/);
    const out = path.join(dir, 'exists.onnx');
    await writeFile(out, 'x');
    const r = await run(['prune', m, '-o', out, '--no-verify']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/already exists; pass --force/);
    expect(await readFile(out, 'utf8')).toBe('x');
  });
});

describe('prunekit prune: output', () => {
  it('prunes, verifies in onnxruntime, prints tables and writes JSON', async () => {
    const dir = await tempDir();
    const out = path.join(dir, 'o.onnx');
    const json = path.join(dir, 'r.json');
    const r = await run(['prune', await tiny(dir), '-o', out, '--target', '0.2', '--verify', '--json', json, '--layers']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/class source: none given: name rules only/);
    expect(r.out).toMatch(/head: output subgraph: model.3 \(protected\)/);
    expect(r.out).toMatch(/target: 20.00%\s+achieved: 20.0000%/);
    expect(r.out).toMatch(/verify: runs in onnxruntime on a fixed-seed random input .* logits \[1,10\], max \|diff\| [\d.e-]+, cosine/);
    expect(r.out).toMatch(/model.0.conv\s+\?\s+all/);
    const res = JSON.parse(await readFile(json, 'utf8'));
    expect(res.totals.target).toBe(0.2);
    expect(res.layers).toHaveLength(4);
    expect(res.plan.entries[0]).toMatchObject({ id: 'model.0.conv.weight', category: 'all' });
    expect(res.verify.outputs[0].name).toBe('logits');
    expect(res.files.output.bytes).toBe((await stat(out)).size);
  });

  it('--dry-run prints the plan and writes nothing', async () => {
    const dir = await tempDir();
    const out = path.join(dir, 'o.onnx');
    const r = await run(['prune', await tiny(dir), '-o', out, '--dry-run', '--preset', 'yolov8']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/preset: yolov8/);
    expect(r.out).toMatch(/dry run: nothing written/);
    await expect(stat(out)).rejects.toThrow();
  });
});

describeFixtures('prunekit prune on the LSNet fixture', () => {
  it('--arch yaml --preset tokenc3-lsnet --target 0.10', async () => {
    const dir = await tempDir();
    const r = await run([
      'prune', fixture('models', 'yolov13n-tokenc3-lsnet-random.onnx'), '-o', path.join(dir, 'o.onnx'), '--arch', fixture('configs', 'yolov13_lsnet.yaml'),
      '--preset', 'tokenc3-lsnet', '--target', '0.10', '--no-verify',
    ]);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/class source: yaml \S*yolov13_lsnet.yaml \(33 layers/); // the kind once, not `yaml: yaml`
    expect(r.out).toMatch(/head: class Detect \(model.32\) \(protected\)/);
    expect(r.out).toMatch(/TokenC3\s+226\s/);
    expect(r.out).toMatch(/achieved: 10.000\d%/);
  });
});

describeFixtures('prunekit prune --verify --image', () => {
  it('compares on a letterboxed real image; a bad image fails before anything is written', async () => {
    const dir = await tempDir();
    const img = fixture('datasets', 'coco8', 'images', 'val', '000000000036.jpg');
    const out = path.join(dir, 'o.onnx');
    const r = await run(['prune', await tiny(dir), '-o', out, '--target', '0.3', '--verify', '--image', img]);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/verify: runs in onnxruntime on image .*000000000036.jpg \(letterboxed\).*logits \[1,10\], max \|diff\| [\d.e+-]+, cosine -?[\d.]+/);
    const bad = await run(['prune', await tiny(dir), '-o', path.join(dir, 'o2.onnx'), '--verify', '--image', path.join(dir, 'missing.jpg')]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/error: --image .*missing.jpg: cannot decode image/);
    await expect(stat(path.join(dir, 'o2.onnx'))).rejects.toThrow();
  });
});
