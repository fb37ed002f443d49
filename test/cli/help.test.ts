/** --help texts say what each command really does (issue #14 item 5). */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands.js';
import { bufferIO } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import { tinyConvNet, toBytes } from '../helpers/onnx-builder.js';
import { tempDir } from '../helpers/fixtures.js';

async function help(command: string): Promise<string> {
  const io = bufferIO();
  expect(await runCli([command, '--help'], io)).toBe(0);
  return io.stdout.join('\n').replace(/\s+/g, ' ');
}

describe('--help', () => {
  it('prune names both modes and every input format; --target explains both meanings', async () => {
    const h = await help('prune');
    expect(h).toMatch(/zero the least important weights \(unstructured, default\) or remove whole channels \(--structured\)/);
    expect(h).toMatch(/\.onnx \(all modes\), \.pt\/\.pth or \.safetensors/);
    expect(h).toMatch(/--target <S> how much to prune, 0\.1 or 10%: unstructured: .*--structured: fraction of params/);
    expect(h).toMatch(/--preset-config <file>/);
    expect(h).not.toMatch(/--config <file>/); // its old name still works, hidden
    expect(h).not.toMatch(/\(unstructured\)$/);
  });

  it('inspect names its formats', async () => {
    expect(await help('inspect')).toMatch(/model file: \.onnx, \.pt\/\.pth \(Ultralytics checkpoint\) or \.safetensors/);
  });

  it('compare and run list their own options before the latency flags', async () => {
    for (const c of ['compare', 'run']) {
      const h = await help(c);
      expect(h.indexOf('--data'), c).toBeLessThan(h.indexOf('--imgsz'));
      expect(h.indexOf('--max-drop'), c).toBeLessThan(h.indexOf('--warmup'));
    }
    expect(await help('run')).toMatch(/--structured .*--calib <data>/);
  });

  it('no command prints commander defaults as quoted strings; --threads help gives the number', async () => {
    for (const c of Object.keys(COMMANDS)) {
      const h = await help(c);
      expect(h, c).not.toMatch(/\(default: "/);
      // Commands that run one model say how many threads that is here (search commands document their own default).
      if (['val', 'bench', 'compare', 'run', 'demo'].includes(c)) expect(h, c).toMatch(/--threads <n> .*\(default: all cores, \d+ here\)/);
    }
  });

  it('prune --config still reads a custom preset (the old name of --preset-config); both at once is an error', async () => {
    const dir = await tempDir();
    const model = path.join(dir, 'm.onnx');
    await writeFile(model, toBytes(tinyConvNet()));
    const cfg = path.join(dir, 'p.yaml');
    await writeFile(cfg, 'extends: uniform\nratios: { all: 0.5 }\n');
    for (const flag of ['--config', '--preset-config']) {
      const io = bufferIO();
      expect(await runCli(['prune', model, flag, cfg, '--dry-run'], io), io.text()).toBe(0);
      expect(io.stdout.join('\n')).toMatch(/all +3 +320 +50%/);
    }
    const io = bufferIO();
    expect(await runCli(['prune', model, '--config', cfg, '--preset-config', cfg, '--dry-run'], io)).toBe(2);
    expect(io.stderr.join('\n')).toBe('error: give --preset-config once (--config is its old name)');
  });
});
