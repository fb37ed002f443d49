/**
 * `prunekit optimize` / `sensitivity` on the demo detector (in the repository): the config round trip
 * (optimize → config → `prune --structured --config --calib` gives the same model, byte for byte), the reports,
 * which images served what, and bad input (no --data, overlapping image ranges → exit 2).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bufferIO } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import { loadOnnx } from '../../src/files/onnx-file.js';
import type { SearchJson } from '../../src/search/report-json.js';
import { REPO_ROOT, tempDir } from '../helpers/fixtures.js';

const MODEL = path.join(REPO_ROOT, 'demo', 'tiny-detector.onnx');
const DATA = path.join(REPO_ROOT, 'demo', 'data', 'data.yaml');
const SCAN = ['--ratios', '0.25,0.5', '--latency-rounds', '3', '--workers', '1'];
const FAST = [...SCAN, '--pareto-rounds', '3', '--max-verifications', '4'];

describe('prunekit optimize', () => {
  it('writes a model whose config rebuilds it byte for byte through prune --structured --config', async () => {
    const dir = await tempDir();
    const out = path.join(dir, 'opt.onnx');
    const io = bufferIO();
    const code = await runCli(['optimize', MODEL, '--data', DATA, '--search-images', '1-10', '--val-split', '11-20', '--max-drop', 'map50=5%', ...FAST, '-o', out, '--json', path.join(dir, 's.json'), '--html', path.join(dir, 's.html')], io);
    const j = JSON.parse(await readFile(path.join(dir, 's.json'), 'utf8')) as SearchJson;
    expect([0, 1], io.text()).toContain(code);
    expect(code === 0).toBe(j.optimize!.feasible && j.optimize!.measured.holds);
    expect(j.images.search).toMatch(/images 1–10$/);
    expect(j.images.measurement).toMatch(/images 11–20$/);
    expect(j.images.inSample).toBe(false);
    expect(j.images.calibration).toMatch(/^10 images of .*images 1–10$/);
    expect(j.optimize!.pareto[0]!.via).toBe('original');
    // acceptance: the corrected bound within the budget; a written cut is measurably faster than the original
    const sel = j.optimize!.selection!;
    expect(sel.family).toBe(j.optimize!.explored.length);
    for (const e of j.optimize!.explored) expect(e.accepted).toBe(e.gain > 0 && e.selectionBound <= 0.05 + 1e-12);
    const chosenPoint = j.optimize!.pareto.find((p) => p.chosen);
    if (sel.kept === 'candidate' && sel.speedRule) expect(chosenPoint!.ciLow).toBeGreaterThan(1);
    if (sel.kept === 'original') expect(chosenPoint!.via).toBe('original');
    expect(io.text()).toMatch(/measured on .*images 11–20: mAP50 /);
    const config = path.join(dir, 'opt.config.yaml');
    const header = (await readFile(config, 'utf8')).split('\n')[1]!;
    expect(header).toContain(`--config ${config} --round-to 16 --calib ${path.join(dir, 'opt.config.calib.yaml')} --calib-images 10`);
    const again = path.join(dir, 'again.onnx');
    const io2 = bufferIO();
    expect(await runCli(['prune', MODEL, '--structured', '--config', config, '--round-to', '16', '--calib', path.join(dir, 'opt.config.calib.yaml'), '--calib-images', '10', '-o', again], io2), io2.text()).toBe(0);
    expect(Buffer.compare(await readFile(out), await readFile(again))).toBe(0);
    const html = await readFile(path.join(dir, 's.html'), 'utf8');
    expect(html).toContain('Which images served what');
    expect(html).toContain('Pareto front and chosen point');
  }, 240_000);

  it('--int8: INT8 on top of the structured stage; the layers the search kept float are float in the written model', async () => {
    const dir = await tempDir();
    const out = path.join(dir, 'q.onnx');
    const io = bufferIO();
    const code = await runCli(['optimize', MODEL, '--data', DATA, '--search-images', '1-10', '--val-split', '11-20', '--max-drop', 'map50=5%', ...FAST, '--int8', '-o', out, '--json', path.join(dir, 's.json'), '--html', path.join(dir, 's.html')], io);
    const j = JSON.parse(await readFile(path.join(dir, 's.json'), 'utf8')) as SearchJson;
    const s = j.int8!;
    expect(code === 0, io.text()).toBe(s.feasible && s.measured.holds);
    expect(j.optimize!.output).toBe(path.join(dir, 'q.structured.onnx'));
    expect(s.measured.set).toMatch(/images 11–20$/);
    expect(s.probes.length).toBeGreaterThan(0);
    // the default acceptance: no margin, the 90% paired-bootstrap bound (Bonferroni-corrected at the selection)
    expect(s.threshold).toBeCloseTo(0.05, 12);
    expect(s.selection.confidence).toBe(0.9);
    expect(s.selection.correctedLevel).toBeCloseTo(1 - 0.1 / s.selection.family, 12);
    for (const p of s.probes) expect(p.holds).toBe(p.bound <= 0.05 + 1e-12);
    for (const p of s.probes) expect(p.bound).toBeGreaterThanOrEqual(p.drop - 0.05);
    for (const c of s.candidates) expect(c.bound).toBeLessThanOrEqual(0.05 + 1e-12);
    expect(s.units.length).toBeGreaterThan(0);
    for (const u of s.units) expect(Number.isFinite(u.keptFloatGainDb) && Number.isFinite(u.quantizedSqnrDb), u.node).toBe(true);
    const html = await readFile(path.join(dir, 's.html'), 'utf8');
    expect(html).toContain('INT8 on top: which layers stay float');
    expect(html).toContain(s.measured.holds ? '— holds' : '— BROKEN');
    const g = (await loadOnnx(out)).proto.graph!;
    const dq = new Set(g.node.filter((n) => n.opType === 'DequantizeLinear').map((n) => n.output[0]));
    if (s.chosen && s.chosen.order !== 'none') {
      expect(io.text()).toMatch(/repeat the INT8 step: prunekit quantize /);
      expect(dq.size).toBeGreaterThan(0);
      // float: the layers the search added, and the ones quantize itself keeps (float prefix, measured placement)
      const float = new Set([...s.chosen.floatLayers, ...s.chosen.quantizeFloat]);
      expect(s.quantize[0]!.placement).toMatch(/all layers integer|stem float/);
      const convs = g.node.filter((x) => x.opType === 'Conv');
      for (const n of convs.filter((x) => float.has(x.name))) expect(dq.has(n.input[1]), n.name).toBe(false);
      // every conv left out of the float set is integer, except the DFL projection (never an INT8 unit)
      for (const n of convs.filter((x) => !float.has(x.name) && !x.name.includes('/dfl/'))) expect(dq.has(n.input[1]), n.name).toBe(true);
    }
  }, 300_000);

  it('exits 2 without --data, with overlapping image ranges, and with a budget on another metric', async () => {
    const dir = await tempDir();
    const cases: Array<[string[], RegExp]> = [
      [['-o', path.join(dir, 'a.onnx')], /missing --data/],
      [['--data', DATA, '--search-images', '1-12', '--val-split', '10-20', '-o', path.join(dir, 'b.onnx')], /overlaps --val-split/],
      [['--data', DATA, '--max-drop', 'precision=1%', '-o', path.join(dir, 'c.onnx')], /map50 or map50-95/],
      [['--data', DATA, '--val-split', '1-5', '-o', path.join(dir, 'd.onnx')], /give --search-images too/],
      [['--data', DATA, '--confidence', '1.2', '-o', path.join(dir, 'e.onnx')], /--confidence 1.2: expected a one-sided confidence/],
    ];
    for (const [args, message] of cases) {
      const io = bufferIO();
      expect(await runCli(['optimize', MODEL, ...args], io), io.text()).toBe(2);
      expect(io.text()).toMatch(message);
    }
  });
});

describe('prunekit sensitivity', () => {
  it('prints one row per channel group and says the proxy was scored on which images', async () => {
    const dir = await tempDir();
    const io = bufferIO();
    const code = await runCli(['sensitivity', MODEL, '--data', DATA, '--search-images', '1-6', '--proxy-images', '4', ...SCAN, '--int8', '--json', path.join(dir, 's.json')], io);
    expect(code, io.text()).toBe(0);
    const j = JSON.parse(await readFile(path.join(dir, 's.json'), 'utf8')) as SearchJson;
    expect(j.images.proxy).toMatch(/images 1–6 \(first 4\)$/);
    expect(j.images.inSample).toBe(true);
    expect(j.units.length).toBeGreaterThan(5);
    for (const u of j.units) expect(u.points.map((p) => p.ratio)).toEqual([0.25, 0.5]);
    expect(io.text()).toMatch(/proxy rank correlation with the real mAP50 drop/);
    // --int8: one row per layer quantize makes integer, none of them a float-prefix layer
    const q = j.int8Units!;
    expect(q.units.length).toBeGreaterThan(3);
    expect(q.images.calibration).toMatch(/images 1–6$/);
    for (const u of q.units) {
      expect(q.quantize.floatPrefix).not.toContain(u.node);
      expect(Number.isFinite(u.quantizedSqnrDb) && Number.isFinite(u.keptFloatGainDb) && u.keptFloatSpeed > 0, u.node).toBe(true);
    }
    expect(io.text()).toMatch(/INT8 units \(\d+\) of the model as `prunekit quantize` makes it/);
  }, 240_000);
});
