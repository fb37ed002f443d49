/**
 * Does the proxy rank like mAP? LeYOLO-Nano, seven channel groups cut alone at 50% (calibrated on coco128 images
 * 1–16): the agreement proxy on images 1–16 against the real mAP50 drop on images 65–112 (labels; no image in
 * both). The residual streams (model.5.layers.2, model.10.layers.2, model.17.layers.2) must rank among the most
 * sensitive, and Spearman's correlation must be high. The correlations are printed for the record.
 */
import { expect, it } from 'vitest';
import { serializeOnnx } from '../../src/io/onnx/index.js';
import { loadOnnx } from '../../src/files/onnx-file.js';
import { collectCalibration } from '../../src/prune/structured/index.js';
import { referenceOf, relativeDrop, scoreModel } from '../../src/search/evaluate.js';
import { openImageSet } from '../../src/search/images.js';
import { spearman } from '../../src/search/proxy.js';
import { setSource } from '../../src/search/run-sensitivity.js';
import { buildCandidate, groupUnits } from '../../src/search/units.js';
import { describeFixtures, fixture } from '../helpers/fixtures.js';

const ROOTS = ['model.5.layers.2', 'model.10.layers.2', 'model.17.layers.2', 'model.8.layers.0.c', 'model.13.layers.0.c', 'model.30.c', 'model.34.layers.0.c'];
const RESIDUAL = ROOTS.slice(0, 3);

describeFixtures('search proxy vs real mAP50 (LeYOLO-Nano)', () => {
  it('ranks single-group cuts like the real mAP50 drop on held-out images', async () => {
    const file = fixture('models', 'LeYOLONano-640.onnx');
    const data = fixture('datasets', 'coco128', 'coco128.yaml');
    const model = await loadOnnx(file);
    const original = serializeOnnx(model);
    const proxySet = await openImageSet({ data, model: file, range: { first: 1, last: 16 } });
    const heldOut = await openImageSet({ data, model: file, range: { first: 65, last: 112 } });
    const proxyRef = await referenceOf(original, proxySet);
    const realRef = await referenceOf(original, heldOut);
    const cal = await collectCalibration(model, {}, setSource(proxySet, 16), { threads: 1 });
    const units = groupUnits(model).filter((u) => ROOTS.includes(u.root));
    expect(units.map((u) => u.root).sort()).toEqual([...ROOTS].sort());
    const rows = [];
    for (const u of units) {
      const bytes = serializeOnnx(buildCandidate(model, units, new Map([[u.id, 0.5]]), { roundTo: 16, calibration: cal.stats }).model);
      const p = await scoreModel(bytes, proxyRef);
      const r = await scoreModel(bytes, realRef);
      rows.push({ root: u.root, proxy: relativeDrop(proxyRef.score.agreement, p.agreement), outputError: p.outputError, real: relativeDrop(realRef.score.map50, r.map50) });
    }
    const rho = spearman(rows.map((r) => r.proxy), rows.map((r) => r.real));
    const rhoOut = spearman(rows.map((r) => r.outputError), rows.map((r) => r.real));
    console.log(`proxy rank correlation (7 groups at 50%): agreement ${rho.toFixed(2)}, head-output error ${rhoOut.toFixed(2)}\n`
      + rows.map((r) => `  ${r.root.padEnd(22)} proxy ${(100 * r.proxy).toFixed(1)}%  output error ${r.outputError.toFixed(3)}  real mAP50 drop ${(100 * r.real).toFixed(1)}%`).join('\n'));
    expect(rho).toBeGreaterThanOrEqual(0.75);
    const byProxy = [...rows].sort((a, b) => b.proxy - a.proxy).slice(0, 3).map((r) => r.root);
    expect(byProxy.sort()).toEqual([...RESIDUAL].sort());
  }, 600_000);
});
