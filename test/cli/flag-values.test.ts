/** One set of value forms for every command (issue #14 item 4): fractions as 0.1 or 10%, sizes as 640 or HxW. */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { parseCount, parseFractionFlag, parseImageSize, parseNumberFlag, squareSide } from '../../src/cli/flag-values.js';
import { demoAssets } from '../../src/cli/demo.js';
import { bufferIO } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import { tinyConvNet, toBytes } from '../helpers/onnx-builder.js';
import { tempDir } from '../helpers/fixtures.js';

async function run(argv: string[]) {
  const io = bufferIO();
  const code = await runCli(argv, io);
  return { code, err: io.stderr.join('\n'), out: io.stdout.join('\n') };
}

describe('parseFractionFlag', () => {
  it('reads 0.1 and 10% as the same value; bounds are exact', () => {
    expect(parseFractionFlag('target', '0.1')).toBe(0.1);
    expect(parseFractionFlag('target', '10%')).toBe(0.1);
    expect(parseFractionFlag('target', ' 12.5 % ')).toBe(0.125);
    expect(parseFractionFlag('target', '0%')).toBe(0);
    expect(parseFractionFlag('target', '.5')).toBe(0.5);
    expect(parseFractionFlag('target', undefined)).toBeUndefined();
    expect(() => parseFractionFlag('target', '100%')).toThrow('--target 100% is outside [0, 1); expected a fraction (e.g. 0.1 or 10%) in [0, 1)');
    expect(() => parseFractionFlag('target', '1')).toThrow(/outside \[0, 1\)/);
    expect(parseFractionFlag('conf', '100%', { maxExclusive: false })).toBe(1);
    expect(() => parseFractionFlag('conf', '100.01%', { maxExclusive: false })).toThrow(/outside \[0, 1\]/);
    expect(() => parseFractionFlag('target', '-1%')).toThrow(/outside/);
    for (const bad of ['', '%', 'abc', '10%%', '0x1', '1e-1', '10 percent']) expect(() => parseFractionFlag('target', bad), bad).toThrow(UsageError);
  });
});

describe('parseNumberFlag / parseCount', () => {
  it('decimal numbers only; integer and range checks at the boundaries', () => {
    expect(parseNumberFlag('seconds', '2.5')).toBe(2.5);
    expect(parseNumberFlag('seconds', '1e1')).toBe(10);
    expect(parseCount('runs', '1')).toBe(1);
    expect(() => parseCount('runs', '0')).toThrow('--runs 0: expected an integer ≥ 1');
    expect(parseCount('warmup', '0', 0)).toBe(0);
    expect(() => parseCount('runs', '2.5')).toThrow(/expected an integer/);
    for (const bad of ['', ' ', '0x10', 'ten', '5ms', 'Infinity', 'NaN']) expect(() => parseNumberFlag('runs', bad), bad).toThrow(UsageError);
    expect(() => parseNumberFlag('x', '5', { min: 0, max: 5, maxExclusive: true })).toThrow('--x 5: expected a number ≥ 0 and < 5');
  });
});

describe('parseImageSize', () => {
  it('640, 480x640, 480X640, 480,640 and 480×640; nothing else', () => {
    expect(parseImageSize('imgsz', '640')).toEqual({ height: 640, width: 640 });
    for (const t of ['480x640', '480X640', '480,640', '480×640', ' 480 x 640 ']) expect(parseImageSize('imgsz', t), t).toEqual({ height: 480, width: 640 });
    for (const bad of ['', 'abc', '0', '-3', '1x2x3', '6.5', '640x0', '70000']) expect(() => parseImageSize('imgsz', bad), bad).toThrow(UsageError);
    expect(squareSide('imgsz', { height: 640, width: 640 }, 'why')).toBe(640);
    expect(() => squareSide('imgsz', { height: 480, width: 640 }, 'square only')).toThrow('--imgsz 480x640: square only; give one side, e.g. --imgsz 640');
  });
});

describe('the same forms on the command line', () => {
  it('prune --target 10% writes the same model as --target 0.1 (unstructured and structured)', async () => {
    const dir = await tempDir();
    const model = path.join(dir, 'tiny.onnx');
    await writeFile(model, toBytes(tinyConvNet()));
    for (const extra of [[], ['--structured']]) {
      const outs: Buffer[] = [];
      for (const t of ['0.1', '10%']) {
        const out = path.join(dir, `${extra.length}-${t.replace('%', 'pct')}.onnx`);
        const r = await run(['prune', model, '--target', t, '-o', out, '--no-verify', ...extra]);
        expect(r.err).toBe('');
        outs.push(await readFile(out));
      }
      expect(Buffer.compare(outs[0]!, outs[1]!)).toBe(0);
    }
    const r = await run(['prune', model, '--target', '10%', '--dry-run', '--alpha', '70%', '--criterion', 'l1l2', '--scope', 'global']);
    expect(r.code).toBe(0);
  });

  it('--imgsz HxW: inspect and val accept the form (bench, compare and run parse it with the same parser); val explains why it needs equal sides', async () => {
    const dir = await tempDir();
    const model = path.join(dir, 'tiny.onnx');
    await writeFile(model, toBytes(tinyConvNet()));
    const a = demoAssets();
    expect((await run(['inspect', model, '--imgsz', '480x640'])).code).toBe(0);
    const v = await run(['val', a.model, '--data', a.data, '--imgsz', '480x640']);
    expect(v.code).toBe(2);
    expect(v.err).toBe("error: --imgsz 480x640: validation letterboxes to a square input (Ultralytics' val, too, takes one integer imgsz); give one side, e.g. --imgsz 640");
    const square = await run(['val', a.model, '--data', a.data, '--imgsz', '160x160', '--conf', '25%']);
    expect(square.err).toBe('');
    expect(square.code).toBe(0);
    const plain = await run(['val', a.model, '--data', a.data, '--imgsz', '160', '--conf', '0.25']);
    expect(plain.out.split('\n')[1]).toBe(square.out.split('\n')[1]); // the same 'all' row
  }, 60_000);
});
