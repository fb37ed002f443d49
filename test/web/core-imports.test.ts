/**
 * The core stays free of Node-only modules: ESLint (eslint.config.js) rejects node:*, sharp, worker_threads,
 * onnxruntime-node and tsx imports, static or dynamic, in any src/ file that is not a listed Node edge. (The
 * web build enforces the same on everything the page bundles: web/vite.config.ts.)
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/fixtures.js';

const eslint = new ESLint({ cwd: REPO_ROOT });

async function restricted(code: string, filePath: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath });
  return (r?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-syntax').map((m) => m.message);
}

describe('Node-only imports stay out of the core', () => {
  it.each([
    ["import { readFile } from 'node:fs/promises';\nexport const f = readFile;\n"],
    ["import sharp from 'sharp';\nexport const s = sharp;\n"],
    ["import { Worker } from 'worker_threads';\nexport const w = Worker;\n"],
    ["export const load = () => import('onnxruntime-node');\n"],
    ["import path from 'path';\nexport const p = path;\n"],
  ])('rejects %s in a core file', async (code) => {
    const messages = await restricted(code, 'src/graph/new-core-file.ts');
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/Node-only module in the core/);
  });

  it('allows them in a listed Node edge and in the CLI, and allows pure imports in the core', async () => {
    expect(await restricted("import { readFile } from 'node:fs/promises';\nexport const f = readFile;\n", 'src/files/onnx-file.ts')).toEqual([]);
    expect(await restricted("import { readFile } from 'node:fs/promises';\nexport const f = readFile;\n", 'src/cli/new-command.ts')).toEqual([]);
    expect(await restricted("import { parse } from 'yaml';\nexport const p = parse;\n", 'src/graph/new-core-file.ts')).toEqual([]);
  });

  it.each(['src/io/onnx/file.ts', 'src/io/files/atomic-write.ts', 'src/prune/prune-file.ts', 'src/prune/write.ts', 'src/prune/structured/prune-file.ts', 'src/quantize/file.ts'])(
    'rejects them in %s (the file edge lives in src/files/ now, no core folder is exempt)', async (file) => {
      const messages = await restricted("import { readFile } from 'node:fs/promises';\nexport const f = readFile;\n", file);
      expect(messages).toEqual([expect.stringMatching(/Node-only module in the core/)]);
    });

  it('applies to the web page sources too', async () => {
    expect(await restricted("import os from 'node:os';\nexport const o = os;\n", 'web/src/new-file.ts')).toHaveLength(1);
  });
});
