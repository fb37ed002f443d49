import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { bufferIO } from '../../src/cli/io.js';

describe('prunekit presets', () => {
  it('lists every built-in with its table', async () => {
    const io = bufferIO();
    expect(await runCli(['presets'], io)).toBe(0);
    const text = io.stdout.join('\n');
    for (const name of ['tokenc3-lsnet', 'yolov13', 'yolov8', 'yolo11', 'uniform']) expect(text).toContain(`${name}: `);
    expect(text).toMatch(/1\s+TokenC3\s+6%\s+95%\s+class TokenC3\|LSConv\|LSGhostBottleneck/);
    expect(text).toMatch(/7\s+Conv\s+22%.*DownsampleConv/);
  });
  it('shows one preset, as JSON on request, and rejects unknown names', async () => {
    let io = bufferIO();
    expect(await runCli(['presets', 'yolov13', '--json'], io)).toBe(0);
    expect(JSON.parse(io.stdout.join('\n')).name).toBe('yolov13');
    io = bufferIO();
    expect(await runCli(['presets', 'nope'], io)).toBe(2);
    expect(io.stderr.join('\n')).toMatch(/error: unknown preset 'nope'/);
  });
});
