import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bufferIO } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import { tensorDims } from '../../src/io/onnx/index.js';
import { loadOnnx } from '../../src/files/onnx-file.js';
import { tempDir } from '../helpers/fixtures.js';
import { toBytes } from '../helpers/onnx-builder.js';
import { barrierNet, residualNet } from '../graph/deps/graphs.js';

async function modelFile(dir: string, name: string, bytes: Uint8Array): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, bytes);
  return file;
}

describe('prunekit prune --structured', () => {
  it('writes a channel-pruned model and reports groups, params, MACs and verification', async () => {
    const dir = await tempDir();
    const input = await modelFile(dir, 'res.onnx', toBytes(residualNet()));
    const out = path.join(dir, 'out.onnx');
    const io = bufferIO();
    const code = await runCli(['prune', input, '--structured', '--channel-ratio', '0.5', '--round-to', '1', '--prune-head', '-o', out, '--verify', '--json', path.join(dir, 'r.json')], io);
    expect(code, io.text()).toBe(0);
    const text = io.text();
    // The header counts what the table shows: groups that were cut.
    expect(text).toMatch(/groups: 2 \(1 prunable, 1 cut\); channels 12 → 8\n\nthe 1 group cut, largest cut first:\ngroup /);
    expect(text).toMatch(/8 → 4/);
    expect(text).toMatch(/params: 120 → 44 \(−63\.3%\)/);
    expect(text).toMatch(/MACs: {3}7\.7 k \(7,680\) → 2\.8 k \(2,816\) \(−63\.3%\)/);
    expect(text).toMatch(/verify: runs in onnxruntime .* cosine/);
    const pruned = await loadOnnx(out);
    expect(tensorDims(pruned.proto.graph!.initializer.find((t) => t.name === 'w1')!)).toEqual([4, 4, 1, 1]);
  });

  it('reports bias compensation, and --no-compensate turns it off', async () => {
    const dir = await tempDir();
    const input = await modelFile(dir, 'res.onnx', toBytes(residualNet()));
    const base = ['prune', input, '--structured', '--channel-ratio', '0.5', '--round-to', '1', '--prune-head', '--dry-run'];
    const on = bufferIO();
    expect(await runCli(base, on), on.text()).toBe(0);
    // No biases and SiLU(0) = 0: the removed channels carry 0, nothing to fold.
    expect(on.text()).toMatch(/bias compensation: 0 removed channel slices folded into 0 consumer biases/);
    const off = bufferIO();
    expect(await runCli([...base, '--no-compensate'], off), off.text()).toBe(0);
    expect(off.text()).toMatch(/bias compensation: off \(--no-compensate\)/);
  });

  it('leaves an all-barrier model unchanged and says why', async () => {
    const dir = await tempDir();
    const input = await modelFile(dir, 'bar.onnx', toBytes(barrierNet()));
    const io = bufferIO();
    const code = await runCli(['prune', input, '--structured', '--channel-ratio', '0.5', '--dry-run'], io);
    expect(code).toBe(0);
    expect(io.text()).toMatch(/no prunable channel group/);
    expect(io.text()).toMatch(/Transpose/);
  });

  it('rejects bad structured flags with exit code 2', async () => {
    const dir = await tempDir();
    const input = await modelFile(dir, 'res.onnx', toBytes(residualNet()));
    for (const flags of [['--target-kind', 'flops'], ['--round-to', '0'], ['--channel-ratio', '1.5'], ['--criterion', 'lamp'], ['--scope', 'global'], ['--scope', 'model', '--target', '0.2']]) {
      const io = bufferIO();
      expect(await runCli(['prune', input, '--structured', '--dry-run', ...flags], io)).toBe(2);
      expect(io.text()).toMatch(/^error: /m);
    }
  });

  it('--scope global spreads a --target over the groups and says so', async () => {
    const dir = await tempDir();
    const input = await modelFile(dir, 'res.onnx', toBytes(residualNet()));
    const io = bufferIO();
    const code = await runCli(['prune', input, '--structured', '--target', '0.3', '--target-kind', 'params', '--scope', 'global', '--round-to', '1', '--prune-head', '--dry-run', '--json', path.join(dir, 'g.json')], io);
    expect(code, io.text()).toBe(0);
    expect(io.text()).toMatch(/target: remove 0\.3 of params, spread by importance \(--scope global\)/);
    const m = /params: (\d+) → (\d+)/.exec(io.text())!;
    expect(Number(m[2])).toBeLessThan(Number(m[1]));
    expect(1 - Number(m[2]) / Number(m[1])).toBeLessThanOrEqual(0.3);
  });

  it('--keep-head-inputs keeps every channel that enters the head', async () => {
    const dir = await tempDir();
    const input = await modelFile(dir, 'res.onnx', toBytes(residualNet()));
    const run = async (extra: string[]) => {
      const io = bufferIO();
      expect(await runCli(['prune', input, '--structured', '--channel-ratio', '0.5', '--round-to', '1', '--dry-run', ...extra], io), io.text()).toBe(0);
      return io.text();
    };
    // residualNet: model.0 → model.1 (+ residual) → model.2, the head. Its inputs shrink by default…
    expect(await run([])).toMatch(/channels 8 → 4/);
    // …and with --keep-head-inputs the residual stream feeding it is pinned: nothing to remove.
    expect(await run(['--keep-head-inputs'])).toMatch(/nothing to remove|no prunable channel group/);
  });
});
