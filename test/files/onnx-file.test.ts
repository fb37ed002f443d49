import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FileError, ModelFormatError } from '../../src/core/errors.js';
import { getTensor, parseOnnx, serializeOnnx, tensorRefs, withTensorValues } from '../../src/io/onnx/index.js';
import { loadOnnx, saveOnnx } from '../../src/files/onnx-file.js';
import { tempDir } from '../helpers/fixtures.js';
import { tinyConvNet, toBytes } from '../helpers/onnx-builder.js';

let dir = '';
beforeAll(async () => {
  dir = await tempDir('prunekit-onnx-file-');
});

const values = (m: Awaited<ReturnType<typeof loadOnnx>>) =>
  Object.fromEntries([...tensorRefs(m).keys()].map((k) => [k, Array.from(getTensor(m, k).data as Float32Array)]));

describe('loadOnnx / saveOnnx', () => {
  it('writes inline, atomically, and refuses to overwrite without force', async () => {
    const file = path.join(dir, 'inline.onnx');
    const m = parseOnnx(toBytes(tinyConvNet()));
    const saved = await saveOnnx(m, file);
    expect(saved.bytes).toBe(m.source!.length);
    expect(Buffer.compare(await readFile(file), m.source!)).toBe(0);
    await expect(saveOnnx(m, file)).rejects.toThrow(/already exists; pass --force/);
    await expect(saveOnnx(m, file, { force: true })).resolves.toMatchObject({ path: file });
  });

  it('writes value edits by patching: the file equals serializeOnnx of the edited model', async () => {
    const file = path.join(dir, 'patched.onnx');
    const m = parseOnnx(toBytes(tinyConvNet()));
    const edited = withTensorValues(m, new Map([['model.2.conv.weight', { dtype: 'float32', dims: [4, 8, 1, 1], data: new Float32Array(32).fill(3) }]]));
    const saved = await saveOnnx(edited, file);
    const written = await readFile(file);
    expect(saved.bytes).toBe(written.length);
    expect(Buffer.compare(written, serializeOnnx(edited))).toBe(0);
    expect(Array.from(getTensor(parseOnnx(written), 'model.2.conv.weight').data as Float32Array)).toEqual(new Array(32).fill(3));
  });

  it('writes external data on request; reloading gives equal tensors; saving again inlines them', async () => {
    const file = path.join(dir, 'ext.onnx');
    const m = parseOnnx(toBytes(tinyConvNet()));
    const saved = await saveOnnx(m, file, { externalData: 'ext.onnx.data', externalThreshold: 64 });
    expect(saved.externalDataPath).toBe(path.join(dir, 'ext.onnx.data'));
    expect(saved.bytes).toBeLessThan(m.source!.length);
    const back = await loadOnnx(file);
    const externals = back.proto.graph!.initializer.filter((t) => t.dataLocation === 1).map((t) => t.name);
    expect(externals).toEqual(['model.0.conv.weight', 'onnx::Conv_7', 'model.2.conv.weight', 'model.3.linear.weight']);
    expect(values(back)).toEqual(values(m));

    // Value edits on an external model, then an inline save: the result no longer needs the data file.
    const edited = withTensorValues(back, new Map([['onnx::Conv_7', { dtype: 'float32', dims: [8, 1, 3, 3], data: new Float32Array(72) }]]));
    const inline = path.join(dir, 'inlined.onnx');
    await saveOnnx(edited, inline);
    const reread = parseOnnx(await readFile(inline));
    expect(Array.from(getTensor(reread, 'onnx::Conv_7').data as Float32Array)).toEqual(new Array(72).fill(0));
    expect(getTensor(reread, 'model.3.linear.weight').data).toEqual(getTensor(m, 'model.3.linear.weight').data);
  });

  it('a missing external data file is a FileError naming the model and the data file', async () => {
    const sub = path.join(dir, 'missing');
    await mkdir(sub);
    const file = path.join(sub, 'm.onnx');
    await saveOnnx(parseOnnx(toBytes(tinyConvNet())), file, { externalData: 'm.bin', externalThreshold: 64 });
    await rm(path.join(sub, 'm.bin'));
    const err = await loadOnnx(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FileError);
    expect((err as Error).message).toBe(`'${file}': external data file 'm.bin' not found (looked in ${sub}); keep it beside the model`);
  });

  it('a too-short external data file is a ModelFormatError', async () => {
    const sub = path.join(dir, 'short');
    await mkdir(sub);
    const file = path.join(sub, 'm.onnx');
    await saveOnnx(parseOnnx(toBytes(tinyConvNet())), file, { externalData: 'm.bin', externalThreshold: 64 });
    await writeFile(path.join(sub, 'm.bin'), new Uint8Array(10));
    await expect(loadOnnx(file)).rejects.toThrow(ModelFormatError);
    await expect(loadOnnx(file)).rejects.toThrow(/external data file 'm.bin' is too short for tensor/);
  });

  it('bad input paths: missing file, directory, non-ONNX bytes, truncated model', async () => {
    const missing = path.join(dir, 'nope.onnx');
    const e0 = await loadOnnx(missing).catch((e: unknown) => e);
    expect(e0).toBeInstanceOf(FileError);
    expect((e0 as Error).message).toBe(`'${missing}': model file not found`);
    const eDir = await loadOnnx(dir).catch((e: unknown) => e);
    expect(eDir).toBeInstanceOf(FileError);
    expect((eDir as Error).message).toBe(`'${dir}': is a directory, expected a model file`);
    const text = path.join(dir, 'notes.onnx');
    await writeFile(text, 'this is a text file, not a model\n');
    const e1 = await loadOnnx(text).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(ModelFormatError);
    expect((e1 as Error).message.startsWith(`'${text}': not`)).toBe(true);
    expect((e1 as Error).message).toContain('ONNX model');
    expect((e1 as Error).message).not.toContain('\n');
    const truncated = path.join(dir, 'trunc.onnx');
    const bytes = toBytes(tinyConvNet());
    await writeFile(truncated, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const e2 = await loadOnnx(truncated).catch((e: unknown) => e);
    expect(e2).toBeInstanceOf(ModelFormatError);
    expect((e2 as Error).message).toContain(`'${truncated}': not a valid ONNX model (protobuf decoding failed`);
  });

  it('serializeOnnx of a loaded model equals the file bytes', async () => {
    const file = path.join(dir, 'again.onnx');
    await writeFile(file, toBytes(tinyConvNet()));
    expect(Buffer.compare(serializeOnnx(await loadOnnx(file)), await readFile(file))).toBe(0);
  });
});
