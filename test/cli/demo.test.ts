import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bufferIO } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import { tempDir } from '../helpers/fixtures.js';

// The README's main job: needs nothing but the repository (no ../shared).
describe('prunekit demo', () => {
  it('runs the whole pipeline on the shipped demo and writes both reports', async () => {
    const out = await tempDir();
    const io = bufferIO();
    const code = await runCli(['demo', '-o', out, '--runs', '5'], io);
    const text = io.text();
    expect(code, text).toBe(0);
    expect(text).toContain('== 1. inspect the model ==');
    expect(text).toMatch(/sparsity 20\.00% of prunable weights/);
    expect(text).toMatch(/mAP50 \d+\.\d → \d+\.\d/);
    for (const kind of ['unstructured', 'structured']) {
      const html = readFileSync(path.join(out, kind, 'report.html'), 'utf8');
      expect(html).toContain('<svg');
      expect(existsSync(path.join(out, kind, 'report.json'))).toBe(true);
    }
    const pruned = JSON.parse(readFileSync(path.join(out, 'unstructured', 'report.json'), 'utf8')) as Record<string, unknown>;
    expect(pruned).toHaveProperty('budget');
    expect(existsSync(path.join(out, 'structured', 'tiny-detector.channels20.onnx'))).toBe(true);
    // The structured cut is calibrated on the demo images, and says what the same cut scores without calibration.
    expect(text).toMatch(/reconstruction: \d+ consumer convs refit from 20 unlabelled images/);
    const blind = Number(/without calibration [^\n]*mAP50 (\d+\.\d)/.exec(text)?.[1]);
    const structured = JSON.parse(readFileSync(path.join(out, 'structured', 'report.json'), 'utf8')) as { accuracy: { candidate: { map50: number } } };
    expect(blind).toBeGreaterThanOrEqual(0);
    expect(100 * structured.accuracy.candidate.map50).toBeGreaterThan(blind);
  });
});
