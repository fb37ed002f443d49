import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bufferIO } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import { tempDir } from '../helpers/fixtures.js';

// The README's main job: needs nothing but the repository (no ../shared).
describe('prunekit demo', () => {
  it('runs the whole pipeline on the shipped demo and writes the three reports', async () => {
    const out = await tempDir();
    const io = bufferIO();
    const code = await runCli(['demo', '-o', out, '--runs', '5'], io);
    const text = io.text();
    expect(code, text).toBe(0);
    expect(text).toContain('== 1. inspect the model ==');
    expect(text).toMatch(/sparsity 20\.00% of prunable weights/);
    // One number convention (docs/cli.md "Numbers"): accuracy as 3-decimal fractions, signed changes with U+2212.
    expect(text).toMatch(/mAP50 [01]\.\d{3} → [01]\.\d{3}, [+−]?\d\.\d{3} \([+−]?\d+\.\d%\)/);
    expect(text).not.toMatch(/pts/);
    expect(text).not.toMatch(/(^|[ (])-\d/m);
    // Step 3 is numbered and formatted like step 2: [n/3] markers, separators, units.
    const step3 = text.slice(text.indexOf('== 3.'));
    expect(step3).toMatch(/\[1\/3\] prune .*\n {6}params \d{3},\d{3} → \d{3},\d{3} \(−\d+\.\d%\), MACs \d+\.\d\d M → \d+\.\d\d M \(−\d+\.\d%\)\n {6}file \d+\.\d KiB → \d+\.\d KiB/);
    expect(step3).toMatch(/\[2\/3\] validate base and pruned .*then \[3\/3\] bench both/);
    expect(step3).not.toMatch(/\d{6}/);
    for (const kind of ['unstructured', 'structured', 'int8']) {
      const html = readFileSync(path.join(out, kind, 'report.html'), 'utf8');
      expect(html).toContain('<svg');
      expect(existsSync(path.join(out, kind, 'report.json'))).toBe(true);
    }
    const pruned = JSON.parse(readFileSync(path.join(out, 'unstructured', 'report.json'), 'utf8')) as Record<string, unknown>;
    expect(pruned).toHaveProperty('budget');
    expect(existsSync(path.join(out, 'structured', 'tiny-detector.channels20.onnx'))).toBe(true);
    // The structured cut is calibrated on the demo images, and says what the same cut scores without calibration.
    expect(text).toMatch(/reconstruction: \d+ consumer convs refit from 20 unlabelled images/);
    const blind = Number(/without calibration [^\n]*mAP50 ([01]\.\d{3})\n/.exec(text)?.[1]);
    const structured = JSON.parse(readFileSync(path.join(out, 'structured', 'report.json'), 'utf8')) as { accuracy: { candidate: { map50: number } } };
    expect(blind).toBeGreaterThanOrEqual(0);
    expect(structured.accuracy.candidate.map50).toBeGreaterThan(blind);
    // Step 4: the structured model quantized to INT8, with its measured speed, size and mAP against the original.
    expect(text).toContain('== 4. INT8: the structured model quantized');
    expect(text).toMatch(/calibration: percentile over 20 images/);
    expect(text).toMatch(/fusion: (\d+) of \1 quantized convs run as integer kernels/);
    const stages = text.slice(text.indexOf('stages against the original')).split('\n').slice(1, 5).map((l) => l.trim().split(/\s{2,}/));
    expect(stages.map((r) => r[0])).toEqual(['stage', 'original', 'structured', 'structured + INT8']);
    expect(stages[3]![1]).toBe('tiny-detector.channels20.int8.onnx');
    expect(stages[3]![6]).toMatch(/^\d+\.\d\d× \(\d+\.\d\d–\d+\.\d\d\)$/);
    const int8 = JSON.parse(readFileSync(path.join(out, 'int8', 'report.json'), 'utf8')) as { size: { base: { fileBytes: number }; candidate: { fileBytes: number } }; accuracy: { candidate: { map50: number } } };
    expect(int8.size.candidate.fileBytes).toBeLessThan(int8.size.base.fileBytes * 0.6);
    expect(int8.accuracy.candidate.map50).toBeGreaterThan(0.5);
  });
});
