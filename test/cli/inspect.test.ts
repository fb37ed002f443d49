import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bufferIO } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import { FileError, ModelFormatError, UnsupportedOpError } from '../../src/core/errors.js';
import type { InspectReport } from '../../src/graph/index.js';
import { parseOnnx } from '../../src/io/onnx/index.js';
import { saveOnnx } from '../../src/files/onnx-file.js';
import { describeFixtures, fixture, tempDir } from '../helpers/fixtures.js';
import { DT, initializer, input, model, node, output, tinyConvNet, toBytes } from '../helpers/onnx-builder.js';
import { inspectFile } from '../../src/cli/inspect.js';

async function cli(...argv: string[]) {
  const io = bufferIO();
  const code = await runCli(argv, io);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n'), stderr: io.stderr };
}

let dir = '';
beforeAll(async () => {
  dir = await tempDir('prunekit-cli-inspect-');
});

describe('prunekit inspect on a hand-built model', () => {
  it('prints the summary with layers, params and MACs; --json writes the report', async () => {
    const file = path.join(dir, 'tiny.onnx');
    await writeFile(file, toBytes(tinyConvNet()));
    const json = path.join(dir, 'out', 'tiny.json');
    const r = await cli('inspect', file, '--layers', '--json', json);
    expect(r.code).toBe(0);
    expect(r.out).toContain('layers     4 (Conv 3, Gemm 1) of 6 nodes');
    expect(r.out).toContain('weights    2,880 params');
    expect(r.out).toMatch(/model\.1\.conv\s+Conv dw\s+\[8,1,3,3\]\s+8\s+72/);
    const report = JSON.parse(await readFile(json, 'utf8')) as InspectReport;
    expect(report.schemaVersion).toBe(1);
    expect(report.format).toBe('onnx');
    expect(report.layers.map((l) => l.modulePath)).toEqual(['model.0.conv', 'model.1.conv', 'model.2.conv', 'model.3.linear']);
    expect(report.totals.macs).toBe(55296 + 18432 + 2048 + 2560);
    expect(report.metadata.names).toBeNull();
  });

  it('--imgsz sets dynamic spatial dims for MACs; a bad --imgsz is a usage error', async () => {
    const file = path.join(dir, 'dyn.onnx');
    const m = model([node('Conv', ['x', 'w'], ['y'], {}, '/model.0/conv/Conv')], [initializer('w', [2, 3, 1, 1], new Float32Array(6).fill(1))], [input('x', ['batch', 3, 'h', 'w'])], [output('y', ['batch', 2, 'h', 'w'])]);
    await writeFile(file, toBytes(m));
    const r = await cli('inspect', file, '--json', '-', '--imgsz', '320x160');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as InspectReport;
    expect(report.shapeInputs).toEqual([{ name: 'x', dims: [1, 3, 320, 160] }]);
    expect(report.totals.macs).toBe(2 * 320 * 160 * 3);
    const bad = await cli('inspect', file, '--imgsz', 'big');
    expect(bad.code).toBe(2);
    expect(bad.err).toBe('error: --imgsz big: expected a size like 640 or HEIGHTxWIDTH such as 480x640');
  });
});

describe('prunekit inspect: bad input → one line, exit 2, typed error', () => {
  const cases: { name: string; make: () => Promise<string>; cls: new (...a: never[]) => Error; message: (f: string) => string }[] = [
    {
      name: 'a non-ONNX file',
      make: async () => { const f = path.join(dir, 'notes.onnx'); await writeFile(f, 'hello, I am a text file\n'); return f; },
      cls: ModelFormatError,
      message: (f) => `'${f}': not a valid ONNX model`,
    },
    {
      name: 'a truncated ONNX file',
      make: async () => { const f = path.join(dir, 'trunc.onnx'); const b = toBytes(tinyConvNet()); await writeFile(f, b.subarray(0, 2000)); return f; },
      cls: ModelFormatError,
      message: (f) => `'${f}': not a valid ONNX model (protobuf decoding failed`,
    },
    {
      name: 'a missing external-data file',
      make: async () => {
        const sub = path.join(dir, 'ext');
        await mkdir(sub, { recursive: true });
        const f = path.join(sub, 'm.onnx');
        await saveOnnx(parseOnnx(toBytes(tinyConvNet())), f, { externalData: 'm.onnx.data', externalThreshold: 64, force: true });
        await rm(path.join(sub, 'm.onnx.data'));
        return f;
      },
      cls: FileError,
      message: (f) => `'${f}': external data file 'm.onnx.data' not found`,
    },
    {
      name: 'an unsupported weight dtype (complex64)',
      make: async () => {
        const f = path.join(dir, 'complex.onnx');
        await writeFile(f, toBytes(model([node('Conv', ['x', 'w'], ['y'], {}, '/c/Conv')], [initializer('w', [1, 1, 1, 1], new Float32Array(2), { dataType: DT.complex64 })], [input('x', [1, 1, 2, 2])], [output('y', [1, 1, 2, 2])])));
        return f;
      },
      cls: UnsupportedOpError,
      message: (f) => `'${f}': weight 'w' of node '/c/Conv': data type complex64 is not supported`,
    },
    {
      name: 'an unsupported weight dtype (string)',
      make: async () => {
        const f = path.join(dir, 'string.onnx');
        await writeFile(f, toBytes(model([node('MatMul', ['x', 'w'], ['y'], {}, '/m/MatMul')], [initializer('w', [2, 2], new Uint8Array(0), { dataType: DT.string })], [input('x', [2, 2])], [output('y', [2, 2])])));
        return f;
      },
      cls: UnsupportedOpError,
      message: (f) => `'${f}': weight 'w' of node '/m/MatMul': data type string is not supported`,
    },
    { name: 'a directory', make: async () => dir, cls: FileError, message: (f) => `'${f}': is a directory, expected a model file` },
    { name: 'a missing file', make: async () => path.join(dir, 'absent.onnx'), cls: FileError, message: (f) => `'${f}': model file not found` },
    { name: 'a missing checkpoint', make: async () => path.join(dir, 'absent.pt'), cls: FileError, message: (f) => `'${f}': checkpoint file not found` },
    { name: 'a missing safetensors file', make: async () => path.join(dir, 'absent.safetensors'), cls: FileError, message: (f) => `'${f}': checkpoint file not found` },
    {
      name: 'a directory named like a checkpoint',
      make: async () => { const d = path.join(dir, 'folder.pt'); await mkdir(d, { recursive: true }); return d; },
      cls: FileError,
      message: (f) => `'${f}': is a directory, expected a checkpoint file`,
    },
  ];

  for (const c of cases) {
    it(c.name, async () => {
      const file = await c.make();
      const thrown = await inspectFile(file).catch((e: unknown) => e);
      expect(thrown).toBeInstanceOf(c.cls);
      expect((thrown as Error).message.startsWith(c.message(file))).toBe(true);
      const r = await cli('inspect', file);
      expect(r.code).toBe(2);
      expect(r.stderr).toHaveLength(1);
      expect(r.err.startsWith(`error: ${c.message(file)}`)).toBe(true);
      expect(r.err).not.toContain('\n');
      expect(r.err).not.toMatch(/\bat .*\(.*:\d+:\d+\)/);
    });
  }

  it('--debug adds the stack trace', async () => {
    const r = await cli('--debug', 'inspect', path.join(dir, 'absent.onnx'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/FileError: .*model file not found\n\s+at /);
  });
});

describeFixtures('prunekit inspect on LeYOLONano-640.onnx', () => {
  it('reads names (80 COCO classes), stride and imgsz from the metadata', async () => {
    const r = await cli('inspect', fixture('models', 'LeYOLONano-640.onnx'), '--json', '-');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as InspectReport;
    expect(report.metadata.nc).toBe(80);
    expect(Object.keys(report.metadata.names!)).toHaveLength(80);
    expect(report.metadata.names!['0']).toBe('person');
    expect(report.metadata.names!['79']).toBe('toothbrush');
    expect(report.metadata.stride).toBe(32);
    expect(report.metadata.imgsz).toEqual([640, 640]);
    expect(report.inputs).toEqual([{ name: 'images', dtype: 'float32', shape: [1, 3, 640, 640] }]);
    expect(report.totals.layers).toBe(101);
    expect(report.totals.weightParams).toBe(1_082_608);
    const text = await cli('inspect', fixture('models', 'LeYOLONano-640.onnx'));
    expect(text.out).toContain('classes    80 — 0:person, 1:bicycle');
    expect(text.out).toContain('stride 32, imgsz 640x640');
  });
});
