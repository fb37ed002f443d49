/**
 * `prunekit prune model.onnx` spends a third of its time loading modules, so the unstructured ONNX path must not
 * load the branches it does not run: onnxruntime (runtime/), calibrated reconstruction, structured pruning, the
 * PyTorch / safetensors readers. Walks the static (value) imports of src/cli/prune.ts
 * (`import type` and `await import()` do not count).
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { staticImports } from '../helpers/static-imports.js';

describe('prune command imports', () => {
  const loaded = [...staticImports('cli/prune.ts')];

  it('loads the unstructured ONNX path (the walk itself works)', () => {
    expect(loaded).toContain(path.join('files', 'prune-file.ts'));
    expect(loaded).toContain(path.join('prune', 'select.ts'));
    expect(loaded).toContain(path.join('io', 'onnx', 'index.ts'));
  });

  it('does not load onnxruntime, reconstruction, structured pruning or the checkpoint readers up front', () => {
    const heavy = loaded.filter((f) => /^(runtime|prune[/\\](recon|structured)|io[/\\](pytorch|safetensors))[/\\]/.test(f) || f.startsWith('onnxruntime') || f === 'sharp');
    expect(heavy).toEqual([]);
    expect(loaded).not.toContain(path.join('cli', 'prune-structured.ts'));
    expect(loaded).not.toContain(path.join('cli', 'prune-checkpoint.ts'));
    // The progress bar's package loads only when stderr is a terminal (cli/progress.ts).
    expect(loaded).not.toContain('cli-progress');
    expect(loaded).toContain('commander');
  });
});
