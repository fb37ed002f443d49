import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bufferIO } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import { readProvenance } from '../../src/io/onnx/index.js';
import { loadOnnx } from '../../src/files/onnx-file.js';
import { describeFixtures, fixture, tempDir } from '../helpers/fixtures.js';
import { input, model, node, output, toBytes } from '../helpers/onnx-builder.js';
import { tinyDetector } from '../helpers/quant-models.js';

async function file(dir: string, name: string, bytes: Uint8Array): Promise<string> {
  const f = path.join(dir, name);
  await writeFile(f, bytes);
  return f;
}

describe('prunekit quantize: bad input stops with one line, exit 2, nothing written', () => {
  it('refuses an already-quantized model', async () => {
    const dir = await tempDir();
    const m = model([node('QuantizeLinear', ['images', 's', 'z'], ['q']), node('DequantizeLinear', ['q', 's', 'z'], ['out'])], [], [input('images', [1, 3, 8, 8])], [output('out', [1, 3, 8, 8])]);
    const src = await file(dir, 'q.onnx', toBytes(m));
    const out = path.join(dir, 'o.onnx');
    const io = bufferIO();
    expect(await runCli(['quantize', src, '--calib', dir, '-o', out, '--placement', 'all'], io)).toBe(2);
    expect(io.text()).toMatch(/already quantized \(contains QuantizeLinear, DequantizeLinear\); quantize the float model/);
    expect(existsSync(out)).toBe(false);
  });
  it('prune refuses a quantized model (unstructured and structured)', async () => {
    const dir = await tempDir();
    const m = model([node('QuantizeLinear', ['images', 's', 'z'], ['q']), node('DequantizeLinear', ['q', 's', 'z'], ['out'])], [], [input('images', [1, 3, 8, 8])], [output('out', [1, 3, 8, 8])]);
    const src = await file(dir, 'q.onnx', toBytes(m));
    for (const extra of [[], ['--structured']]) {
      const io = bufferIO();
      expect(await runCli(['prune', src, '-o', path.join(dir, 'p.onnx'), '--target', '0.5', ...extra], io)).toBe(2);
      expect(io.text()).toMatch(/already quantized \(contains QuantizeLinear, DequantizeLinear\); prune the float model instead/);
    }
  });
  it('refuses a model whose input is not an image batch', async () => {
    const dir = await tempDir();
    const m = model([node('Relu', ['x'], ['y'])], [], [input('x', [1, 10])], [output('y', [1, 10])]);
    const src = await file(dir, 'v.onnx', toBytes(m));
    const io = bufferIO();
    expect(await runCli(['quantize', src, '--calib', dir, '-o', path.join(dir, 'o.onnx')], io)).toBe(2);
    expect(io.text()).toMatch(/input 'x' is float32 \[1,10\], not an image batch/);
  });
  it('stops on a calibration folder with no readable images', async () => {
    const dir = await tempDir();
    const src = await file(dir, 'd.onnx', toBytes(tinyDetector()));
    const imgs = path.join(dir, 'imgs');
    await mkdir(imgs);
    await writeFile(path.join(imgs, 'broken.jpg'), 'not a jpeg');
    const out = path.join(dir, 'o.onnx');
    const io = bufferIO();
    expect(await runCli(['quantize', src, '--calib', imgs, '-o', out, '--placement', 'all'], io)).toBe(2);
    expect(io.text()).toMatch(/error: .*(no usable image|no images|image)/);
    expect(existsSync(out)).toBe(false);
  });
  it('requires --calib and -o', async () => {
    const io = bufferIO();
    expect(await runCli(['quantize', 'x.onnx', '-o', 'y.onnx'], io)).toBe(2);
    expect(io.text()).toMatch(/missing --calib/);
  });
});

describeFixtures('prunekit quantize on coco8 images', () => {
  it('writes a QDQ model whose convs onnxruntime fuses, with the float output shape and its SQNR', async () => {
    const dir = await tempDir();
    const src = await file(dir, 'd.onnx', toBytes(tinyDetector()));
    const out = path.join(dir, 'q.onnx');
    const io = bufferIO();
    const code = await runCli(['quantize', src, '--calib', fixture('datasets', 'coco8', 'coco8.yaml'), '--calib-images', '4', '-o', out, '--placement', 'all', '--layers', '--bias-correction'], io);
    expect(code, io.text()).toBe(0);
    const text = io.text();
    expect(text).toMatch(/2 weighted layers int8/);
    expect(text).toMatch(/fusion: 2 of 2 quantized convs run as integer kernels/);
    expect(text).toMatch(/SQNR vs float on 4 calibration images: out \[1,6,8,8\] \d+\.\d dB/);
    expect(text).toMatch(/Sigmoid \/model.2\/Sigmoid: detector decode tail/);
    const q = await loadOnnx(out);
    expect(q.proto.graph!.node.filter((n) => n.opType === 'QuantizeLinear').length).toBe(9); // 7 pairs and the tail Split's two outputs (box, cls: uint8 movement, DQ after it)
    expect(text).toMatch(/bias correction: 2 convs, mean \|shift\| per round \S+ → \S+/);
    // provenance: what was done, with which images (names, no paths)
    const rec = readProvenance(q.proto);
    expect(rec.map((r) => r.key)).toEqual(['prunekit']);
    const record = rec[0]!.record as { calibration: { images: number; files: string[] }; result: unknown };
    expect(record).toMatchObject({ tool: 'prunekit', command: 'quantize', mode: 'static-int8', method: 'percentile', percentile: 0.9999, activations: 'uint8', bias: 'float32', biasCorrection: 2, placement: 'all layers integer' });
    expect(record.calibration.images).toBe(4);
    expect(record.calibration.files).toHaveLength(4);
    for (const f of record.calibration.files) expect(f).toMatch(/^[^/]+\.jpg$/);
    expect(record.result).toEqual({ quantizedLayers: 2, floatNodes: expect.any(Number), fusedConvs: 2 });
  });
});
