/**
 * The web page against the CLI, same machine, interleaved rounds (dev benchmark; needs /usr/bin/chromium):
 * - bundle size: the built page's JavaScript, gzip -9 (onnxruntime-web's wasm and its loader listed apart);
 * - prune of the 28 MB TokenC3 model (unstructured, preset tokenc3-lsnet, target 0.1): the page's time from
 *   dropping the file to the pruned summary (read + parse + inspect + prune + inspect of the result) and the
 *   worker's prune time alone, vs `pruneFile` (what `prunekit prune` runs: read, prune, write);
 * - val throughput on coco128 (images/s, whole call incl. session creation) in the page (onnxruntime-web wasm,
 *   the browser's JPEG decoder) vs `validate` (onnxruntime-node, sharp), at the same intra-op thread count.
 *
 * Usage: flock /tmp/prunekit-bench.lock npx tsx bench/web.ts [rounds=3]   → bench/results/web.json
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { validate } from '../src/eval/validate.js';
import { pruneFile } from '../src/files/prune-file.js';
import { buildPage, openPage, waitFor } from '../test/web/browser.js';
import { saveResult } from './lib/results.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const FIX = process.env.PRUNEKIT_FIXTURES ?? path.resolve(here, '..', '..', 'shared', 'fixtures');
const TOKENC3 = path.join(FIX, 'models', 'yolov13n-tokenc3-lsnet-random.onnx');
const MODEL = path.join(FIX, 'models', 'LeYOLONano-640.onnx');
const COCO128 = path.join(FIX, 'datasets', 'coco128');
const ROUNDS = Number(process.argv[2] ?? 3);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const dist = await buildPage();
const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]));
const bundle = files(dist).map((f) => ({ file: path.relative(dist, f), bytes: statSync(f).size, gzip: gzipSync(readFileSync(f), { level: 9 }).length }));
const js = bundle.filter((b) => b.file.startsWith('assets/') && b.file.endsWith('.js'));
const core = { bytes: js.reduce((a, b) => a + b.bytes, 0), gzip: js.reduce((a, b) => a + b.gzip, 0) };
console.log(`bundle: page + worker JavaScript ${core.bytes} B, gzip ${core.gzip} B (goal ≤ 300 KB); ort/: ${bundle.filter((b) => b.file.startsWith('ort/')).map((b) => `${b.file} ${b.bytes} B (gzip ${b.gzip})`).join(', ')}`);

const out = await mkdtemp(path.join(os.tmpdir(), 'prunekit-bench-web-'));
const prune = { pageWallS: [] as number[], pageWorkerS: [] as number[], cliS: [] as number[] };
const val: Record<number, { pageIps: number[]; cliIps: number[] }> = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const threads of [1, 2]) {
    const s = await openPage(dist, `?threads=${threads}`);
    try {
      if (threads === 1) {
        const t0 = performance.now();
        await s.page.setInputFiles('#model-input', TOKENC3);
        await waitFor(s.page, '#layer-count');
        await s.page.selectOption('#mode', 'unstructured');
        await s.page.selectOption('#preset', 'tokenc3-lsnet');
        await s.page.fill('#target', '0.1');
        await s.page.click('#run-prune');
        await waitFor(s.page, '#prune-summary');
        prune.pageWallS.push((performance.now() - t0) / 1000);
        const txt = (await s.page.textContent('#prune-summary')) ?? '';
        prune.pageWorkerS.push(Number(/time([\d.]+) s/.exec(txt)?.[1]));
        const c0 = performance.now();
        await pruneFile(TOKENC3, path.join(out, `tokenc3-${round}.onnx`), { preset: 'tokenc3-lsnet', target: 0.1, force: true });
        prune.cliS.push((performance.now() - c0) / 1000);
        console.log(`round ${round}: prune TokenC3 page ${prune.pageWallS.at(-1)!.toFixed(2)} s (worker prune ${prune.pageWorkerS.at(-1)} s), CLI pruneFile ${prune.cliS.at(-1)!.toFixed(2)} s`);
      }
      await s.page.setInputFiles('#model-input', MODEL);
      await waitFor(s.page, '#layer-count');
      await s.page.setInputFiles('#data-input', COCO128);
      await s.page.click('#run-val');
      await waitFor(s.page, '#val-table');
      const ips = Number(/([\d.]+) images\/s/.exec((await s.page.textContent('#val-result')) ?? '')?.[1]);
      const r = await validate({ model: MODEL, data: path.join(COCO128, 'coco128.yaml'), threads });
      const entry = (val[threads] ??= { pageIps: [], cliIps: [] });
      entry.pageIps.push(ips);
      entry.cliIps.push(r.images / (r.wallMs / 1000));
      console.log(`round ${round}, ${threads} thread(s): val coco128 page ${ips} images/s, CLI validate ${entry.cliIps.at(-1)!.toFixed(2)} images/s`);
    } finally {
      await s.close();
    }
  }
}
const result = {
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model },
  bundle: { files: bundle, javascript: core, goalGzipBytes: 300 * 1024 },
  pruneTokenC3: { ...prune, medianPageWallS: median(prune.pageWallS), medianPageWorkerS: median(prune.pageWorkerS), medianCliS: median(prune.cliS), ratioWall: median(prune.pageWallS) / median(prune.cliS), goalRatio: 2 },
  valCoco128: Object.fromEntries(Object.entries(val).map(([t, v]) => [t, { ...v, medianPageIps: median(v.pageIps), medianCliIps: median(v.cliIps), ratio: median(v.pageIps) / median(v.cliIps) }])),
};
console.log(JSON.stringify({ prune: result.pruneTokenC3, val: result.valCoco128 }, null, 1));
saveResult('web', result);
