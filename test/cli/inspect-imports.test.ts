/**
 * `prunekit inspect best.pt` must not load the ONNX reader (the protobuf runtime and onnx-buf, ~80 ms of CPU per
 * run, about a quarter of the command) nor onnxruntime or sharp, nor what only other inputs or flags need (the
 * safetensors reader; the output-file helpers and node:crypto, for `--json FILE`): the modules a `.pt` inspect runs
 * are the CLI entry, the inspect command and the checkpoint inspector (loaded by `await import()` for
 * `.pt`/`.safetensors`). Walks their static (value) imports.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { staticImports } from '../helpers/static-imports.js';

describe('inspect of a .pt: imports', () => {
  const loaded = new Set(['cli/cli.ts', 'cli/inspect.ts', 'cli/inspect-checkpoint.ts'].flatMap((f) => [...staticImports(f)]));

  it('loads the checkpoint reader (the walk itself works)', () => {
    expect(loaded).toContain(path.join('io', 'pytorch', 'unpickle.ts'));
    expect(loaded).toContain(path.join('cli', 'main.ts'));
    expect(loaded).toContain('commander');
  });

  it('does not load the ONNX reader, the protobuf runtime, onnxruntime or sharp', () => {
    const heavy = [...loaded].filter((f) => /^(io[/\\]onnx|runtime|files[/\\]onnx-file)/.test(f) || f === path.join('graph', 'index.ts')
      || /^(onnx-buf|@bufbuild\/|onnxruntime|sharp$)/.test(f));
    expect(heavy).toEqual([]);
  });

  it('does not load the safetensors reader or the output-file helpers up front', () => {
    const unneeded = [...loaded].filter((f) => /^io[/\\]safetensors|^files[/\\](output-path|atomic-write)|^cli[/\\]outputs/.test(f) || f === 'node:crypto');
    expect(unneeded).toEqual([]);
  });
});
