import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fromBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema } from 'onnx-buf';
import { describe, expect, it } from 'vitest';
import { bufferIO } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import { parseOnnx } from '../../src/io/onnx/index.js';
import { describeFixtures, fixture, tempDir } from '../helpers/fixtures.js';
import { input, model, node, output, randomFloats, tensor, toBytes } from '../helpers/onnx-builder.js';

/** Conv(3→16, 3×3) whose weight keeps every `every`-th value (the rest +0). */
function convNet(every: number): Uint8Array {
  const w = randomFloats(432, 7).map((v, i) => (i % every === 0 ? v : 0));
  return toBytes(model(
    [node('Conv', ['images', 'w', 'b'], ['out'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] })],
    [tensor('w', [16, 3, 3, 3], w), tensor('b', [16], randomFloats(16, 8))],
    [input('images', [1, 3, 8, 8])], [output('out', [1, 16, 8, 8])],
  ));
}

async function setup(every: number) {
  const dir = await tempDir();
  const src = path.join(dir, 'm.onnx');
  await writeFile(src, convNet(every));
  return { dir, src, out: path.join(dir, 'o.onnx') };
}

describe('prunekit quantize --sparse', () => {
  it('writes a smaller file with the sparse tensors, proved identical in onnxruntime', async () => {
    const { src, out } = await setup(10); // 90% zeros
    const io = bufferIO();
    expect(await runCli(['quantize', src, '--sparse', '-o', out], io)).toBe(0);
    const text = io.text();
    expect(text).toMatch(/sparse_initializer: 1 of 2 tensors stored sparse \(int64 indices\)/);
    expect(text).toMatch(/ w: 89\.8% zeros, .* dense, .* sparse → sparse/);
    expect(text).toMatch(/outputs out\[1,16,8,8\] identical to the dense model's/);
    const bytes = new Uint8Array(await readFile(out));
    expect(bytes.length).toBeLessThan((await readFile(src)).length);
    expect(parseOnnx(bytes).source).toBe(bytes);
    expect(text).toMatch(/file: .* → .* \(\d+\.\d%, gzip .* → .*\)/);
    // On 432 values, gzip of the dense zeros beats the sparse indices: said, not hidden.
    expect(text).toMatch(/note: gzipped, the sparse file \(.*\) is not smaller than the same model stored dense/);
  });

  it('writes nothing, exit 2, and says why when no tensor gets smaller (50% zeros)', async () => {
    const { src, out } = await setup(2);
    const io = bufferIO();
    expect(await runCli(['quantize', src, '--sparse', '-o', out], io)).toBe(2);
    expect(io.text()).toMatch(/^error: --sparse: no tensor of .* is smaller as a sparse_initializer \(each non-zero costs an 8-byte int64 index, so a float32 tensor needs > 66\.7% zeros; here 48\.2% of the weights are zero, at most 50\.0% in one tensor\).*nothing written\s*$/);
    expect(existsSync(out)).toBe(false);
  });

  it('after --fp16-weights, stores dense with a note when sparse does not pay', async () => {
    const { src, out } = await setup(2);
    const io = bufferIO();
    expect(await runCli(['quantize', src, '--fp16-weights', '--sparse', '-o', out], io)).toBe(0);
    expect(io.text()).toMatch(/--sparse: no tensor of .*: stored dense/);
    expect(parseOnnx(new Uint8Array(await readFile(out))).proto.graph!.sparseInitializer).toEqual([]);
  });

  it('after --weights-only, stores the int8 weights sparse when more than 8/9 are zero, and they still run', async () => {
    const { src, out } = await setup(20); // 95% zeros: 22 int8 values × (1 + 8 index bytes) < 432 bytes
    const io = bufferIO();
    expect(await runCli(['quantize', src, '--weights-only', '--sparse', '-o', out], io)).toBe(0);
    // w_quantized (432 int8, 22 non-zero) goes sparse; the float bias and scales stay dense (symmetric int8 weights
    // have no zero-point tensor).
    expect(io.text()).toMatch(/sparse_initializer: 1 of 3 tensors stored sparse/);
    expect(io.text()).toMatch(/ w_quantized: 94\.9% zeros, 460 B dense, 237 B sparse → sparse/);
    const bytes = new Uint8Array(await readFile(out));
    const raw = fromBinary(ModelProtoSchema, bytes).graph!;
    expect(raw.sparseInitializer.map((x) => [x.values!.name, x.values!.dataType]).sort()).toEqual([['w_quantized', 3]]);
    expect(parseOnnx(bytes).proto.graph!.initializer.find((t) => t.name === 'w_quantized')?.dims).toEqual([16n, 3n, 3n, 3n]);
  });

  it('refuses --sparse with static INT8', async () => {
    const { dir, src, out } = await setup(10);
    const io = bufferIO();
    expect(await runCli(['quantize', src, '--sparse', '--calib', dir, '-o', out], io)).toBe(2);
    expect(io.text()).toMatch(/--sparse is a storage mode .* does not combine with static INT8/);
  });
});

describeFixtures('prunekit quantize --sparse on LeYOLONano-640 pruned unstructured', () => {
  it('refuses at 50% (no tensor past 2/3 zeros) and, at 90%, writes a smaller file that onnxruntime runs identically', async () => {
    const dir = await tempDir();
    const at = async (target: string) => {
      const f = path.join(dir, `u${target}.onnx`);
      expect(await runCli(['prune', fixture('models', 'LeYOLONano-640.onnx'), '--preset', 'yolov8', '--target', target, '-o', f], bufferIO())).toBe(0);
      return f;
    };
    const io50 = bufferIO();
    expect(await runCli(['quantize', await at('0.5'), '--sparse', '-o', path.join(dir, 's50.onnx')], io50)).toBe(2);
    expect(io50.text()).toMatch(/here 46\.3% of the weights are zero, at most 50\.0% in one tensor/);
    const u90 = await at('0.9');
    const io90 = bufferIO();
    expect(await runCli(['quantize', u90, '--sparse', '-o', path.join(dir, 's90.onnx')], io90)).toBe(0);
    expect(io90.text()).toMatch(/sparse_initializer: 76 of 201 tensors stored sparse/);
    expect(io90.text()).toMatch(/outputs output0\[1,84,8400\] identical to the dense model's/);
    expect((await readFile(path.join(dir, 's90.onnx'))).length).toBeLessThan(0.4 * (await readFile(u90)).length); // 38.4% measured
  }, 120_000);
});
