/**
 * The documentation stays true to the code: every `prunekit …` example in README.md and docs/ names a real
 * command and real flags, every relative link (and heading anchor) resolves, and every name a TypeScript example
 * imports from 'prunekit' is exported by the library.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCommands } from '../../src/cli/commands.js';
import { bufferIO } from '../../src/cli/io.js';
import { buildProgram } from '../../src/cli/main.js';
import { REPO_ROOT } from '../helpers/fixtures-path.js';
import { codeBlocks, docFiles, headingAnchors, inlineCommands, prunekitCommands, relativeLinks } from './markdown.js';

const GLOBAL_FLAGS = new Set(['--debug', '--help', '-h', '--version', '-V']);

/** What is wrong with one example (`words` = what follows `prunekit`): an unknown command or flags. */
function problems(program: Command, words: readonly string[]): string[] {
  const name = words.find((w) => !w.startsWith('-'));
  if (name === undefined || name === '…') return []; // `prunekit …` in prose: no command named
  const sub = program.commands.find((c) => c.name() === name);
  if (!sub) return [`unknown command '${name}'`];
  const known = new Set(GLOBAL_FLAGS);
  for (const o of sub.options) {
    if (o.long) known.add(o.long);
    if (o.short) known.add(o.short);
  }
  return words
    .filter((w) => /^--?[a-zA-Z]/.test(w))
    .map((w) => w.split('=')[0] ?? w)
    .filter((flag) => !known.has(flag))
    .map((flag) => `'${name}' has no flag ${flag}`);
}

describe('documentation examples', () => {
  let program: Command;
  beforeAll(async () => {
    program = buildProgram(bufferIO(), await loadCommands([]));
  });

  it('the checker itself catches an unknown command and an unknown or misspelt flag', () => {
    expect(problems(program, ['prune', 'm.onnx', '-o', 'p.onnx', '--target', '0.1'])).toEqual([]);
    expect(problems(program, ['prune', 'm.onnx', '--targte', '0.1'])).toEqual(["'prune' has no flag --targte"]);
    expect(problems(program, ['val', 'm.onnx', '--calib', 'd.yaml'])).toEqual(["'val' has no flag --calib"]);
    expect(problems(program, ['shrink', 'm.onnx'])).toEqual(["unknown command 'shrink'"]);
    expect(problems(program, ['bench', 'm.onnx', '--threads=2', '--debug'])).toEqual([]);
  });

  it('every prunekit command line in README.md and docs/ uses a real command and real flags', () => {
    const found: string[] = [];
    let count = 0;
    for (const { file, text } of docFiles()) {
      const lines = [
        ...codeBlocks(text)
          .filter((b) => b.lang === 'sh')
          .flatMap((b) => prunekitCommands(b.body)),
        ...inlineCommands(text),
      ];
      for (const words of lines) {
        count += 1;
        for (const p of problems(program, words)) found.push(`${file}: prunekit ${words.join(' ')}: ${p}`);
      }
    }
    expect(found).toEqual([]);
    expect(count).toBeGreaterThan(40);
  });

  it('every name a TypeScript example imports from prunekit is exported by the library', async () => {
    const lib = (await import('../../src/index.js')) as Record<string, unknown>;
    const missing: string[] = [];
    let count = 0;
    for (const { file, text } of docFiles()) {
      for (const block of codeBlocks(text).filter((b) => b.lang === 'ts')) {
        for (const m of block.body.matchAll(/import\s*\{([^}]*)\}\s*from\s*'prunekit'/g)) {
          for (const name of (m[1] ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
            count += 1;
            if (!(name in lib)) missing.push(`${file}: ${name}`);
          }
        }
      }
    }
    expect(missing).toEqual([]);
    expect(count).toBeGreaterThan(15);
  });

  it('every relative link points at an existing file (and heading, when it names one)', () => {
    const broken: string[] = [];
    for (const { file, text } of docFiles()) {
      for (const link of relativeLinks(text)) {
        const target = link.target === '' ? file : path.join(path.dirname(file), link.target);
        const abs = path.join(REPO_ROOT, target);
        if (!existsSync(abs)) {
          broken.push(`${file}: ${link.target}`);
          continue;
        }
        if (link.anchor !== undefined && target.endsWith('.md') && !headingAnchors(readFileSync(abs, 'utf8')).has(link.anchor)) {
          broken.push(`${file}: ${link.target}#${link.anchor}`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('docs/README.md lists every page in docs/', () => {
    const index = docFiles().find((d) => d.file === 'docs/README.md')?.text ?? '';
    const linked = new Set(relativeLinks(index).map((l) => l.target));
    const pages = docFiles()
      .map((d) => d.file)
      .filter((f) => f.startsWith('docs/') && f !== 'docs/README.md')
      .map((f) => path.basename(f));
    expect(pages.filter((p) => !linked.has(p))).toEqual([]);
  });
});
