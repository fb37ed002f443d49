/**
 * Issue #11 item 7 (display): inspect, compare and the reports show file size and gzip size; inspect, compare,
 * the reports, val and bench show precision (float32 / fp16 / int8 QDQ …) next to size and latency.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { demoAssets } from '../../src/cli/demo.js';
import { bufferIO } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import { formatBytes } from '../../src/core/format.js';
import { tempDir } from '../helpers/fixtures.js';

async function run(argv: string[]) {
  const io = bufferIO();
  const code = await runCli(argv, io);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
}

describe('size, gzip size and precision in every output', () => {
  const a = demoAssets();
  let dir = '';
  let int8 = '';
  beforeAll(async () => {
    dir = await tempDir();
    int8 = path.join(dir, 'w8.onnx');
    const q = await run(['quantize', a.model, '--weights-only', '-o', int8]);
    expect(q.code, q.err).toBe(0);
  });

  it('inspect: size, gzip size (the real gzip -6 length) and precision; --no-gzip skips the compression', async () => {
    const gz = gzipSync(await readFile(a.model)).length;
    const i = await run(['inspect', a.model]);
    expect(i.code, i.err).toBe(0);
    expect(i.out).toContain(`model      tiny-detector.onnx (915.7 KiB, gzip ${formatBytes(gz)})`);
    expect(i.out).toMatch(/^precision +float32$/m);
    const j = JSON.parse((await run(['inspect', int8, '--json', '-'])).out) as { file: { gzipBytes: number }; precision: { kind: string } };
    expect(j.file.gzipBytes).toBe(gzipSync(await readFile(int8)).length);
    expect(j.precision.kind).toBe('int8-weights');
    expect((await run(['inspect', a.model, '--no-gzip'])).out).toContain('(915.7 KiB, gzip not computed (--gzip))');
  });

  it('compare and its reports: precision and gzip size of both models, beside size and latency', async () => {
    const md = path.join(dir, 'r.md');
    const html = path.join(dir, 'r.html');
    const c = await run(['compare', a.model, int8, '--data', a.data, '--runs', '3', '--warmup', '1', '--md', md, '--report', html]);
    expect(c.code, c.err).toBe(0);
    expect(c.out).toMatch(/Latency median [\d.]+ ms \(float32\) → [\d.]+ ms \(int8 weights \(float compute\)\)/);
    expect(c.out).toMatch(/Size 915\.7 KiB \(float32\) → [\d.]+ KiB \(int8 weights \(float compute\)\), gzip [\d.]+ KiB → [\d.]+ KiB/);
    const m = await readFile(md, 'utf8');
    expect(m).toContain('| precision | float32 | int8 weights (float compute) |');
    expect(m).toMatch(/\| gzip size \| [\d.]+ KiB \| [\d.]+ KiB \| −[\d.]+ KiB \(−\d+\.\d%\) \|/);
    const h = await readFile(html, 'utf8');
    expect(h).toContain('<td>precision</td><td class="n">float32</td><td class="n">int8 weights (float compute)</td>');
  });

  it('val and bench name the precision', async () => {
    const v = await run(['val', int8, '--data', a.data]);
    expect(v.code, v.err).toBe(0);
    expect(v.out.split('\n')[0]).toBe('w8.onnx: int8 weights (float compute), imgsz 160');
    const b = await run(['bench', a.model, int8, '--runs', '3', '--warmup', '1']);
    expect(b.code, b.err).toBe(0);
    expect(b.out).toMatch(/^model +precision +size +median ms/m);
    expect(b.out).toMatch(/^tiny-detector\.onnx +float32 +915\.7 KiB /m);
    expect(b.out).toMatch(/^w8\.onnx +int8 weights \(float compute\) +[\d.]+ KiB /m);
  });
});
