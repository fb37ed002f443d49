/** A pruned model records how it was made, and `inspect` shows it (issue #14 item 11). */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoAssets } from '../../src/cli/demo.js';
import { bufferIO } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import { parseOnnx } from '../../src/io/onnx/index.js';
import { tempDir } from '../helpers/fixtures.js';

async function run(argv: string[]) {
  const io = bufferIO();
  const code = await runCli(argv, io);
  expect(code, io.text()).toBe(0);
  return io.stdout.join('\n');
}

describe('provenance in ONNX metadata_props', () => {
  it('every edit adds one record (prunekit, prunekit.2, …); the original metadata stays; inspect shows them', async () => {
    const dir = await tempDir();
    const a = demoAssets();
    const [u1, u2, s3] = ['u1.onnx', 'u2.onnx', 's3.onnx'].map((f) => path.join(dir, f)) as [string, string, string];
    await run(['prune', a.model, '--target', '10%', '--preset', 'yolov8', '--arch', a.arch, '-o', u1]);
    await run(['prune', u1, '--target', '0.2', '-o', u2]);
    await run(['prune', u2, '--structured', '--channel-ratio', '0.2', '-o', s3]);
    const original = parseOnnx(new Uint8Array(await readFile(a.model))).proto.metadataProps;
    const props = parseOnnx(new Uint8Array(await readFile(s3))).proto.metadataProps;
    expect(props.slice(0, original.length).map((p) => [p.key, p.value])).toEqual(original.map((p) => [p.key, p.value]));
    expect(props.slice(original.length).map((p) => p.key)).toEqual(['prunekit', 'prunekit.2', 'prunekit.3']);
    const first = JSON.parse(props[original.length]!.value) as Record<string, unknown>;
    expect(first).toMatchObject({ tool: 'prunekit', version: '0.1.0', command: 'prune', mode: 'unstructured', preset: 'yolov8', target: 0.1, criterion: 'l1', scope: 'layer' });
    expect((first.result as { sparsityPrunable: number }).sparsityPrunable).toBeCloseTo(0.1, 4);
    const third = JSON.parse(props[original.length + 2]!.value) as { mode: string; result: { params: { before: number; after: number } } };
    expect(third.mode).toBe('structured');
    expect(third.result.params.after).toBeLessThan(third.result.params.before);

    const text = await run(['inspect', s3]);
    expect(text).toMatch(/^prunekit +prune unstructured \(preset yolov8, criterion l1, scope layer, target 0\.1\) by prunekit 0\.1\.0; zeroed [\d,]+, prunableParams [\d,]+, sparsityPrunable 0\.1000$/m);
    expect(text).toMatch(/^prunekit +prune structured \(policy ratio 0\.2 of every prunable group, roundTo 16\) by prunekit 0\.1\.0; params [\d,]+ → [\d,]+, macs [\d,]+ → [\d,]+/m);
    const json = JSON.parse(await run(['inspect', s3, '--json', '-'])) as { provenance: Array<{ key: string; record: { mode: string } }> };
    expect(json.provenance.map((p) => [p.key, p.record.mode])).toEqual([['prunekit', 'unstructured'], ['prunekit.2', 'unstructured'], ['prunekit.3', 'structured']]);
    // The original has none.
    expect((JSON.parse(await run(['inspect', a.model, '--json', '-'])) as { provenance: unknown[] }).provenance).toEqual([]);
  }, 60_000);
});
